//! One error type for everything the core does. Each variant has a stable code
//! (for the app's `{code, message}` and for scripts) and a message that is one
//! plain sentence saying what happened and what to do next. Messages never carry
//! secrets: URLs are stored without credentials and bodies are never echoed whole.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(
        "Could not connect to the storage node at {url} ({detail}). Check that the node is running and that this computer is on the community network."
    )]
    Unreachable { url: String, detail: String },

    /// No member node of an invitation answered, and this computer has no
    /// tailnet address: the likely cause, named (`net::tailnet`). No
    /// address in the sentence: an archivist reads it.
    #[error(
        "None of the network's computers in the invitation answered, and this computer is not on a tailnet. Start Tailscale and sign in to your community's network, then try again."
    )]
    NotOnTailnet,

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

    /// An item that is not stored, where the whole sentence says why it may
    /// have gone and what to do (a withdrawal whose grace period ended).
    #[error("{0}")]
    NotStored(String),

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

    /// A folder to add is a BagIt bag that does not check out (missing,
    /// changed or extra files, a bad tag file): nothing was stored. Adding
    /// it anyway is the person's explicit choice (`store_invalid_bag`).
    #[error("\"{}\" is a BagIt bag that does not check out ({summary}), so nothing was stored. Correct the bag or make it again, or store it as it is.", root.display())]
    InvalidBag { root: PathBuf, summary: String },

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

    /// No node is chosen on this computer yet (no default and none named).
    #[error(
        "This computer is not connected to a community network yet. Connect to a member's node in the app's Settings, or name one on the command line with --cluster-peername NAME."
    )]
    NotConnected,

    /// The item is stored, but not every copy was made (or waited for).
    /// The text is the whole message.
    #[error("{0}")]
    Incomplete(String),

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
    // The kind, not an error number: ENOSPC on Unix, ERROR_DISK_FULL and
    // ERROR_HANDLE_DISK_FULL on Windows (where 28 means something else).
    if matches!(
        source.kind(),
        std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded
    ) {
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
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::Unreachable { .. } | Error::NotOnTailnet => ErrorCode::Unreachable,
            Error::TimedOut { .. } => ErrorCode::TimedOut,
            Error::Unauthorized { .. } => ErrorCode::Unauthorized,
            Error::NotFound { .. } | Error::NotStored(_) => ErrorCode::NotFound,
            Error::Api { .. } => ErrorCode::NodeError,
            Error::StreamFailed { .. } => ErrorCode::StreamFailed,
            Error::Interrupted { .. } => ErrorCode::Interrupted,
            Error::BadResponse { .. } => ErrorCode::BadResponse,
            Error::PathNotFound { .. } => ErrorCode::PathNotFound,
            Error::Read { .. } => ErrorCode::ReadFailed,
            Error::Write { .. } => ErrorCode::WriteFailed,
            Error::UnsupportedFile { .. } => ErrorCode::UnsupportedFile,
            Error::InvalidInput(_) => ErrorCode::InvalidInput,
            Error::InvalidBag { .. } => ErrorCode::InvalidBag,
            Error::Config { .. } => ErrorCode::Config,
            Error::Cancelled => ErrorCode::Cancelled,
            Error::WrongPassphrase => ErrorCode::WrongPassphrase,
            Error::VerificationFailed { .. } => ErrorCode::VerificationFailed,
            Error::AlreadyExists { .. } => ErrorCode::AlreadyExists,
            Error::Unavailable { .. } => ErrorCode::Unavailable,
            Error::NotConnected => ErrorCode::NotConnected,
            Error::Incomplete(_) => ErrorCode::Incomplete,
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

/// Every code a failure can carry, in the core, the command line and the app.
/// The command line's exit code is an exhaustive `match` on it and the app's
/// TypeScript has it as a union, so a new code cannot go unhandled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    Unreachable,
    TimedOut,
    Unauthorized,
    NotFound,
    /// The node answered with an error of its own.
    NodeError,
    StreamFailed,
    Interrupted,
    BadResponse,
    PathNotFound,
    ReadFailed,
    WriteFailed,
    UnsupportedFile,
    InvalidInput,
    /// A bag to add does not check out.
    InvalidBag,
    Config,
    Cancelled,
    WrongPassphrase,
    VerificationFailed,
    AlreadyExists,
    Unavailable,
    /// No node chosen on this computer yet.
    NotConnected,
    /// Stored, but not every copy is in place.
    Incomplete,
    /// Wrong use of the command line (a flag's syntax).
    Usage,
    /// `health` found the network unwell.
    Unhealthy,
    /// The system's file manager could not be opened.
    OpenFailed,
    /// A fault inside the program itself.
    Internal,
}

