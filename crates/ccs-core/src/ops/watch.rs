//! Watched folders (#18): a digitisation station drops scans into a folder
//! all day, and each finished batch is stored without anyone dragging it in.
//!
//! - **What becomes an item** ([`ItemRule`]): each top-level sub-folder, or
//!   each top-level file. Hidden files and the temporary names copy tools
//!   use (`~$…`, `….part`, `….tmp`, `….crdownload`) are never entries.
//! - **Only once complete.** An entry is sent when its [`signature`] (every
//!   file's relative path, size and modification time) has not changed for
//!   the folder's settling time *and* no program has one of its files open
//!   for writing (`local::filesystem::being_written`), so a writer that
//!   pauses mid-file is waited for.
//! - **Nothing twice.** What was stored is remembered per folder in a ledger
//!   (`local::watched`), by entry name and signature, across restarts. An
//!   entry whose signature matches a stored entry whose name is gone was
//!   renamed or moved: the ledger follows it and nothing is sent. An entry
//!   that changes after it was stored is stored again (a new item; the
//!   first is kept).
//! - **Events are hints.** The system's change events (`notify`, debounced
//!   by `notify-debouncer-full`) say which entries to look at again; the
//!   signature decides. A network share sends no events, so it is polled
//!   (notify's `PollWatcher`), and so is a folder the person marks as one.
//!   A full look happens at start, when the system says events were lost,
//!   and every ten minutes.
//! - **The same work as any add.** Each entry goes through [`super::add::add`]:
//!   a job in the journal, an ingestion event in the preservation record.
//!
//! [`run`] serves the app's background watcher and `ccs watch run` alike;
//! it follows changes to the list of folders (added, removed, paused) while
//! it runs.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::add::{AddEvent, AddRequest};
use super::{Cancel, Session};
use crate::error::{Error, ErrorCode, Result};
pub use crate::local::watched::{ItemRule, WatchedFolder};
use crate::local::watched::{Ledger, LedgerLine, WatchStore};

/// The settling time when none is given.
pub const DEFAULT_SETTLE_SECONDS: u64 = 30;
const MAX_SETTLE_SECONDS: u64 = 24 * 60 * 60;
/// How long after a failed store the entry is tried again (sooner when it changes).
const RETRY_AFTER: Duration = Duration::from_secs(5 * 60);
/// A full look at every folder, in case an event was missed.
const FULL_LOOK_EVERY: Duration = Duration::from_secs(10 * 60);
/// How often the list of folders is read again for changes.
const LIST_LOOK_EVERY: Duration = Duration::from_secs(2);
const PROGRESS_EVERY: Duration = Duration::from_millis(250);

/// A folder to watch, as the person chose it.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default)]
pub struct WatchFolderRequest {
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub path: PathBuf,
    pub each: ItemRule,
    pub collection: String,
    pub description: String,
    /// The folder is on a network drive the system does not recognise as one.
    pub poll: bool,
    /// `None`: [`DEFAULT_SETTLE_SECONDS`].
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub settle_seconds: Option<u64>,
}

/// A watched folder with what this computer knows of it now.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct WatchedFolderView {
    pub folder: WatchedFolder,
    /// The network file system it is on (`nfs`, `smb`, …), when the system says so.
    pub network_share: Option<String>,
    /// Looked at every few seconds rather than told of changes.
    pub polled: bool,
    /// How often it is looked at when polled.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub poll_seconds: u64,
    /// Entries stored from it so far (their items).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub stored: u64,
    /// The folder is not there (a disconnected drive, a renamed folder).
    pub missing: bool,
}

/// Why an entry is not sent yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum WaitReason {
    /// It changed less than the settling time ago.
    Settling,
    /// A program still has one of its files open for writing.
    BeingWritten,
    /// Storing it failed; it is tried again later, or when it changes.
    WillRetry,
}

