//! Connect: try a member's node, and make it this computer's node.

use serde::{Deserialize, Serialize};

use super::Session;
use crate::error::{Error, Result};
use crate::local::settings::{DEFAULT_CLUSTER_API_PORT, DEFAULT_GATEWAY_PORT, NodeProfile};

/// What a person types to connect (no `Debug`: it holds the password).
#[derive(Clone, Default, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "ConnectInput"))]
pub struct ConnectRequest {
    /// A tailnet host name (`acme-nas`) or the cluster API URL.
    pub address: String,
    pub username: String,
    pub password: String,
}

/// The verdict of trying a node.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ConnectionReport {
    /// The node's name in the settings (its cluster peer name when new).
    pub node: String,
    pub cluster_api: String,
    pub version: String,
    /// Members this node sees, itself included.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub members: u64,
}

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

async fn probe(request: &ConnectRequest) -> Result<(NodeProfile, ConnectionReport)> {
    let mut profile = profile_for_address(&request.address)?;
    if !request.username.is_empty() || !request.password.is_empty() {
        profile.username = Some(request.username.clone());
        profile.password = Some(request.password.clone());
    }
    let report = try_profile(&profile).await?;
    Ok((profile, report))
}

/// Asks the node of `profile` who it is (and so whether its credentials work).
pub(crate) async fn try_profile(profile: &NodeProfile) -> Result<ConnectionReport> {
    let client = profile.cluster()?;
    let id = client.id().await?;
    let version = client.version().await?.version;
    Ok(ConnectionReport {
        node: id.peername,
        cluster_api: profile.cluster_api.clone(),
        version,
        members: id.cluster_peers.len() as u64,
    })
}

/// Tries the node without saving anything.
pub async fn test(request: &ConnectRequest) -> Result<ConnectionReport> {
    Ok(probe(request).await?.1)
}

/// Tries the node, then makes it this computer's node in the settings. The
/// password goes to the OS keychain (shared by the command line and the app);
/// only without one does it stay in the settings file (mode 0600).
pub async fn save(session: &mut Session, request: &ConnectRequest) -> Result<ConnectionReport> {
    let (profile, report) = probe(request).await?;
    remember(session, profile, report, false)
}

/// Makes the node `profile` (tried: `report`) this computer's node. A node
/// already in the table keeps its gateway unless `gateway_known` (the
/// caller knows it, e.g. from an invitation).
pub(crate) fn remember(
    session: &mut Session,
    profile: NodeProfile,
    mut report: ConnectionReport,
    gateway_known: bool,
) -> Result<ConnectionReport> {
    let config = &mut session.config;
    // A node already in the table (e.g. written by the CLI) keeps its gateway.
    let existing = config
        .nodes
        .iter()
        .find(|(_, p)| p.cluster_api == profile.cluster_api)
        .map(|(n, _)| n.clone());
    let name = existing.unwrap_or_else(|| match report.node.as_str() {
        "" => "my-node".to_string(),
        n => n.to_string(),
    });
    let password = profile
        .password
        .clone()
        .filter(|p| !p.is_empty() && session.keychain.set(&name, p).is_err());
    let entry = config.nodes.entry(name.clone()).or_insert(profile.clone());
    entry.username = profile.username;
    entry.password = password;
    if gateway_known {
        entry.gateway = profile.gateway;
    }
    config.default_node = Some(name.clone());
    config.save(&session.settings_path)?;
    report.node = name;
    Ok(report)
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
}
