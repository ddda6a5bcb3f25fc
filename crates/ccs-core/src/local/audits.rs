//! What the audits on this computer found: per item, per partner, the last
//! check and the last time the copy was verified. One small JSON file an item
//! (`<folder>/<last two characters of the CID>/<CID>.json`, written
//! atomically), so the app and a `ccs audit` from cron can both write without
//! a lock, a listing looks an item up without reading the rest, and memory
//! stays flat however many items there are.
//!
//! Local state by design (the preservation record shares outcomes across
//! partners); losing it loses only "when last verified", never a copy.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use crate::content::audit::BlockFault;
use crate::error::{Error, Result};
use crate::ops::audit::{CopyAudit, CopyOutcome};

/// `$CCS_AUDIT_DIR` overrides where the records go.
pub const DIR_ENV: &str = "CCS_AUDIT_DIR";
/// A copy not verified for this long is overdue (the scheduled audits sample
/// every copy at least once a week).
pub const OVERDUE_AFTER: Duration = Duration::from_secs(7 * 24 * 3600);

/// The last check of one partner's copy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CopyRecord {
    pub checked_at: String,
    pub outcome: CopyOutcome,
    /// `full` or `sample`.
    pub mode: String,
    /// The last check that found the copy verified (any mode).
    pub last_verified_at: Option<String>,
    /// The last full check that found it verified.
    pub last_full_at: Option<String>,
    pub message: String,
    /// What the last check found wrong: blocks the partner lacks, blocks
    /// that do not match their CIDs (of those named), and files that differ
    /// from the ingest manifest (or a manifest that cannot be used).
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub missing_blocks: u64,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub damaged_blocks: u64,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub manifest_mismatches: u64,
}

/// An item's records, by partner name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemRecord {
    pub cid: String,
    pub copies: BTreeMap<String, CopyRecord>,
}

/// An item's fixity as the library shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum FixityState {
    /// Every partner's copy verified at its last check, within the week.
    Verified,
    /// A partner's last check found problems.
    Problems,
    /// A partner could not be asked at its last check.
    Unreachable,
    /// Not verified within [`OVERDUE_AFTER`].
    Overdue,
    /// Never audited on this computer.
    Unchecked,
}

/// An item's fixity summed over its partners.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ItemFixity {
    pub state: FixityState,
    /// The oldest of the partners' last verified times (so the item is
    /// verified at least as recently on every partner); `None`: some copy
    /// was never verified.
    pub last_verified_at: Option<String>,
}

impl ItemFixity {
    /// Problems, an unreachable partner, or overdue.
    pub fn needs_attention(&self) -> bool {
        matches!(
            self.state,
            FixityState::Problems | FixityState::Unreachable | FixityState::Overdue
        )
    }
}

impl ItemRecord {
    /// The item's state over `partners` (its allocated partners' names; empty:
    /// those with a record). `added_at` (RFC 3339) keeps an item added within
    /// the week from being overdue before its first scheduled check.
    pub fn fixity(&self, partners: &[String], added_at: Option<&str>) -> ItemFixity {
        let names: Vec<&String> = if partners.is_empty() {
            self.copies.keys().collect()
        } else {
            partners.iter().collect()
        };
        let records: Vec<Option<&CopyRecord>> = names.iter().map(|n| self.copies.get(*n)).collect();
        let last_verified_at = records
            .iter()
            .map(|r| r.and_then(|r| r.last_verified_at.clone()))
            .collect::<Option<Vec<String>>>()
            .and_then(|times| times.into_iter().min());
        let outcome = |o| records.iter().flatten().any(|r| r.outcome == o);
        let state = if records.is_empty() || records.iter().all(Option::is_none) {
            if is_older_than(added_at, OVERDUE_AFTER) {
                FixityState::Overdue
            } else {
                FixityState::Unchecked
            }
        } else if outcome(CopyOutcome::Problems) {
            FixityState::Problems
        } else if outcome(CopyOutcome::Unreachable) {
            FixityState::Unreachable
        } else if last_verified_at.is_none() && is_older_than(added_at, OVERDUE_AFTER)
            || last_verified_at
                .as_deref()
                .is_some_and(|t| is_older_than(Some(t), OVERDUE_AFTER))
        {
            FixityState::Overdue
        } else if last_verified_at.is_some() {
            FixityState::Verified
        } else {
            FixityState::Unchecked
        };
        ItemFixity {
            state,
            last_verified_at,
        }
    }
}

