//! This computer's state: the settings file, the OS keychain, the job journal,
//! the audits' findings, the measured upload rates,
//! and how operations read and write its files.

pub mod audits;
pub mod files;
pub mod filesystem;
pub mod journal;
pub mod keychain;
pub mod settings;
pub mod upload_rates;
pub mod watched;

use std::path::{Path, PathBuf};

/// Where a store of this computer's state lives: `$env` when set (and not
/// empty), else the folder `name` beside the job journal's folder, so that
/// the app and the command line share it.
pub fn dir_beside_journal(journal_dir: &Path, env: &str, name: &str) -> PathBuf {
    match std::env::var_os(env) {
        Some(d) if !d.is_empty() => PathBuf::from(d),
        _ => journal_dir
            .parent()
            .map(|p| p.join(name))
            .unwrap_or_else(|| PathBuf::from(name)),
    }
}
