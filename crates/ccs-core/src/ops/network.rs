//! Node files: a new network's first node, a partner's node file (clone /
//! invite), and opening a sealed invitation. Nothing is written unless the
//! whole job succeeded, and an existing file is never replaced without leave.
//! Each new node file carries its node's organisation and site ([`Place`]),
//! checked as typed input: the input file's own place is never passed on.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::deploy::compose::NodeFile;
use crate::deploy::invite;
use crate::deploy::place::Place;
use crate::error::{Error, Result};
use crate::local::files::{read_error, refuse_existing};
use crate::local::settings::write_private;

/// Where a node file goes: a file (mode 0600), or back to the caller as text
/// (the command line prints it).
#[derive(Debug, Clone, Default)]
pub struct Destination {
    pub path: Option<PathBuf>,
    /// Replace an existing file at `path` (the person agreed).
    pub replace: bool,
}

/// A node file written or rendered.
#[derive(Debug, Clone, Serialize)]
pub struct Written {
    /// The file written, or `None` when the text is returned.
    pub path: Option<PathBuf>,
    /// The contents when not written to a file.
    #[serde(skip)]
    pub text: Option<String>,
    pub peername: String,
}

fn write(node: &NodeFile, contents: String, to: &Destination) -> Result<Written> {
    match &to.path {
        Some(path) => {
            write_private(path, contents.as_bytes())?;
            Ok(Written {
                path: Some(path.clone()),
                text: None,
                peername: node.peername.clone(),
            })
        }
        None => Ok(Written {
            path: None,
            text: Some(contents),
            peername: node.peername.clone(),
        }),
    }
}

fn check_destination(to: &Destination) -> Result<()> {
    match &to.path {
        Some(p) => refuse_existing(p, to.replace),
        None => Ok(()),
    }
}

/// The largest file read as a node file (ours are under 10 KB, with an
/// operator's additions far under this).
pub const NODE_FILE_MAX_BYTES: u64 = 1024 * 1024;

/// A member's node file, read as text. A sealed invitation or a file that is
/// not text is named as such (not as a YAML error).
pub fn read_node_file(path: &Path) -> Result<NodeFile> {
    // A node file is a few kilobytes; anything opened as one is read whole,
    // so a large file is refused before it is read.
    let meta = std::fs::metadata(path).map_err(|e| read_error(path, e))?;
    if meta.len() > NODE_FILE_MAX_BYTES {
        return Err(Error::InvalidInput(format!(
            "\"{}\" is too large to be a node file (they are a few kilobytes). Choose the file made by create, clone or invite.",
            path.display()
        )));
    }
    let bytes = std::fs::read(path).map_err(|e| read_error(path, e))?;
    if invite::is_sealed(&bytes) {
        return Err(Error::InvalidInput(format!(
            "\"{}\" is sealed: open it first with `community-cloud-storage invite open {}` (or ask the sender for the plain file).",
            path.display(),
            path.display()
        )));
    }
    let text = String::from_utf8(bytes).map_err(|_| {
        Error::InvalidInput(format!(
            "\"{}\" is not a node file (it is not text). Choose the file made by create, clone or invite.",
            path.display()
        ))
    })?;
    NodeFile::parse(&text)
}

/// Starts a new network: its first node's file, with fresh secrets, at
/// `place` (its organisation and site; either may be empty).
pub fn create(peername: &str, place: &Place, to: &Destination) -> Result<Written> {
    let place = place.checked()?;
    check_destination(to)?;
    let mut node = NodeFile::create(peername.trim())?;
    node.place = place;
    let text = node.render();
    write(&node, text, to)
}

/// A partner's node file.
// No Debug: it holds a passphrase, which is never to be printed or logged.
#[derive(Clone, Default)]
pub struct InviteRequest {
    /// Any member's node file of this network.
    pub network_file: PathBuf,
    /// The partner's tailnet host name.
    pub partner: String,
    /// The member it joins through.
    pub bootstrap_host: String,
    /// Seal the file with this passphrase (age) when given.
    pub passphrase: Option<String>,
    /// Check that `bootstrap_host` resolves on this computer first.
    pub check_host: bool,
    /// The partner's organisation and site (not the input file's: a partner
    /// is another organisation); empty when not given.
    pub place: Place,
}

/// An invitation, and the checklist for the person who installs it.
#[derive(Debug, Clone, Serialize)]
pub struct InviteOutcome {
    pub written: Written,
    pub sealed: bool,
    pub checklist: String,
}

/// Writes a partner's node file (same network secrets, new identities, the
/// partner's own place), sealed when a passphrase is given, with the checklist
/// for whoever installs it.
pub fn invite(request: &InviteRequest, to: &Destination) -> Result<InviteOutcome> {
    let place = request.place.checked()?;
    check_destination(to)?;
    let source = read_node_file(&request.network_file)?;
    let mut partner = source.clone_for(request.partner.trim(), request.bootstrap_host.trim())?;
    partner.place = place;
    if request.check_host {
        invite::check_host_resolves(request.bootstrap_host.trim())?;
    }
    let passphrase = request.passphrase.as_deref().filter(|p| !p.is_empty());
    let text = partner.render();
    let contents = match passphrase {
        Some(p) => invite::seal(&text, p)?,
        None => text,
    };
    let file_name = to
        .path
        .as_deref()
        .and_then(Path::file_name)
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| format!("{}.yml", partner.peername));
    let checklist = invite::checklist(&partner, &file_name, passphrase.is_some());
    Ok(InviteOutcome {
        written: write(&partner, contents, to)?,
        sealed: passphrase.is_some(),
        checklist,
    })
}