/// What the watcher reports.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum WatchEvent {
    /// The folder is watched (`polled`: looked at every `poll_seconds`).
    Watching {
        #[cfg_attr(feature = "ts", ts(type = "string"))]
        folder: PathBuf,
        polled: bool,
        #[cfg_attr(feature = "ts", ts(type = "number"))]
        poll_seconds: u64,
        network_share: Option<String>,
    },
    /// The folder is not there; it is looked for again later.
    FolderMissing {
        #[cfg_attr(feature = "ts", ts(type = "string"))]
        folder: PathBuf,
    },
    /// An entry seen and not sent yet.
    Waiting {
        #[cfg_attr(feature = "ts", ts(type = "string"))]
        folder: PathBuf,
        entry: String,
        reason: WaitReason,
    },
    /// An entry that does not fit the folder's rule (a loose file where each
    /// sub-folder is an item, a folder where each file is), left alone.
    Ignored {
        #[cfg_attr(feature = "ts", ts(type = "string"))]
        folder: PathBuf,
        entry: String,
    },
    /// An entry is being stored, as the journal's job `job`.
    Storing {
        #[cfg_attr(feature = "ts", ts(type = "string"))]
        folder: PathBuf,
        entry: String,
        job: String,
    },
    Progress {
        #[cfg_attr(feature = "ts", ts(type = "string"))]
        folder: PathBuf,
        entry: String,
        #[cfg_attr(feature = "ts", ts(type = "number"))]
        bytes: u64,
        #[cfg_attr(feature = "ts", ts(type = "number"))]
        bytes_total: u64,
    },
    Stored {
        #[cfg_attr(feature = "ts", ts(type = "string"))]
        folder: PathBuf,
        entry: String,
        cid: String,
        name: String,
    },
    /// An entry already stored was renamed or moved within the folder;
    /// nothing was sent.
    Moved {
        #[cfg_attr(feature = "ts", ts(type = "string"))]
        folder: PathBuf,
        from: String,
        to: String,
    },
    Failed {
        #[cfg_attr(feature = "ts", ts(type = "string"))]
        folder: PathBuf,
        entry: String,
        code: ErrorCode,
        message: String,
    },
    /// The watcher could not go on ([`run`]'s error: not connected, a folder
    /// the system would not watch); the app sends it and starts again later.
    Halted { code: ErrorCode, message: String },
}

/// What one run did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RunSummary {
    pub stored: u64,
    pub moved: u64,
    pub failed: u64,
}

/// How to run.
#[derive(Debug, Clone, Copy, Default)]
pub struct RunOptions {
    /// Look once, store every entry as soon as it is complete, and return
    /// (for cron and tests); otherwise watch until cancelled.
    pub once: bool,
}

fn store_of(session: &Session) -> WatchStore {
    WatchStore::new(WatchStore::default_dir(&session.journal_dir))
}

/// Starts watching a folder.
pub fn add_folder(session: &Session, request: WatchFolderRequest) -> Result<WatchedFolderView> {
    let meta = std::fs::metadata(&request.path)
        .map_err(|e| crate::local::files::read_error(&request.path, e))?;
    if !meta.is_dir() {
        return Err(Error::InvalidInput(format!(
            "\"{}\" is a file, and only a folder can be watched. Choose the folder new files arrive in.",
            request.path.display()
        )));
    }
    // dunce: the plain `C:\Scans` on Windows, not `\\?\C:\Scans`, which
    // people would see and the folder pickers would not match.
    let path = dunce::canonicalize(&request.path)
        .map_err(|e| crate::local::files::read_error(&request.path, e))?;
    let settle_seconds = request.settle_seconds.unwrap_or(DEFAULT_SETTLE_SECONDS);
    if settle_seconds == 0 || settle_seconds > MAX_SETTLE_SECONDS {
        return Err(Error::InvalidInput(
            "The time a file must stay unchanged must be between 1 second and 1 day. Choose another time.".into(),
        ));
    }
    if request.collection.contains(['\n', '\r']) {
        return Err(Error::InvalidInput(
            "A collection's name must be one line. Remove the line break and try again.".into(),
        ));
    }
    let store = store_of(session);
    let mut folders = store.folders()?;
    for other in &folders {
        if other.path == path {
            return Err(Error::InvalidInput(format!(
                "\"{}\" is already watched. Change its settings, or stop watching it first.",
                path.display()
            )));
        }
        if path.starts_with(&other.path) || other.path.starts_with(&path) {
            return Err(Error::InvalidInput(format!(
                "\"{}\" is inside \"{}\", or holds it, and a file must belong to one watched folder only. Stop watching the other first.",
                path.display(),
                other.path.display()
            )));
        }
    }
    let folder = WatchedFolder {
        path,
        each: request.each,
        collection: request.collection.trim().to_string(),
        description: request.description.trim().to_string(),
        poll: request.poll,
        settle_seconds,
        paused: false,
        added_at: crate::content::provenance::now_rfc3339(),
    };
    folders.push(folder.clone());
    store.save_folders(&folders)?;
    Ok(view(&store, folder))
}