impl ErrorCode {
    pub const ALL: [ErrorCode; 26] = [
        ErrorCode::Unreachable,
        ErrorCode::TimedOut,
        ErrorCode::Unauthorized,
        ErrorCode::NotFound,
        ErrorCode::NodeError,
        ErrorCode::StreamFailed,
        ErrorCode::Interrupted,
        ErrorCode::BadResponse,
        ErrorCode::PathNotFound,
        ErrorCode::ReadFailed,
        ErrorCode::WriteFailed,
        ErrorCode::UnsupportedFile,
        ErrorCode::InvalidInput,
        ErrorCode::InvalidBag,
        ErrorCode::Config,
        ErrorCode::Cancelled,
        ErrorCode::WrongPassphrase,
        ErrorCode::VerificationFailed,
        ErrorCode::AlreadyExists,
        ErrorCode::Unavailable,
        ErrorCode::NotConnected,
        ErrorCode::Incomplete,
        ErrorCode::Usage,
        ErrorCode::Unhealthy,
        ErrorCode::OpenFailed,
        ErrorCode::Internal,
    ];

    /// The code as scripts and the app see it (`"not_found"`).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Unreachable => "unreachable",
            ErrorCode::TimedOut => "timed_out",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::NotFound => "not_found",
            ErrorCode::NodeError => "node_error",
            ErrorCode::StreamFailed => "stream_failed",
            ErrorCode::Interrupted => "interrupted",
            ErrorCode::BadResponse => "bad_response",
            ErrorCode::PathNotFound => "path_not_found",
            ErrorCode::ReadFailed => "read_failed",
            ErrorCode::WriteFailed => "write_failed",
            ErrorCode::UnsupportedFile => "unsupported_file",
            ErrorCode::InvalidInput => "invalid_input",
            ErrorCode::InvalidBag => "invalid_bag",
            ErrorCode::Config => "config",
            ErrorCode::Cancelled => "cancelled",
            ErrorCode::WrongPassphrase => "wrong_passphrase",
            ErrorCode::VerificationFailed => "verification_failed",
            ErrorCode::AlreadyExists => "already_exists",
            ErrorCode::Unavailable => "unavailable",
            ErrorCode::NotConnected => "not_connected",
            ErrorCode::Incomplete => "incomplete",
            ErrorCode::Usage => "usage",
            ErrorCode::Unhealthy => "unhealthy",
            ErrorCode::OpenFailed => "open_failed",
            ErrorCode::Internal => "internal",
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<&str> for ErrorCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ErrorPayload {
    pub code: ErrorCode,
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One of every variant. The `match` in [`variant`] has no wildcard, so a
    /// new variant does not compile until it is added here too.
    fn every_variant() -> Vec<Error> {
        let url = || "http://a:9094".to_string();
        vec![
            Error::Unreachable {
                url: url(),
                detail: "connection refused".into(),
            },
            Error::TimedOut { url: url() },
            Error::Unauthorized { url: url() },
            Error::NotFound {
                url: url(),
                what: "The item bafy".into(),
            },
            Error::Api {
                url: url(),
                status: 500,
                message: "boom".into(),
            },
            Error::StreamFailed {
                url: url(),
                message: "ipfs down".into(),
            },
            Error::Interrupted {
                url: url(),
                detail: "reset".into(),
            },
            Error::BadResponse {
                url: url(),
                detail: "not JSON".into(),
                expected: &crate::deploy::versions::IPFS_CLUSTER,
            },
            Error::PathNotFound {
                path: PathBuf::from("/tmp/x"),
            },
            Error::Read {
                path: PathBuf::from("/tmp/x"),
                source: std::io::Error::from_raw_os_error(13),
            },
            Error::Write {
                path: PathBuf::from("/tmp/x"),
                source: std::io::Error::from_raw_os_error(13),
            },
            Error::UnsupportedFile {
                path: PathBuf::from("/dev/null"),
            },
            Error::InvalidInput("\"x\" is not a content ID. Check it for typing errors.".into()),
            Error::Config {
                path: PathBuf::from("/tmp/c.toml"),
                detail: "bad TOML".into(),
            },
            Error::Cancelled,
            Error::WrongPassphrase,
            Error::VerificationFailed {
                cid: "bafy".into(),
                source_url: url(),
                detail: "block 3 has the wrong hash".into(),
            },
            Error::AlreadyExists {
                path: PathBuf::from("/tmp/x"),
            },
            Error::Unavailable {
                cid: "bafy".into(),
                detail: "peer1: refused".into(),
            },
            Error::NotConnected,
            Error::NotOnTailnet,
            Error::Incomplete(
                "Stored, but only 2 of 3 copies were made. Run repair to retry.".into(),
            ),
            Error::InvalidBag {
                root: PathBuf::from("/scans/box 1"),
                summary: "1 changed file".into(),
            },
            Error::NotStored(
                "The item bafy is not stored (it may have been removed when its grace period ended): check the library for what is stored.".into(),
            ),
            Error::ScanProblems {
                count: 2,
                first: Box::new(Error::UnsupportedFile {
                    path: PathBuf::from("/dev/null"),
                }),
                problems: Vec::new(),
            },
        ]
    }

    fn variant(e: &Error) -> usize {
        match e {
            Error::Unreachable { .. } => 0,
            Error::TimedOut { .. } => 1,
            Error::Unauthorized { .. } => 2,
            Error::NotFound { .. } => 3,
            Error::Api { .. } => 4,
            Error::StreamFailed { .. } => 5,
            Error::Interrupted { .. } => 6,
            Error::BadResponse { .. } => 7,
            Error::PathNotFound { .. } => 8,
            Error::Read { .. } => 9,
            Error::Write { .. } => 10,
            Error::UnsupportedFile { .. } => 11,
            Error::InvalidInput(_) => 12,
            Error::Config { .. } => 13,
            Error::Cancelled => 14,
            Error::WrongPassphrase => 15,
            Error::VerificationFailed { .. } => 16,
            Error::AlreadyExists { .. } => 17,
            Error::Unavailable { .. } => 18,
            Error::NotConnected => 19,
            Error::Incomplete(_) => 20,
            Error::ScanProblems { .. } => 21,
            Error::InvalidBag { .. } => 22,
            Error::NotStored(_) => 23,
            Error::NotOnTailnet => 24,
        }
    }

    /// Words that start the next step a person can take.
    const NEXT_STEPS: [&str; 12] = [
        "Check",
        "check",
        "Try",
        "try",
        "Choose",
        "Fix",
        "Connect",
        "Remove",
        "Free",
        "Run",
        "Nothing was stored",
        "nothing was saved",
    ];

    #[test]
    fn every_message_is_one_sentence_with_a_next_step() {
        let all = every_variant();
        let mut seen: Vec<usize> = all.iter().map(variant).collect();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen, (0..25).collect::<Vec<_>>(), "a variant has no sample");
        for e in all {
            let m = e.to_string();
            assert!(m.ends_with('.'), "{m}");
            assert!(!m.contains('\n'), "{m}");
            assert!(
                m.chars()
                    .next()
                    .is_some_and(|c| c.is_uppercase() || c.is_ascii_digit() || c == '"'),
                "{m}"
            );
            assert!(
                NEXT_STEPS.iter().any(|w| m.contains(w)),
                "no next step: {m}"
            );
            assert_eq!(e.to_payload().code, e.code());
        }
    }