/// Opens a sealed invitation: the plain node file.
pub fn open_invitation(file: &Path, passphrase: &str, to: &Destination) -> Result<Written> {
    check_destination(to)?;
    let sealed = std::fs::read(file).map_err(|e| read_error(file, e))?;
    if !invite::is_sealed(&sealed) {
        return Err(Error::InvalidInput(format!(
            "\"{}\" is not a sealed invitation; if it is a plain node file, use it as it is.",
            file.display()
        )));
    }
    let text = invite::open(&sealed, passphrase)?;
    let node = NodeFile::parse(&text)?;
    write(&node, text, to)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_files_are_read_as_text_and_sealed_ones_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("acme.yml");
        let out = create(
            "acme",
            &Place::default(),
            &Destination {
                path: Some(plain.clone()),
                replace: false,
            },
        )
        .unwrap();
        assert_eq!(out.peername, "acme");
        assert_eq!(read_node_file(&plain).unwrap().peername, "acme");
        // Never over an existing file without leave.
        let again = create(
            "acme",
            &Place::default(),
            &Destination {
                path: Some(plain.clone()),
                replace: false,
            },
        );
        assert_eq!(again.unwrap_err().code(), "already_exists");

        let sealed = dir.path().join("sealed.yml");
        let request = InviteRequest {
            network_file: plain.clone(),
            partner: "leeds".into(),
            bootstrap_host: "acme".into(),
            passphrase: Some("correct horse".into()),
            check_host: false,
            place: Place::default(),
        };
        let inv = invite(
            &request,
            &Destination {
                path: Some(sealed.clone()),
                replace: false,
            },
        )
        .unwrap();
        assert!(inv.sealed);
        assert!(inv.checklist.contains("sealed.yml"));
        let e = read_node_file(&sealed).unwrap_err();
        assert!(e.to_string().contains("is sealed"), "{e}");
        let opened = open_invitation(&sealed, "correct horse", &Destination::default()).unwrap();
        assert_eq!(opened.peername, "leeds");
        assert_eq!(
            open_invitation(&sealed, "wrong", &Destination::default())
                .unwrap_err()
                .code(),
            "wrong_passphrase"
        );

        let binary = dir.path().join("photo.jpg");
        std::fs::write(&binary, [0xff, 0xd8, 0xff, 0x00, 0x80]).unwrap();
        let e = read_node_file(&binary).unwrap_err();
        assert!(e.to_string().contains("not text"), "{e}");
        // A large file opened as one is refused unread (sparse: no disk used).
        let large = dir.path().join("export.yml");
        std::fs::File::create(&large)
            .unwrap()
            .set_len(NODE_FILE_MAX_BYTES + 1)
            .unwrap();
        let e = read_node_file(&large).unwrap_err();
        assert!(e.to_string().contains("too large to be a node file"), "{e}");
        assert_eq!(e.code(), "invalid_input");
        assert_eq!(
            read_node_file(&dir.path().join("missing.yml"))
                .unwrap_err()
                .code(),
            "path_not_found"
        );
    }

    #[test]
    fn each_new_file_carries_its_own_place_checked() {
        let dir = tempfile::tempdir().unwrap();
        let leeds = dir.path().join("leeds.yml");
        let to = |path: &Path| Destination {
            path: Some(path.to_path_buf()),
            replace: false,
        };
        // A place from elsewhere (the app's form) is trimmed and checked too.
        let typed = Place {
            organisation: Some(" Leeds Community Archive ".into()),
            site: Some("Leeds, UK".into()),
        };
        create("leeds", &typed, &to(&leeds)).unwrap();
        let node = read_node_file(&leeds).unwrap();
        assert_eq!(node.place, typed.checked().unwrap());
        assert_eq!(
            node.place.organisation.as_deref(),
            Some("Leeds Community Archive")
        );

        // The partner gets its own place, or none; never the input's.
        let bristol = Place::new(Some("Bristol Archives"), Some("Bristol, UK")).unwrap();
        let mut request = InviteRequest {
            network_file: leeds.clone(),
            partner: "bristol".into(),
            bootstrap_host: "leeds".into(),
            place: bristol.clone(),
            ..InviteRequest::default()
        };
        let partner = dir.path().join("bristol.yml");
        invite(&request, &to(&partner)).unwrap();
        assert_eq!(read_node_file(&partner).unwrap().place, bristol);
        request.partner = "york".into();
        request.place = Place::default();
        let york = dir.path().join("york.yml");
        invite(&request, &to(&york)).unwrap();
        assert!(read_node_file(&york).unwrap().place.is_empty());

        // A bad place: one sentence, nothing written.
        let bad = Place {
            organisation: None,
            site: Some("default".into()),
        };
        let refused = dir.path().join("refused.yml");
        assert_eq!(
            create("x", &bad, &to(&refused)).unwrap_err().code(),
            "invalid_input"
        );
        request.place = Place {
            organisation: Some("two\nlines".into()),
            site: None,
        };
        assert_eq!(
            invite(&request, &to(&refused)).unwrap_err().code(),
            "invalid_input"
        );
        assert!(!refused.exists());
    }
}