fn find(folders: &[WatchedFolder], path: &Path) -> Result<usize> {
    let canonical = dunce::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    folders
        .iter()
        .position(|f| f.path == canonical || f.path == path)
        .ok_or_else(|| {
            Error::InvalidInput(format!(
                "\"{}\" is not a watched folder. `ccs watch list` shows the folders that are.",
                path.display()
            ))
        })
}

/// Stops watching a folder. What it stored stays stored; its ledger goes.
pub fn remove_folder(session: &Session, path: &Path) -> Result<WatchedFolder> {
    let store = store_of(session);
    let mut folders = store.folders()?;
    let removed = folders.remove(find(&folders, path)?);
    store.save_folders(&folders)?;
    store.ledger(&removed.path).remove();
    Ok(removed)
}

/// Pauses or resumes one folder, or every folder (`None`).
pub fn set_paused(
    session: &Session,
    path: Option<&Path>,
    paused: bool,
) -> Result<Vec<WatchedFolderView>> {
    let store = store_of(session);
    let mut folders = store.folders()?;
    match path {
        Some(p) => {
            let i = find(&folders, p)?;
            folders[i].paused = paused;
        }
        None => folders.iter_mut().for_each(|f| f.paused = paused),
    }
    store.save_folders(&folders)?;
    Ok(folders.into_iter().map(|f| view(&store, f)).collect())
}

/// The watched folders, with what this computer knows of each.
pub fn list(session: &Session) -> Result<Vec<WatchedFolderView>> {
    let store = store_of(session);
    Ok(store
        .folders()?
        .into_iter()
        .map(|f| view(&store, f))
        .collect())
}

fn view(store: &WatchStore, folder: WatchedFolder) -> WatchedFolderView {
    let missing = !folder.path.is_dir();
    let network_share = if missing {
        None
    } else {
        crate::local::filesystem::network_share(&folder.path)
    };
    let stored = store.ledger(&folder.path).load().len() as u64;
    WatchedFolderView {
        polled: folder.poll || network_share.is_some(),
        poll_seconds: poll_every(&folder).as_secs().max(1),
        network_share,
        stored,
        missing,
        folder,
    }
}

fn poll_every(folder: &WatchedFolder) -> Duration {
    Duration::from_secs((folder.settle_seconds / 2).clamp(1, 30))
}

/// Whether a name in a watched folder is never an entry: hidden files and
/// the names copy tools give a file while it is being written.
pub fn ignored(name: &str) -> bool {
    let lower = name.to_lowercase();
    name.starts_with('.')
        || name.starts_with("~$")
        || lower == "thumbs.db"
        || lower == "desktop.ini"
        || [
            ".part",
            ".partial",
            ".tmp",
            ".temp",
            ".crdownload",
            ".download",
            ".filepart",
        ]
        .iter()
        .any(|end| lower.ends_with(end))
}

/// Files the desktop itself writes into a folder someone browses (Finder's
/// `.DS_Store` and `._` files, Explorer's `Thumbs.db` and `desktop.ini`):
/// they do not make a stored folder a new one.
fn made_by_the_desktop(name: &std::ffi::OsStr) -> bool {
    let name = name.to_string_lossy().to_lowercase();
    name == ".ds_store" || name.starts_with("._") || name == "thumbs.db" || name == "desktop.ini"
}

