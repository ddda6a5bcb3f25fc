//! The inventory: every stored item in one table (CSV or JSON), with its
//! copies per partner, what the last check of each copy found, and the last
//! thing that happened to it.
//!
//! It streams: the items come one at a time from the node's status stream and
//! go straight out. The only thing held is each item's last event from the
//! preservation record, kept compactly (a 128-bit key and 24 bytes an item),
//! so that a 100,000-item network fits in a few MiB beside what `ccs ls` uses.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::library::{LibraryFilter, each_item};
use super::{Cancel, Session};
use crate::content::history::{EventOutcome, EventType};
use crate::content::library::Item;
use crate::content::provenance;
use crate::error::{Error, Result};

/// The inventory's file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum InventoryFormat {
    /// One row an item; the partners' copies and checks in one cell each.
    Csv,
    /// One array of items; partners as objects.
    Json,
}

/// One partner's copy of an item.
#[derive(Debug, Clone, Serialize)]
pub struct CopyLine {
    pub partner: String,
    /// The partner's state for it (`pinned`, `pinning`, `pin_error`, …).
    pub state: String,
    /// What the last check of this copy made on this computer found.
    pub last_check: Option<String>,
    pub last_checked_at: Option<String>,
}

/// The last thing the preservation record says happened to an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LastEvent {
    #[serde(rename = "type")]
    pub event_type: EventType,
    pub outcome: EventOutcome,
    #[serde(serialize_with = "rfc3339")]
    pub at: u64,
    /// Its place in its writer's record (batch, index): orders events of
    /// the same second.
    #[serde(skip)]
    pub place: (u64, u32),
}

fn rfc3339<S: serde::Serializer>(secs: &u64, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(&provenance::format_unix(*secs))
}

/// One item of the inventory.
#[derive(Debug, Clone, Serialize)]
pub struct InventoryRow {
    pub cid: String,
    pub title: String,
    pub collection: Option<String>,
    pub size: Option<u64>,
    pub files: Option<u64>,
    pub added_by: Option<String>,
    pub added_at: Option<String>,
    pub copies: usize,
    pub target: usize,
    pub partners: Vec<CopyLine>,
    pub last_event: Option<LastEvent>,
}

impl InventoryRow {
    fn of(item: Item, last: Option<LastEvent>) -> Self {
        let partners = item
            .partners
            .iter()
            // A partner not asked to keep a copy has none to list.
            .filter(|p| p.status != crate::net::cluster::TrackerStatus::Remote)
            .map(|p| CopyLine {
                partner: p.peername.clone(),
                state: p.status.as_str().to_string(),
                last_check: p
                    .audit
                    .as_ref()
                    .map(|a| outcome_word(a.outcome).to_string()),
                last_checked_at: p.audit.as_ref().map(|a| a.checked_at.clone()),
            })
            .collect();
        InventoryRow {
            collection: item.metadata.get("collection").cloned(),
            files: item
                .metadata
                .get(provenance::FILES)
                .and_then(|f| f.parse().ok()),
            cid: item.cid,
            title: item.name,
            size: item.size,
            added_by: item.added_by,
            added_at: item.added_at,
            copies: item.copies,
            target: item.target,
            partners,
            last_event: last,
        }
    }

    /// The CSV columns, in [`CSV_HEADER`]'s order.
    fn csv_record(&self) -> [String; 14] {
        let opt = |v: &Option<String>| v.clone().unwrap_or_default();
        let num = |v: Option<u64>| v.map(|n| n.to_string()).unwrap_or_default();
        let copies = self
            .partners
            .iter()
            .map(|p| format!("{}: {}", p.partner, p.state))
            .collect::<Vec<_>>()
            .join("; ");
        let checks = self
            .partners
            .iter()
            .filter_map(|p| {
                Some(format!(
                    "{}: {} {}",
                    p.partner,
                    p.last_check.as_deref()?,
                    p.last_checked_at.as_deref().unwrap_or_default()
                ))
            })
            .collect::<Vec<_>>()
            .join("; ");
        let (kind, at, outcome) = match &self.last_event {
            Some(e) => (
                e.event_type.premis().to_string(),
                provenance::format_unix(e.at),
                match e.outcome {
                    EventOutcome::Success => "success".to_string(),
                    EventOutcome::Failure => "failure".to_string(),
                },
            ),
            None => Default::default(),
        };
        [
            self.cid.clone(),
            self.title.clone(),
            opt(&self.collection),
            num(self.size),
            num(self.files),
            opt(&self.added_by),
            opt(&self.added_at),
            self.copies.to_string(),
            self.target.to_string(),
            copies,
            checks,
            kind,
            at,
            outcome,
        ]
    }
}

