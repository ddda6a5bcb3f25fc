//! The app's state: where the settings live and the running jobs (for Cancel).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;

use ccs_core::local::journal::Journal;
use ccs_core::local::keychain;
use ccs_core::local::settings::{Config, NodeProfile};
use tokio::task::AbortHandle;

use crate::dto::{AppError, AppResult};

pub struct AppState {
    pub config_path: PathBuf,
    /// Every add and retrieval, shared with the command line.
    pub journal: Journal,
    jobs: Mutex<HashMap<String, AbortHandle>>,
    /// The keychain's password per node, read once (the keychain may ask).
    passwords: Mutex<HashMap<String, Option<String>>>,
}

impl AppState {
    /// The journal is the command line's (`$CCS_JOURNAL_DIR` or the platform
    /// data folder).
    pub fn new(config_path: PathBuf) -> Self {
        Self::with_journal(config_path, Journal::default_dir())
    }

    pub fn with_journal(config_path: PathBuf, journal_dir: PathBuf) -> Self {
        Self {
            config_path,
            journal: Journal::new(journal_dir),
            jobs: Mutex::new(HashMap::new()),
            passwords: Mutex::new(HashMap::new()),
        }
    }

    /// The password of `node` in the OS keychain, if any (read once per run).
    pub fn keychain_password(&self, node: &str) -> Option<String> {
        let mut cache = self.passwords.lock().unwrap_or_else(|p| p.into_inner());
        cache
            .entry(node.to_string())
            .or_insert_with(|| keychain::get(node))
            .clone()
    }

    /// Saves `password` for `node` in the OS keychain; `Err` says why not.
    pub fn keychain_store(&self, node: &str, password: &str) -> Result<(), String> {
        keychain::set(node, password)?;
        let mut cache = self.passwords.lock().unwrap_or_else(|p| p.into_inner());
        cache.insert(node.to_string(), Some(password.to_string()));
        Ok(())
    }

    /// The settings file; a missing file means "not set up yet".
    pub fn config(&self) -> AppResult<Config> {
        if !self.config_path.exists() {
            return Ok(Config::default());
        }
        Ok(Config::load(&self.config_path)?)
    }

    /// The node this computer talks to, with its name.
    pub fn node(&self) -> AppResult<(Config, String, NodeProfile)> {
        let config = self.config()?;
        let name = config
            .default_node
            .clone()
            .ok_or_else(AppError::not_connected)?;
        let mut profile = config.node(&name);
        // Not in the settings file: the keychain (where Settings saves it).
        if profile.password.is_none() {
            profile.password = self.keychain_password(&name);
        }
        Ok((config, name, profile))
    }

    /// Runs `work` as a cancellable job named `id` (the frontend's id).
    pub async fn job<T: Send + 'static>(
        &self,
        id: &str,
        work: impl Future<Output = AppResult<T>> + Send + 'static,
    ) -> AppResult<T> {
        let task = tokio::spawn(work);
        self.lock().insert(id.to_string(), task.abort_handle());
        let out = task.await;
        self.lock().remove(id);
        match out {
            Ok(r) => r,
            Err(e) if e.is_cancelled() => Err(ccs_core::Error::Cancelled.into()),
            Err(e) => Err(AppError::new(
                "internal",
                format!("The job stopped unexpectedly ({e}). Try again."),
            )),
        }
    }

    /// Cancels a running job; false when there is none by that id.
    pub fn cancel(&self, id: &str) -> bool {
        match self.lock().remove(id) {
            Some(h) => {
                h.abort();
                true
            }
            None => false,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, AbortHandle>> {
        // A panic while holding this lock cannot leave the map inconsistent.
        self.jobs.lock().unwrap_or_else(|p| p.into_inner())
    }
}
