//! Which settings file, which node, which credentials.
//!
//! A node named with `--cluster-peername` is looked up in the settings' node
//! table first; otherwise it is a tailnet host name (`http://NAME:9094`).
//! Credentials, first found wins: `CCS_USERNAME`/`CCS_PASSWORD`, the settings
//! file (mode 0600), the OS keychain (service `community-cloud-storage`,
//! account = node name).

use std::path::PathBuf;

use ccs_core::Error;
use ccs_core::local::settings::{Config, NodeProfile};
use ccs_core::net::cluster::ClusterClient;

use crate::args::Global;
use crate::{CliError, CliResult};

pub use ccs_core::local::keychain::SERVICE as KEYCHAIN_SERVICE;
/// The REST API user name of nodes made by `create` / `clone` (`deploy::NetworkSecrets`).
pub const DEFAULT_USERNAME: &str = "ccs-admin";

pub struct Context {
    pub config_path: PathBuf,
    pub config: Config,
    pub json: bool,
    pub peername: Option<String>,
}

/// The platform's settings file: e.g. `~/.config/community-cloud-storage/config.toml`.
pub fn default_config_path() -> PathBuf {
    dirs::config_dir()
        .unwrap_or_else(|| PathBuf::from("."))
        .join("community-cloud-storage")
        .join("config.toml")
}

impl Context {
    pub fn new(global: &Global) -> CliResult<Self> {
        let (config_path, explicit) = match &global.config {
            Some(p) => (p.clone(), true),
            None => (default_config_path(), false),
        };
        let config = if config_path.exists() || explicit {
            if !config_path.exists() {
                return Err(CliError::Core(Error::Config {
                    path: config_path.clone(),
                    detail: "there is no such file".into(),
                }));
            }
            Config::load(&config_path)?
        } else {
            Config::default()
        };
        Ok(Self {
            config_path,
            config,
            json: global.json,
            peername: global.cluster_peername.clone(),
        })
    }

    /// The node to talk to, with its credentials filled in.
    pub fn node(&self) -> CliResult<(String, NodeProfile)> {
        let name = self
            .peername
            .clone()
            .or_else(|| self.config.default_node.clone())
            .ok_or_else(|| {
                CliError::Usage(
                    "No storage node was named. Add --cluster-peername NAME, or set a default with `ccs config set default-node NAME`.".into(),
                )
            })?;
        Ok((name.clone(), self.profile(&name)))
    }

    /// A node by name (from the table, else the tailnet host), credentials filled in.
    pub fn profile(&self, name: &str) -> NodeProfile {
        let mut p = self.config.node(name);
        if let Ok(u) = std::env::var("CCS_USERNAME") {
            p.username = Some(u);
        }
        if let Ok(pw) = std::env::var("CCS_PASSWORD") {
            p.password = Some(pw);
        } else if p.password.is_none() {
            p.password = keychain_get(name);
        }
        // The user name every generated node file sets for its REST API.
        if p.password.is_some() && p.username.is_none() {
            p.username = Some(DEFAULT_USERNAME.into());
        }
        p
    }

    pub fn cluster(&self) -> CliResult<(String, ClusterClient)> {
        let (name, p) = self.node()?;
        Ok((name, p.cluster()?))
    }
}

// The keychain lives in ccs-core so the app finds the same saved password.
pub use ccs_core::local::keychain::{
    get as keychain_get, has as keychain_has, set as keychain_set,
};
