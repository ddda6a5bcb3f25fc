//! Typed models of the IPFS Cluster REST API (v1.1.6, `api/types.go`).
//!
//! Every field the cluster sends is carried. Fields default when absent because
//! the cluster omits empty ones. Timestamps stay RFC 3339 strings as sent; the
//! cluster uses `0001-01-01T00:00:00Z` for "never".

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};

/// The cluster writes `null` for empty lists and maps; read that as empty.
pub(crate) fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// `GET /id`: who a cluster peer is and who it sees.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ClusterId {
    pub id: String,
    #[serde(deserialize_with = "null_as_default")]
    pub addresses: Vec<String>,
    #[serde(deserialize_with = "null_as_default")]
    pub cluster_peers: Vec<String>,
    #[serde(deserialize_with = "null_as_default")]
    pub cluster_peers_addresses: Vec<String>,
    pub version: String,
    pub commit: String,
    pub rpc_protocol_version: String,
    pub error: String,
    pub ipfs: IpfsId,
    pub peername: String,
}

/// The kubo node behind a cluster peer, as the cluster sees it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct IpfsId {
    pub id: String,
    #[serde(deserialize_with = "null_as_default")]
    pub addresses: Vec<String>,
    pub error: String,
}

/// `GET /version`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ClusterVersion {
    pub version: String,
}

/// One line of the `/add` stream. Progress lines carry `bytes` and no `cid`;
/// each added file or folder gets a line with its `cid` and `size`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AddedOutput {
    pub name: String,
    pub cid: Option<String>,
    pub bytes: u64,
    pub size: u64,
    #[serde(deserialize_with = "null_as_default")]
    pub allocations: Vec<String>,
}

/// Pin modes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PinMode {
    #[default]
    Recursive,
    Direct,
}

/// `GET /allocations`: an entry of the shared pinset.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Pin {
    pub cid: String,
    /// `pin`, `meta-pin`, `clusterdag-pin` or `shard-pin`.
    #[serde(rename = "type")]
    pub pin_type: String,
    #[serde(deserialize_with = "null_as_default")]
    pub allocations: Vec<String>,
    pub max_depth: i64,
    pub reference: Option<String>,
    pub timestamp: String,
    // PinOptions, inlined by the cluster.
    pub replication_factor_min: i32,
    pub replication_factor_max: i32,
    pub name: String,
    pub mode: PinMode,
    pub shard_size: u64,
    #[serde(deserialize_with = "null_as_default")]
    pub user_allocations: Vec<String>,
    pub expire_at: String,
    #[serde(deserialize_with = "null_as_default")]
    pub metadata: BTreeMap<String, String>,
    pub pin_update: Option<String>,
    #[serde(deserialize_with = "null_as_default")]
    pub origins: Vec<String>,
}

/// What a peer is doing with a pin. `Remote` means "not allocated here", which
/// is normal and not an error.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum TrackerStatus {
    #[default]
    Undefined,
    ClusterError,
    PinError,
    UnpinError,
    Error,
    Pinned,
    Pinning,
    Unpinning,
    Unpinned,
    Remote,
    PinQueued,
    UnpinQueued,
    Queued,
    Sharded,
    UnexpectedlyUnpinned,
    /// A status this version does not know (kept so a newer cluster does not break reads).
    #[serde(other)]
    Unknown,
}

