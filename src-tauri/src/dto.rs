//! What crosses the bridge to the frontend. Every type here derives `TS`; the
//! TypeScript declarations in `ui/src/bindings.ts` are generated from them (see
//! `bindings.rs`), never written by hand.

use std::collections::BTreeMap;

pub use crate::desktop::DesktopPreferences;
pub use crate::updates::{UpdateOffer, UpdateProgress};

pub use ccs_core::content::library::Health as ItemHealth;
use ccs_core::content::library::{Item, PartnerState};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub use ccs_core::ErrorCode;
pub use ccs_core::content::audit::{BadBlock, BlockFault};
pub use ccs_core::content::fixity::SkippedFile;
pub use ccs_core::content::history::{
    Event as HistoryEvent, EventOutcome, EventType, RecordProblem,
};
pub use ccs_core::content::ingest::Problem as FileProblem;
pub use ccs_core::content::placement::Dropped;
pub use ccs_core::content::policy::{Policy, PolicyDocument};
pub use ccs_core::content::retrieve::{ContentKind, FailedSource};
pub use ccs_core::deploy::place::Place;
pub use ccs_core::local::audits::{CopyRecord, FixityState, ItemFixity};
pub use ccs_core::local::journal::{JobInputs, JobKind, JobState};
pub use ccs_core::net::cluster::TrackerStatus;
pub use ccs_core::ops::add::AddPreview;
pub use ccs_core::ops::audit::{CopyAudit, CopyOutcome, ManifestUse};
pub use ccs_core::ops::connect::{ConnectRequest as ConnectInput, ConnectionReport};
pub use ccs_core::ops::contents::{ContentsEntry, FilePreview, ItemContents, PreviewKind};
pub use ccs_core::ops::ensure::{EnsureReport, PartnerCopies, PlacementChange, PlacementProblem};
pub use ccs_core::ops::history::HistoryReport;
pub use ccs_core::ops::join::{JoinOutcome, PersonInviteOutcome};
pub use ccs_core::ops::library::LibraryPhase;
pub use ccs_core::ops::meta::{MetaChange, MetaOutcome, MetaRequest};
pub use ccs_core::ops::partners::{NetworkPlaces, Partner};
pub use ccs_core::ops::policy::{PolicySetting, PolicyView};
pub use ccs_core::ops::report::{InventoryFormat, InventorySummary};
pub use ccs_core::ops::risk::{RiskCount, RiskSummary};
pub use ccs_core::ops::session::PasswordSource;
pub use ccs_core::ops::watch::{
    ItemRule, WaitReason, WatchEvent, WatchFolderRequest, WatchedFolder, WatchedFolderView,
};
pub use ccs_core::ops::withdraw::{Withdrawal, WithdrawalOutcome, WithdrawalState};

/// Every failure the frontend sees: a stable code and one plain sentence;
/// an add that found unstorable files also lists each one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct AppError {
    pub code: ErrorCode,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub problems: Option<Vec<FileProblem>>,
}

impl From<ccs_core::Error> for AppError {
    fn from(e: ccs_core::Error) -> Self {
        let problems = match &e {
            ccs_core::Error::ScanProblems { problems, .. } => Some(problems.clone()),
            _ => None,
        };
        AppError {
            code: e.code(),
            message: e.to_string(),
            problems,
        }
    }
}

impl AppError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        AppError {
            code,
            message: message.into(),
            problems: None,
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
    /// Where the connection's password is kept.
    pub password_storage: PasswordSource,
    /// True when `CCS_NO_KEYCHAIN` turns the keychain off.
    pub keychain_off: bool,
    /// This app's version (tauri.conf.json's, which is the crate's).
    pub app_version: String,
}

