//! The pinset as a person sees it: items with a name, size, who added them and
//! when, and how many copies exist against how many should.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::content::provenance::Provenance;
use crate::local::audits::{AuditStore, CopyRecord, ItemFixity};
use crate::net::cluster::{GlobalPinInfo, Pin, TrackerStatus};

/// One partner's state for one item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PartnerState {
    pub peer_id: String,
    pub peername: String,
    pub status: TrackerStatus,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub error: String,
    pub timestamp: String,
    /// The last audit of this partner's copy made on this computer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audit: Option<CopyRecord>,
}

/// Overall state of an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "ItemHealth"))]
#[serde(rename_all = "snake_case")]
pub enum Health {
    /// At least the target number of copies exist.
    Ok,
    /// Copies are still being made.
    Pinning,
    /// Fewer copies than the target and nothing in progress.
    UnderReplicated,
    /// A partner reports an error for it.
    Error,
    /// No partner tracks it (removed, or never added).
    Absent,
    /// Known to be stored, but the partners' states have not arrived yet
    /// (the library lists the pinset first; see [`Item::from_pin`]).
    Checking,
}

impl Health {
    pub fn as_str(self) -> &'static str {
        match self {
            Health::Ok => "ok",
            Health::Pinning => "pinning",
            Health::UnderReplicated => "under_replicated",
            Health::Error => "error",
            Health::Absent => "absent",
            Health::Checking => "checking",
        }
    }
}

/// An item of the library.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Item {
    pub cid: String,
    pub name: String,
    /// Bytes of file content, when recorded at add time.
    pub size: Option<u64>,
    pub added_at: Option<String>,
    pub added_by: Option<String>,
    /// Partners holding a complete copy.
    pub copies: usize,
    /// Partners that should hold one.
    pub target: usize,
    pub health: Health,
    pub partners: Vec<PartnerState>,
    pub metadata: BTreeMap<String, String>,
    /// What the audits on this computer found (see [`Item::with_audits`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fixity: Option<ItemFixity>,
}

impl Item {
    /// The item with the audits' findings: per partner, and summed over the
    /// partners that should hold a copy.
    pub fn with_audits(mut self, store: &AuditStore) -> Self {
        let rec = store.item(&self.cid);
        let allocated: Vec<String> = self
            .partners
            .iter()
            .filter(|p| !matches!(p.status, TrackerStatus::Remote | TrackerStatus::Unpinned))
            .map(|p| p.peername.clone())
            .collect();
        for p in &mut self.partners {
            p.audit = rec.copies.get(&p.peername).cloned();
        }
        self.fixity = Some(rec.fixity(&allocated, self.added_at.as_deref()));
        self
    }

    /// Its audits found problems, could not reach a partner, or are overdue.
    pub fn needs_attention(&self) -> bool {
        self.fixity
            .as_ref()
            .is_some_and(ItemFixity::needs_attention)
    }

    /// A pin this program keeps for itself (a fixity manifest, a batch of
    /// the preservation record): not an item of the library.
    pub fn is_internal(&self) -> bool {
        crate::content::fixity::is_internal_pin(&self.metadata)
    }

    pub fn from_status(s: GlobalPinInfo) -> Self {
        let prov = Provenance::from_metadata(&s.metadata);
        let copies = s.pinned_count();
        // No allocations means "every peer".
        let target = if s.allocations.is_empty() {
            s.peer_map.len()
        } else {
            s.allocations.len()
        };
        let any = |f: fn(TrackerStatus) -> bool| s.peer_map.values().any(|p| f(p.status));
        let health = if s.is_gone() && copies == 0 {
            Health::Absent
        } else if any(TrackerStatus::is_error) {
            Health::Error
        } else if copies >= target && target > 0 {
            Health::Ok
        } else if any(|st| {
            matches!(
                st,
                TrackerStatus::Pinning | TrackerStatus::PinQueued | TrackerStatus::Queued
            )
        }) {
            Health::Pinning
        } else {
            Health::UnderReplicated
        };
        let partners = s
            .peer_map
            .iter()
            .map(|(id, p)| PartnerState {
                peer_id: id.clone(),
                peername: p.peername.clone(),
                status: p.status,
                error: p.error.clone(),
                timestamp: p.timestamp.clone(),
                audit: None,
            })
            .collect();
        Item {
            cid: s.cid,
            name: s.name,
            size: prov.bytes,
            added_at: added_at(prov.added_at, s.created),
            added_by: prov.added_by,
            copies,
            target,
            health,
            partners,
            metadata: s.metadata,
            fixity: None,
        }
    }

