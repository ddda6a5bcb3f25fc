//! Where the cluster is and how to authenticate: the settings file with its
//! table of nodes, resolved by name.
//!
//! The file holds credentials, so it is written with mode 0600 and replaced
//! atomically (temporary file, then rename).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::net::cluster::ClusterClient;
use crate::net::http::Credentials;
use crate::net::kubo::KuboClient;

/// Default ports of a member node, used when a name is not in the node table.
pub const DEFAULT_CLUSTER_API_PORT: u16 = 9094;
pub const DEFAULT_GATEWAY_PORT: u16 = 8080;

/// How to reach one node. Its `Debug` hides the password.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeProfile {
    /// Cluster REST API root, e.g. `http://bootstrap:9094`.
    pub cluster_api: String,
    /// kubo gateway root, e.g. `http://bootstrap:8080`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway: Option<String>,
    /// kubo RPC root; only reachable on the node itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipfs_api: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
}

impl std::fmt::Debug for NodeProfile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NodeProfile")
            .field("cluster_api", &self.cluster_api)
            .field("gateway", &self.gateway)
            .field("ipfs_api", &self.ipfs_api)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

impl NodeProfile {
    /// A node known only by its tailnet host name: the default ports.
    pub fn from_host(host: &str) -> Self {
        Self {
            cluster_api: format!("http://{host}:{DEFAULT_CLUSTER_API_PORT}"),
            gateway: Some(format!("http://{host}:{DEFAULT_GATEWAY_PORT}")),
            ..Self::default()
        }
    }

    pub fn credentials(&self) -> Option<Credentials> {
        match (&self.username, &self.password) {
            (Some(u), Some(p)) => Some(Credentials {
                username: u.clone(),
                password: p.clone(),
            }),
            _ => None,
        }
    }

    pub fn cluster(&self) -> Result<ClusterClient> {
        ClusterClient::new(&self.cluster_api, self.credentials())
    }

    pub fn kubo(&self) -> KuboClient {
        KuboClient::new(self.ipfs_api.as_deref(), self.gateway.as_deref())
    }
}

/// The settings file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Config {
    /// The node used when none is named.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_node: Option<String>,
    /// Named nodes.
    #[serde(default)]
    pub nodes: BTreeMap<String, NodeProfile>,
    /// The app's scheduled audits.
    #[serde(default)]
    pub audits: AuditSettings,
}

/// How the app audits in the background while it runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AuditSettings {
    /// Every copy is sampled at least once in this many days.
    #[serde(default = "default_interval_days")]
    pub interval_days: u32,
    /// The most the audits may read, in megabytes a second (0: no limit).
    #[serde(default = "default_max_mb_per_second")]
    pub max_mb_per_second: u32,
}

fn default_interval_days() -> u32 {
    7
}

/// A small share of a typical office connection, so that audits never
/// crowd out the archivists' own work.
fn default_max_mb_per_second() -> u32 {
    2
}

impl Default for AuditSettings {
    fn default() -> Self {
        Self {
            interval_days: default_interval_days(),
            max_mb_per_second: default_max_mb_per_second(),
        }
    }
}

impl Config {
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::Config {
            path: path.to_path_buf(),
            detail: e.to_string(),
        })?;
        toml::from_str(&text).map_err(|e| Error::Config {
            path: path.to_path_buf(),
            detail: e.message().to_string(),
        })
    }

    /// Writes the file with mode 0600, atomically.
    pub fn save(&self, path: &Path) -> Result<()> {
        let text = toml::to_string_pretty(self).map_err(|e| Error::Config {
            path: path.to_path_buf(),
            detail: e.to_string(),
        })?;
        write_private(path, text.as_bytes())
    }

    /// The node called `name`: from the table, else `http://NAME:9094` on the tailnet.
    pub fn node(&self, name: &str) -> NodeProfile {
        self.nodes
            .get(name)
            .cloned()
            .unwrap_or_else(|| NodeProfile::from_host(name))
    }
}

/// Writes a file only its owner can read, replacing any old one atomically.
pub fn write_private(path: &Path, contents: &[u8]) -> Result<()> {
    write_private_with(path, contents, true)
}

/// [`write_private`] without waiting for the disk: for records that are
/// cheap to lose and written by the thousand.
pub fn write_private_unsynced(path: &Path, contents: &[u8]) -> Result<()> {
    write_private_with(path, contents, false)
}

fn write_private_with(path: &Path, contents: &[u8], sync: bool) -> Result<()> {
    use std::io::Write;
    let werr = |e: std::io::Error| Error::Write {
        path: path.to_path_buf(),
        source: e,
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir).map_err(werr)?;
    let mut builder = tempfile::Builder::new();
    builder.prefix(".ccs-");
    // Windows ACLs already restrict a user's profile folder to that user.
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600));
    let mut tmp = builder.tempfile_in(&dir).map_err(werr)?;
    tmp.write_all(contents).map_err(werr)?;
    if sync {
        tmp.as_file().sync_all().map_err(werr)?;
    }
    tmp.persist(path).map_err(|e| werr(e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_printed_node_or_settings_never_show_the_password() {
        let mut c = Config::default();
        c.nodes.insert(
            "acme".into(),
            NodeProfile {
                username: Some("ccs-admin".into()),
                password: Some("hunter2-secret".into()),
                ..NodeProfile::from_host("acme")
            },
        );
        let shown = format!("{c:?} {:#?}", c.nodes["acme"]);
        assert!(!shown.contains("hunter2-secret"), "{shown}");
        assert!(
            shown.contains("<redacted>") && shown.contains("ccs-admin"),
            "{shown}"
        );
    }

    #[test]
    fn unknown_name_means_tailnet_host_with_default_ports() {
        let c = Config::default();
        let n = c.node("acme");
        assert_eq!(n.cluster_api, "http://acme:9094");
        assert_eq!(n.gateway.as_deref(), Some("http://acme:8080"));
    }

    #[cfg(unix)]
    #[test]
    fn saved_file_is_private_and_round_trips() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        let mut c = Config::default();
        c.nodes.insert(
            "peer1".into(),
            NodeProfile {
                cluster_api: "http://127.0.0.1:1".into(),
                username: Some("u".into()),
                password: Some("p".into()),
                ..Default::default()
            },
        );
        c.save(&path).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(Config::load(&path).unwrap(), c);
    }

    #[test]
    fn malformed_file_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, "nodes = 3").unwrap();
        let e = Config::load(&path).unwrap_err();
        assert_eq!(e.code(), "config");
        assert!(e.to_string().contains("config.toml"));
    }
}
