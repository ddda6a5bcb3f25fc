//! How fast adds from this computer have reached each node: what an add's
//! preview estimates its time from. Kept beside the job journal, one small
//! file, blended over the adds so that one slow evening does not set the
//! estimate alone.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Adds smaller than this say more about the round trip than the rate, and
/// are not measured.
pub const MEASURED_FROM_BYTES: u64 = 1_000_000;
/// The weight of the newest measurement in the blend.
const NEWEST_WEIGHT: f64 = 0.5;
const FILE_NAME: &str = "upload-rates";

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
struct Measured {
    bytes_per_second: f64,
}

/// The rates of one computer, by node name.
pub struct UploadRates {
    path: PathBuf,
}

impl UploadRates {
    /// The rates kept in the job journal's folder (a file the journal does
    /// not read as a job: it has no `.json` ending).
    pub fn in_journal(journal_dir: &std::path::Path) -> Self {
        Self {
            path: journal_dir.join(FILE_NAME),
        }
    }

    fn read(&self) -> BTreeMap<String, Measured> {
        std::fs::read(&self.path)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
    }

    /// Bytes a second that adds to `node` have reached, if any was measured.
    pub fn rate(&self, node: &str) -> Option<f64> {
        self.read()
            .get(node)
            .map(|m| m.bytes_per_second)
            .filter(|r| r.is_finite() && *r > 0.0)
    }

    /// Takes one add into the blend; too small an add is left out. Losing
    /// the file costs only an estimate, so a failure to write is ignored.
    pub fn record(&self, node: &str, bytes: u64, took: Duration) {
        if bytes < MEASURED_FROM_BYTES || took.is_zero() {
            return;
        }
        let measured = bytes as f64 / took.as_secs_f64();
        let mut all = self.read();
        let blended = match all.get(node) {
            Some(old) if old.bytes_per_second.is_finite() && old.bytes_per_second > 0.0 => {
                old.bytes_per_second * (1.0 - NEWEST_WEIGHT) + measured * NEWEST_WEIGHT
            }
            _ => measured,
        };
        all.insert(
            node.to_string(),
            Measured {
                bytes_per_second: blended,
            },
        );
        if let Ok(text) = serde_json::to_vec(&all) {
            let _ = crate::local::settings::write_private_unsynced(&self.path, &text);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_blend_per_node_and_small_adds_are_not_measured() {
        let dir = tempfile::tempdir().unwrap();
        let rates = UploadRates::in_journal(dir.path());
        assert_eq!(rates.rate("peer1"), None);
        rates.record("peer1", 500, Duration::from_secs(1));
        assert_eq!(rates.rate("peer1"), None, "too small to say");
        rates.record("peer1", 10_000_000, Duration::from_secs(1));
        assert_eq!(rates.rate("peer1"), Some(10_000_000.0));
        rates.record("peer1", 2_000_000, Duration::from_secs(1));
        assert_eq!(rates.rate("peer1"), Some(6_000_000.0));
        assert_eq!(rates.rate("peer2"), None);
        // The journal does not mistake the file for a job.
        assert!(
            crate::local::journal::Journal::new(dir.path())
                .list()
                .is_empty()
        );
        // A damaged file is no rate, and the next add starts it again.
        std::fs::write(dir.path().join(FILE_NAME), b"{not json").unwrap();
        assert_eq!(rates.rate("peer1"), None);
        rates.record("peer1", 3_000_000, Duration::from_secs(1));
        assert_eq!(rates.rate("peer1"), Some(3_000_000.0));
    }
}