/// An entry as it is now: the hash of every file's relative path (not the
/// entry's own name, so a renamed entry keeps it), size and modification
/// time, and the number of files and bytes. `None` when the entry does not
/// fit `rule`, or holds no file yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    pub hash: String,
    pub files: u64,
    pub bytes: u64,
}

pub fn signature(path: &Path, rule: ItemRule) -> std::io::Result<Option<Signature>> {
    let meta = std::fs::symlink_metadata(path)?;
    let mut hasher = Sha256::new();
    let (mut files, mut bytes) = (0u64, 0u64);
    let mut take = |relative: &Path, meta: &std::fs::Metadata| {
        let modified = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
            .unwrap_or_default();
        hasher.update(relative.as_os_str().as_encoded_bytes());
        hasher.update(format!("\0{}\0{}\n", meta.len(), modified.as_nanos()));
        files += 1;
        bytes += meta.len();
    };
    match rule {
        ItemRule::EachFile if meta.is_file() => take(Path::new(""), &meta),
        ItemRule::EachFolder if meta.is_dir() => {
            // Sorted within each folder so the hash is the same every time;
            // walkdir holds one folder's names at a time, not the tree's.
            for entry in walkdir::WalkDir::new(path).min_depth(1).sort_by_file_name() {
                let entry = entry.map_err(std::io::Error::other)?;
                if entry.file_type().is_dir() || made_by_the_desktop(entry.file_name()) {
                    continue;
                }
                let meta = entry.metadata().map_err(std::io::Error::other)?;
                let relative = entry.path().strip_prefix(path).unwrap_or(entry.path());
                take(relative, &meta);
            }
        }
        _ => return Ok(None),
    }
    if files == 0 {
        return Ok(None);
    }
    Ok(Some(Signature {
        hash: hex::encode(&hasher.finalize()[..16]),
        files,
        bytes,
    }))
}

/// An entry seen and not stored yet.
struct Pending {
    hash: String,
    since: Instant,
    reported: Option<WaitReason>,
    retry_at: Option<Instant>,
}

/// One watched folder while it runs.
struct Watched {
    folder: WatchedFolder,
    ledger: Ledger,
    stored: HashMap<String, LedgerLine>,
    pending: BTreeMap<String, Pending>,
    /// Entries an event named since the last look.
    dirty: HashSet<String>,
    look_at_all: bool,
    ignored_reported: HashSet<String>,
    missing_reported: bool,
    /// It was missing and is back: the watchers are started again.
    reappeared: bool,
    /// Entries that failed in a run with `once` (not tried again in it).
    given_up: HashSet<String>,
    /// How its watching was announced (`Some(polled)`), if it was.
    announced_polled: Option<bool>,
}

enum Signal {
    /// An event under folder `0` named these paths.
    Paths(usize, Vec<PathBuf>),
    /// Events were lost: look at every entry of folder `0`.
    LookAtAll(usize),
}

/// Keeps a folder's watcher alive: dropping it stops the watcher.
type WatcherHandle = Box<dyn std::any::Any + Send>;

fn start_watcher(
    index: usize,
    folder: &WatchedFolder,
    polled: bool,
    tx: tokio::sync::mpsc::UnboundedSender<Signal>,
) -> Result<WatcherHandle> {
    use notify_debouncer_full::{DebounceEventResult, NoCache, new_debouncer_opt};
    let handler = move |result: DebounceEventResult| {
        let signal = match result {
            Ok(events) if !events.iter().any(|e| e.event.need_rescan()) => Signal::Paths(
                index,
                events.into_iter().flat_map(|e| e.event.paths).collect(),
            ),
            _ => Signal::LookAtAll(index),
        };
        let _ = tx.send(signal);
    };
    let refused = |e: notify::Error| {
        Error::InvalidInput(format!(
            "The system would not watch \"{}\" ({e}). Mark it as a network drive so that it is looked at every few seconds instead, or on Linux raise fs.inotify.max_user_watches.",
            folder.path.display()
        ))
    };
    let debounce = Duration::from_millis(500);
    let config = notify::Config::default().with_poll_interval(poll_every(folder));
    let mode = notify::RecursiveMode::Recursive;
    Ok(if polled {
        let mut d = new_debouncer_opt::<_, notify::PollWatcher, NoCache>(
            debounce, None, handler, NoCache, config,
        )
        .map_err(refused)?;
        d.watch(&folder.path, mode).map_err(refused)?;
        Box::new(d) as WatcherHandle
    } else {
        let mut d = new_debouncer_opt::<_, notify::RecommendedWatcher, NoCache>(
            debounce, None, handler, NoCache, config,
        )
        .map_err(refused)?;
        d.watch(&folder.path, mode).map_err(refused)?;
        Box::new(d)
    })
}

