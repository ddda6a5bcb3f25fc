//! The fixity manifest: every file of an item with its size and SHA-256,
//! taken while the add reads the files (no second read), and stored in the
//! network as a small document of its own, pinned beside the item, so every
//! partner holds it and it outlives the computer that added the item.
//!
//! The document is JSON Lines: a header line ([`ManifestHeader`]: format,
//! algorithm, the item's CID, totals), then one [`ManifestEntry`] a file. JSON
//! Lines so that it is written and read as a stream. The algorithm is named in
//! the header, so SHA-512 can be added beside SHA-256 later.
//!
//! The item's pin metadata points to the document ([`ITEM_KEY`]); the
//! document's own pin says which item it describes ([`KIND_KEY`] and
//! [`FOR_KEY`]), so the library can leave it out.

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufWriter, Seek, Write};
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// The item's metadata key holding its manifest's CID.
pub const ITEM_KEY: &str = "fixity-manifest";
/// The manifest pin's metadata key naming what it is ([`KIND_MANIFEST`]).
pub const KIND_KEY: &str = "ccs-kind";
pub const KIND_MANIFEST: &str = "fixity-manifest";
/// The manifest pin's metadata key holding the item's CID.
pub const FOR_KEY: &str = "ccs-manifest-for";
/// The document's format name and version.
pub const FORMAT: &str = "ccs-fixity-manifest/1";
/// The only algorithm written today.
pub const SHA256: &str = "sha256";
/// The document's file name inside the network.
pub const FILE_NAME: &str = "fixity-manifest.jsonl";

/// True for a pin this program keeps for itself (a fixity manifest, a batch
/// of the preservation record, the network policy's anchor), not an item a
/// person stored.
pub fn is_internal_pin(metadata: &BTreeMap<String, String>) -> bool {
    matches!(
        metadata.get(KIND_KEY).map(String::as_str),
        Some(
            KIND_MANIFEST
                | crate::content::history::KIND_BATCH
                | crate::content::policy::KIND_POLICY
        )
    )
}

/// The first line of a manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestHeader {
    pub format: String,
    pub algorithm: String,
    /// The item's CID.
    pub item: String,
    pub files: u64,
    pub bytes: u64,
    /// When the files were read (RFC 3339).
    pub created: String,
    /// How many files could not be read and were left out, when the person
    /// chose to store the rest; they are listed (up to [`SKIPPED_LISTED`])
    /// in `skipped_files`.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub skipped: u64,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skipped_files: Vec<SkippedFile>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// How many skipped files the manifest's header names (the rest are counted).
pub const SKIPPED_LISTED: usize = 1000;

/// A file left out of the item because it could not be read: its path inside
/// the item, as it would have been stored, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SkippedFile {
    pub path: String,
    pub reason: String,
}

/// One file: its path inside the item (`/`-separated; a one-file item's
/// entry is named after the file), size and digest (lowercase hex).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestEntry {
    pub path: String,
    pub size: u64,
    pub sha256: String,
}

/// The entries as they are taken during the add, spooled to an anonymous
/// temporary file so that a folder of any size costs no memory.
pub struct ManifestSpool {
    out: BufWriter<std::fs::File>,
    /// The prefix every upload name has and the item's paths do not (the
    /// single root folder's name and `/`), or `None` when names are kept.
    strip: Option<Vec<u8>>,
    hasher: Sha256,
    size: u64,
    pub files: u64,
    pub bytes: u64,
    pub skipped: u64,
    pub skipped_files: Vec<SkippedFile>,
}

impl ManifestSpool {
    /// `single_root`: the one chosen path's upload name when one path was
    /// chosen (the item is that file or folder), `None` when several were
    /// (the item is a folder wrapping them, named as uploaded).
    pub fn new(single_root: Option<&str>) -> std::io::Result<Self> {
        Ok(Self {
            out: BufWriter::new(tempfile::tempfile()?),
            strip: single_root.map(|r| format!("{r}/").into_bytes()),
            hasher: Sha256::new(),
            size: 0,
            files: 0,
            bytes: 0,
            skipped: 0,
            skipped_files: Vec::new(),
        })
    }

