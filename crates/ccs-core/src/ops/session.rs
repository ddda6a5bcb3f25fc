//! Which settings file, which node, which credentials: one rule for the
//! command line and the app.
//!
//! A node is named explicitly (the command line's `--cluster-peername`) or is
//! the settings' `default_node`. It is looked up in the settings' node table,
//! else it is a tailnet host name (`http://NAME:9094`). Credentials, first
//! found wins: `CCS_USERNAME` / `CCS_PASSWORD`, the settings file (mode 0600),
//! the OS keychain (service `community-cloud-storage`, account = node name).
//! A password without a user name uses [`DEFAULT_USERNAME`], the one every
//! generated node file sets.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::error::{Error, Result};
use crate::local::journal::Journal;
use crate::local::keychain;
use crate::local::settings::{Config, NodeProfile};
use crate::net::cluster::ClusterClient;

/// The REST API user name of nodes made by `create` / `clone` / `invite`.
pub const DEFAULT_USERNAME: &str = crate::deploy::node_config::REST_API_USER;
/// Environment variables that override the stored credentials (scripts, CI).
pub const USERNAME_ENV: &str = "CCS_USERNAME";
pub const PASSWORD_ENV: &str = "CCS_PASSWORD";

/// The settings file of this computer: `$CCS_CONFIG`, else the platform's
/// config folder (`~/.config/community-cloud-storage/config.toml`).
pub fn default_settings_path() -> PathBuf {
    match std::env::var_os("CCS_CONFIG") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => dirs::config_dir()
            .unwrap_or_else(|| PathBuf::from("."))
            .join("community-cloud-storage")
            .join("config.toml"),
    }
}

/// Passwords read from the OS keychain, once per node and program run (the
/// keychain may ask the person to unlock it). Shared by every session of a
/// long-running program.
#[derive(Debug, Default, Clone)]
pub struct KeychainCache(Arc<Mutex<HashMap<String, Option<String>>>>);

impl KeychainCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Option<String>>> {
        // A panic while holding this lock cannot leave the map inconsistent.
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The password of `node` in the OS keychain, if any.
    pub fn get(&self, node: &str) -> Option<String> {
        self.lock()
            .entry(node.to_string())
            .or_insert_with(|| keychain::get(node))
            .clone()
    }

    /// Saves `password` for `node` in the OS keychain; `Err` says why not.
    pub fn set(&self, node: &str, password: &str) -> std::result::Result<(), String> {
        keychain::set(node, password)?;
        self.lock()
            .insert(node.to_string(), Some(password.to_string()));
        Ok(())
    }
}

/// Everything an operation needs to know about this computer.
#[derive(Debug, Clone)]
pub struct Session {
    pub settings_path: PathBuf,
    pub config: Config,
    /// The node named for this run; else `config.default_node`.
    pub node_override: Option<String>,
    /// The program, recorded as `client` in provenance and the job journal
    /// (`community-cloud-storage/0.1.0`, `ccs-app/0.1.0`).
    pub client: &'static str,
    pub journal_dir: PathBuf,
    pub keychain: KeychainCache,
}

/// A node ready to be asked: its name, profile (credentials filled in) and client.
pub struct Node {
    pub name: String,
    pub profile: NodeProfile,
    pub cluster: ClusterClient,
}

impl Session {
    /// Reads the settings at `path`. A missing file is "not set up yet",
    /// unless `must_exist` (the person named it), which is an error.
    pub fn load(path: &Path, must_exist: bool, client: &'static str) -> Result<Self> {
        let config = if path.exists() {
            Config::load(path)?
        } else if must_exist {
            return Err(Error::Config {
                path: path.to_path_buf(),
                detail: "there is no such file".into(),
            });
        } else {
            Config::default()
        };
        Ok(Self {
            settings_path: path.to_path_buf(),
            config,
            node_override: None,
            client,
            journal_dir: Journal::default_dir(),
            keychain: KeychainCache::default(),
        })
    }

    pub fn journal(&self) -> Journal {
        Journal::new(self.journal_dir.clone())
    }

    /// What the audits on this computer found (beside the journal).
    pub fn audits(&self) -> crate::local::audits::AuditStore {
        crate::local::audits::AuditStore::new(crate::local::audits::AuditStore::default_dir(
            &self.journal_dir,
        ))
    }

    /// The chosen node's name: the one named for this run, else the default.
    pub fn node_name(&self) -> Result<String> {
        self.node_override
            .clone()
            .or_else(|| self.config.default_node.clone())
            .ok_or(Error::NotConnected)
    }

    /// A node by name, from the table or the tailnet, credentials filled in.
    pub fn profile(&self, name: &str) -> NodeProfile {
        let mut p = self.config.node(name);
        if let Ok(u) = std::env::var(USERNAME_ENV) {
            p.username = Some(u);
        }
        if let Ok(pw) = std::env::var(PASSWORD_ENV) {
            p.password = Some(pw);
        } else if p.password.is_none() {
            p.password = self.keychain.get(name);
        }
        if p.password.is_some() && p.username.is_none() {
            p.username = Some(DEFAULT_USERNAME.into());
        }
        p
    }