fn is_older_than(time: Option<&str>, age: Duration) -> bool {
    let Some(t) = time.and_then(|t| humantime::parse_rfc3339_weak(t).ok()) else {
        return false;
    };
    SystemTime::now()
        .duration_since(t)
        .is_ok_and(|elapsed| elapsed > age)
}

/// The folder of records.
#[derive(Debug, Clone)]
pub struct AuditStore {
    dir: PathBuf,
}

impl AuditStore {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// `$CCS_AUDIT_DIR`, else `audits` beside the job journal's folder.
    pub fn default_dir(journal_dir: &Path) -> PathBuf {
        super::dir_beside_journal(journal_dir, DIR_ENV, "audits")
    }

    fn file(&self, cid: &str) -> Option<PathBuf> {
        // CIDs are letters and digits; anything else is not looked up.
        if cid.len() < 3 || !cid.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return None;
        }
        let shard = &cid[cid.len() - 2..];
        Some(self.dir.join(shard).join(format!("{cid}.json")))
    }

    /// The item's records (empty when never audited here or unreadable: a
    /// damaged record only loses "when last verified").
    pub fn item(&self, cid: &str) -> ItemRecord {
        self.file(cid)
            .and_then(|f| std::fs::read(f).ok())
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_else(|| ItemRecord {
                cid: cid.to_string(),
                copies: BTreeMap::new(),
            })
    }

    /// Records one partner's check.
    pub fn record(&self, copy: &CopyAudit, full: bool) -> Result<()> {
        if copy.outcome == CopyOutcome::NotAllocated {
            return Ok(());
        }
        let Some(file) = self.file(&copy.cid) else {
            return Ok(());
        };
        let mut rec = self.item(&copy.cid);
        let old = rec.copies.get(&copy.partner);
        let verified = copy.outcome == CopyOutcome::Verified;
        // A sample that passed did not look at the blocks a full check found
        // bad: the problem stands until a full check passes.
        if verified && !full && old.is_some_and(|o| o.outcome == CopyOutcome::Problems) {
            return Ok(());
        }
        let keep = |f: fn(&CopyRecord) -> Option<String>| old.and_then(f);
        let count = |fault| {
            copy.check
                .bad_blocks
                .iter()
                .filter(|b| b.fault == fault)
                .count() as u64
        };
        let entry = CopyRecord {
            checked_at: copy.checked_at.clone(),
            outcome: copy.outcome,
            mode: if full { "full" } else { "sample" }.into(),
            last_verified_at: if verified {
                Some(copy.checked_at.clone())
            } else {
                keep(|r| r.last_verified_at.clone())
            },
            last_full_at: if verified && full {
                Some(copy.checked_at.clone())
            } else {
                keep(|r| r.last_full_at.clone())
            },
            message: copy.message.clone(),
            missing_blocks: count(BlockFault::Missing),
            damaged_blocks: count(BlockFault::Damaged),
            manifest_mismatches: copy.check.manifest_mismatches.len() as u64,
        };
        rec.copies.insert(copy.partner.clone(), entry);
        let text = serde_json::to_vec(&rec)
            .map_err(|e| Error::InvalidInput(format!("The audit could not be recorded ({e}).")))?;
        // Not synced: a record lost to a power cut costs a re-check, and a
        // sampled audit of 100,000 items writes 100,000 of them.
        crate::local::settings::write_private_unsynced(&file, &text)
    }

    /// Every item's record, one at a time (for the partners' totals).
    pub fn each(&self, mut f: impl FnMut(ItemRecord)) {
        let shards = std::fs::read_dir(&self.dir).into_iter().flatten().flatten();
        for shard in shards {
            let files = std::fs::read_dir(shard.path())
                .into_iter()
                .flatten()
                .flatten();
            for file in files {
                if file.path().extension().is_some_and(|e| e == "json") {
                    if let Some(rec) = std::fs::read(file.path())
                        .ok()
                        .and_then(|b| serde_json::from_slice(&b).ok())
                    {
                        f(rec);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::audit::CopyCheck;
    use crate::ops::audit::ManifestUse;

    fn copy(partner: &str, outcome: CopyOutcome, at: &str) -> CopyAudit {
        CopyAudit {
            cid: "QmItem123".into(),
            name: "box".into(),
            partner: partner.into(),
            outcome,
            manifest: ManifestUse::Checked,
            check: CopyCheck::default(),
            message: "m".into(),
            checked_at: at.into(),
        }
    }

    #[test]
    fn the_last_verified_time_survives_a_failed_check_and_the_item_takes_the_oldest() {
        let dir = tempfile::tempdir().unwrap();
        let store = AuditStore::new(dir.path());
        let now = crate::content::provenance::now_rfc3339();
        store
            .record(
                &copy("peer1", CopyOutcome::Verified, "2026-01-01T00:00:00Z"),
                true,
            )
            .unwrap();
        store
            .record(&copy("peer2", CopyOutcome::Verified, &now), false)
            .unwrap();
        let rec = store.item("QmItem123");
        let both = ["peer1".to_string(), "peer2".to_string()];
        let f = rec.fixity(&both, None);
        assert_eq!(f.last_verified_at.as_deref(), Some("2026-01-01T00:00:00Z"));
        assert_eq!(f.state, FixityState::Overdue);
        assert!(f.needs_attention());

        store
            .record(&copy("peer1", CopyOutcome::Verified, &now), false)
            .unwrap();
        assert_eq!(
            store.item("QmItem123").fixity(&both, None).state,
            FixityState::Verified
        );

        store
            .record(&copy("peer2", CopyOutcome::Problems, &now), true)
            .unwrap();
        // A passing sample afterwards does not clear it; a full check does.
        let later = "2099-01-01T00:00:00Z";
        store
            .record(&copy("peer2", CopyOutcome::Verified, later), false)
            .unwrap();
        let rec = store.item("QmItem123");
        assert_eq!(
            rec.copies["peer2"].last_verified_at.as_deref(),
            Some(now.as_str())
        );
        assert_eq!(
            rec.copies["peer1"].last_full_at.as_deref(),
            Some("2026-01-01T00:00:00Z")
        );
        assert_eq!(rec.fixity(&both, None).state, FixityState::Problems);

        // A third partner never checked: no item-wide verified time.
        let three = ["peer1".into(), "peer2".into(), "peer3".into()];
        assert_eq!(rec.fixity(&three, None).last_verified_at, None);
        let mut seen = 0;
        store.each(|r| {
            assert_eq!(r.cid, "QmItem123");
            seen += 1;
        });
        assert_eq!(seen, 1);
    }

    #[test]
    fn what_a_check_found_wrong_is_kept_as_counts() {
        use crate::content::audit::BadBlock;
        let dir = tempfile::tempdir().unwrap();
        let store = AuditStore::new(dir.path());
        let mut c = copy("peer3", CopyOutcome::Problems, "2026-12-01T00:00:00Z");
        let bad = |fault| BadBlock {
            cid: format!("Qm{fault:?}"),
            fault,
            file: "a.tif".into(),
        };
        c.check.bad_blocks = vec![bad(BlockFault::Damaged), bad(BlockFault::Missing)];
        c.check.bad_blocks.push(BadBlock {
            cid: "QmOther".into(),
            ..bad(BlockFault::Damaged)
        });
        c.check.manifest_mismatches = vec!["b.txt: differs".into()];
        store.record(&c, true).unwrap();
        let r = &store.item("QmItem123").copies["peer3"];
        assert_eq!(
            (r.missing_blocks, r.damaged_blocks, r.manifest_mismatches),
            (1, 2, 1)
        );
    }

    #[test]
    fn a_new_item_is_unchecked_and_an_old_one_overdue() {
        let rec = ItemRecord::default();
        let now = crate::content::provenance::now_rfc3339();
        assert_eq!(rec.fixity(&[], Some(&now)).state, FixityState::Unchecked);
        assert_eq!(
            rec.fixity(&[], Some("2020-01-01T00:00:00Z")).state,
            FixityState::Overdue
        );
        // Nothing that is not a CID becomes a path.
        let store = AuditStore::new("/nonexistent");
        assert!(store.file("../../etc/passwd").is_none());
    }
}