    /// An item from the pinset alone, before anyone's state is known. The
    /// cluster's global status only answers once every partner has sent its
    /// whole list (seconds for a large pinset); the pinset streams at once, so
    /// a library can show every item first and fill in the states after.
    /// `members` is the number of partners (the target when the pin is
    /// allocated to every partner).
    pub fn from_pin(p: Pin, members: usize) -> Self {
        let prov = Provenance::from_metadata(&p.metadata);
        let target = if p.allocations.is_empty() || p.replication_factor_max < 0 {
            members.max(p.allocations.len())
        } else {
            p.allocations.len()
        };
        Item {
            cid: p.cid,
            name: p.name,
            size: prov.bytes,
            added_at: added_at(prov.added_at, p.timestamp),
            added_by: prov.added_by,
            copies: 0,
            target,
            health: Health::Checking,
            partners: Vec::new(),
            metadata: p.metadata,
            fixity: None,
        }
    }

    pub fn under_replicated(&self) -> bool {
        self.copies < self.target
    }
}

/// When an item was added: as its provenance says, else the cluster's own
/// time (never its zero time, which means "unknown").
fn added_at(recorded: Option<String>, cluster_time: String) -> Option<String> {
    recorded.or_else(|| {
        (!cluster_time.is_empty() && !cluster_time.starts_with("0001")).then_some(cluster_time)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(json: &str) -> Item {
        Item::from_status(serde_json::from_str(json).unwrap())
    }

    #[test]
    fn copies_target_and_health() {
        let ok = item(
            r#"{"cid":"Qm1","name":"a","metadata":{"bytes":"10","added-by":"u@h"},
            "peer_map":{"p1":{"peername":"one","status":"pinned"},"p2":{"peername":"two","status":"pinned"}}}"#,
        );
        assert_eq!((ok.copies, ok.target, ok.health), (2, 2, Health::Ok));
        assert_eq!(ok.size, Some(10));
        let partial = item(
            r#"{"cid":"Qm1","allocations":["p1","p2"],
            "peer_map":{"p1":{"status":"pinned"},"p2":{"status":"pinning"},"p3":{"status":"remote"}}}"#,
        );
        assert_eq!(
            (partial.copies, partial.target, partial.health),
            (1, 2, Health::Pinning)
        );
        assert!(partial.under_replicated());
        let bad = item(r#"{"cid":"Qm1","peer_map":{"p1":{"status":"pin_error","error":"boom"}}}"#);
        assert_eq!(bad.health, Health::Error);
        let gone = item(r#"{"cid":"Qm1","peer_map":{"p1":{"status":"unpinned"}}}"#);
        assert_eq!(gone.health, Health::Absent);
    }

    #[test]
    fn from_the_pinset_alone() {
        let pin = |json: &str| serde_json::from_str::<Pin>(json).unwrap();
        // Allocated to every partner (-1): the target is the member count.
        let all = Item::from_pin(
            pin(
                r#"{"cid":"Qm1","name":"Letters","replication_factor_max":-1,"timestamp":"2026-01-02T03:04:05Z",
                "metadata":{"bytes":"10","added-by":"u@h","added-at":"2026-01-01T00:00:00Z"}}"#,
            ),
            3,
        );
        assert_eq!(
            (all.copies, all.target, all.health),
            (0, 3, Health::Checking)
        );
        assert_eq!(all.name, "Letters");
        assert_eq!(all.size, Some(10));
        assert_eq!(all.added_by.as_deref(), Some("u@h"));
        assert_eq!(all.added_at.as_deref(), Some("2026-01-01T00:00:00Z"));
        // Two named partners; no provenance: the cluster's time, never its zero time.
        let two = Item::from_pin(
            pin(
                r#"{"cid":"Qm2","allocations":["p1","p2"],"replication_factor_max":2,"timestamp":"2026-01-02T03:04:05Z"}"#,
            ),
            3,
        );
        assert_eq!(two.target, 2);
        assert_eq!(two.added_at.as_deref(), Some("2026-01-02T03:04:05Z"));
        let zero = Item::from_pin(
            pin(r#"{"cid":"Qm3","timestamp":"0001-01-01T00:00:00Z"}"#),
            3,
        );
        assert_eq!(zero.added_at, None);
    }
}