    /// The chosen node, ready to be asked.
    pub fn node(&self) -> Result<Node> {
        let name = self.node_name()?;
        let profile = self.profile(&name);
        let cluster = profile.cluster()?;
        Ok(Node {
            name,
            profile,
            cluster,
        })
    }

    /// Where the password of `node` comes from, by the rule [`Self::profile`] follows.
    pub fn password_source(&self, node: &str) -> PasswordSource {
        if std::env::var_os(PASSWORD_ENV).is_some() {
            PasswordSource::Environment
        } else if self.config.node(node).password.is_some() {
            PasswordSource::File
        } else if self.keychain.get(node).is_some() {
            PasswordSource::Keychain
        } else {
            PasswordSource::None
        }
    }
}

/// Where a node's password comes from on this computer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum PasswordSource {
    /// `CCS_PASSWORD` overrides every stored one.
    Environment,
    /// The settings file (mode 0600).
    File,
    /// The OS keychain.
    Keychain,
    None,
}

/// One setting a person can change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Setting {
    /// The node used when none is named.
    DefaultNode,
    /// A node's cluster REST API address.
    ClusterApi {
        node: String,
    },
    /// A node's gateway address.
    Gateway {
        node: String,
    },
    Username {
        node: String,
    },
    /// Kept in the OS keychain unless `in_file` (or the keychain cannot be used).
    Password {
        node: String,
        in_file: bool,
    },
    /// Days within which the app's audits sample every copy.
    AuditIntervalDays,
    /// The most the app's audits may read, in megabytes a second (0: no limit).
    AuditMaxRate,
}

/// Where a changed setting went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Saved {
    /// In the settings file (mode 0600).
    File,
    /// A password in the OS keychain (the settings file keeps none).
    Keychain,
    /// A password in the settings file because the keychain could not take it
    /// (`why`).
    FileWithoutKeychain { why: String },
}

/// Changes one setting and saves the settings file.
pub fn set(session: &mut Session, setting: Setting, value: String) -> Result<Saved> {
    let number = |what: &str, min: u32| {
        value
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|n| *n >= min)
            .ok_or_else(|| {
                Error::InvalidInput(format!(
                    "\"{value}\" is not a number of {what} (a whole number, at least {min}). Give one such as 7."
                ))
            })
    };
    match setting {
        Setting::AuditIntervalDays => {
            session.config.audits.interval_days = number("days", 1)?;
            session.config.save(&session.settings_path)?;
            return Ok(Saved::File);
        }
        Setting::AuditMaxRate => {
            session.config.audits.max_mb_per_second = number("megabytes a second", 0)?;
            session.config.save(&session.settings_path)?;
            return Ok(Saved::File);
        }
        _ => {}
    }
    let node = match &setting {
        Setting::DefaultNode | Setting::AuditIntervalDays | Setting::AuditMaxRate => None,
        Setting::ClusterApi { node }
        | Setting::Gateway { node }
        | Setting::Username { node }
        | Setting::Password { node, .. } => Some(node.clone()),
    };
    let mut saved = Saved::File;
    match node {
        None => session.config.default_node = Some(value),
        Some(node) => {
            let mut profile = session
                .config
                .nodes
                .get(&node)
                .cloned()
                .unwrap_or_else(|| NodeProfile::from_host(&node));
            match setting {
                Setting::DefaultNode | Setting::AuditIntervalDays | Setting::AuditMaxRate => {}
                Setting::ClusterApi { .. } => {
                    // Refuses what is not an address before it is saved.
                    ClusterClient::new(&value, None)?;
                    profile.cluster_api = value;
                }
                Setting::Gateway { .. } => {
                    if !value.starts_with("http://") {
                        return Err(Error::InvalidInput(format!(
                            "\"{value}\" must start with http:// (e.g. http://{node}:8080). Check the address and try again."
                        )));
                    }
                    profile.gateway = Some(value);
                }
                Setting::Username { .. } => profile.username = Some(value),
                Setting::Password { in_file: true, .. } => profile.password = Some(value),
                Setting::Password { in_file: false, .. } => {
                    match session.keychain.set(&node, &value) {
                        Ok(()) => {
                            profile.password = None;
                            saved = Saved::Keychain;
                        }
                        Err(why) => {
                            profile.password = Some(value);
                            saved = Saved::FileWithoutKeychain { why };
                        }
                    }
                }
            }
            session.config.nodes.insert(node, profile);
        }
    }
    session.config.save(&session.settings_path)?;
    Ok(saved)
}

/// One node of the settings' table, without its password.
#[derive(Debug, Clone, serde::Serialize)]
pub struct NodeView {
    pub name: String,
    pub cluster_api: String,
    pub gateway: Option<String>,
    pub username: Option<String>,
    pub password: PasswordSource,
}

/// The settings as they can be shown: never a password.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SettingsView {
    pub config_file: PathBuf,
    pub exists: bool,
    pub default_node: Option<String>,
    pub nodes: Vec<NodeView>,
    pub audits: crate::local::settings::AuditSettings,
}

