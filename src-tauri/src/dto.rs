//! What crosses the bridge to the frontend. Every type here derives `TS`; the
//! TypeScript declarations in `ui/src/bindings.ts` are generated from them (see
//! `bindings.rs`), never written by hand.

use std::collections::BTreeMap;

use ccs_core::library::{Health, Item, PartnerState};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Every failure the frontend sees: a stable code and one plain sentence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct AppError {
    pub code: String,
    pub message: String,
}

impl From<ccs_core::Error> for AppError {
    fn from(e: ccs_core::Error) -> Self {
        let p = e.to_payload();
        AppError {
            code: p.code.to_string(),
            message: p.message,
        }
    }
}

impl AppError {
    pub fn not_connected() -> Self {
        AppError {
            code: "not_connected".into(),
            message: "This computer is not connected to a community network yet. Open Settings and connect to a member's node.".into(),
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
}

impl From<Health> for ItemHealth {
    fn from(h: Health) -> Self {
        match h {
            Health::Ok => ItemHealth::Ok,
            Health::Pinning => ItemHealth::Pinning,
            Health::UnderReplicated => ItemHealth::UnderReplicated,
            Health::Error => ItemHealth::Error,
            Health::Absent => ItemHealth::Absent,
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
