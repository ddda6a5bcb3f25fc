//! The preservation record: what happened to each item, kept in the network.
//!
//! Every computer that acts on items is a *writer* with an id of its own. It
//! appends *batches* of [`Event`]s, each a small JSON document added to the
//! network and pinned on every member (replication -1), so the whole history
//! survives the loss of any member and of the computer that wrote it. Each
//! batch names its writer, its place in the writer's sequence (`seq`,
//! counting from one) and the CID of the writer's previous batch (`prev`): since a CID is the
//! hash of the bytes, the batches of a writer form a hash chain, and a batch
//! that was removed or altered breaks it where it stood. Each batch also
//! names the newest batch it knew of every other writer (`seen`), so that
//! even a writer's *last* batch, once another writer has seen it, cannot
//! vanish unnoticed.
//!
//! The batch pins carry `ccs-kind=history-batch`, `ccs-writer` and
//! `ccs-seq` in their metadata, so a reader finds every batch in the pinset
//! without reading the documents, and the library leaves them out.
//!
//! Events use PREMIS 3's vocabulary (event types from
//! <https://id.loc.gov/vocabulary/preservation/eventType>, agents by role).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The batch pins' metadata.
pub const KIND_BATCH: &str = "history-batch";
pub const WRITER_KEY: &str = "ccs-writer";
pub const SEQ_KEY: &str = "ccs-seq";
/// The documents' format name and version.
pub const FORMAT: &str = "ccs-history/1";
/// Events in one batch at most (a batch stays a few hundred KiB).
pub const BATCH_EVENTS: usize = 500;

/// PREMIS 3 event types this program records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum EventType {
    /// The item was added to the network.
    Ingestion,
    /// A partner's copy was checked (an audit).
    FixityCheck,
    /// Partners were asked to make missing copies again.
    Recovery,
    /// The item was saved to a computer.
    Dissemination,
    /// Its title, collection or description changed.
    MetadataModification,
    /// It was removed from every partner.
    Deletion,
    /// The network's policy changed (the item is the policy's anchor).
    PolicyAssignment,
    /// Its copies were placed again by the policy (`ccs ensure`).
    Replication,
    /// It was withdrawn, a withdrawal confirmed, or (outcome failure) kept.
    Deaccession,
}

impl EventType {
    /// The PREMIS label.
    pub fn premis(self) -> &'static str {
        match self {
            EventType::Ingestion => "ingestion",
            EventType::FixityCheck => "fixity check",
            EventType::Recovery => "recovery",
            EventType::Dissemination => "dissemination",
            EventType::MetadataModification => "metadata modification",
            EventType::Deletion => "deletion",
            EventType::PolicyAssignment => "policy assignment",
            EventType::Replication => "replication",
            EventType::Deaccession => "deaccession",
        }
    }
}

/// How it went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum EventOutcome {
    Success,
    Failure,
}

/// One event on one item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "HistoryEvent"))]
pub struct Event {
    /// Random, unique (PREMIS `eventIdentifierValue`).
    pub id: String,
    #[serde(rename = "type")]
    pub event_type: EventType,
    /// RFC 3339.
    pub at: String,
    pub outcome: EventOutcome,
    /// What happened, one sentence.
    pub detail: String,
    /// The person (`user@host` or `user@organisation`).
    pub person: String,
    /// The software with its version (`community-cloud-storage/0.1.0`).
    pub software: String,
    /// The partner concerned, when one is (a fixity check's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partner: Option<String>,
    /// The item's CID.
    pub item: String,
    /// The item's title when the event was recorded, so the record can name
    /// an item that is no longer stored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl Event {
    pub fn new(
        event_type: EventType,
        item: &str,
        outcome: EventOutcome,
        detail: impl Into<String>,
        software: &str,
    ) -> Self {
        Self {
            id: hex::encode(crate::deploy::node_config::random_bytes::<16>()),
            event_type,
            at: crate::content::provenance::now_rfc3339(),
            outcome,
            detail: detail.into(),
            person: crate::content::provenance::who(),
            software: software.to_string(),
            partner: None,
            item: item.to_string(),
            name: None,
        }
    }

    /// The event with the item's title (none when `name` is empty).
    pub fn named(mut self, name: &str) -> Self {
        self.name = (!name.is_empty()).then(|| name.to_string());
        self
    }
}

/// One document of the record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Batch {
    pub format: String,
    pub writer: String,
    /// The writer's person and computer, for people reading the record.
    pub writer_name: String,
    pub seq: u64,
    /// The CID of the writer's batch `seq - 1`; `None` for the first.
    pub prev: Option<String>,
    /// The newest batch of each other writer this writer knew of.
    #[serde(default)]
    pub seen: BTreeMap<String, String>,
    pub events: Vec<Event>,
}

/// A batch pin as the pinset lists it (before its document is read).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchPin {
    pub cid: String,
    pub writer: String,
    pub seq: u64,
}

/// Something wrong with the record, in one sentence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RecordProblem {
    pub writer: String,
    pub message: String,
}