/// A member's compose file as the invite form shows it once chosen (or
/// opened with the app): whose node it is.
#[derive(Debug, Clone, Serialize, TS)]
pub struct NodeFileSummary {
    pub path: String,
    /// The node's tailnet name (its cluster peer name).
    pub node: String,
    /// True for the network's first node.
    pub bootstrap: bool,
    pub organisation: Option<String>,
    pub site: Option<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct ConnectionInfo {
    /// The node's name in the settings (its cluster peer name).
    pub node: String,
    pub cluster_api: String,
    pub username: Option<String>,
}

/// One partner's state for one item; `status` is the cluster's word
/// (`pinned`, `remote`, `pin_error`, ...), which the frontend puts in plain words.
#[derive(Debug, Clone, Serialize, TS)]
pub struct PartnerStatus {
    pub peer_id: String,
    pub peername: String,
    pub status: TrackerStatus,
    pub error: String,
    pub timestamp: String,
    /// The last check of this partner's copy made on this computer.
    pub audit: Option<CopyRecord>,
}

impl From<PartnerState> for PartnerStatus {
    fn from(p: PartnerState) -> Self {
        PartnerStatus {
            peer_id: p.peer_id,
            peername: p.peername,
            status: p.status,
            error: p.error,
            timestamp: p.timestamp,
            audit: p.audit,
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
    /// What the audits on this computer found (absent while the library
    /// still lists the pinset alone).
    pub fixity: Option<ItemFixity>,
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
            health: i.health,
            partners: i.partners.into_iter().map(Into::into).collect(),
            metadata: i.metadata,
            fixity: i.fixity,
        }
    }
}

/// Part of the library, sent while it loads so the first rows show at once.
#[derive(Debug, Clone, Serialize, TS)]
pub struct LibraryBatch {
    pub phase: LibraryPhase,
    pub items: Vec<LibraryItem>,
    /// The last batch of its phase.
    pub last: bool,
}

/// Optional description stored next to the automatic provenance.
#[derive(Debug, Clone, Default, Deserialize, TS)]
pub struct AddDetails {
    pub title: String,
    pub collection: String,
    pub description: String,
    /// Store a BagIt bag that does not check out as it is (the person chose
    /// "Store it anyway" after being told what is wrong with it).
    #[serde(default)]
    #[ts(optional)]
    pub store_invalid_bag: Option<bool>,
    /// Store the files that can be read and leave out (naming them with the
    /// item) those that cannot: the person chose "Store the other N files".
    #[serde(default)]
    #[ts(optional)]
    pub skip_unreadable: Option<bool>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum AddPhase {
    #[default]
    Scanning,
    Uploading,
    Done,
}

/// Progress of one add job, sent over its channel (throttled; the first and
/// the last update are always sent).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AddProgress {
    pub phase: AddPhase,
    /// The item's name, known once the scan is done (empty before).
    pub name: String,
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
    /// Files left out because they could not be read (named with the item).
    #[ts(type = "number")]
    pub skipped: u64,
    /// Why the shared history could not record the add, if it could not.
    pub record_problem: Option<String>,
}

impl From<ccs_core::ops::add::AddOutcome> for AddOutcome {
    fn from(o: ccs_core::ops::add::AddOutcome) -> Self {
        AddOutcome {
            cid: o.cid,
            name: o.name,
            files: o.files,
            bytes: o.bytes,
            skipped: o.skipped,
            record_problem: o.record_problem,
        }
    }
}

/// Progress of one retrieval.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct RetrieveProgress {
    /// The partner being read from.
    pub source: String,
    #[ts(type = "number")]
    pub bytes: u64,
    #[ts(type = "number")]
    pub files: u64,
    #[ts(type = "number | null")]
    pub bytes_total: Option<u64>,
    /// An archival package's checksums are being written (after the retrieval).
    pub hashing: bool,
    pub done: bool,
}

impl RetrieveProgress {
    /// The last message: all of it there.
    pub fn done(mut self, bytes: u64, files: u64) -> Self {
        self.bytes = bytes;
        self.files = files;
        self.done = true;
        self
    }

    /// Takes in what a retrieval reported; true when there is news to show.
    pub fn apply(&mut self, ev: ccs_core::ops::retrieve::RetrieveEvent) -> bool {
        use ccs_core::ops::retrieve::RetrieveEvent;
        match ev {
            RetrieveEvent::Size { bytes } => {
                self.bytes_total = Some(bytes);
                false
            }
            RetrieveEvent::Trying { source } => {
                self.source = source;
                self.bytes = 0;
                self.files = 0;
                true
            }
            RetrieveEvent::Progress(p) => {
                self.bytes = p.bytes;
                self.files = p.files;
                self.bytes_total = self.bytes_total.or(p.total_bytes);
                true
            }
            RetrieveEvent::Started { .. }
            | RetrieveEvent::ClusterUnreachable { .. }
            | RetrieveEvent::SourceFailed { .. } => false,
        }
    }
}

/// An archival package saved: where, what, and what to tell the person.
#[derive(Debug, Clone, Serialize, TS)]
pub struct BagSaved {
    pub path: String,
    #[ts(type = "number")]
    pub files: u64,
    #[ts(type = "number")]
    pub bytes: u64,
    /// The partner that sent the item (every block checked against its CID).
    pub source: String,
    /// Every file matched the checksums taken when it was added (false: the
    /// item has none, so the content ID's check is the only one).
    pub fixity_checked: bool,
    /// Events of the item's history in the package (null: none could be read).
    #[ts(type = "number | null")]
    pub history_events: Option<usize>,
    /// Sentences for the person: a damaged partner's copy met on the way, a
    /// history that could not be included or is incomplete, a record that
    /// could not take the save.
    pub warnings: Vec<String>,
}

