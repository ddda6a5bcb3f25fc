//! The app's state: where the settings live and the running jobs (for Cancel).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;

use ccs_core::profile::{Config, NodeProfile};
use tokio::task::AbortHandle;

use crate::dto::{AppError, AppResult};

pub struct AppState {
    pub config_path: PathBuf,
    jobs: Mutex<HashMap<String, AbortHandle>>,
}

impl AppState {
    pub fn new(config_path: PathBuf) -> Self {
        Self {
            config_path,
            jobs: Mutex::new(HashMap::new()),
        }
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
        let profile = config.node(&name);
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
            Err(e) => Err(AppError {
                code: "internal".into(),
                message: format!("The job stopped unexpectedly ({e}). Try again."),
            }),
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
