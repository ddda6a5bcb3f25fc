//! Provenance recorded with every add, in the pin's metadata: who added it,
//! when, from where, how much, with which client and which CID settings. It
//! travels with the pin to every partner and is what the library shows.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::content::ingest::Scan;
use crate::net::cluster::AddOptions;

/// Metadata keys written by [`record`]. Stable: the library and the app read them.
pub const ADDED_BY: &str = "added-by";
pub const ADDED_AT: &str = "added-at";
pub const SOURCE: &str = "source";
pub const FILES: &str = "files";
pub const BYTES: &str = "bytes";
pub const CLIENT: &str = "client";
pub const CID_SETTINGS: &str = "cid-settings";

/// The cluster refuses requests whose header passes 4 KiB, and metadata
/// travels in the query string: long source paths are shortened.
const MAX_SOURCE: usize = 400;

/// `user@host` of whoever runs this program.
pub fn who() -> String {
    let user = ["USER", "USERNAME", "LOGNAME"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
        .or_else(|| {
            std::env::home_dir()
                .and_then(|h| h.file_name().map(|n| n.to_string_lossy().into_owned()))
        })
        .unwrap_or_else(|| "unknown".into());
    let host = gethostname::gethostname().to_string_lossy().into_owned();
    format!("{user}@{host}")
}

/// Now, as RFC 3339 UTC to the second.
pub fn now_rfc3339() -> String {
    humantime::format_rfc3339_seconds(SystemTime::now()).to_string()
}

/// How the CIDs were made, e.g. `cidv0 sha2-256 size-262144 dag-pb-leaves`.
pub fn cid_settings(options: &AddOptions) -> String {
    format!(
        "cidv{} {} {} {}",
        options.cid_version,
        options.hash,
        options.chunker,
        if options.raw_leaves || options.cid_version > 0 {
            "raw-leaves"
        } else {
            "dag-pb-leaves"
        }
    )
}

/// Each path made absolute (as given when that fails), as text: how a job
/// names what it stored, so it can be found and run again from anywhere.
pub fn absolute_paths(paths: &[PathBuf]) -> Vec<String> {
    paths
        .iter()
        .map(|p| {
            std::path::absolute(p)
                .unwrap_or_else(|_| p.clone())
                .display()
                .to_string()
        })
        .collect()
}

fn source_text(paths: &[PathBuf]) -> String {
    let abs = absolute_paths(paths);
    let mut text = abs.join("; ");
    if text.len() > MAX_SOURCE {
        let mut cut = MAX_SOURCE;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        text.push('…');
    }
    text
}

/// Adds provenance to `options.pin.metadata`. Keys the user set are kept.
pub fn record(options: &mut AddOptions, paths: &[PathBuf], scan: &Scan, client: &str) {
    let settings = cid_settings(options);
    let values = [
        (ADDED_BY, who()),
        (ADDED_AT, now_rfc3339()),
        (SOURCE, source_text(paths)),
        (FILES, scan.files.to_string()),
        (BYTES, scan.bytes.to_string()),
        (CLIENT, client.to_string()),
        (CID_SETTINGS, settings),
    ];
    for (k, v) in values {
        options.pin.metadata.entry(k.to_string()).or_insert(v);
    }
}

/// Provenance read back from a pin's metadata.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Provenance {
    pub added_by: Option<String>,
    pub added_at: Option<String>,
    pub source: Option<String>,
    pub files: Option<u64>,
    pub bytes: Option<u64>,
    pub client: Option<String>,
}

impl Provenance {
    pub fn from_metadata(m: &BTreeMap<String, String>) -> Self {
        Self {
            added_by: m.get(ADDED_BY).cloned(),
            added_at: m.get(ADDED_AT).cloned(),
            source: m.get(SOURCE).cloned(),
            files: m.get(FILES).and_then(|v| v.parse().ok()),
            bytes: m.get(BYTES).and_then(|v| v.parse().ok()),
            client: m.get(CLIENT).cloned(),
        }
    }
}

/// Shortens a path for display and metadata.
pub fn display_path(p: &Path) -> String {
    p.display().to_string()
}

/// Seconds since 1970 as RFC 3339 UTC.
pub fn format_unix(secs: u64) -> String {
    humantime::format_rfc3339_seconds(std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs))
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_every_field_and_keeps_user_values() {
        let mut o = AddOptions::default();
        o.pin.metadata.insert(SOURCE.into(), "mine".into());
        let scan = Scan {
            files: 3,
            folders: 1,
            bytes: 42,
            ..Scan::default()
        };
        record(&mut o, &[PathBuf::from("x")], &scan, "ccs/0.1");
        let m = &o.pin.metadata;
        assert_eq!(m[SOURCE], "mine");
        assert_eq!(m[FILES], "3");
        assert_eq!(m[BYTES], "42");
        assert_eq!(m[CLIENT], "ccs/0.1");
        assert_eq!(m[CID_SETTINGS], "cidv0 sha2-256 size-262144 dag-pb-leaves");
        assert!(m[ADDED_BY].contains('@'));
        assert!(m[ADDED_AT].ends_with('Z'));
        let p = Provenance::from_metadata(m);
        assert_eq!(p.bytes, Some(42));
    }

    #[test]
    fn long_sources_are_shortened() {
        let long = PathBuf::from(format!("/{}", "é".repeat(500)));
        assert!(source_text(&[long]).len() <= MAX_SOURCE + 3);
    }
}
