//! The app's state: where the settings live, the keychain's passwords read so
//! far, and the running jobs (for Cancel).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use ccs_core::local::journal::Journal;
use ccs_core::ops::session::KeychainCache;
use ccs_core::ops::{Cancel, Session};

use crate::desktop::Notice;
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
    /// A compose file the app was opened with, until the page asks for it.
    opened_node_file: Mutex<Option<PathBuf>>,
    /// Where notices go: the desktop's loop ([`crate::desktop::start`]);
    /// none in tests.
    notices: Mutex<Option<tokio::sync::mpsc::UnboundedSender<Notice>>>,
    /// Whether the tray icon is there (closing the window then may keep the
    /// app running).
    has_tray: AtomicBool,
    /// Turns starting at login on or off (the autostart plugin); none in tests.
    start_at_login: Mutex<Option<StartAtLogin>>,
}

/// Turns starting at login on (`true`) or off.
pub type StartAtLogin = Box<dyn Fn(bool) -> Result<(), String> + Send + Sync>;

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
            opened_node_file: Mutex::new(None),
            notices: Mutex::new(None),
            has_tray: AtomicBool::new(false),
            start_at_login: Mutex::new(None),
        }
    }

    /// Sends notices to `tx` from now on.
    pub fn listen(&self, tx: tokio::sync::mpsc::UnboundedSender<Notice>) {
        *self.notices.lock().unwrap_or_else(|p| p.into_inner()) = Some(tx);
    }

    /// Tells the tray and the notifications what happened.
    pub fn tell(&self, notice: Notice) {
        if let Some(tx) = &*self.notices.lock().unwrap_or_else(|p| p.into_inner()) {
            let _ = tx.send(notice);
        }
    }

    pub fn set_has_tray(&self, yes: bool) {
        self.has_tray.store(yes, Ordering::Relaxed);
    }

    pub fn has_tray(&self) -> bool {
        self.has_tray.load(Ordering::Relaxed)
    }

    pub fn set_start_at_login(&self, apply: StartAtLogin) {
        *self
            .start_at_login
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = Some(apply);
    }

    /// Turns starting at login on or off; `Ok(false)` when this app cannot
    /// (no desktop, as in the tests).
    pub fn apply_start_at_login(&self, on: bool) -> Result<bool, String> {
        match &*self
            .start_at_login
            .lock()
            .unwrap_or_else(|p| p.into_inner())
        {
            Some(apply) => apply(on).map(|()| true),
            None => Ok(false),
        }
    }

    /// The desktop preferences' file (beside the settings).
    pub fn preferences_path(&self) -> PathBuf {
        crate::desktop::preferences_path(&self.config_path)
    }

    /// How many adds and retrievals run.
    pub fn jobs_running(&self) -> usize {
        self.lock().len()
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

    /// Keeps `path`, a compose file the app was opened with, for the page.
    pub fn set_opened_node_file(&self, path: PathBuf) {
        if let Ok(mut slot) = self.opened_node_file.lock() {
            *slot = Some(path);
        }
    }

    /// The compose file the app was opened with, once.
    pub fn take_opened_node_file(&self) -> Option<PathBuf> {
        self.opened_node_file.lock().ok().and_then(|mut s| s.take())
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