    #[test]
    fn codes_are_stable_words_and_serialize_as_them() {
        let mut words: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        for c in ErrorCode::ALL {
            assert_eq!(serde_json::to_value(c).unwrap(), c.as_str());
            let back: ErrorCode = serde_json::from_value(c.as_str().into()).unwrap();
            assert_eq!(back, c);
        }
        words.sort_unstable();
        words.dedup();
        assert_eq!(words.len(), ErrorCode::ALL.len(), "two codes share a word");
    }

    #[test]
    fn a_full_disk_is_named_as_such_with_the_chosen_folder() {
        let full = Error::Write {
            path: PathBuf::from("/media/usb/letters/.scans.partial-0a1b2c3d/box 1/a.tif"),
            source: std::io::Error::from(std::io::ErrorKind::StorageFull),
        };
        let said = "The disk holding \"/media/usb/letters\" is full, so nothing was saved. Free some space on it, or choose a place on another disk, and try again.";
        assert_eq!(full.to_string(), said);
        assert_eq!(full.code(), "write_failed");
        // As the system reports it.
        #[cfg(unix)]
        {
            let enospc = Error::Write {
                path: PathBuf::from("/media/usb/letters/.scans.partial-0a1b2c3d/box 1/a.tif"),
                source: std::io::Error::from_raw_os_error(libc::ENOSPC),
            };
            assert_eq!(enospc.to_string(), said);
        }
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
