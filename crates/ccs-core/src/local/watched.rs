//! The folders this computer watches, and what each has stored: the state
//! behind `ops::watch`. Kept beside the job journal (`watched/`, or
//! `$CCS_WATCH_DIR`): `folders.json` (the list, rewritten whole, 0600) and
//! one ledger a folder (`<hash of its path>.jsonl`), appended to a line at a
//! time and synced, so that a crash loses at most the line being written and
//! never what was stored before. A ledger line names an entry of the folder
//! (a top-level sub-folder or file), its signature (see `ops::watch`), and
//! the item it became; the newest line of an entry wins.

use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// `$CCS_WATCH_DIR` overrides where the state goes.
pub const DIR_ENV: &str = "CCS_WATCH_DIR";
const FOLDERS_FILE: &str = "folders.json";

/// What becomes one item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ItemRule {
    /// Each new top-level sub-folder (a box, a scanning batch).
    #[default]
    EachFolder,
    /// Each new top-level file.
    EachFile,
}

/// One watched folder and the defaults its items get.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct WatchedFolder {
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub path: PathBuf,
    pub each: ItemRule,
    pub collection: String,
    pub description: String,
    /// The person said it is a network drive: look every few seconds rather
    /// than wait for the system's change events (which a share never sends).
    #[serde(default)]
    pub poll: bool,
    /// How long an entry must stay unchanged before it is sent.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub settle_seconds: u64,
    #[serde(default)]
    pub paused: bool,
    pub added_at: String,
}

/// One line of a folder's ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerLine {
    /// The entry's name in the watched folder.
    pub entry: String,
    /// What the entry was when stored (`ops::watch::signature`).
    pub signature: String,
    /// The item it became.
    pub cid: String,
    pub at: String,
    /// The name it had before a rename or move (nothing was stored again).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub moved_from: Option<String>,
    /// The entry went away under this name (moved: see the line naming it
    /// in `moved_from`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub gone: bool,
}

/// Where the watched folders and their ledgers are kept.
#[derive(Debug, Clone)]
pub struct WatchStore {
    dir: PathBuf,
}

impl WatchStore {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// `$CCS_WATCH_DIR`, else `watched` beside the job journal's folder.
    pub fn default_dir(journal_dir: &Path) -> PathBuf {
        super::dir_beside_journal(journal_dir, DIR_ENV, "watched")
    }

    /// The file holding the list of folders.
    pub fn folders_file(&self) -> PathBuf {
        self.dir.join(FOLDERS_FILE)
    }

    /// The watched folders (none when the list was never written).
    pub fn folders(&self) -> Result<Vec<WatchedFolder>> {
        let path = self.folders_file();
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| Error::Config {
                path,
                detail: format!("the list of watched folders cannot be read ({e})"),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(e) => Err(crate::local::files::read_error(&path, e)),
        }
    }

    pub fn save_folders(&self, folders: &[WatchedFolder]) -> Result<()> {
        create_private_dir(&self.dir)?;
        let json = serde_json::to_vec_pretty(folders).map_err(|e| {
            Error::InvalidInput(format!("The watched folders could not be saved ({e})."))
        })?;
        crate::local::settings::write_private(&self.folders_file(), &json)
    }

    /// The ledger of the folder at `folder`.
    pub fn ledger(&self, folder: &Path) -> Ledger {
        let key = hex::encode(&Sha256::digest(folder.as_os_str().as_encoded_bytes())[..12]);
        Ledger {
            path: self.dir.join(format!("{key}.jsonl")),
        }
    }
}

fn create_private_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|source| Error::Write {
        path: dir.to_path_buf(),
        source,
    })?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
    }
    Ok(())
}

/// What one watched folder has stored.
#[derive(Debug, Clone)]
pub struct Ledger {
    path: PathBuf,
}

