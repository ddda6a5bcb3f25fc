//! What crosses the bridge to the frontend. Every type here derives `TS`; the
//! TypeScript declarations in `ui/src/bindings.ts` are generated from them (see
//! `bindings.rs`), never written by hand.

use std::collections::BTreeMap;

use ccs_core::content::library::{Health, Item, PartnerState};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Every failure the frontend sees: a stable code and one plain sentence;
/// an add that found unstorable files also lists each one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct AppError {
    pub code: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub problems: Option<Vec<FileProblem>>,
}

impl From<ccs_core::Error> for AppError {
    fn from(e: ccs_core::Error) -> Self {
        let p = e.to_payload();
        let problems = match &e {
            ccs_core::Error::ScanProblems { problems, .. } => {
                Some(problems.iter().cloned().map(Into::into).collect())
            }
            _ => None,
        };
        AppError {
            code: p.code.to_string(),
            message: p.message,
            problems,
        }
    }
}

impl AppError {
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        AppError {
            code: code.into(),
            message: message.into(),
            problems: None,
        }
    }

    pub fn not_connected() -> Self {
        AppError::new(
            "not_connected",
            "This computer is not connected to a community network yet. Open Settings and connect to a member's node.",
        )
    }
}

/// One file or folder an add could not store, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct FileProblem {
    pub path: String,
    /// The error code it has on its own (`read_failed`, `unsupported_file`, ...).
    pub code: String,
    /// A few plain words: "cannot be read (permission denied)".
    pub reason: String,
}

impl From<ccs_core::content::ingest::Problem> for FileProblem {
    fn from(p: ccs_core::content::ingest::Problem) -> Self {
        FileProblem {
            path: p.path,
            code: p.code,
            reason: p.reason,
        }
    }
}

pub type AppResult<T> = Result<T, AppError>;

/// What Settings shows.
#[derive(Debug, Clone, Serialize, TS)]
pub struct Settings {
    pub connection: Option<ConnectionInfo>,
    /// Who this computer records as "added by" (user@host).
    pub me: String,
    pub config_path: String,
    /// Where the connection's password is kept: `keychain`, `file` or `none`.
    pub password_storage: String,
    /// True when `CCS_NO_KEYCHAIN` turns the keychain off.
    pub keychain_off: bool,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct ConnectionInfo {
    /// The node's name in the settings (its cluster peer name).
    pub node: String,
    pub cluster_api: String,
    pub username: Option<String>,
}

/// What a person types to connect.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct ConnectInput {
    /// A tailnet host name (`acme-nas`) or the cluster API URL.
    pub address: String,
    pub username: String,
    pub password: String,
}

/// The verdict of "Test connection".
#[derive(Debug, Clone, Serialize, TS)]
pub struct ConnectionReport {
    pub node: String,
    pub cluster_api: String,
    pub version: String,
    /// Members this node sees, itself included.
    #[ts(type = "number")]
    pub members: u64,
}

#[derive(Debug, Clone, Copy, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ItemHealth {
    Ok,
    Pinning,
    UnderReplicated,
    Error,
    Absent,
    /// Listed from the pinset; the partners' states are still on their way.
    Checking,
}

impl From<Health> for ItemHealth {
    fn from(h: Health) -> Self {
        match h {
            Health::Ok => ItemHealth::Ok,
            Health::Pinning => ItemHealth::Pinning,
            Health::UnderReplicated => ItemHealth::UnderReplicated,
            Health::Error => ItemHealth::Error,
            Health::Absent => ItemHealth::Absent,
            Health::Checking => ItemHealth::Checking,
        }
    }
}

/// One partner's state for one item; `status` is the cluster's word
/// (`pinned`, `remote`, `pin_error`, ...), which the frontend puts in plain words.
#[derive(Debug, Clone, Serialize, TS)]
pub struct PartnerStatus {
    pub peer_id: String,
    pub peername: String,
    pub status: String,
    pub error: String,
    pub timestamp: String,
}