/// Checks each writer's chain: every batch from 1 to the newest present,
/// each linking to the one before, and every batch another writer saw still
/// there. `docs` holds the documents read (by CID); a batch whose document
/// could not be read or does not match its pin is in `unreadable`.
pub fn check_chains(
    pins: &[BatchPin],
    docs: &BTreeMap<String, Batch>,
    unreadable: &BTreeMap<String, String>,
) -> Vec<RecordProblem> {
    let mut problems = Vec::new();
    let mut by_writer: BTreeMap<&str, BTreeMap<u64, Vec<&BatchPin>>> = BTreeMap::new();
    for p in pins {
        by_writer
            .entry(&p.writer)
            .or_default()
            .entry(p.seq)
            .or_default()
            .push(p);
    }
    let mut problem = |writer: &str, message: String| {
        problems.push(RecordProblem {
            writer: writer.to_string(),
            message,
        })
    };
    for (writer, seqs) in &by_writer {
        let newest = seqs.keys().next_back().copied().unwrap_or(0);
        for seq in 1..=newest {
            let Some(at) = seqs.get(&seq) else {
                problem(
                    writer,
                    format!("batch {seq} of {writer} is missing from the network: it was removed"),
                );
                continue;
            };
            if at.len() > 1 {
                problem(
                    writer,
                    format!(
                        "{} different batches claim to be batch {seq} of {writer}: all but one were altered or forged",
                        at.len()
                    ),
                );
            }
            for pin in at {
                if let Some(why) = unreadable.get(&pin.cid) {
                    problem(
                        writer,
                        format!("batch {seq} of {writer} ({}) {why}", pin.cid),
                    );
                    continue;
                }
                let Some(doc) = docs.get(&pin.cid) else {
                    continue;
                };
                if doc.writer != *writer || doc.seq != seq || doc.format != FORMAT {
                    problem(
                        writer,
                        format!(
                            "batch {} ({}) does not say what its pin says (writer {}, batch {}): it was altered",
                            seq, pin.cid, doc.writer, doc.seq
                        ),
                    );
                    continue;
                }
                let want_prev = if seq == 1 {
                    None
                } else {
                    seqs.get(&(seq - 1))
                        .and_then(|p| p.first())
                        .map(|p| p.cid.as_str())
                };
                if seq > 1 && doc.prev.as_deref() != want_prev {
                    problem(
                        writer,
                        format!(
                            "batch {seq} of {writer} does not link to batch {} as found in the network: the chain was altered",
                            seq - 1
                        ),
                    );
                }
            }
        }
    }
    // What other writers saw must still be there.
    let present: std::collections::HashSet<&str> = pins.iter().map(|p| p.cid.as_str()).collect();
    let mut reported = std::collections::HashSet::new();
    for doc in docs.values() {
        for (writer, cid) in &doc.seen {
            if !present.contains(cid.as_str()) && reported.insert(cid.clone()) {
                problem(
                    writer,
                    format!(
                        "a batch of {writer} ({cid}) that {} saw is missing from the network: it was removed",
                        doc.writer
                    ),
                );
            }
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(writer: &str, seq: u64, prev: Option<&str>) -> Batch {
        Batch {
            format: FORMAT.into(),
            writer: writer.into(),
            writer_name: "a@b".into(),
            seq,
            prev: prev.map(str::to_string),
            seen: BTreeMap::new(),
            events: Vec::new(),
        }
    }

    fn pin(cid: &str, writer: &str, seq: u64) -> BatchPin {
        BatchPin {
            cid: cid.into(),
            writer: writer.into(),
            seq,
        }
    }

    #[test]
    fn a_whole_chain_passes_and_a_removed_or_altered_batch_is_named() {
        let pins = vec![pin("c1", "w", 1), pin("c2", "w", 2), pin("c3", "w", 3)];
        let mut docs = BTreeMap::from([
            ("c1".to_string(), batch("w", 1, None)),
            ("c2".to_string(), batch("w", 2, Some("c1"))),
            ("c3".to_string(), batch("w", 3, Some("c2"))),
        ]);
        assert_eq!(check_chains(&pins, &docs, &BTreeMap::new()), vec![]);

        // Batch 2 removed.
        let gone = vec![pins[0].clone(), pins[2].clone()];
        let p = check_chains(&gone, &docs, &BTreeMap::new());
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(p[0].message.contains("batch 2 of w is missing"), "{p:?}");
        assert!(p[1].message.contains("does not link"), "{p:?}");

        // A forged batch 2 beside the real one.
        let mut forged = pins.clone();
        forged.push(pin("cX", "w", 2));
        docs.insert("cX".into(), batch("w", 2, Some("c1")));
        let p = check_chains(&forged, &docs, &BTreeMap::new());
        assert!(
            p.iter().any(|p| p.message.contains("2 different batches")),
            "{p:?}"
        );

        // A document that says something else than its pin.
        docs.insert("c2".into(), batch("w", 7, Some("c1")));
        let p = check_chains(&pins, &docs, &BTreeMap::new());
        assert!(
            p.iter().any(|p| p.message.contains("it was altered")),
            "{p:?}"
        );
    }

    #[test]
    fn a_last_batch_another_writer_saw_cannot_vanish() {
        let mut seen_by_v = batch("v", 1, None);
        seen_by_v.seen.insert("w".into(), "c2".into());
        let docs = BTreeMap::from([
            ("c1".to_string(), batch("w", 1, None)),
            ("v1".to_string(), seen_by_v),
        ]);
        // w's batch 2 (its last) was removed: only v's record of it remains.
        let pins = vec![pin("c1", "w", 1), pin("v1", "v", 1)];
        let p = check_chains(&pins, &docs, &BTreeMap::new());
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(p[0].message.contains("(c2) that v saw is missing"), "{p:?}");
    }
}