    /// The path inside the item of an upload name.
    fn item_path(&self, upload_name: &[u8]) -> String {
        let name = match &self.strip {
            Some(prefix) => upload_name
                .strip_prefix(prefix.as_slice())
                .unwrap_or(upload_name),
            None => upload_name,
        };
        String::from_utf8_lossy(name).into_owned()
    }

    /// A file or folder left out (under its upload name), and why.
    pub fn skip(&mut self, upload_name: &[u8], reason: String) {
        self.skipped += 1;
        if self.skipped_files.len() < SKIPPED_LISTED {
            let path = self.item_path(upload_name);
            self.skipped_files.push(SkippedFile { path, reason });
        }
    }

    /// Bytes of the file being read.
    pub fn update(&mut self, data: &[u8]) {
        self.hasher.update(data);
        self.size += data.len() as u64;
    }

    /// The file just read, under its upload name.
    pub fn end_file(&mut self, upload_name: &[u8]) -> std::io::Result<()> {
        let entry = ManifestEntry {
            path: self.item_path(upload_name),
            size: self.size,
            sha256: hex::encode(std::mem::take(&mut self.hasher).finalize()),
        };
        self.files += 1;
        self.bytes += self.size;
        self.size = 0;
        serde_json::to_writer(&mut self.out, &entry)?;
        self.out.write_all(b"\n")
    }

    /// Writes the whole document for `item` into `dir`, returning its path.
    pub fn write_document(self, item: &str, dir: &std::path::Path) -> Result<PathBuf> {
        let path = dir.join(FILE_NAME);
        let write_err = |e: std::io::Error| Error::Write {
            path: path.clone(),
            source: e,
        };
        let mut spool = self
            .out
            .into_inner()
            .map_err(|e| write_err(e.into_error()))?;
        spool.rewind().map_err(write_err)?;
        let mut doc = BufWriter::new(std::fs::File::create(&path).map_err(write_err)?);
        let header = ManifestHeader {
            format: FORMAT.into(),
            algorithm: SHA256.into(),
            item: item.into(),
            files: self.files,
            bytes: self.bytes,
            created: crate::content::provenance::now_rfc3339(),
            skipped: self.skipped,
            skipped_files: self.skipped_files,
        };
        serde_json::to_writer(&mut doc, &header).map_err(|e| write_err(e.into()))?;
        doc.write_all(b"\n").map_err(write_err)?;
        std::io::copy(&mut spool, &mut doc).map_err(write_err)?;
        doc.flush().map_err(write_err)?;
        Ok(path)
    }
}

/// A manifest read back: the header and each file's size and digest by path.
#[derive(Debug, Clone)]
pub struct Manifest {
    pub header: ManifestHeader,
    pub files: HashMap<String, (u64, [u8; 32])>,
}

