//! The app's state: where the settings live, the keychain's passwords read so
//! far, and the running jobs (for Cancel).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;

use ccs_core::local::journal::Journal;
use ccs_core::ops::session::KeychainCache;
use ccs_core::ops::{Cancel, Session};

use crate::dto::AppResult;

/// Recorded as `client` in each item's provenance and in the job journal.
pub const CLIENT: &str = concat!("ccs-app/", env!("CARGO_PKG_VERSION"));

pub struct AppState {
    pub config_path: PathBuf,
    /// Every add and retrieval, shared with the command line.
    pub journal_dir: PathBuf,
    pub keychain: KeychainCache,
    jobs: Mutex<HashMap<String, Cancel>>,
    /// True while an add or a retrieval runs: the scheduled audits wait.
    busy: tokio::sync::watch::Sender<bool>,
    /// An invitation the app was opened with, until the page asks for it.
    opened_invitation: Mutex<Option<PathBuf>>,
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
            journal_dir,
            keychain: KeychainCache::default(),
            jobs: Mutex::new(HashMap::new()),
            busy: tokio::sync::watch::Sender::new(false),
            opened_invitation: Mutex::new(None),
        }
    }

    /// Keeps `path`, an invitation the app was opened with, for the page.
    pub fn set_opened_invitation(&self, path: PathBuf) {
        if let Ok(mut slot) = self.opened_invitation.lock() {
            *slot = Some(path);
        }
    }

    /// The invitation the app was opened with, once.
    pub fn take_opened_invitation(&self) -> Option<PathBuf> {
        self.opened_invitation
            .lock()
            .ok()
            .and_then(|mut s| s.take())
    }

    /// `true` while any job runs (see [`Self::start_job`]).
    pub fn busy(&self) -> tokio::sync::watch::Receiver<bool> {
        self.busy.subscribe()
    }

    fn update_busy(&self, jobs: &HashMap<String, Cancel>) {
        self.busy.send_replace(!jobs.is_empty());
    }

    /// This computer's settings as they are now (re-read each time: the
    /// command line may have changed them).
    pub fn session(&self) -> AppResult<Session> {
        Ok(self.core_session()?)
    }

    /// [`Self::session`] with the core's error (for the core's own loops).
    pub fn core_session(&self) -> ccs_core::Result<Session> {
        let mut s = Session::load(&self.config_path, false, CLIENT)?;
        s.journal_dir = self.journal_dir.clone();
        s.keychain = self.keychain.clone();
        Ok(s)
    }

    /// The job journal (the command line's too); it needs no settings.
    pub fn journal(&self) -> Journal {
        Journal::new(self.journal_dir.clone())
    }

    /// A cancellation token for the job `id` (the frontend's id), until [`Self::end_job`].
    pub fn start_job(&self, id: &str) -> Cancel {
        let cancel = Cancel::new();
        let mut jobs = self.lock();
        jobs.insert(id.to_string(), cancel.clone());
        self.update_busy(&jobs);
        cancel
    }

    pub fn end_job(&self, id: &str) {
        let mut jobs = self.lock();
        jobs.remove(id);
        self.update_busy(&jobs);
    }

    /// Cancels a running job; false when there is none by that id.
    pub fn cancel(&self, id: &str) -> bool {
        let mut jobs = self.lock();
        let found = jobs.remove(id);
        self.update_busy(&jobs);
        match found {
            Some(c) => {
                c.cancel();
                true
            }
            None => false,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Cancel>> {
        // A panic while holding this lock cannot leave the map inconsistent.
        self.jobs.lock().unwrap_or_else(|p| p.into_inner())
    }
}
