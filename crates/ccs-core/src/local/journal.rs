//! The job journal: every add and retrieval, by the app or the command line,
//! recorded when it starts and when it ends, so the next start can show what
//! happened, including jobs whose program was closed or killed.
//!
//! One small JSON file per job in the platform data folder
//! (`~/.local/share/community-cloud-storage/jobs`, `$CCS_JOURNAL_DIR` in
//! tests), each written atomically (temporary sibling, then rename, mode 0600:
//! it holds local paths). A job still "running" whose process is gone reads as
//! [`JobState::Interrupted`], never as done. The newest [`HISTORY`] finished
//! jobs are kept.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde::{Deserialize, Serialize};

use crate::content::ingest::Problem;
use crate::error::{Error, Result};
use crate::local::settings::write_private;

/// The environment variable naming the journal folder (tests).
pub const DIR_ENV: &str = "CCS_JOURNAL_DIR";
/// How many jobs the journal keeps (running ones are never dropped).
pub const HISTORY: usize = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum JobKind {
    Add,
    Retrieve,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    Running,
    Done,
    Failed,
    Cancelled,
    /// Was running when its program stopped (closed, killed, crashed).
    Interrupted,
}

/// What the job was asked to do: enough to start it again.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default)]
pub struct JobInputs {
    /// The item's name as the library shows it (add: known once the scan is
    /// done; retrieve: the saved file or folder's name).
    pub name: String,
    /// Add: the chosen files and folders (absolute).
    pub paths: Vec<String>,
    pub title: String,
    pub collection: String,
    pub description: String,
    /// Add: any other metadata given (command line `--metadata`).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub metadata: BTreeMap<String, String>,
    /// Retrieve: the item and where it goes.
    pub cid: String,
    pub destination: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobRecord {
    pub id: String,
    pub kind: JobKind,
    /// The program that ran it (`ccs-app/0.1.0`, `community-cloud-storage/0.1.0`).
    pub client: String,
    pub inputs: JobInputs,
    pub pid: u32,
    /// RFC 3339, UTC, milliseconds (sorts as text).
    pub started_at: String,
    #[serde(default)]
    pub ended_at: Option<String>,
    pub state: JobState,
    /// Done: the CID (add) or the saved path (retrieve).
    #[serde(default)]
    pub result: Option<String>,
    /// Failed or cancelled: the one-sentence message.
    #[serde(default)]
    pub message: Option<String>,
    /// Failed add: each file that could not be stored.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<Problem>,
}

/// How a job ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ending {
    Done(String),
    Failed {
        message: String,
        problems: Vec<Problem>,
    },
    Cancelled,
}

impl Ending {
    /// The ending for a job that returned `r` (`Ok` carries the result).
    pub fn of<T: AsRef<str>>(r: &std::result::Result<T, Error>) -> Self {
        match r {
            Ok(v) => Ending::Done(v.as_ref().to_string()),
            Err(e) => Self::from_error(e),
        }
    }

    /// The ending for a job that failed with `e`.
    pub fn from_error(e: &Error) -> Self {
        match e {
            Error::Cancelled => Ending::Cancelled,
            e => Ending::Failed {
                message: e.to_string(),
                problems: match e {
                    Error::ScanProblems { problems, .. } => problems.clone(),
                    _ => Vec::new(),
                },
            },
        }
    }
}

pub struct Journal {
    dir: PathBuf,
}

fn now() -> String {
    humantime::format_rfc3339_millis(SystemTime::now()).to_string()
}

/// Whether process `pid` still runs. A pid can be reused by a later process;
/// then a dead job shows as running until that process ends too (never as done).
#[cfg(unix)]
fn alive(pid: u32) -> bool {
    if pid == std::process::id() {
        return true;
    }
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    // SAFETY: signal 0 only checks that the process exists.
    if unsafe { libc::kill(pid, 0) } == 0 {
        return true;
    }
    std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

/// Windows: the process exists and has not exited (a process of another
/// user, which may not be opened, counts as running).
#[cfg(windows)]
fn alive(pid: u32) -> bool {
    use windows_sys::Win32::Foundation::{
        CloseHandle, ERROR_ACCESS_DENIED, GetLastError, STILL_ACTIVE,
    };
    use windows_sys::Win32::System::Threading::{
        GetExitCodeProcess, OpenProcess, PROCESS_QUERY_LIMITED_INFORMATION,
    };
    if pid == std::process::id() {
        return true;
    }
    // SAFETY: the handle is checked before use and closed once; the exit
    // code is written into a local.
    unsafe {
        let process = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, 0, pid);
        if process.is_null() {
            return GetLastError() == ERROR_ACCESS_DENIED;
        }
        let mut code = 0u32;
        let read = GetExitCodeProcess(process, &mut code) != 0;
        CloseHandle(process);
        read && code == STILL_ACTIVE as u32
    }
}