pub fn view(session: &Session) -> SettingsView {
    SettingsView {
        config_file: session.settings_path.clone(),
        exists: session.settings_path.exists(),
        default_node: session.config.default_node.clone(),
        nodes: session
            .config
            .nodes
            .iter()
            .map(|(name, p)| NodeView {
                name: name.clone(),
                cluster_api: p.cluster_api.clone(),
                gateway: p.gateway.clone(),
                username: p.username.clone(),
                password: session.password_source(name),
            })
            .collect(),
        audits: session.config.audits.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(config: Config) -> Session {
        Session {
            settings_path: PathBuf::from("/nonexistent/config.toml"),
            config,
            node_override: None,
            client: "test/0",
            journal_dir: PathBuf::from("/nonexistent/jobs"),
            keychain: KeychainCache::default(),
        }
    }

    #[test]
    fn audit_settings_take_whole_numbers_and_are_saved() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = session(Config::default());
        s.settings_path = dir.path().join("config.toml");
        assert_eq!(s.config.audits.interval_days, 7);
        set(&mut s, Setting::AuditIntervalDays, "3".into()).unwrap();
        set(&mut s, Setting::AuditMaxRate, "0".into()).unwrap();
        for (setting, bad) in [
            (Setting::AuditIntervalDays, "0"),
            (Setting::AuditIntervalDays, "a week"),
            (Setting::AuditMaxRate, "-1"),
        ] {
            let e = set(&mut s, setting, bad.into()).unwrap_err();
            assert_eq!(e.code(), "invalid_input", "{bad}");
        }
        let back = Config::load(&s.settings_path).unwrap();
        assert_eq!(back.audits.interval_days, 3);
        assert_eq!(back.audits.max_mb_per_second, 0);
        assert_eq!(view(&s).audits, back.audits);
    }

    #[test]
    fn no_node_is_not_connected_and_an_override_wins() {
        let mut s = session(Config::default());
        assert_eq!(s.node_name().unwrap_err().code(), "not_connected");
        s.config.default_node = Some("acme".into());
        assert_eq!(s.node_name().unwrap(), "acme");
        s.node_override = Some("leeds".into());
        assert_eq!(s.node_name().unwrap(), "leeds");
        // Not in the table: the tailnet host's default ports.
        assert_eq!(s.node().unwrap().profile.cluster_api, "http://leeds:9094");
    }

    #[test]
    fn a_password_in_the_file_gets_the_generated_user_name() {
        let mut config = Config::default();
        config.nodes.insert(
            "acme".into(),
            NodeProfile {
                cluster_api: "http://127.0.0.1:9".into(),
                password: Some("pw".into()),
                ..NodeProfile::default()
            },
        );
        let s = session(config);
        // The environment may override in CI; only check the rule when it does not.
        if std::env::var_os(USERNAME_ENV).is_none() && std::env::var_os(PASSWORD_ENV).is_none() {
            let p = s.profile("acme");
            assert_eq!(p.username.as_deref(), Some(DEFAULT_USERNAME));
            assert_eq!(p.password.as_deref(), Some("pw"));
        }
    }

    #[test]
    fn settings_are_checked_saved_and_shown_without_passwords() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = session(Config::default());
        s.settings_path = dir.path().join("config.toml");
        set(&mut s, Setting::DefaultNode, "acme".into()).unwrap();
        let node = || "acme".to_string();
        set(
            &mut s,
            Setting::Gateway { node: node() },
            "http://acme:8080".into(),
        )
        .unwrap();
        let bad = set(
            &mut s,
            Setting::Gateway { node: node() },
            "acme:8080".into(),
        );
        assert_eq!(bad.unwrap_err().code(), "invalid_input");
        let bad = set(
            &mut s,
            Setting::ClusterApi { node: node() },
            "ftp://acme".into(),
        );
        assert_eq!(bad.unwrap_err().code(), "invalid_input");
        let saved = set(
            &mut s,
            Setting::Password {
                node: node(),
                in_file: true,
            },
            "pw".into(),
        )
        .unwrap();
        assert_eq!(saved, Saved::File);
        // Saved to disk, and read back the same.
        let back = Config::load(&s.settings_path).unwrap();
        assert_eq!(back.default_node.as_deref(), Some("acme"));
        assert_eq!(
            back.nodes["acme"].gateway.as_deref(),
            Some("http://acme:8080")
        );
        assert_eq!(back.nodes["acme"].password.as_deref(), Some("pw"));
        let shown = serde_json::to_string(&view(&s)).unwrap();
        assert!(!shown.contains("\"pw\""), "{shown}");
    }

    #[test]
    fn a_named_settings_file_must_exist() {
        let missing = Path::new("/nonexistent/ccs/config.toml");
        assert_eq!(
            Session::load(missing, true, "t").unwrap_err().code(),
            "config"
        );
        assert!(
            Session::load(missing, false, "t")
                .unwrap()
                .config
                .default_node
                .is_none()
        );
    }
}
