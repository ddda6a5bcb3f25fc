//! Joining by invitation (issue #17). An administrator, connected to the
//! network, makes an *invitation for a person*: not a node file, but what the
//! app needs to connect (the member nodes' addresses, a user name and a
//! password), sealed with a passphrase (age, as node files are). The person
//! opens it in one step: the app (or `ccs join FILE`) asks for the
//! passphrase, tries the nodes in turn, keeps the password in the keychain
//! and makes the first node that answers this computer's node.
//!
//! The account is the node's own REST API account, the one the administrator
//! is connected with: every person connecting through a node shares it.
//! IPFS Cluster can hold several user/password pairs per node
//! (`CLUSTER_RESTAPI_BASICAUTHCREDENTIALS`), but each new pair needs the
//! node restarted, and a shared account lets a person be invited without
//! touching any node. Removing a person therefore means changing that node's
//! password and sending the others new invitations (see the README).

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::Session;
use super::connect::{ConnectionReport, profile_for_address, remember, try_profile};
use super::session::DEFAULT_USERNAME;
use crate::deploy::invite;
use crate::error::{Error, Result};
use crate::local::files::{read_error, refuse_existing};
use crate::local::settings::{NodeProfile, write_private};

/// The extension of an invitation for a person (the app opens these files).
pub const EXTENSION: &str = "ccsinvite";
const FORMAT: &str = "ccs-person-invitation/1";

/// A member node the invitation names.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
struct InvitedNode {
    cluster_api: String,
    gateway: Option<String>,
}

/// What the sealed file holds. Never logged: it carries a password (hence
/// no `Debug`).
#[derive(Serialize, Deserialize)]
struct PersonInvitation {
    format: String,
    /// Whom it is for, as the administrator typed it.
    for_person: Option<String>,
    /// Tried in order.
    nodes: Vec<InvitedNode>,
    username: String,
    password: String,
    /// `user@host` of the administrator, and when (RFC 3339).
    invited_by: String,
    invited_at: String,
}

/// What an administrator asks for (no `Debug`: it holds the passphrase).
#[derive(Clone, Default)]
pub struct PersonInviteRequest {
    /// Whom it is for (shown to them when they join), if given.
    pub for_person: Option<String>,
    /// More member nodes to try after the connected one (host names or
    /// addresses, as in Settings).
    pub more_nodes: Vec<String>,
    pub passphrase: String,
}

/// What was written.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PersonInviteOutcome {
    /// The file written.
    pub path: String,
    /// The nodes' addresses, in the order the person's app tries them.
    pub nodes: Vec<String>,
    /// What to tell the administrator, one sentence.
    pub summary: String,
}

/// What joining did.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct JoinOutcome {
    pub connection: ConnectionReport,
    pub for_person: Option<String>,
    pub invited_by: String,
}

/// Writes a sealed invitation for a person at `to` (mode 0600), for the
/// network this computer is connected to. The connection is tried first, so
/// an invitation that cannot work is never sent.
pub async fn invite_person(
    session: &Session,
    request: &PersonInviteRequest,
    to: &Path,
    replace: bool,
) -> Result<PersonInviteOutcome> {
    refuse_existing(to, replace)?;
    let node = session.node()?;
    try_profile(&node.profile).await?;
    let mut nodes = vec![InvitedNode {
        cluster_api: node.profile.cluster_api.clone(),
        gateway: node.profile.gateway.clone(),
    }];
    for address in &request.more_nodes {
        let p = profile_for_address(address)?;
        if !nodes.iter().any(|n| n.cluster_api == p.cluster_api) {
            nodes.push(InvitedNode {
                cluster_api: p.cluster_api,
                gateway: p.gateway,
            });
        }
    }
    let for_person = request
        .for_person
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_owned);
    let invitation = PersonInvitation {
        format: FORMAT.into(),
        for_person: for_person.clone(),
        nodes: nodes.clone(),
        username: node
            .profile
            .username
            .clone()
            .unwrap_or_else(|| DEFAULT_USERNAME.into()),
        password: node.profile.password.clone().unwrap_or_default(),
        invited_by: crate::content::provenance::who(),
        invited_at: crate::content::provenance::now_rfc3339(),
    };
    let text = serde_json::to_string(&invitation)
        .map_err(|e| Error::InvalidInput(format!("The invitation could not be written ({e}).")))?;
    let sealed = invite::seal(&text, &request.passphrase)?;
    write_private(to, sealed.as_bytes())?;
    let file = to
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(PersonInviteOutcome {
        path: to.display().to_string(),
        nodes: nodes.into_iter().map(|n| n.cluster_api).collect(),
        summary: format!(
            "Send \"{file}\" to {} (by Signal or email), and tell them the passphrase another way (by phone or in person). They open it in the app with \"Join with an invitation\".",
            for_person.as_deref().unwrap_or("the person")
        ),
    })
}