impl From<ccs_core::ops::bag::BagOutcome> for BagSaved {
    fn from(o: ccs_core::ops::bag::BagOutcome) -> Self {
        let mut warnings: Vec<String> = o
            .failed_sources
            .iter()
            .filter(|f| f.damaged)
            .map(|f| format!("{}'s copy is damaged; the package was made from {}'s. Ask the person who runs {} to repair it.", f.source, o.source, f.source))
            .collect();
        warnings.extend(o.premis_problem.clone());
        if !o.record_problems.is_empty() {
            warnings.push("Part of the shared history is missing or was changed, so the package's history may be incomplete.".into());
        }
        warnings.extend(o.record_problem.clone());
        BagSaved {
            path: o.path.display().to_string(),
            files: o.files,
            bytes: o.bytes,
            source: o.source,
            fixity_checked: o.fixity == ccs_core::ops::bag::FixityUse::Checked,
            history_events: o.premis_events,
            warnings,
        }
    }
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct RetrieveOutcome {
    pub path: String,
    pub kind: ContentKind,
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
    /// Why the shared history could not record the save, if it could not.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub record_problem: Option<String>,
}

impl From<ccs_core::ops::retrieve::RetrieveOutcome> for RetrieveOutcome {
    fn from(o: ccs_core::ops::retrieve::RetrieveOutcome) -> Self {
        let got = o.retrieved;
        RetrieveOutcome {
            path: got.path.display().to_string(),
            kind: got.kind,
            bytes: got.bytes,
            files: got.files,
            blocks: got.blocks,
            source: got.source,
            failed_sources: (!got.failed_sources.is_empty()).then_some(got.failed_sources),
            record_problem: o.record_problem,
        }
    }
}

/// An invitation for a colleague (a person, not a node).
#[derive(Clone, Deserialize, TS)]
pub struct PersonInviteInput {
    /// Where to save it (a `.ccsinvite` file), from the save dialog.
    pub destination: String,
    /// Seals it (at least 12 characters); told to the person another way.
    pub passphrase: String,
    /// Whom it is for, shown to them when they join.
    #[serde(default)]
    pub for_person: Option<String>,
    /// More member nodes to try after this computer's (host names).
    #[serde(default)]
    pub more_nodes: Vec<String>,
    /// Replace `destination` (the save dialog asked already).
    #[serde(default)]
    pub replace: bool,
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
    /// The partner's organisation and site (e.g. "Leeds, UK"); empty or
    /// absent: not given.
    #[serde(default)]
    pub organisation: Option<String>,
    #[serde(default)]
    pub site: Option<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct InviteOutcome {
    pub path: String,
    pub sealed: bool,
    pub checklist: String,
}

impl From<ccs_core::ops::network::InviteOutcome> for InviteOutcome {
    fn from(o: ccs_core::ops::network::InviteOutcome) -> Self {
        InviteOutcome {
            path: o
                .written
                .path
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
            sealed: o.sealed,
            checklist: o.checklist,
        }
    }
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

/// One job of the journal (this app's or the command line's, this run's or
/// an earlier one's).
#[derive(Debug, Clone, Serialize, TS)]
pub struct JobEntry {
    pub id: String,
    pub kind: JobKind,
    /// `interrupted`: its program stopped while it ran; nothing was stored or saved.
    pub state: JobState,
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
        JobEntry {
            kind: r.kind,
            state: r.state,
            this_run: r.pid == std::process::id(),
            id: r.id,
            client: r.client,
            inputs: r.inputs,
            started_at: r.started_at,
            ended_at: r.ended_at,
            result: r.result,
            message: r.message,
            problems: r.problems,
        }
    }
}

/// An item after "Repair", and why the shared history could not record the
/// repair, if it could not.
#[derive(Debug, Clone, Serialize, TS)]
pub struct RepairedItem {
    pub item: LibraryItem,
    pub record_problem: Option<String>,
}

/// Every partner's copy of an item as "Check copies now" found it, and why
/// the shared history could not record the checks, if it could not.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ItemCheck {
    pub copies: Vec<CopyAudit>,
    pub record_problem: Option<String>,
}

/// The Activity view's filters (absent: any) and how many events to show.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct ActivityFilter {
    pub event_type: Option<EventType>,
    pub person: Option<String>,
    pub partner: Option<String>,
    #[ts(type = "number")]
    pub limit: usize,
}