impl From<PartnerState> for PartnerStatus {
    fn from(p: PartnerState) -> Self {
        PartnerStatus {
            peer_id: p.peer_id,
            peername: p.peername,
            status: p.status.as_str().to_string(),
            error: p.error,
            timestamp: p.timestamp,
        }
    }
}

/// An item of the library.
#[derive(Debug, Clone, Serialize, TS)]
pub struct LibraryItem {
    pub cid: String,
    pub name: String,
    #[ts(type = "number | null")]
    pub size: Option<u64>,
    pub added_at: Option<String>,
    pub added_by: Option<String>,
    #[ts(type = "number")]
    pub copies: usize,
    #[ts(type = "number")]
    pub target: usize,
    pub health: ItemHealth,
    pub partners: Vec<PartnerStatus>,
    pub metadata: BTreeMap<String, String>,
}

impl From<Item> for LibraryItem {
    fn from(i: Item) -> Self {
        LibraryItem {
            cid: i.cid,
            name: i.name,
            size: i.size,
            added_at: i.added_at,
            added_by: i.added_by,
            copies: i.copies,
            target: i.target,
            health: i.health.into(),
            partners: i.partners.into_iter().map(Into::into).collect(),
            metadata: i.metadata,
        }
    }
}

/// Which pass of [`crate::commands::list_library`] a batch belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum LibraryPhase {
    /// Every stored item, from the pinset (fast; states still "checking").
    Pinset,
    /// The same items again with every partner's state.
    Status,
}

/// Part of the library, sent while it loads so the first rows show at once.
#[derive(Debug, Clone, Serialize, TS)]
pub struct LibraryBatch {
    pub phase: LibraryPhase,
    pub items: Vec<LibraryItem>,
    /// The last batch of its phase.
    pub last: bool,
}

/// One member of the network as the Partners screen shows it.
#[derive(Debug, Clone, Serialize, TS)]
pub struct Partner {
    pub peer_id: String,
    pub name: String,
    /// Empty when the partner answered; else why it could not be reached.
    pub error: String,
    pub version: String,
    #[ts(type = "number | null")]
    pub free_space: Option<u64>,
    /// Items this partner holds a complete copy of.
    #[ts(type = "number")]
    pub pinned: u64,
    pub alerts: Vec<String>,
}

/// Optional description stored next to the automatic provenance.
#[derive(Debug, Clone, Default, Deserialize, TS)]
pub struct AddDetails {
    pub title: String,
    pub collection: String,
    pub description: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum AddPhase {
    Scanning,
    Uploading,
    Done,
}

/// Progress of one add job, sent over its channel (throttled; the first and
/// the last update are always sent).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AddProgress {
    pub phase: AddPhase,
    #[ts(type = "number")]
    pub files: u64,
    #[ts(type = "number")]
    pub bytes: u64,
    #[ts(type = "number")]
    pub files_total: u64,
    #[ts(type = "number")]
    pub bytes_total: u64,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct AddOutcome {
    pub cid: String,
    pub name: String,
    #[ts(type = "number")]
    pub files: u64,
    #[ts(type = "number")]
    pub bytes: u64,
}

/// Progress of one retrieval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct RetrieveProgress {
    /// The partner being read from.
    pub source: String,
    #[ts(type = "number")]
    pub bytes: u64,
    #[ts(type = "number")]
    pub files: u64,
    #[ts(type = "number | null")]
    pub bytes_total: Option<u64>,
    pub done: bool,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct RetrieveOutcome {
    pub path: String,
    /// `file`, `folder` or `symlink`.
    pub kind: String,
    #[ts(type = "number")]
    pub bytes: u64,
    #[ts(type = "number")]
    pub files: u64,
    #[ts(type = "number")]
    pub blocks: u64,
    /// The partner that sent the copy; every block was checked against its CID.
    pub source: String,
    /// Partners tried before `source` whose copy could not be used, in order
    /// (absent when the first partner tried sent it). One with `damaged` set
    /// holds a damaged copy: the person who runs it should check that node.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub failed_sources: Option<Vec<FailedSource>>,
}

/// A partner whose copy could not be used during a retrieval, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct FailedSource {
    /// The partner's name.
    pub source: String,
    /// The error's code (`verification_failed` for a damaged copy).
    pub code: String,
    /// True when its copy does not match the content ID (damaged); false when
    /// it was only unreachable or broke off.
    pub damaged: bool,
    /// What went wrong, one plain sentence.
    pub message: String,
}

