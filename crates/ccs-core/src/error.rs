//! One error type for everything the core does. Each variant has a stable code
//! (for the app's `{code, message}` and for scripts) and a message that is one
//! plain sentence saying what happened and what to do next. Messages never carry
//! secrets: URLs are stored without credentials and bodies are never echoed whole.

use std::path::PathBuf;

use serde::Serialize;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(
        "Could not connect to the storage node at {url} ({detail}). Check that the node is running and that this computer is on the community network."
    )]
    Unreachable { url: String, detail: String },

    #[error(
        "The storage node at {url} did not answer in time. Check that the node is running, then try again."
    )]
    TimedOut { url: String },

    #[error(
        "The storage node at {url} refused the user name or password. Check the credentials in your settings."
    )]
    Unauthorized { url: String },

    #[error(
        "{what} was not found on the storage node at {url}. Check that you typed it correctly."
    )]
    NotFound { url: String, what: String },

    #[error(
        "The storage node at {url} reported an error: {message}. Try again, and if it keeps happening ask the person who runs the network to check the node."
    )]
    Api {
        url: String,
        status: u16,
        message: String,
    },

    #[error(
        "The storage node at {url} stopped part-way with an error: {message}. Nothing was stored under this request; try again once the node is healthy."
    )]
    StreamFailed { url: String, message: String },

    #[error(
        "The connection to the storage node at {url} broke before it finished ({detail}), so nothing from it was kept. Check that this is the node's address (cluster API port 9094, gateway 8080) and that the node is running, then try again."
    )]
    Interrupted { url: String, detail: String },

    #[error(
        "The storage node at {url} sent an answer this program does not understand ({detail}). Check that the node runs {} {}.", expected.title, expected.version
    )]
    BadResponse {
        url: String,
        detail: String,
        expected: &'static crate::deploy::versions::Daemon,
    },

    #[error("\"{}\" does not exist. Check the path and try again.", path.display())]
    PathNotFound { path: PathBuf },

    #[error("Could not read \"{}\" ({source}). Check that the file is readable and try again.", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("{}", write_message(path, source))]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("\"{}\" is not a regular file, folder or link, so it cannot be stored. Remove it from the selection and try again.", path.display())]
    UnsupportedFile { path: PathBuf },

    /// The text is the whole message: it says what is wrong AND what to do
    /// (a fixed suffix read wrongly for node files, invitations and CIDs).
    #[error("{0}")]
    InvalidInput(String),

    #[error("The settings file \"{}\" could not be read: {detail}. Fix or remove it and try again.", path.display())]
    Config { path: PathBuf, detail: String },

    #[error("The operation was cancelled. Nothing was stored under this request.")]
    Cancelled,

    #[error(
        "The passphrase does not open this invitation. Check it with the person who sent the file (by phone or in person) and try again."
    )]
    WrongPassphrase,

    #[error(
        "The copy of {cid} sent by {source_url} does not match its content ID ({detail}), so nothing was saved. Try again, and if it keeps happening ask the person who runs the network to check that node."
    )]
    VerificationFailed {
        cid: String,
        source_url: String,
        detail: String,
    },

    #[error("\"{}\" already exists. Choose another place to save to, or allow replacing it.", path.display())]
    AlreadyExists { path: PathBuf },

    #[error(
        "No partner could send {cid} ({detail}). Check that the partners holding it are online, then try again."
    )]
    Unavailable { cid: String, detail: String },

    /// Several files of an add could not be stored; `problems` lists them
    /// (at most `ingest::PROBLEMS_KEPT`, `count` is the total). Its code is the
    /// first problem's, so scripts see the same codes as for one problem.
    #[error(
        "{count} of the chosen files and folders cannot be stored, so nothing was stored. Fix or remove each one listed, then add again."
    )]
    ScanProblems {
        count: u64,
        first: Box<Error>,
        problems: Vec<crate::content::ingest::Problem>,
    },
}