/// Without a liveness check, another program's running job counts as alive
/// only while it is this process; a job of a command still running
/// elsewhere may then read as interrupted (never as done).
#[cfg(not(any(unix, windows)))]
fn alive(pid: u32) -> bool {
    pid == std::process::id()
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 100
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

impl Journal {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// `$CCS_JOURNAL_DIR`, else `<data dir>/community-cloud-storage/jobs`.
    pub fn default_dir() -> PathBuf {
        match std::env::var_os(DIR_ENV) {
            Some(d) if !d.is_empty() => PathBuf::from(d),
            _ => dirs::data_dir()
                .unwrap_or_else(|| PathBuf::from("."))
                .join("community-cloud-storage")
                .join("jobs"),
        }
    }

    pub fn open_default() -> Self {
        Self::new(Self::default_dir())
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn file(&self, id: &str) -> Result<PathBuf> {
        if !valid_id(id) {
            return Err(Error::InvalidInput(format!(
                "\"{id}\" is not a job name (letters, digits, '-' and '_' only)."
            )));
        }
        Ok(self.dir.join(format!("{id}.json")))
    }

    fn write(&self, rec: &JobRecord) -> Result<()> {
        std::fs::create_dir_all(&self.dir).map_err(|e| Error::Write {
            path: self.dir.clone(),
            source: e,
        })?;
        let text = serde_json::to_vec_pretty(rec)
            .map_err(|e| Error::InvalidInput(format!("The job could not be recorded ({e}).")))?;
        write_private(&self.file(&rec.id)?, &text)
    }

    /// Records a job as started by this process. `id` is the caller's (the
    /// app's job id) or made up when `None`.
    pub fn start(
        &self,
        id: Option<&str>,
        kind: JobKind,
        client: &str,
        inputs: JobInputs,
    ) -> Result<JobRecord> {
        let id = match id {
            Some(id) => id.to_string(),
            None => format!(
                "{}-{}-{}",
                match kind {
                    JobKind::Add => "add",
                    JobKind::Retrieve => "retrieve",
                },
                std::process::id(),
                hex::encode(crate::deploy::node_config::random_bytes::<4>())
            ),
        };
        let rec = JobRecord {
            id,
            kind,
            client: client.to_string(),
            inputs,
            pid: std::process::id(),
            started_at: now(),
            ended_at: None,
            state: JobState::Running,
            result: None,
            message: None,
            problems: Vec::new(),
        };
        self.write(&rec)?;
        self.prune();
        Ok(rec)
    }

    /// Records how job `id` ended.
    /// Records the item's name once it is known (an add learns it after the scan).
    pub fn set_name(&self, id: &str, name: &str) -> Result<()> {
        let Some(mut rec) = self.read(id) else {
            return Ok(());
        };
        rec.inputs.name = name.to_string();
        self.write(&rec)
    }

    pub fn finish(&self, id: &str, ending: Ending) -> Result<()> {
        let Some(mut rec) = self.read(id) else {
            return Ok(());
        };
        rec.ended_at = Some(now());
        match ending {
            Ending::Done(result) => {
                rec.state = JobState::Done;
                rec.result = Some(result);
            }
            Ending::Failed { message, problems } => {
                rec.state = JobState::Failed;
                rec.message = Some(message);
                rec.problems = problems;
            }
            Ending::Cancelled => rec.state = JobState::Cancelled,
        }
        self.write(&rec)
    }

    fn read(&self, id: &str) -> Option<JobRecord> {
        let text = std::fs::read(self.file(id).ok()?).ok()?;
        serde_json::from_slice(&text).ok()
    }

    /// One job, with a dead "running" job read as interrupted.
    pub fn get(&self, id: &str) -> Option<JobRecord> {
        self.read(id).map(resolve)
    }

    /// Every recorded job, newest first; unreadable files are skipped.
    pub fn list(&self) -> Vec<JobRecord> {
        let Ok(dir) = std::fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        let mut all: Vec<JobRecord> = dir
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().ends_with(".json"))
            .filter_map(|e| std::fs::read(e.path()).ok())
            .filter_map(|b| serde_json::from_slice::<JobRecord>(&b).ok())
            .map(resolve)
            .collect();
        all.sort_by(|a, b| b.started_at.cmp(&a.started_at).then(b.id.cmp(&a.id)));
        all
    }

    /// Removes a job from the journal (a running one is kept).
    pub fn forget(&self, id: &str) -> Result<bool> {
        match self.get(id) {
            Some(r) if r.state != JobState::Running => {
                let path = self.file(id)?;
                std::fs::remove_file(&path).map_err(|e| Error::Write { path, source: e })?;
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    /// Keeps the newest [`HISTORY`] jobs; running ones are never dropped.
    fn prune(&self) {
        let all = self.list();
        if all.len() <= HISTORY {
            return;
        }
        for old in all.iter().skip(HISTORY) {
            if old.state != JobState::Running {
                if let Ok(p) = self.file(&old.id) {
                    let _ = std::fs::remove_file(p);
                }
            }
        }
    }
}

fn resolve(mut r: JobRecord) -> JobRecord {
    if r.state == JobState::Running && !alive(r.pid) {
        r.state = JobState::Interrupted;
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs() -> JobInputs {
        JobInputs {
            paths: vec!["/scans/1901".into()],
            title: "Letters".into(),
            ..Default::default()
        }
    }

    #[test]
    fn start_finish_list_forget() {
        let dir = tempfile::tempdir().unwrap();
        let j = Journal::new(dir.path().join("jobs"));
        let a = j.start(None, JobKind::Add, "test", inputs()).unwrap();
        assert_eq!(j.get(&a.id).unwrap().state, JobState::Running);
        // Running jobs are never forgotten.
        assert!(!j.forget(&a.id).unwrap());
        j.finish(&a.id, Ending::Done("bafyroot".into())).unwrap();
        let b = j.start(
            Some("app-job_2"),
            JobKind::Retrieve,
            "test",
            JobInputs::default(),
        );
        let b = b.unwrap();
        j.finish(
            &b.id,
            Ending::of::<String>(&Err(Error::InvalidInput("No.".into()))),
        )
        .unwrap();
        let list = j.list();
        assert_eq!(list.len(), 2);
        let a2 = list.iter().find(|r| r.id == a.id).unwrap();
        assert_eq!(
            (a2.state, a2.result.as_deref()),
            (JobState::Done, Some("bafyroot"))
        );
        assert_eq!(a2.inputs, inputs());
        let b2 = list.iter().find(|r| r.id == "app-job_2").unwrap();
        assert_eq!(b2.state, JobState::Failed);
        assert!(b2.message.as_deref().unwrap().starts_with("No."));
        assert!(j.forget(&a.id).unwrap());
        assert_eq!(j.list().len(), 1);
        assert!(
            j.start(Some("../evil"), JobKind::Add, "t", inputs())
                .is_err()
        );
    }

    #[test]
    fn a_running_job_of_a_dead_process_is_interrupted_never_done() {
        let dir = tempfile::tempdir().unwrap();
        let j = Journal::new(dir.path());
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let dead = child.id();
        child.wait().unwrap();
        let mut rec = j.start(None, JobKind::Add, "test", inputs()).unwrap();
        rec.pid = dead;
        j.write(&rec).unwrap();
        assert_eq!(j.get(&rec.id).unwrap().state, JobState::Interrupted);
        assert_eq!(j.list()[0].state, JobState::Interrupted);
    }

    #[test]
    fn history_is_bounded_and_running_jobs_stay() {
        let dir = tempfile::tempdir().unwrap();
        let j = Journal::new(dir.path());
        let first = j.start(None, JobKind::Add, "t", inputs()).unwrap();
        for _ in 0..HISTORY + 5 {
            let r = j.start(None, JobKind::Add, "t", inputs()).unwrap();
            j.finish(&r.id, Ending::Cancelled).unwrap();
        }
        let list = j.list();
        assert!(list.len() <= HISTORY + 1, "{}", list.len());
        assert!(list.iter().any(|r| r.id == first.id));
    }
}