/// When the list of folders was last written (a running watcher follows it).
fn list_changed_at(store: &WatchStore) -> Option<SystemTime> {
    std::fs::metadata(store.folders_file())
        .and_then(|m| m.modified())
        .ok()
}

/// Watches every folder that is not paused and stores each complete entry
/// (see the module's comment), until `cancel` fires (then
/// [`Error::Cancelled`]) or, with `once`, until nothing is left waiting.
pub async fn run(
    session: &Session,
    options: RunOptions,
    cancel: &Cancel,
    mut on_event: impl FnMut(WatchEvent) + Send,
) -> Result<RunSummary> {
    let store = store_of(session);
    let mut summary = RunSummary::default();
    // Carried over when the watchers are started again (the list changed, a
    // drive came back), so that nothing is announced twice and an entry's
    // settling goes on where it was.
    let mut carried: HashMap<PathBuf, Watched> = HashMap::new();
    loop {
        let seen_list = list_changed_at(&store);
        let folders: Vec<WatchedFolder> =
            store.folders()?.into_iter().filter(|f| !f.paused).collect();
        if options.once && folders.is_empty() {
            return Err(Error::InvalidInput(
                "No folder is being watched (or every one is paused). Add one with `ccs watch add FOLDER`, or in the app's Watched folders.".into(),
            ));
        }
        if !folders.is_empty() {
            session.node()?;
        }
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let mut handles = Vec::new();
        let mut watched = Vec::new();
        for (index, folder) in folders.into_iter().enumerate() {
            let view = view(&store, folder.clone());
            let before = carried.remove(&folder.path);
            let announced = before
                .as_ref()
                .is_some_and(|b| !b.reappeared && b.announced_polled == Some(view.polled));
            if !view.missing {
                if !announced {
                    on_event(WatchEvent::Watching {
                        folder: folder.path.clone(),
                        polled: view.polled,
                        poll_seconds: view.poll_seconds,
                        network_share: view.network_share.clone(),
                    });
                }
                if !options.once {
                    handles.push(start_watcher(index, &folder, view.polled, tx.clone())?);
                }
            }
            let announced_polled = (!view.missing).then_some(view.polled);
            watched.push(match before {
                Some(mut w) => {
                    w.folder = folder;
                    w.look_at_all = true;
                    w.reappeared = false;
                    w.announced_polled = announced_polled;
                    w
                }
                None => {
                    let ledger = store.ledger(&folder.path);
                    Watched {
                        stored: ledger.load(),
                        ledger,
                        folder,
                        pending: BTreeMap::new(),
                        dirty: HashSet::new(),
                        look_at_all: true,
                        ignored_reported: HashSet::new(),
                        missing_reported: false,
                        reappeared: false,
                        given_up: HashSet::new(),
                        announced_polled,
                    }
                }
            });
        }
        let mut last_full_look = Instant::now();
        let mut last_list_look = Instant::now();
        loop {
            if cancel.is_cancelled() {
                return Err(Error::Cancelled);
            }
            for w in &mut watched {
                look(w, &mut summary, &mut on_event).await?;
            }
            for w in &mut watched {
                store_ready(session, w, options, &mut summary, cancel, &mut on_event).await?;
            }
            let waiting = watched
                .iter()
                .any(|w| w.pending.keys().any(|k| !w.given_up.contains(k)));
            if options.once && !waiting {
                return Ok(summary);
            }
            let nap = if waiting {
                Duration::from_secs(1)
            } else {
                LIST_LOOK_EVERY
            };
            tokio::select! {
                _ = cancel.cancelled() => return Err(Error::Cancelled),
                signal = rx.recv() => if let Some(signal) = signal { mark(&mut watched, signal) },
                _ = tokio::time::sleep(nap) => {}
            }
            while let Ok(signal) = rx.try_recv() {
                mark(&mut watched, signal);
            }
            if !options.once && last_full_look.elapsed() >= FULL_LOOK_EVERY {
                last_full_look = Instant::now();
                watched.iter_mut().for_each(|w| w.look_at_all = true);
            }
            if !options.once && watched.iter().any(|w| w.reappeared) {
                break;
            }
            if !options.once && last_list_look.elapsed() >= LIST_LOOK_EVERY {
                last_list_look = Instant::now();
                if list_changed_at(&store) != seen_list {
                    break;
                }
            }
        }
        drop(handles);
        carried = watched
            .into_iter()
            .map(|w| (w.folder.path.clone(), w))
            .collect();
    }
}