impl From<ccs_core::content::retrieve::FailedSource> for FailedSource {
    fn from(f: ccs_core::content::retrieve::FailedSource) -> Self {
        FailedSource {
            source: f.source,
            code: f.code,
            damaged: f.damaged,
            message: f.message,
        }
    }
}

#[derive(Debug, Clone, Deserialize, TS)]
pub struct InviteInput {
    /// This network's compose file (any member's).
    pub network_file: String,
    /// The partner's tailnet host name.
    pub partner: String,
    pub bootstrap_host: String,
    /// Where to save the partner's file.
    pub destination: String,
    /// Seal the file with this passphrase (age) when given.
    pub passphrase: Option<String>,
    /// Replace `destination` if it exists. False (the default, also when
    /// absent): an existing file is refused with `already_exists` and left
    /// untouched, since it may be a node file holding a network's secrets.
    /// The frontend sets it only for a path chosen in the native save dialog,
    /// which has already asked the person whether to replace that file.
    #[serde(default)]
    pub replace: bool,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct InviteOutcome {
    pub path: String,
    pub sealed: bool,
    pub checklist: String,
}

/// What a native picker should choose.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PickRequest {
    Files,
    Folder,
    OpenFile,
    Save { default_name: String },
}

/// What a job was asked to do (enough to start it again).
#[derive(Debug, Clone, Serialize, TS)]
pub struct JobInputs {
    pub paths: Vec<String>,
    pub title: String,
    pub collection: String,
    pub description: String,
    pub cid: String,
    pub destination: String,
}

/// One job of the journal (this app's or the command line's, this run's or
/// an earlier one's).
#[derive(Debug, Clone, Serialize, TS)]
pub struct JobEntry {
    pub id: String,
    /// `add` or `retrieve`.
    pub kind: String,
    /// `running`, `done`, `failed`, `cancelled`, or `interrupted` (its
    /// program stopped while it ran; nothing was stored or saved).
    pub state: String,
    /// True when this app run started it (so Cancel reaches it).
    pub this_run: bool,
    /// The program that ran it (`ccs-app/…`, `community-cloud-storage/…`).
    pub client: String,
    pub inputs: JobInputs,
    pub started_at: String,
    pub ended_at: Option<String>,
    /// Done: the CID (add) or the saved path (retrieve).
    pub result: Option<String>,
    pub message: Option<String>,
    pub problems: Vec<FileProblem>,
}

impl From<ccs_core::local::journal::JobRecord> for JobEntry {
    fn from(r: ccs_core::local::journal::JobRecord) -> Self {
        let word = |v: serde_json::Value| v.as_str().unwrap_or_default().to_string();
        JobEntry {
            kind: word(serde_json::to_value(r.kind).unwrap_or_default()),
            state: word(serde_json::to_value(r.state).unwrap_or_default()),
            this_run: r.pid == std::process::id(),
            id: r.id,
            client: r.client,
            inputs: JobInputs {
                paths: r.inputs.paths,
                title: r.inputs.title,
                collection: r.inputs.collection,
                description: r.inputs.description,
                cid: r.inputs.cid,
                destination: r.inputs.destination,
            },
            started_at: r.started_at,
            ended_at: r.ended_at,
            result: r.result,
            message: r.message,
            problems: r.problems.into_iter().map(Into::into).collect(),
        }
    }
}
