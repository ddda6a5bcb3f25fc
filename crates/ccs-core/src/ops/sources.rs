//! Small helpers the desktop app needs on top of the other modules: turning
//! what a person types into a node profile, and choosing where to retrieve from.

use crate::content::retrieve::Source;
use crate::error::{Error, Result};
use crate::local::settings::{Config, DEFAULT_CLUSTER_API_PORT, DEFAULT_GATEWAY_PORT, NodeProfile};
use crate::net::cluster::{GlobalPinInfo, TrackerStatus};

/// A node profile from a tailnet host name (`acme`, `acme:9094`) or a cluster
/// API URL (`http://100.64.0.7:9094`). The gateway is assumed on the same host,
/// port 8080, as in every file the compose generator writes.
pub fn profile_for_address(address: &str) -> Result<NodeProfile> {
    let has_scheme = address.contains("://");
    let address = address.trim().trim_end_matches('/');
    let invalid = || {
        Error::InvalidInput(format!(
            "\"{address}\" is neither a host name (like acme-nas) nor an address (like http://acme-nas:9094)."
        ))
    };
    if address.is_empty() {
        return Err(Error::InvalidInput(
            "Type the host name of a member's node (like acme-nas), or its address.".into(),
        ));
    }
    let with_scheme = if has_scheme {
        address.to_string()
    } else {
        format!("http://{address}")
    };
    let url = url::Url::parse(&with_scheme).map_err(|_| invalid())?;
    if !matches!(url.scheme(), "http" | "https") || url.path().len() > 1 || url.query().is_some() {
        return Err(invalid());
    }
    let host = url.host_str().ok_or_else(invalid)?;
    let port = url.port().unwrap_or(if has_scheme {
        url.port_or_known_default()
            .unwrap_or(DEFAULT_CLUSTER_API_PORT)
    } else {
        DEFAULT_CLUSTER_API_PORT
    });
    let host = if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]")
    } else {
        host.to_string()
    };
    Ok(NodeProfile {
        cluster_api: format!("{}://{host}:{port}", url.scheme()),
        gateway: Some(format!("http://{host}:{DEFAULT_GATEWAY_PORT}")),
        ..NodeProfile::default()
    })
}

/// Where a retrieval can come from, in the order to try them: every partner
/// holding a complete copy, then those still receiving one (right after an
/// add their gateway may already have every block, and each block is
/// verified anyway); within each, the connected `node` first. Each is resolved
/// through the settings' node table (else `http://NAME:8080` for its gateway).
/// Empty when no partner holds or is receiving a copy: see
/// [`crate::content::retrieve::no_copy_error`].
pub fn retrieval_sources(status: &GlobalPinInfo, config: &Config, node: &str) -> Vec<Source> {
    let holders = |wanted: fn(TrackerStatus) -> bool| {
        let mut names: Vec<&str> = status
            .peer_map
            .values()
            .filter(|p| wanted(p.status))
            .map(|p| p.peername.as_str())
            .collect();
        names.sort_by_key(|h| *h != node);
        names
    };
    let mut names = holders(|s| s == TrackerStatus::Pinned);
    names.extend(holders(|s| {
        matches!(
            s,
            TrackerStatus::Pinning | TrackerStatus::PinQueued | TrackerStatus::Queued
        )
    }));
    let mut seen = std::collections::HashSet::new();
    names
        .into_iter()
        .filter(|h| seen.insert(*h))
        .map(|h| Source {
            name: h.to_string(),
            kubo: config.node(h).kubo(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_become_profiles() {
        let p = profile_for_address("acme-nas").unwrap();
        assert_eq!(p.cluster_api, "http://acme-nas:9094");
        assert_eq!(p.gateway.as_deref(), Some("http://acme-nas:8080"));
        let p = profile_for_address(" http://127.0.0.1:40123/ ").unwrap();
        assert_eq!(p.cluster_api, "http://127.0.0.1:40123");
        assert_eq!(p.gateway.as_deref(), Some("http://127.0.0.1:8080"));
        assert_eq!(
            profile_for_address("acme:9999").unwrap().cluster_api,
            "http://acme:9999"
        );
        for bad in [
            "",
            "ftp://acme",
            "http://acme:9094/api",
            "acme nas",
            "http://",
        ] {
            assert_eq!(
                profile_for_address(bad).unwrap_err().code(),
                "invalid_input",
                "{bad}"
            );
        }
    }

    #[test]
    fn sources_are_the_holders_connected_node_first() {
        let status: GlobalPinInfo = serde_json::from_str(
            r#"{"cid":"Qm1","peer_map":{
              "a":{"peername":"peer1","status":"pinned"},
              "b":{"peername":"peer2","status":"pinning"},
              "c":{"peername":"peer3","status":"pinned"}}}"#,
        )
        .unwrap();
        let mut config = Config::default();
        config.nodes.insert(
            "peer3".into(),
            NodeProfile {
                cluster_api: "http://127.0.0.1:1".into(),
                gateway: Some("http://127.0.0.1:2".into()),
                ..NodeProfile::default()
            },
        );
        let s = retrieval_sources(&status, &config, "peer3");
        let names: Vec<_> = s.iter().map(|s| s.name.as_str()).collect();
        // Complete copies first (the connected node first), then peer2, still pinning.
        assert_eq!(names, ["peer3", "peer1", "peer2"]);
        assert_eq!(s[0].kubo.gateway(), Some("http://127.0.0.1:2"));
        assert_eq!(s[1].kubo.gateway(), Some("http://peer1:8080"));

        // Only partners still receiving it, one of them the connected node.
        let status: GlobalPinInfo = serde_json::from_str(
            r#"{"cid":"Qm1","peer_map":{
              "a":{"peername":"peer1","status":"pin_queued"},
              "b":{"peername":"peer2","status":"pinning"},
              "c":{"peername":"peer3","status":"pin_error"}}}"#,
        )
        .unwrap();
        let names: Vec<_> = retrieval_sources(&status, &config, "peer2")
            .into_iter()
            .map(|s| s.name)
            .collect();
        assert_eq!(names, ["peer2", "peer1"]);
        // Nobody holding or receiving it: no source (the caller reports why).
        let status: GlobalPinInfo = serde_json::from_str(
            r#"{"cid":"Qm1","peer_map":{"c":{"peername":"peer3","status":"pin_error"}}}"#,
        )
        .unwrap();
        assert!(retrieval_sources(&status, &config, "peer3").is_empty());
    }
}