fn mark(watched: &mut [Watched], signal: Signal) {
    match signal {
        Signal::LookAtAll(i) => {
            if let Some(w) = watched.get_mut(i) {
                w.look_at_all = true;
            }
        }
        Signal::Paths(i, paths) => {
            let Some(w) = watched.get_mut(i) else { return };
            for p in paths {
                match p
                    .strip_prefix(&w.folder.path)
                    .ok()
                    .and_then(|r| r.components().next())
                {
                    Some(first) => {
                        w.dirty
                            .insert(first.as_os_str().to_string_lossy().into_owned());
                    }
                    // The folder itself changed (renamed, removed, remounted).
                    None => w.look_at_all = true,
                }
            }
        }
    }
}

/// Looks again at the entries that may have changed, in a blocking thread
/// (a walk of a large entry must not hold up the app's other work).
async fn look(
    w: &mut Watched,
    summary: &mut RunSummary,
    on_event: &mut impl FnMut(WatchEvent),
) -> Result<()> {
    let root = w.folder.path.clone();
    let rule = w.folder.each;
    let all = std::mem::take(&mut w.look_at_all);
    let mut names: Vec<String> = std::mem::take(&mut w.dirty).into_iter().collect();
    names.extend(w.pending.keys().cloned());
    if !all && names.is_empty() {
        return Ok(());
    }
    let looked = tokio::task::spawn_blocking(
        move || -> Option<Vec<(String, std::io::Result<Option<Signature>>)>> {
            if all {
                let listing = std::fs::read_dir(&root).ok()?;
                names.extend(
                    listing
                        .flatten()
                        .map(|e| e.file_name().to_string_lossy().into_owned()),
                );
            }
            names.sort();
            names.dedup();
            Some(
                names
                    .into_iter()
                    .filter(|n| !ignored(n))
                    .map(|n| {
                        let s = signature(&root.join(&n), rule);
                        (n, s)
                    })
                    .collect(),
            )
        },
    )
    .await
    .map_err(|e| {
        Error::InvalidInput(format!("The watched folder could not be looked at ({e})."))
    })?;
    let Some(looked) = looked else {
        if !w.missing_reported {
            w.missing_reported = true;
            on_event(WatchEvent::FolderMissing {
                folder: w.folder.path.clone(),
            });
        }
        w.look_at_all = true;
        return Ok(());
    };
    if std::mem::take(&mut w.missing_reported) {
        // Back (a drive reconnected): its watcher is started again.
        w.reappeared = true;
    }
    for (name, sig) in looked {
        let sig = match sig {
            Ok(Some(sig)) => sig,
            Ok(None) => {
                w.pending.remove(&name);
                let path = w.folder.path.join(&name);
                let wrong_kind = match w.folder.each {
                    ItemRule::EachFolder => path.is_file(),
                    ItemRule::EachFile => path.is_dir(),
                };
                if wrong_kind && w.ignored_reported.insert(name.clone()) {
                    on_event(WatchEvent::Ignored {
                        folder: w.folder.path.clone(),
                        entry: name,
                    });
                }
                continue;
            }
            // Gone, or cannot be read yet (being moved in): looked at again when it changes.
            Err(_) => {
                w.pending.remove(&name);
                continue;
            }
        };
        if w.stored.get(&name).is_some_and(|s| s.signature == sig.hash) {
            w.pending.remove(&name);
            continue;
        }
        // Renamed or moved within the folder: a stored entry with the same
        // signature whose name is gone.
        let moved = w
            .stored
            .values()
            .find(|s| {
                s.signature == sig.hash && s.entry != name && !w.folder.path.join(&s.entry).exists()
            })
            .cloned();
        if let Some(old) = moved {
            let at = crate::content::provenance::now_rfc3339();
            w.ledger.append(&LedgerLine {
                entry: name.clone(),
                signature: sig.hash.clone(),
                cid: old.cid.clone(),
                at: at.clone(),
                moved_from: Some(old.entry.clone()),
                gone: false,
            })?;
            w.ledger.append(&LedgerLine {
                gone: true,
                at,
                ..old.clone()
            })?;
            w.stored.remove(&old.entry);
            w.stored.insert(
                name.clone(),
                LedgerLine {
                    entry: name.clone(),
                    signature: sig.hash,
                    cid: old.cid,
                    at: String::new(),
                    moved_from: Some(old.entry.clone()),
                    gone: false,
                },
            );
            w.pending.remove(&name);
            summary.moved += 1;
            on_event(WatchEvent::Moved {
                folder: w.folder.path.clone(),
                from: old.entry,
                to: name,
            });
            continue;
        }
        match w.pending.get_mut(&name) {
            Some(p) if p.hash == sig.hash => {}
            Some(p) => {
                // It changed: the settling starts again, and a failed one is tried anew.
                p.hash = sig.hash;
                p.since = Instant::now();
                p.retry_at = None;
                w.given_up.remove(&name);
            }
            None => {
                w.pending.insert(
                    name,
                    Pending {
                        hash: sig.hash,
                        since: Instant::now(),
                        reported: None,
                        retry_at: None,
                    },
                );
            }
        }
    }
    Ok(())
}