/// The CSV's first line.
pub const CSV_HEADER: [&str; 14] = [
    "cid",
    "title",
    "collection",
    "size_bytes",
    "files",
    "added_by",
    "added_at",
    "copies",
    "target_copies",
    "copies_by_partner",
    "last_check_by_partner",
    "last_event",
    "last_event_at",
    "last_event_outcome",
];

fn outcome_word(o: super::audit::CopyOutcome) -> &'static str {
    use super::audit::CopyOutcome::*;
    match o {
        Verified => "verified",
        Problems => "problems",
        Unreachable => "unreachable",
        NotAllocated => "not_allocated",
    }
}

/// What an inventory covered.
#[derive(Debug, Clone, Default, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct InventorySummary {
    /// Items listed.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub items: u64,
    /// Where it was written (absent: standard output).
    pub path: Option<String>,
    /// Why the last events may be incomplete: what is wrong with the
    /// preservation record (each a sentence), if anything.
    pub record_problems: Vec<String>,
}

/// Each item's last event, keyed by a 128-bit hash of its CID (collisions
/// are out of reach at any archive's size), 24 bytes of value an item.
struct LastEvents(HashMap<u128, LastEvent>);

impl LastEvents {
    fn key(cid: &str) -> u128 {
        let digest = Sha256::digest(cid.as_bytes());
        let mut k = [0u8; 16];
        k.copy_from_slice(&digest[..16]);
        u128::from_le_bytes(k)
    }

    fn of(&self, cid: &str) -> Option<LastEvent> {
        self.0.get(&Self::key(cid)).copied()
    }

    /// Keeps `event` for `cid` when it is the newest yet.
    fn note(&mut self, cid: &str, event: LastEvent) {
        self.0
            .entry(Self::key(cid))
            .and_modify(|l| {
                if (event.at, event.place) >= (l.at, l.place) {
                    *l = event;
                }
            })
            .or_insert(event);
    }
}

async fn last_events(session: &Session) -> Result<(LastEvents, Vec<String>)> {
    let mut last = LastEvents(HashMap::new());
    let pass = super::history::each_event(session, |e, place| {
        let at = humantime::parse_rfc3339(&e.at)
            .ok()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map(|d| d.as_secs());
        if let Some(at) = at {
            let event = LastEvent {
                event_type: e.event_type,
                outcome: e.outcome,
                at,
                place: (place.seq, place.index as u32),
            };
            last.note(&e.item, event);
        }
    })
    .await?;
    Ok((last, pass.problems.into_iter().map(|p| p.message).collect()))
}

/// Every stored item as an [`InventoryRow`], one at a time, in the node's
/// order; `on_row` sees each. Returns the record's problems (the last events
/// may be incomplete when there are any).
pub async fn each_row(
    session: &Session,
    cancel: &Cancel,
    mut on_row: impl FnMut(InventoryRow) -> Result<()> + Send,
) -> Result<(u64, Vec<String>)> {
    let (last, problems) = super::cancellable(cancel, last_events(session)).await?;
    let mut failed = None;
    let listed = each_item(session, &LibraryFilter::default(), cancel, |item| {
        if failed.is_some() {
            return;
        }
        let last = last.of(&item.cid);
        if let Err(e) = on_row(InventoryRow::of(item, last)) {
            failed = Some(e);
        }
    })
    .await?;
    match failed {
        Some(e) => Err(e),
        None => Ok((listed, problems)),
    }
}

/// Writes the inventory to `out` as it streams; `on_progress` sees the
/// number of items written so far.
pub async fn write(
    session: &Session,
    format: InventoryFormat,
    out: impl Write + Send,
    cancel: &Cancel,
    mut on_progress: impl FnMut(u64) + Send,
) -> Result<InventorySummary> {
    let io = |e: std::io::Error| Error::Write {
        path: PathBuf::from("the inventory"),
        source: e,
    };
    let csv_err = |e: csv::Error| match e.into_kind() {
        csv::ErrorKind::Io(e) => io(e),
        other => Error::InvalidInput(format!(
            "The inventory could not be written as CSV ({other:?}). Please report it to the project."
        )),
    };
    let mut written = 0u64;
    let (items, record_problems) = match format {
        InventoryFormat::Csv => {
            let mut w = csv::Writer::from_writer(out);
            w.write_record(CSV_HEADER).map_err(csv_err)?;
            let (items, problems) = each_row(session, cancel, |row| {
                w.write_record(row.csv_record()).map_err(csv_err)?;
                written += 1;
                on_progress(written);
                Ok(())
            })
            .await?;
            w.flush().map_err(io)?;
            (items, problems)
        }
        InventoryFormat::Json => {
            let mut out = std::io::BufWriter::new(out);
            out.write_all(b"[").map_err(io)?;
            let (items, problems) = each_row(session, cancel, |row| {
                out.write_all(if written == 0 { b"\n" } else { b",\n" })
                    .map_err(io)?;
                serde_json::to_writer(&mut out, &row).map_err(|e| io(e.into()))?;
                written += 1;
                on_progress(written);
                Ok(())
            })
            .await?;
            out.write_all(b"\n]\n").map_err(io)?;
            out.flush().map_err(io)?;
            (items, problems)
        }
    };
    Ok(InventorySummary {
        items,
        path: None,
        record_problems,
    })
}