impl Manifest {
    /// Reads a document; `item` is the CID it must describe. Every way it can
    /// be wrong (not a manifest, another item, an unknown algorithm, a bad
    /// line) is a sentence, since a manifest that does not match its item is
    /// itself a finding.
    pub fn read(reader: impl BufRead, item: &str) -> std::result::Result<Self, String> {
        let mut lines = reader.lines();
        let first = lines
            .next()
            .ok_or("the manifest is empty")?
            .map_err(|e| format!("the manifest could not be read ({e})"))?;
        let header: ManifestHeader = serde_json::from_str(&first)
            .map_err(|e| format!("the manifest's first line is not a manifest header ({e})"))?;
        if header.format != FORMAT {
            return Err(format!(
                "the manifest has an unknown format {:?}",
                header.format
            ));
        }
        if header.algorithm != SHA256 {
            return Err(format!(
                "the manifest uses {:?}, which this version cannot check",
                header.algorithm
            ));
        }
        if header.item != item {
            return Err(format!(
                "the manifest describes another item ({})",
                header.item
            ));
        }
        let mut files = HashMap::new();
        for (n, line) in lines.enumerate() {
            let line = line.map_err(|e| format!("the manifest could not be read ({e})"))?;
            if line.is_empty() {
                continue;
            }
            let entry: ManifestEntry = serde_json::from_str(&line)
                .map_err(|e| format!("line {} of the manifest is not a file entry ({e})", n + 2))?;
            let mut digest = [0u8; 32];
            hex::decode_to_slice(&entry.sha256, &mut digest).map_err(|_| {
                format!(
                    "line {} of the manifest has a bad SHA-256 ({:?})",
                    n + 2,
                    entry.sha256
                )
            })?;
            files.insert(entry.path, (entry.size, digest));
        }
        if files.len() as u64 != header.files {
            return Err(format!(
                "the manifest lists {} files but its header says {}",
                files.len(),
                header.files
            ));
        }
        Ok(Self { header, files })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spool_of(single: Option<&str>, files: &[(&str, &[u8])]) -> ManifestSpool {
        let mut s = ManifestSpool::new(single).unwrap();
        for (name, data) in files {
            for piece in data.chunks(3) {
                s.update(piece);
            }
            s.end_file(name.as_bytes()).unwrap();
        }
        s
    }

    #[test]
    fn a_folder_manifest_names_files_inside_the_item_and_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let s = spool_of(
            Some("letters"),
            &[("letters/a.txt", b"hello"), ("letters/box 1/b.txt", b"")],
        );
        let path = s.write_document("bafyitem", dir.path()).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 3, "{text}");
        let m = Manifest::read(text.as_bytes(), "bafyitem").unwrap();
        assert_eq!(m.header.files, 2);
        assert_eq!(m.header.bytes, 5);
        assert_eq!(m.header.algorithm, "sha256");
        let (size, digest) = m.files["a.txt"];
        assert_eq!(size, 5);
        assert_eq!(
            hex::encode(digest),
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
        );
        assert_eq!(m.files["box 1/b.txt"].0, 0);
    }

    #[test]
    fn several_chosen_paths_keep_their_names_and_a_single_file_its_own() {
        let dir = tempfile::tempdir().unwrap();
        let s = spool_of(None, &[("a.txt", b"x"), ("scans/b.tif", b"y")]);
        let m = Manifest::read(
            std::fs::read(s.write_document("c", dir.path()).unwrap())
                .unwrap()
                .as_slice(),
            "c",
        )
        .unwrap();
        assert!(m.files.contains_key("a.txt") && m.files.contains_key("scans/b.tif"));
        let s = spool_of(Some("report.pdf"), &[("report.pdf", b"z")]);
        let dir2 = tempfile::tempdir().unwrap();
        let m = Manifest::read(
            std::fs::read(s.write_document("d", dir2.path()).unwrap())
                .unwrap()
                .as_slice(),
            "d",
        )
        .unwrap();
        assert!(m.files.contains_key("report.pdf"));
    }

    #[test]
    fn a_manifest_of_another_item_or_damaged_is_named_as_such() {
        let dir = tempfile::tempdir().unwrap();
        let s = spool_of(None, &[("a.txt", b"x")]);
        let text = std::fs::read_to_string(s.write_document("one", dir.path()).unwrap()).unwrap();
        let e = Manifest::read(text.as_bytes(), "two").unwrap_err();
        assert!(e.contains("another item"), "{e}");
        let cut: String = text.lines().take(1).collect::<Vec<_>>().join("\n");
        let e = Manifest::read(cut.as_bytes(), "one").unwrap_err();
        assert!(e.contains("lists 0 files"), "{e}");
        let e = Manifest::read("not json\n".as_bytes(), "one").unwrap_err();
        assert!(e.contains("not a manifest header"), "{e}");
        let e = Manifest::read(text.replace("sha256\"", "sha512\"").as_bytes(), "one").unwrap_err();
        assert!(e.contains("cannot check"), "{e}");
    }
}