impl Ledger {
    /// Each entry's newest line (entries gone under their name left out).
    /// Lines that cannot be read (the last one, cut by a crash) are skipped:
    /// the entry is looked at again, and an unchanged one is found stored
    /// by its signature.
    pub fn load(&self) -> HashMap<String, LedgerLine> {
        let mut entries = HashMap::new();
        let Ok(file) = std::fs::File::open(&self.path) else {
            return entries;
        };
        for line in std::io::BufReader::new(file).lines() {
            let Ok(line) = line else { break };
            let Ok(parsed) = serde_json::from_str::<LedgerLine>(&line) else {
                continue;
            };
            if parsed.gone {
                entries.remove(&parsed.entry);
            } else {
                entries.insert(parsed.entry.clone(), parsed);
            }
        }
        entries
    }

    /// Adds `line` and waits for the disk: once this returns, a restart
    /// knows the entry was stored.
    pub fn append(&self, line: &LedgerLine) -> Result<()> {
        let write_error = |source: std::io::Error| Error::Write {
            path: self.path.clone(),
            source,
        };
        if let Some(dir) = self.path.parent() {
            create_private_dir(dir)?;
        }
        let mut options = std::fs::OpenOptions::new();
        options.create(true).append(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(&self.path).map_err(write_error)?;
        let mut text = serde_json::to_string(line).map_err(|e| {
            Error::InvalidInput(format!("What was stored could not be recorded ({e})."))
        })?;
        text.push('\n');
        file.write_all(text.as_bytes()).map_err(write_error)?;
        file.sync_data().map_err(write_error)
    }

    /// Forgets everything (the folder is no longer watched).
    pub fn remove(&self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(entry: &str, signature: &str) -> LedgerLine {
        LedgerLine {
            entry: entry.into(),
            signature: signature.into(),
            cid: format!("cid-of-{entry}"),
            at: "2026-12-02T00:00:00Z".into(),
            moved_from: None,
            gone: false,
        }
    }

    #[test]
    fn the_ledger_keeps_each_entry_newest_line_and_survives_a_cut_last_line() {
        let dir = tempfile::tempdir().unwrap();
        let store = WatchStore::new(dir.path());
        let ledger = store.ledger(Path::new("/scans"));
        ledger.append(&line("box 1", "a")).unwrap();
        ledger.append(&line("box 2", "b")).unwrap();
        ledger.append(&line("box 1", "c")).unwrap();
        let mut moved = line("box 3", "b");
        moved.moved_from = Some("box 2".into());
        ledger.append(&moved).unwrap();
        ledger
            .append(&LedgerLine {
                gone: true,
                ..line("box 2", "b")
            })
            .unwrap();
        // A crash cut the last line short.
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&ledger.path)
            .unwrap();
        f.write_all(b"{\"entry\":\"box 4\",\"sig").unwrap();
        let loaded = ledger.load();
        assert_eq!(loaded.len(), 2, "{loaded:?}");
        assert_eq!(loaded["box 1"].signature, "c");
        assert_eq!(loaded["box 3"].moved_from.as_deref(), Some("box 2"));
        // Another folder has a ledger of its own.
        assert!(store.ledger(Path::new("/other")).load().is_empty());
    }

    #[test]
    fn the_folder_list_round_trips_and_a_damaged_one_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let store = WatchStore::new(dir.path().join("watched"));
        assert!(store.folders().unwrap().is_empty());
        let folder = WatchedFolder {
            path: "/scans".into(),
            each: ItemRule::EachFile,
            collection: "Parish".into(),
            description: String::new(),
            poll: true,
            settle_seconds: 30,
            paused: false,
            added_at: "2026-12-02T00:00:00Z".into(),
        };
        store.save_folders(std::slice::from_ref(&folder)).unwrap();
        assert_eq!(store.folders().unwrap(), vec![folder]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("watched").join(FOLDERS_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::write(dir.path().join("watched").join(FOLDERS_FILE), b"[{").unwrap();
        let e = store.folders().unwrap_err().to_string();
        assert!(e.contains("watched folders"), "{e}");
    }
}