/// Writes the inventory to the file `path`: under a temporary name beside
/// it, renamed into place only once complete, so an interrupted or failed
/// export never leaves a file that looks like a whole inventory. An
/// existing file is refused unless `replace`.
pub async fn export(
    session: &Session,
    format: InventoryFormat,
    path: &Path,
    replace: bool,
    cancel: &Cancel,
    on_progress: impl FnMut(u64) + Send,
) -> Result<InventorySummary> {
    crate::local::files::refuse_existing(path, replace)?;
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let write_err = |e: std::io::Error| Error::Write {
        path: path.to_path_buf(),
        source: e,
    };
    let tmp = tempfile::Builder::new()
        .prefix(".inventory.partial-")
        .tempfile_in(&parent)
        .map_err(write_err)?;
    let file = tmp.as_file().try_clone().map_err(write_err)?;
    let mut summary = write(session, format, file, cancel, on_progress).await?;
    tmp.as_file().sync_all().map_err(write_err)?;
    if replace {
        tmp.persist(path).map_err(|e| write_err(e.error))?;
    } else {
        // Another program may have made the file meanwhile: still refused.
        tmp.persist_noclobber(path).map_err(|e| {
            if e.error.kind() == std::io::ErrorKind::AlreadyExists {
                Error::AlreadyExists {
                    path: path.to_path_buf(),
                }
            } else {
                write_err(e.error)
            }
        })?;
    }
    summary.path = Some(path.display().to_string());
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::library::{Health, PartnerState};
    use crate::net::cluster::TrackerStatus;
    use std::collections::BTreeMap;

    fn item() -> Item {
        Item {
            cid: "QmA".into(),
            name: "Minutes, \"1921\"\nvolume 2".into(),
            size: Some(1234),
            added_at: Some("2026-12-01T10:00:00Z".into()),
            added_by: Some("ann@leeds".into()),
            copies: 1,
            target: 2,
            health: Health::UnderReplicated,
            partners: vec![
                PartnerState {
                    peer_id: "12D3a".into(),
                    peername: "peer1".into(),
                    status: TrackerStatus::Pinned,
                    error: String::new(),
                    timestamp: String::new(),
                    audit: None,
                },
                PartnerState {
                    peer_id: "12D3c".into(),
                    peername: "peer3".into(),
                    status: TrackerStatus::Remote,
                    error: String::new(),
                    timestamp: String::new(),
                    audit: None,
                },
            ],
            metadata: BTreeMap::from([
                ("collection".to_string(), "Parish, Leeds".to_string()),
                (provenance::FILES.to_string(), "3".to_string()),
            ]),
            fixity: None,
        }
    }

    #[test]
    fn a_row_lists_the_partners_asked_to_keep_a_copy_and_quotes_what_needs_it() {
        let last = LastEvent {
            event_type: EventType::FixityCheck,
            outcome: EventOutcome::Failure,
            at: 1_764_583_200,
            place: (1, 0),
        };
        let row = InventoryRow::of(item(), Some(last));
        assert_eq!(row.partners.len(), 1, "a remote partner holds no copy");
        assert_eq!(row.files, Some(3));
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(row.csv_record()).unwrap();
        let text = String::from_utf8(w.into_inner().unwrap()).unwrap();
        let mut r = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(text.as_bytes());
        let back = r.records().next().unwrap().unwrap();
        assert_eq!(&back[1], "Minutes, \"1921\"\nvolume 2");
        assert_eq!(&back[2], "Parish, Leeds");
        assert_eq!(&back[9], "peer1: pinned");
        assert_eq!(&back[11], "fixity check");
        assert_eq!(&back[12], "2025-12-01T10:00:00Z");
        assert_eq!(&back[13], "failure");
    }

    #[test]
    fn the_last_event_is_the_newest() {
        let mut events = LastEvents(HashMap::new());
        // The same second: the later in the writer's record wins.
        for (at, place, t) in [
            (9, (2, 0), EventType::Deletion),
            (5, (1, 0), EventType::Ingestion),
            (9, (1, 3), EventType::Dissemination),
        ] {
            let e = LastEvent {
                event_type: t,
                outcome: EventOutcome::Success,
                at,
                place,
            };
            events.note("QmA", e);
        }
        assert_eq!(events.of("QmA").unwrap().event_type, EventType::Deletion);
        assert!(events.of("QmB").is_none());
    }
}
