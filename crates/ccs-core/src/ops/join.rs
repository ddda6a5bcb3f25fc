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
    /// The same invitation as a join link (`ccs://join?invitation=…`), to
    /// send instead of the file: opened with the same passphrase.
    pub link: String,
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
    let link = link_for(sealed.as_bytes());
    let file = to
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(PersonInviteOutcome {
        path: to.display().to_string(),
        nodes: nodes.into_iter().map(|n| n.cluster_api).collect(),
        link,
        summary: format!(
            "Send \"{file}\" to {} (by Signal or email), and tell them the passphrase another way (by phone or in person). They open it in the app with \"Join with an invitation\".",
            for_person.as_deref().unwrap_or("the person")
        ),
    })
}

/// The scheme of a join link: `ccs://join?invitation=…`, the sealed
/// invitation itself (base64url), for a person to open with one click.
pub const LINK_SCHEME: &str = "ccs";
/// The longest join link taken (an invitation naming several nodes is ~2 KB).
const LINK_MAX: usize = 16 * 1024;

/// The join link that carries the sealed invitation `sealed` (what
/// [`invite_person`] wrote): as safe to send as the file, and opened with the
/// same passphrase.
pub fn link_for(sealed: &[u8]) -> String {
    use base64::Engine;
    format!(
        "{LINK_SCHEME}://join?invitation={}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sealed)
    )
}

/// Whether `text` is meant as a join link (then [`sealed_from_link`] judges it).
pub fn is_link(text: &str) -> bool {
    text.get(..LINK_SCHEME.len() + 1)
        .is_some_and(|p| p.eq_ignore_ascii_case(&format!("{LINK_SCHEME}:")))
}

/// The sealed invitation a join link carries. A link comes from outside
/// and is never trusted: anything but exactly `ccs://join?invitation=<base64url
/// of a sealed invitation>` is refused, and nothing is opened, written or
/// connected here.
pub fn sealed_from_link(link: &str) -> Result<Vec<u8>> {
    use base64::Engine;
    let refused = || {
        Error::InvalidInput(
            "This link is not an invitation to join a Community Cloud Storage network (it may be cut short or changed): ask the person who runs the network to send it again.".into(),
        )
    };
    if link.len() > LINK_MAX {
        return Err(refused());
    }
    let url = url::Url::parse(link.trim()).map_err(|_| refused())?;
    let plain = url.scheme() == LINK_SCHEME
        && url.host_str() == Some("join")
        && url.username().is_empty()
        && url.password().is_none()
        && url.port().is_none()
        && matches!(url.path(), "" | "/")
        && url.fragment().is_none();
    if !plain {
        return Err(refused());
    }
    let mut pairs = url.query_pairs();
    let (Some((key, value)), None) = (pairs.next(), pairs.next()) else {
        return Err(refused());
    };
    if key != "invitation" {
        return Err(refused());
    }
    let sealed = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(value.as_bytes())
        .map_err(|_| refused())?;
    // Whole: a link cut short (a chat that wrapped it) ends before the armor does.
    let whole = std::str::from_utf8(&sealed)
        .is_ok_and(|t| t.trim_end().ends_with("-----END AGE ENCRYPTED FILE-----"));
    if !invite::is_sealed(&sealed) || !whole {
        return Err(refused());
    }
    Ok(sealed)
}

/// Opens the invitation at `path` (a file, or a join link) with `passphrase`.
fn open(path: &Path, passphrase: &str) -> Result<PersonInvitation> {
    let link = path.to_str().filter(|p| is_link(p));
    let bytes = match link {
        Some(link) => sealed_from_link(link)?,
        None => std::fs::read(path).map_err(|e| read_error(path, e))?,
    };
    let path = if link.is_some() {
        Path::new("the link")
    } else {
        path
    };
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
    fn a_join_link_carries_the_sealed_invitation_and_nothing_else_is_taken() {
        let dir = tempfile::tempdir().unwrap();
        let node = InvitedNode {
            cluster_api: "http://127.0.0.1:1".into(),
            gateway: None,
        };
        let file = sealed(dir.path(), &invitation(vec![node]), "four words for you");
        let bytes = std::fs::read(&file).unwrap();
        let link = link_for(&bytes);
        assert!(link.starts_with("ccs://join?invitation="), "{link}");
        assert!(is_link(&link) && is_link("CCS://x") && !is_link("/home/ann/x.ccsinvite"));
        assert_eq!(sealed_from_link(&link).unwrap(), bytes);
        // Opened as the file is, with the same passphrase.
        let opened = open(Path::new(&link), "four words for you").unwrap();
        assert_eq!(opened.for_person.as_deref(), Some("Ann"));
        assert!(matches!(
            open(Path::new(&link), "four words for me"),
            Err(Error::WrongPassphrase)
        ));
        // Anything else is refused, in one sentence.
        let payload = link.split_once('=').unwrap().1;
        let plain = base64::Engine::encode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            b"not sealed at all",
        );
        for bad in [
            format!("http://join?invitation={payload}"),
            format!("ccs://other?invitation={payload}"),
            format!("ccs://join/x?invitation={payload}"),
            format!("ccs://join?invitation={payload}&node=http://evil:9094"),
            format!("ccs://join?node={payload}"),
            format!("ccs://join?invitation={payload}#x"),
            format!("ccs://ann@join?invitation={payload}"),
            format!("ccs://join:99?invitation={payload}"),
            format!("ccs://join?invitation={}", &payload[..payload.len() / 2]),
            format!("ccs://join?invitation={plain}"),
            "ccs://join?invitation=***".to_string(),
            "ccs://join".to_string(),
            format!("ccs://join?invitation={}", "A".repeat(20_000)),
        ] {
            let e = sealed_from_link(&bad)
                .err()
                .unwrap_or_else(|| panic!("taken: {bad}"));
            assert!(
                e.to_string().starts_with("This link is not an invitation"),
                "{bad}: {e}"
            );
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