impl TrackerStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            TrackerStatus::Undefined => "undefined",
            TrackerStatus::ClusterError => "cluster_error",
            TrackerStatus::PinError => "pin_error",
            TrackerStatus::UnpinError => "unpin_error",
            TrackerStatus::Error => "error",
            TrackerStatus::Pinned => "pinned",
            TrackerStatus::Pinning => "pinning",
            TrackerStatus::Unpinning => "unpinning",
            TrackerStatus::Unpinned => "unpinned",
            TrackerStatus::Remote => "remote",
            TrackerStatus::PinQueued => "pin_queued",
            TrackerStatus::UnpinQueued => "unpin_queued",
            TrackerStatus::Queued => "queued",
            TrackerStatus::Sharded => "sharded",
            TrackerStatus::UnexpectedlyUnpinned => "unexpectedly_unpinned",
            TrackerStatus::Unknown => "unknown",
        }
    }

    /// A state that needs attention (a failed pin or an unreachable peer).
    pub fn is_error(self) -> bool {
        matches!(
            self,
            TrackerStatus::ClusterError
                | TrackerStatus::PinError
                | TrackerStatus::UnpinError
                | TrackerStatus::Error
                | TrackerStatus::UnexpectedlyUnpinned
        )
    }
}

/// One peer's view of one pin.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PinInfoShort {
    pub peername: String,
    pub ipfs_peer_id: String,
    #[serde(deserialize_with = "null_as_default")]
    pub ipfs_peer_addresses: Vec<String>,
    pub status: TrackerStatus,
    pub timestamp: String,
    pub error: String,
    pub attempt_count: u32,
    pub priority_pin: bool,
}

/// `GET /pins/{cid}` and each line of `GET /pins`: a pin and every peer's status.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct GlobalPinInfo {
    pub cid: String,
    pub name: String,
    #[serde(deserialize_with = "null_as_default")]
    pub allocations: Vec<String>,
    #[serde(deserialize_with = "null_as_default")]
    pub origins: Vec<String>,
    pub created: String,
    #[serde(deserialize_with = "null_as_default")]
    pub metadata: BTreeMap<String, String>,
    /// Cluster peer id -> that peer's status.
    #[serde(deserialize_with = "null_as_default")]
    pub peer_map: BTreeMap<String, PinInfoShort>,
}

impl GlobalPinInfo {
    /// How many peers hold a complete copy.
    pub fn pinned_count(&self) -> usize {
        self.peer_map
            .values()
            .filter(|p| p.status == TrackerStatus::Pinned)
            .count()
    }

    /// True when no peer tracks it any more (after an unpin, or an unknown CID).
    pub fn is_gone(&self) -> bool {
        self.peer_map.values().all(|p| {
            matches!(
                p.status,
                TrackerStatus::Unpinned | TrackerStatus::Remote | TrackerStatus::Undefined
            )
        })
    }
}

/// A monitoring metric (`GET /monitor/metrics/{name}`), e.g. `freespace`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Metric {
    pub name: String,
    pub peer: String,
    pub value: String,
    /// Unix nanoseconds after which the metric is stale.
    pub expire: i64,
    pub valid: bool,
    pub weight: i64,
    pub partitionable: bool,
    /// Unix nanoseconds when the metric arrived.
    pub received_at: i64,
}

/// `GET /health/alerts`: a peer whose metric expired (usually: it went offline).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Alert {
    #[serde(flatten)]
    pub metric: Metric,
    pub triggered_at: String,
}

/// The cluster's error body: `{"code": N, "message": "..."}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ApiError {
    pub code: i64,
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn null_lists_and_maps_read_as_empty() {
        let p: Pin =
            serde_json::from_str(r#"{"cid":"Qm","metadata":null,"allocations":null}"#).unwrap();
        assert!(p.metadata.is_empty() && p.allocations.is_empty());
    }

    #[test]
    fn unknown_status_does_not_break_reads() {
        let s: PinInfoShort =
            serde_json::from_str(r#"{"peername":"a","status":"brand_new_state"}"#).unwrap();
        assert_eq!(s.status, TrackerStatus::Unknown);
    }

    #[test]
    fn remote_is_not_an_error_and_gone_counts_it() {
        let g: GlobalPinInfo = serde_json::from_str(
            r#"{"cid":"bafy","peer_map":{"p1":{"status":"remote"},"p2":{"status":"unpinned"}}}"#,
        )
        .unwrap();
        assert!(!TrackerStatus::Remote.is_error());
        assert!(g.is_gone());
        assert_eq!(g.pinned_count(), 0);
    }
}