/// A full disk gets its own words (and names the folder, not the temporary
/// file being written); any other write failure keeps the generic advice.
fn write_message(path: &std::path::Path, source: &std::io::Error) -> String {
    if source.raw_os_error() == Some(28) {
        // Name the folder the person chose, above any temporary sibling
        // (`.NAME.partial-…`) that retrieval writes into first.
        let temp = path.ancestors().find(|a| {
            a.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with('.') && n.contains(".partial-"))
        });
        let dir = temp.unwrap_or(path).parent().unwrap_or(path);
        return format!(
            "The disk holding \"{}\" is full, so nothing was saved. Free some space on it, or choose a place on another disk, and try again.",
            dir.display()
        );
    }
    format!(
        "Could not write \"{}\" ({source}). Check free space and permissions, then try again.",
        path.display()
    )
}

impl Error {
    /// A stable machine-readable code. Never change an existing one.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Unreachable { .. } => "unreachable",
            Error::TimedOut { .. } => "timed_out",
            Error::Unauthorized { .. } => "unauthorized",
            Error::NotFound { .. } => "not_found",
            Error::Api { .. } => "node_error",
            Error::StreamFailed { .. } => "stream_failed",
            Error::Interrupted { .. } => "interrupted",
            Error::BadResponse { .. } => "bad_response",
            Error::PathNotFound { .. } => "path_not_found",
            Error::Read { .. } => "read_failed",
            Error::Write { .. } => "write_failed",
            Error::UnsupportedFile { .. } => "unsupported_file",
            Error::InvalidInput(_) => "invalid_input",
            Error::Config { .. } => "config",
            Error::Cancelled => "cancelled",
            Error::WrongPassphrase => "wrong_passphrase",
            Error::VerificationFailed { .. } => "verification_failed",
            Error::AlreadyExists { .. } => "already_exists",
            Error::Unavailable { .. } => "unavailable",
            Error::ScanProblems { first, .. } => first.code(),
        }
    }

    /// The form the app receives: `{code, message}`.
    pub fn to_payload(&self) -> ErrorPayload {
        ErrorPayload {
            code: self.code(),
            message: self.to_string(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ErrorPayload {
    pub code: &'static str,
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_is_one_sentence_with_a_next_step() {
        let samples = [
            Error::Unreachable {
                url: "http://a:9094".into(),
                detail: "connection refused".into(),
            },
            Error::Unauthorized {
                url: "http://a:9094".into(),
            },
            Error::StreamFailed {
                url: "http://a:9094".into(),
                message: "ipfs down".into(),
            },
            Error::Cancelled,
            Error::VerificationFailed {
                cid: "bafy".into(),
                source_url: "http://a:8080".into(),
                detail: "block 3 has the wrong hash".into(),
            },
            Error::AlreadyExists {
                path: PathBuf::from("/tmp/x"),
            },
            Error::Unavailable {
                cid: "bafy".into(),
                detail: "peer1: refused".into(),
            },
        ];
        for e in samples {
            let m = e.to_string();
            assert!(m.ends_with('.'), "{m}");
            assert!(!m.contains('\n'), "{m}");
            assert!(!e.code().is_empty());
        }
    }

    #[test]
    fn a_full_disk_is_named_as_such_with_the_chosen_folder() {
        let full = Error::Write {
            path: PathBuf::from("/media/usb/letters/.scans.partial-0a1b2c3d/box 1/a.tif"),
            source: std::io::Error::from_raw_os_error(28),
        };
        assert_eq!(
            full.to_string(),
            "The disk holding \"/media/usb/letters\" is full, so nothing was saved. Free some space on it, or choose a place on another disk, and try again."
        );
        assert_eq!(full.code(), "write_failed");
        let denied = Error::Write {
            path: PathBuf::from("/media/usb/a.tif"),
            source: std::io::Error::from_raw_os_error(13),
        };
        assert!(
            denied
                .to_string()
                .starts_with("Could not write \"/media/usb/a.tif\"")
        );
    }
}