async fn store_ready(
    session: &Session,
    w: &mut Watched,
    options: RunOptions,
    summary: &mut RunSummary,
    cancel: &Cancel,
    on_event: &mut (impl FnMut(WatchEvent) + Send),
) -> Result<()> {
    let settle = Duration::from_secs(w.folder.settle_seconds);
    let names: Vec<String> = w.pending.keys().cloned().collect();
    for name in names {
        if w.given_up.contains(&name) {
            continue;
        }
        let folder = w.folder.path.clone();
        let path = folder.join(&name);
        let Some(p) = w.pending.get_mut(&name) else {
            continue;
        };
        let reason = if p.retry_at.is_some_and(|t| Instant::now() < t) {
            Some(WaitReason::WillRetry)
        } else if p.since.elapsed() < settle {
            Some(WaitReason::Settling)
        } else {
            let check = path.clone();
            let busy = tokio::task::spawn_blocking(move || {
                crate::local::filesystem::being_written(&check)
            })
            .await
            .unwrap_or(true);
            busy.then_some(WaitReason::BeingWritten)
        };
        if let Some(reason) = reason {
            if p.reported != Some(reason) {
                p.reported = Some(reason);
                on_event(WatchEvent::Waiting {
                    folder,
                    entry: name,
                    reason,
                });
            }
            continue;
        }
        let hash = p.hash.clone();
        let request = AddRequest {
            paths: vec![path],
            title: name.clone(),
            collection: w.folder.collection.clone(),
            description: w.folder.description.clone(),
            ..Default::default()
        };
        let mut last_progress = Instant::now() - PROGRESS_EVERY;
        let mut bytes_total = 0;
        let outcome = super::add::add(session, request, cancel, |event| match event {
            AddEvent::Started { job } => on_event(WatchEvent::Storing {
                folder: folder.clone(),
                entry: name.clone(),
                job,
            }),
            AddEvent::Uploading {
                bytes_total: total, ..
            } => bytes_total = total,
            AddEvent::Progress { bytes, .. } if last_progress.elapsed() >= PROGRESS_EVERY => {
                last_progress = Instant::now();
                on_event(WatchEvent::Progress {
                    folder: folder.clone(),
                    entry: name.clone(),
                    bytes,
                    bytes_total,
                });
            }
            _ => {}
        })
        .await;
        match outcome {
            Ok(added) => {
                let line = LedgerLine {
                    entry: name.clone(),
                    signature: hash,
                    cid: added.cid.clone(),
                    at: crate::content::provenance::now_rfc3339(),
                    moved_from: None,
                    gone: false,
                };
                w.ledger.append(&line)?;
                w.stored.insert(name.clone(), line);
                w.pending.remove(&name);
                summary.stored += 1;
                on_event(WatchEvent::Stored {
                    folder,
                    entry: name,
                    cid: added.cid,
                    name: added.name,
                });
            }
            Err(Error::Cancelled) => return Err(Error::Cancelled),
            Err(e) => {
                summary.failed += 1;
                if let Some(p) = w.pending.get_mut(&name) {
                    p.retry_at = Some(Instant::now() + RETRY_AFTER);
                    p.reported = Some(WaitReason::WillRetry);
                }
                if options.once {
                    w.given_up.insert(name.clone());
                }
                on_event(WatchEvent::Failed {
                    folder,
                    entry: name,
                    code: e.code(),
                    message: e.to_string(),
                });
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_and_hidden_names_are_never_entries() {
        for name in [
            ".DS_Store",
            "~$report.docx",
            "scan.tif.part",
            "x.crdownload",
            "Thumbs.db",
            "a.TMP",
        ] {
            assert!(ignored(name), "{name}");
        }
        for name in ["Box 12", "scan 001.tif", "part of it", "tmp"] {
            assert!(!ignored(name), "{name}");
        }
    }

    #[test]
    fn a_signature_follows_the_contents_and_not_the_entry_name() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("box a");
        std::fs::create_dir_all(a.join("inner")).unwrap();
        std::fs::write(a.join("inner/1.tif"), b"one").unwrap();
        std::fs::write(a.join("2.tif"), b"two!").unwrap();
        let first = signature(&a, ItemRule::EachFolder).unwrap().unwrap();
        assert_eq!((first.files, first.bytes), (2, 7));
        let b = dir.path().join("box b");
        std::fs::rename(&a, &b).unwrap();
        assert_eq!(
            signature(&b, ItemRule::EachFolder).unwrap().unwrap(),
            first,
            "renamed"
        );
        // Browsing it in Finder or Explorer changes nothing.
        for made in [".DS_Store", "._2.tif", "Thumbs.db", "desktop.ini"] {
            std::fs::write(b.join("inner").join(made), b"view settings").unwrap();
        }
        assert_eq!(
            signature(&b, ItemRule::EachFolder).unwrap().unwrap(),
            first,
            "browsed"
        );
        std::fs::write(b.join("3.tif"), b"").unwrap();
        let grown = signature(&b, ItemRule::EachFolder).unwrap().unwrap();
        assert_ne!(grown.hash, first.hash, "a file added");
        // The rule decides what an entry may be; an empty folder is not one yet.
        assert_eq!(signature(&b, ItemRule::EachFile).unwrap(), None);
        assert_eq!(
            signature(&b.join("2.tif"), ItemRule::EachFolder).unwrap(),
            None
        );
        std::fs::create_dir(dir.path().join("empty")).unwrap();
        assert_eq!(
            signature(&dir.path().join("empty"), ItemRule::EachFolder).unwrap(),
            None
        );
        let file = signature(&b.join("2.tif"), ItemRule::EachFile)
            .unwrap()
            .unwrap();
        assert_eq!((file.files, file.bytes), (1, 4));
    }
}