/// Opens the invitation at `path` with `passphrase`.
fn open(path: &Path, passphrase: &str) -> Result<PersonInvitation> {
    let bytes = std::fs::read(path).map_err(|e| read_error(path, e))?;
    let not_one = || {
        Error::InvalidInput(format!(
            "\"{}\" is not an invitation to join. Choose the .{EXTENSION} file the person who runs the network sent you.",
            path.display()
        ))
    };
    if !invite::is_sealed(&bytes) {
        return Err(not_one());
    }
    let text = invite::open_text(&bytes, passphrase)?;
    let invitation: PersonInvitation = serde_json::from_str(&text).map_err(|_| {
        if crate::deploy::compose::NodeFile::parse(&text).is_ok() {
            Error::InvalidInput(format!(
                "\"{}\" is an invitation for a partner's node (a compose file), not for a person: it is installed on the partner's server. Ask for an invitation to join (\"Invite a colleague\").",
                path.display()
            ))
        } else {
            not_one()
        }
    })?;
    if invitation.format != FORMAT {
        return Err(Error::InvalidInput(format!(
            "\"{}\" was made by a newer version of this program: update it, then open the invitation again.",
            path.display()
        )));
    }
    if invitation.nodes.is_empty() {
        return Err(not_one());
    }
    Ok(invitation)
}

/// Joins the network of the invitation at `path`: the first of its nodes
/// that answers becomes this computer's node, its password kept in the
/// keychain. When none answers, says whether this computer is on a tailnet.
pub async fn join(session: &mut Session, path: &Path, passphrase: &str) -> Result<JoinOutcome> {
    let invitation = open(path, passphrase)?;
    let mut last = None;
    for node in &invitation.nodes {
        let profile = NodeProfile {
            cluster_api: node.cluster_api.clone(),
            gateway: node.gateway.clone(),
            username: Some(invitation.username.clone()),
            password: Some(invitation.password.clone()),
            ..NodeProfile::default()
        };
        match try_profile(&profile).await {
            Ok(report) => {
                let connection = remember(session, profile, report, true)?;
                return Ok(JoinOutcome {
                    connection,
                    for_person: invitation.for_person,
                    invited_by: invitation.invited_by,
                });
            }
            Err(Error::Unauthorized { .. }) => {
                return Err(Error::InvalidInput(format!(
                    "The network no longer accepts this invitation (its password was changed): ask {} for a new one.",
                    invitation.invited_by
                )));
            }
            Err(e @ (Error::Unreachable { .. } | Error::TimedOut { .. })) => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    if crate::net::tailnet::addresses().is_empty() {
        return Err(Error::NotOnTailnet);
    }
    Err(last.unwrap_or(Error::NotConnected))
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    fn sealed(dir: &Path, invitation: &PersonInvitation, passphrase: &str) -> PathBuf {
        let path = dir.join(format!("x.{EXTENSION}"));
        let text = serde_json::to_string(invitation).unwrap();
        std::fs::write(&path, invite::seal(&text, passphrase).unwrap()).unwrap();
        path
    }

    fn invitation(nodes: Vec<InvitedNode>) -> PersonInvitation {
        PersonInvitation {
            format: FORMAT.into(),
            for_person: Some("Ann".into()),
            nodes,
            username: "ccs-admin".into(),
            password: "secret".into(),
            invited_by: "root@admin".into(),
            invited_at: "2026-12-02T10:00:00Z".into(),
        }
    }

    #[test]
    fn wrong_passphrases_other_files_and_newer_formats_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let node = InvitedNode {
            cluster_api: "http://127.0.0.1:1".into(),
            gateway: None,
        };
        let path = sealed(
            dir.path(),
            &invitation(vec![node.clone()]),
            "four words for you",
        );
        assert!(open(&path, "four words for you").is_ok());
        assert!(matches!(
            open(&path, "four words for me"),
            Err(Error::WrongPassphrase)
        ));

        let plain = dir.path().join("plain.txt");
        std::fs::write(&plain, "hello").unwrap();
        let e = open(&plain, "x").err().unwrap().to_string();
        assert!(e.contains("is not an invitation to join"), "{e}");

        let mut newer = invitation(vec![node]);
        newer.format = "ccs-person-invitation/2".into();
        let path = sealed(dir.path(), &newer, "four words for you");
        let e = open(&path, "four words for you").err().unwrap().to_string();
        assert!(e.contains("newer version"), "{e}");

        let node_file = crate::deploy::compose::NodeFile::create("acme").unwrap();
        let path = dir.path().join("acme.yml.age");
        std::fs::write(
            &path,
            invite::seal(&node_file.render(), "four words for you").unwrap(),
        )
        .unwrap();
        let e = open(&path, "four words for you").err().unwrap().to_string();
        assert!(e.contains("for a partner's node"), "{e}");
    }
}
