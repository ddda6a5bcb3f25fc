//! BagIt (RFC 8493), the archives' packaging format: a bag's tag files and
//! manifests read and written, a bag checked before it is stored, and one
//! written around a retrieved item. Files on disk in, files on disk out: the
//! network is `ops::bag`'s job.
//!
//! Names keep their bytes as on disk: an NFD name stays NFD, so a manifest
//! lists exactly the names a reader finds in the folder. In manifests only
//! `%`, CR and LF are percent-encoded, as RFC 8493 §2.1.3 requires, and every
//! other byte (UTF-8 included) is written as it is, which is why no
//! percent-encoding crate is used (they encode every byte outside ASCII).
//! Reading decodes only `%25`, `%0D` and `%0A`: bagit-python and bagit-java
//! leave `%` unencoded, so their `data/50%41.txt` must stay literal; a name
//! whose decoded form is not in the bag but whose literal form is (their
//! `data/a%25b`) is taken literally for the same reason.
//!
//! Every file is read as a stream (256 KiB at a time) with every algorithm
//! the bag needs hashed in the same pass; what is held in memory is one
//! entry per file (its path and digests), never a file's content.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use serde::Serialize;
use sha2::digest::DynDigest;

use crate::error::{Error, ErrorCode, Result};

/// The bag declaration.
pub const BAGIT_TXT: &str = "bagit.txt";
/// The bag's metadata.
pub const BAG_INFO_TXT: &str = "bag-info.txt";
/// Files to fetch from elsewhere (a "holey" bag).
pub const FETCH_TXT: &str = "fetch.txt";
/// The payload folder.
pub const DATA: &str = "data";
/// The version this program writes.
pub const VERSION: &str = "1.0";
/// The versions this program reads: 1.0 (RFC 8493) and 0.97, which
/// bagit-python still writes.
pub const VERSIONS_READ: [&str; 2] = ["1.0", "0.97"];
/// Where an exported bag holds the item's history (PREMIS XML).
pub const PREMIS_PATH: &str = "metadata/premis.xml";
/// The algorithms an exported bag's manifests use (RFC 8493 §2.4: SHA-512
/// SHOULD be used; SHA-256 is what the ingest manifest holds).
pub const WRITTEN: [Algorithm; 2] = [Algorithm::Sha256, Algorithm::Sha512];
/// bag-info.txt is read whole: more than this is not a bag's metadata.
const TAG_FILE_MAX: u64 = 1024 * 1024;
const BUFFER: usize = 256 * 1024;
/// Problems kept in a [`BagCheck`] (all are counted).
pub const PROBLEMS_KEPT: usize = 1000;

/// A manifest's algorithm (RFC 8493 §2.4 names these; bagit-python accepts
/// the same).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Algorithm {
    Md5,
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
}

impl Algorithm {
    pub const ALL: [Algorithm; 6] = [
        Algorithm::Md5,
        Algorithm::Sha1,
        Algorithm::Sha224,
        Algorithm::Sha256,
        Algorithm::Sha384,
        Algorithm::Sha512,
    ];

    /// The name in `manifest-NAME.txt`.
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Md5 => "md5",
            Algorithm::Sha1 => "sha1",
            Algorithm::Sha224 => "sha224",
            Algorithm::Sha256 => "sha256",
            Algorithm::Sha384 => "sha384",
            Algorithm::Sha512 => "sha512",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.name() == name)
    }

    fn hasher(self) -> Box<dyn DynDigest + Send> {
        match self {
            Algorithm::Md5 => Box::new(md5::Md5::default()),
            Algorithm::Sha1 => Box::new(sha1::Sha1::default()),
            Algorithm::Sha224 => Box::new(sha2::Sha224::default()),
            Algorithm::Sha256 => Box::new(sha2::Sha256::default()),
            Algorithm::Sha384 => Box::new(sha2::Sha384::default()),
            Algorithm::Sha512 => Box::new(sha2::Sha512::default()),
        }
    }

    /// Hex digits in a digest.
    fn hex_len(self) -> usize {
        match self {
            Algorithm::Md5 => 32,
            Algorithm::Sha1 => 40,
            Algorithm::Sha224 => 56,
            Algorithm::Sha256 => 64,
            Algorithm::Sha384 => 96,
            Algorithm::Sha512 => 128,
        }
    }

    pub fn manifest_name(self) -> String {
        format!("manifest-{}.txt", self.name())
    }

    pub fn tag_manifest_name(self) -> String {
        format!("tagmanifest-{}.txt", self.name())
    }
}

/// What kind of manifest a file name names, and its algorithm's name.
fn manifest_kind(name: &str) -> Option<(bool, &str)> {
    let stem = name.strip_suffix(".txt")?;
    if let Some(alg) = stem.strip_prefix("tagmanifest-") {
        return Some((true, alg));
    }
    stem.strip_prefix("manifest-").map(|alg| (false, alg))
}

// ---------------------------------------------------------------------------
// Names in manifests

/// A path as a manifest writes it: `%`, CR and LF percent-encoded, every
/// other byte as it is (RFC 8493 §2.1.3: "those characters (and only those)").
pub fn encode_path(path: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(path.len());
    for &b in path {
        match b {
            b'%' => out.extend_from_slice(b"%25"),
            b'\r' => out.extend_from_slice(b"%0D"),
            b'\n' => out.extend_from_slice(b"%0A"),
            b => out.push(b),
        }
    }
    out
}

/// A manifest's path as bytes: only `%25`, `%0D` and `%0A` (either case)
/// are decoded; any other `%` stays (see the module's note).
pub fn decode_path(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        if text[i] == b'%' && i + 2 < text.len() {
            let decoded = match (text[i + 1], text[i + 2].to_ascii_uppercase()) {
                (b'2', b'5') => Some(b'%'),
                (b'0', b'D') => Some(b'\r'),
                (b'0', b'A') => Some(b'\n'),
                _ => None,
            };
            if let Some(b) = decoded {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(text[i]);
        i += 1;
    }
    out
}

/// A path's bytes for messages (invalid UTF-8 shown as U+FFFD).
pub fn shown(path: &[u8]) -> String {
    String::from_utf8_lossy(path).into_owned()
}

#[cfg(unix)]
fn name_bytes(name: &std::ffi::OsStr) -> Vec<u8> {
    use std::os::unix::ffi::OsStrExt;
    name.as_bytes().to_vec()
}

#[cfg(not(unix))]
fn name_bytes(name: &std::ffi::OsStr) -> Vec<u8> {
    name.to_string_lossy().into_owned().into_bytes()
}

#[cfg(unix)]
fn bytes_to_path(bytes: &[u8]) -> PathBuf {
    use std::os::unix::ffi::OsStrExt;
    PathBuf::from(std::ffi::OsStr::from_bytes(bytes))
}

#[cfg(not(unix))]
fn bytes_to_path(bytes: &[u8]) -> PathBuf {
    PathBuf::from(String::from_utf8_lossy(bytes).into_owned())
}

/// `path` below `root` as `/`-separated bytes.
fn relative_bytes(root: &Path, path: &Path) -> Vec<u8> {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let mut out = Vec::new();
    for (i, part) in rel.iter().enumerate() {
        if i > 0 {
            out.push(b'/');
        }
        out.extend_from_slice(&name_bytes(part));
    }
    out
}

/// A manifest path made safe, or why it is not: relative, every part a
/// name (no `..`, `.` or empty part), a leading `./` allowed (older tools
/// write it).
fn confined(path: &[u8]) -> std::result::Result<Vec<u8>, &'static str> {
    let mut p = path;
    while let Some(rest) = p.strip_prefix(b"./") {
        p = rest;
    }
    if p.is_empty() {
        return Err("is empty");
    }
    if p.starts_with(b"/") || p.starts_with(b"\\") || p.get(1) == Some(&b':') {
        return Err("is an absolute path, outside the bag");
    }
    for part in p.split(|&b| b == b'/' || b == b'\\') {
        match part {
            b".." => return Err("leads outside the bag (..)"),
            b"." | b"" => return Err("is not a plain path (an empty or '.' part)"),
            b"~" => return Err("starts from a home folder (~), outside the bag"),
            _ => {}
        }
    }
    Ok(p.to_vec())
}

// ---------------------------------------------------------------------------
// Tag files

/// One element of a tag file such as bag-info.txt: its label as written and
/// its value (continuation lines joined with their line breaks kept and
/// their indentation dropped: RFC 8493 §2.2.2, "except for linebreaks, such
/// padding does not form part of the value").
pub type Tag = (String, String);

/// The lines of a tag file (LF, CR or CRLF) and whether the last one ended
/// with a line break.
fn tag_lines(text: &str) -> (Vec<&str>, bool) {
    let mut lines = Vec::new();
    let mut rest = text;
    loop {
        match rest.find(['\r', '\n']) {
            Some(i) => {
                lines.push(&rest[..i]);
                let skip = if rest[i..].starts_with("\r\n") { 2 } else { 1 };
                rest = &rest[i + skip..];
                if rest.is_empty() {
                    return (lines, true);
                }
            }
            None => {
                if !rest.is_empty() {
                    lines.push(rest);
                }
                return (lines, rest.is_empty());
            }
        }
    }
}

/// Reads a tag file's elements. `strict` (BagIt 1.0) also refuses a label
/// that starts or ends with a space and a last line without its line break,
/// which is how a file cut short looks.
pub fn parse_tags(text: &str, strict: bool) -> std::result::Result<Vec<Tag>, String> {
    let (lines, terminated) = tag_lines(text);
    let mut tags: Vec<Tag> = Vec::new();
    for (n, line) in lines.iter().enumerate() {
        let n = n + 1;
        if line.trim().is_empty() {
            continue;
        }
        if line.starts_with([' ', '\t']) {
            let Some((_, value)) = tags.last_mut() else {
                return Err(format!(
                    "line {n} is indented but there is no element before it to continue"
                ));
            };
            value.push('\n');
            value.push_str(line.trim_start_matches([' ', '\t']).trim_end());
            continue;
        }
        let Some((label, value)) = line.split_once(':') else {
            let short: String = line.chars().take(40).collect();
            return Err(format!(
                "line {n} (\"{short}\") has no ':' between a label and a value"
            ));
        };
        if strict && label.trim() != label {
            return Err(format!(
                "line {n}'s label \"{label}\" starts or ends with a space"
            ));
        }
        let label = label.trim();
        if label.is_empty() {
            return Err(format!("line {n} has no label before its ':'"));
        }
        tags.push((label.to_string(), value.trim().to_string()));
    }
    if strict && !terminated {
        return Err("its last line does not end with a line break (is the file cut short?)".into());
    }
    Ok(tags)
}

/// A label safe to write: no `:`, CR or LF, no space at either end.
pub fn sanitize_label(label: &str) -> String {
    let cleaned: String = label
        .chars()
        .map(|c| {
            if matches!(c, ':' | '\r' | '\n') {
                '-'
            } else {
                c
            }
        })
        .collect();
    let cleaned = cleaned.trim();
    if cleaned.is_empty() {
        "Label".into()
    } else {
        cleaned.to_string()
    }
}

/// Tag-file text for `tags`: labels sanitised; a value's own line breaks
/// become continuation lines (indented by two spaces), which read back as
/// the same value. Long lines are not broken: a break would become part of
/// the value when read back (RFC 8493 §2.2.2).
pub fn format_tags(tags: &[Tag]) -> String {
    let mut out = String::new();
    for (label, value) in tags {
        out.push_str(&sanitize_label(label));
        out.push_str(": ");
        let mut first = true;
        for line in value.split(['\n', '\r']).filter(|l| !l.trim().is_empty()) {
            if !first {
                out.push_str("\n  ");
            }
            out.push_str(line.trim());
            first = false;
        }
        out.push('\n');
    }
    out
}

/// A metadata key for a bag-info label: lower case, letters, digits, `-`,
/// `_` and `.` (what [`crate::ops::add::check_metadata_key`] allows), other
/// characters as `-`. `None` when nothing is left.
pub fn metadata_key(label: &str) -> Option<String> {
    let mut key = String::new();
    for c in label.trim().chars().flat_map(char::to_lowercase) {
        let c = if c.is_ascii_alphanumeric() || matches!(c, '_' | '.') {
            c
        } else {
            '-'
        };
        if c == '-' && key.ends_with('-') {
            continue;
        }
        key.push(c);
    }
    let key = key.trim_matches('-');
    (!key.is_empty()).then(|| key.to_string())
}

/// A label for a metadata key: `contact-name` as `Contact-Name`.
pub fn label_of(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    let mut upper = true;
    for c in key.chars() {
        if upper {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        upper = matches!(c, '-' | '_' | '.');
    }
    out
}

/// How much of a bag-info.txt becomes metadata: it travels in the add's
/// query string, which the cluster limits (4 KiB of headers with the
/// provenance); the whole file stays in the stored bag.
pub const METADATA_BUDGET: usize = 1500;
const METADATA_VALUE_MAX: usize = 300;

/// bag-info elements as metadata: keys from [`metadata_key`]; a key that
/// `reserved` claims gets a `bag-` prefix (so a label never overrides the
/// provenance); a repeated label's later values get `-2`, `-3`; values cut
/// to 300 characters; elements past [`METADATA_BUDGET`] bytes left out.
pub fn info_to_metadata(info: &[Tag], reserved: impl Fn(&str) -> bool) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut used = 0;
    for (label, value) in info {
        let Some(mut key) = metadata_key(label) else {
            continue;
        };
        if reserved(&key) {
            key = format!("bag-{key}");
        }
        let mut unique = key.clone();
        let mut n = 1;
        while out.contains_key(&unique) {
            n += 1;
            unique = format!("{key}-{n}");
        }
        let mut value = value.clone();
        if value.chars().count() > METADATA_VALUE_MAX {
            value = value
                .chars()
                .take(METADATA_VALUE_MAX - 1)
                .collect::<String>()
                + "…";
        }
        used += unique.len() + value.len() + 7;
        if used > METADATA_BUDGET {
            break;
        }
        out.insert(unique, value);
    }
    out
}

/// The byte and file counts of a payload (`Payload-Oxum`: `BYTES.FILES`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Oxum {
    pub bytes: u64,
    pub files: u64,
}

impl std::fmt::Display for Oxum {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.bytes, self.files)
    }
}

impl Oxum {
    pub fn parse(text: &str) -> Option<Self> {
        let (bytes, files) = text.trim().split_once('.')?;
        Some(Self {
            bytes: bytes.parse().ok()?,
            files: files.parse().ok()?,
        })
    }
}

/// What an exported bag's bag-info.txt says about the item.
#[derive(Debug, Clone)]
pub struct ExportInfo<'a> {
    pub cid: &'a str,
    pub organization: &'a str,
    /// `YYYY-MM-DD`.
    pub date: &'a str,
    pub oxum: Oxum,
    /// This program (`Bag-Software-Agent`).
    pub agent: &'a str,
    /// The item's metadata and provenance, each a further element.
    pub metadata: &'a BTreeMap<String, String>,
}

/// Metadata keys the export writes itself (fresh), so an item that came in
/// as a bag does not carry its old values out.
pub const EXPORT_OWN_KEYS: [&str; 6] = [
    "source-organization",
    "external-identifier",
    "bagging-date",
    "payload-oxum",
    "bag-size",
    "bag-software-agent",
];

/// The elements of an exported bag's bag-info.txt: Source-Organization,
/// External-Identifier (the CID, then any the item came with), Bagging-Date,
/// Payload-Oxum, Bag-Size, Bag-Software-Agent, then every metadata key as an
/// element (`skip` left out).
pub fn export_info(e: &ExportInfo<'_>, skip: &[&str]) -> Vec<Tag> {
    let mut tags: Vec<Tag> = vec![
        ("Source-Organization".into(), e.organization.into()),
        ("External-Identifier".into(), e.cid.into()),
    ];
    if let Some(other) = e.metadata.get("external-identifier") {
        if other != e.cid {
            tags.push(("External-Identifier".into(), other.clone()));
        }
    }
    tags.extend([
        ("Bagging-Date".into(), e.date.into()),
        ("Payload-Oxum".into(), e.oxum.to_string()),
        (
            "Bag-Size".into(),
            bytesize::ByteSize(e.oxum.bytes).to_string(),
        ),
        ("Bag-Software-Agent".into(), e.agent.into()),
    ]);
    for (key, value) in e.metadata {
        if EXPORT_OWN_KEYS.contains(&key.as_str()) || skip.contains(&key.as_str()) {
            continue;
        }
        tags.push((label_of(key), value.clone()));
    }
    tags
}

// ---------------------------------------------------------------------------
// Hashing

/// Reads `path` once, hashing it with every algorithm in `algorithms`;
/// returns its size and the digests in the same order. Stops (with
/// `Error::Cancelled`) when `stop` is set.
fn hash_file(
    path: &Path,
    algorithms: &[Algorithm],
    buf: &mut [u8],
    stop: &AtomicBool,
    on_bytes: &mut dyn FnMut(u64),
) -> Result<(u64, Vec<Vec<u8>>)> {
    let mut file =
        std::fs::File::open(path).map_err(|e| crate::local::files::read_error(path, e))?;
    let mut hashers: Vec<_> = algorithms.iter().map(|a| a.hasher()).collect();
    let mut size = 0u64;
    loop {
        if stop.load(Ordering::Relaxed) {
            return Err(Error::Cancelled);
        }
        let n = match file.read(buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(crate::local::files::read_error(path, e)),
        };
        for h in &mut hashers {
            h.update(&buf[..n]);
        }
        size += n as u64;
        on_bytes(n as u64);
    }
    Ok((
        size,
        hashers
            .into_iter()
            .map(|h| h.finalize().into_vec())
            .collect(),
    ))
}

// ---------------------------------------------------------------------------
// Checking a bag

/// What is wrong with one part of a bag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    /// Listed in a manifest, not in the bag.
    Missing,
    /// In the bag, but its checksum (or the Payload-Oxum) does not match.
    Changed,
    /// In data/ but in no manifest.
    Extra,
    /// A manifest entry outside data/ (or outside the bag).
    Outside,
    /// A tag file or manifest that cannot be read as one.
    Malformed,
    /// Something this program does not take: an unknown algorithm, another
    /// encoding or version, a link, files still to be fetched.
    Unsupported,
}

impl ProblemKind {
    /// The code the same failure has on its own.
    pub fn code(self) -> ErrorCode {
        match self {
            ProblemKind::Missing => ErrorCode::PathNotFound,
            ProblemKind::Changed => ErrorCode::VerificationFailed,
            _ => ErrorCode::InvalidInput,
        }
    }
}

/// One thing wrong with a bag: where (a path inside the bag) and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BagProblem {
    pub path: String,
    pub kind: ProblemKind,
    /// A few plain words: "is listed in manifest-sha256.txt but missing".
    pub reason: String,
}

/// What [`check`] found.
#[derive(Debug, Default)]
pub struct BagCheck {
    /// `BagIt-Version`, when bagit.txt could be read.
    pub version: Option<String>,
    /// bag-info.txt's elements (empty when it is absent or unreadable).
    pub info: Vec<Tag>,
    /// The first [`PROBLEMS_KEPT`] problems.
    pub problems: Vec<BagProblem>,
    pub problem_count: u64,
    /// Every regular file under data/, by its path in the bag (`data/…`):
    /// size and SHA-256 as read during the check.
    pub payload: HashMap<Vec<u8>, (u64, [u8; 32])>,
    /// The payload as found.
    pub oxum: Oxum,
}

impl BagCheck {
    pub fn is_valid(&self) -> bool {
        self.problem_count == 0
    }

    fn problem(&mut self, path: impl Into<String>, kind: ProblemKind, reason: impl Into<String>) {
        self.problem_count += 1;
        if self.problems.len() < PROBLEMS_KEPT {
            self.problems.push(BagProblem {
                path: path.into(),
                kind,
                reason: reason.into(),
            });
        }
    }

    /// Counts by kind, in words: "2 files missing, 1 changed".
    pub fn summary(&self) -> String {
        let count = |k: ProblemKind| self.problems.iter().filter(|p| p.kind == k).count();
        let mut parts = Vec::new();
        for (kind, words) in [
            (ProblemKind::Missing, "missing"),
            (ProblemKind::Changed, "changed"),
            (ProblemKind::Extra, "not in the manifests"),
            (ProblemKind::Outside, "outside data/"),
            (ProblemKind::Malformed, "malformed"),
            (ProblemKind::Unsupported, "not supported"),
        ] {
            let n = count(kind);
            if n > 0 {
                parts.push(format!("{n} {words}"));
            }
        }
        let kept = self.problems.len() as u64;
        if self.problem_count > kept {
            parts.push(format!("{} more", self.problem_count - kept));
        }
        parts.join(", ")
    }
}

/// A file that could not be read, in a few words.
fn unreadable(e: &Error) -> String {
    match e {
        Error::Read { source, .. } => format!("cannot be read ({source})"),
        Error::PathNotFound { .. } => "vanished while it was read".into(),
        other => other.to_string(),
    }
}

/// True when `dir` is a folder holding a `bagit.txt`.
pub fn is_bag(dir: &Path) -> bool {
    dir.is_dir() && dir.join(BAGIT_TXT).is_file()
}

/// Reads a small tag file whole, or says why not.
fn read_tag_file(path: &Path) -> std::result::Result<Option<String>, String> {
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot be read ({e})")),
    };
    let mut bytes = Vec::new();
    file.take(TAG_FILE_MAX + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot be read ({e})"))?;
    if bytes.len() as u64 > TAG_FILE_MAX {
        return Err("is larger than 1 MiB, too large for a tag file".into());
    }
    String::from_utf8(bytes)
        .map(Some)
        .map_err(|_| "is not UTF-8 text".into())
}

/// bagit.txt as RFC 8493 §2.1.1 has it: exactly two lines, in order.
fn parse_bagit_txt(text: &str) -> std::result::Result<(String, String), String> {
    if text.starts_with('\u{feff}') {
        return Err("starts with a byte-order mark, which BagIt does not allow".into());
    }
    let (lines, _) = tag_lines(text);
    let field = |line: Option<&&str>, label: &str| -> std::result::Result<String, String> {
        let line = line.ok_or_else(|| format!("has no \"{label}\" line"))?;
        let value = line
            .strip_prefix(label)
            .and_then(|r| r.strip_prefix(": "))
            .filter(|v| !v.is_empty() && v.trim() == *v)
            .ok_or_else(|| format!("should say \"{label}: …\" but says \"{line}\""))?;
        Ok(value.to_string())
    };
    let version = field(lines.first(), "BagIt-Version")?;
    let encoding = field(lines.get(1), "Tag-File-Character-Encoding")?;
    if lines.len() > 2 {
        return Err("has more than its two lines".into());
    }
    Ok((version, encoding))
}

/// One manifest line: the digest (lower case) and the path as written.
fn parse_manifest_line(line: &[u8]) -> Option<(String, &[u8])> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let split = line.iter().position(|b| matches!(b, b' ' | b'\t'))?;
    let (digest, rest) = line.split_at(split);
    let start = rest.iter().position(|b| !matches!(b, b' ' | b'\t'))?;
    let digest = std::str::from_utf8(digest).ok()?.to_ascii_lowercase();
    Some((digest, &rest[start..]))
}

/// A manifest's entries: path (decoded, confined) → digest. Bad lines are
/// reported as problems.
struct Manifest {
    algorithm: Algorithm,
    name: String,
    entries: HashMap<Vec<u8>, String>,
}

fn read_manifest(
    root: &Path,
    name: &str,
    algorithm: Algorithm,
    payload: bool,
    strict: bool,
    check: &mut BagCheck,
) -> Result<Manifest> {
    let path = root.join(name);
    let file = std::fs::File::open(&path).map_err(|e| crate::local::files::read_error(&path, e))?;
    let mut entries: HashMap<Vec<u8>, String> = HashMap::new();
    for (n, line) in BufReader::new(file).split(b'\n').enumerate() {
        let line = line.map_err(|e| crate::local::files::read_error(&path, e))?;
        if line.iter().all(|b| b.is_ascii_whitespace()) {
            continue;
        }
        let Some((digest, written)) = parse_manifest_line(&line) else {
            check.problem(
                name,
                ProblemKind::Malformed,
                format!("line {} is not \"CHECKSUM PATH\"", n + 1),
            );
            continue;
        };
        if digest.len() != algorithm.hex_len() || !digest.bytes().all(|b| b.is_ascii_hexdigit()) {
            check.problem(
                name,
                ProblemKind::Malformed,
                format!(
                    "line {} has \"{digest}\", which is not a {} checksum",
                    n + 1,
                    algorithm.name()
                ),
            );
            continue;
        }
        let decoded = decode_path(written);
        // The file the entry names: its decoded path; else its literal one
        // (older tools leave `%` unencoded); each also without the `*` that
        // md5sum and its kin put before a name read in binary mode (bags
        // made with them by hand are common). The decoded path when none of
        // these is a file.
        let chosen = [decoded.as_slice(), written]
            .into_iter()
            .flat_map(|c| [Some(c), c.strip_prefix(b"*")])
            .flatten()
            .find(|c| confined(c).is_ok_and(|p| root.join(bytes_to_path(&p)).is_file()))
            .unwrap_or(&decoded);
        let safe = match confined(chosen) {
            Ok(p) => p,
            Err(why) => {
                check.problem(
                    shown(chosen),
                    ProblemKind::Outside,
                    format!("is named in {name}, but {why}"),
                );
                continue;
            }
        };
        let in_data = safe.starts_with(b"data/");
        if payload && !in_data {
            check.problem(
                shown(&safe),
                ProblemKind::Outside,
                format!("is named in {name}, but a payload manifest may only name files in data/"),
            );
            continue;
        }
        if !payload && (in_data || safe == b"data") {
            check.problem(
                shown(&safe),
                ProblemKind::Outside,
                format!("is a payload file, which a tag manifest ({name}) may not list"),
            );
            continue;
        }
        match entries.get(&safe) {
            Some(before) if *before != digest => {
                check.problem(
                    shown(&safe),
                    ProblemKind::Malformed,
                    format!("is listed twice in {name}, with different checksums"),
                );
            }
            Some(_) if strict => {
                check.problem(
                    shown(&safe),
                    ProblemKind::Malformed,
                    format!("is listed twice in {name}"),
                );
            }
            Some(_) => {}
            None => {
                entries.insert(safe, digest);
            }
        }
    }
    Ok(Manifest {
        algorithm,
        name: name.to_string(),
        entries,
    })
}

/// Checks the bag at `root` completely (RFC 8493 §3): bagit.txt, every
/// manifest entry present with a matching checksum, no payload file missing
/// from a manifest, no path outside data/, the Payload-Oxum, the tag
/// manifests, bag-info.txt readable. Every file is read once, with every
/// algorithm at once (and SHA-256 always, for the ingest manifest); extra
/// files are read too. `on_progress(files, bytes)` follows the payload.
/// An error is only for a bag that cannot be looked at (an unreadable
/// folder) or `stop`; everything wrong with the bag is a problem.
pub fn check(
    root: &Path,
    stop: &AtomicBool,
    mut on_progress: impl FnMut(u64, u64),
) -> Result<BagCheck> {
    let mut check = BagCheck::default();
    let mut strict = true;
    match read_tag_file(&root.join(BAGIT_TXT)) {
        Ok(Some(text)) => match parse_bagit_txt(&text) {
            Ok((version, encoding)) => {
                if !VERSIONS_READ.contains(&version.as_str()) {
                    check.problem(
                        BAGIT_TXT,
                        ProblemKind::Unsupported,
                        format!(
                            "declares BagIt version {version}; this program reads 1.0 and 0.97"
                        ),
                    );
                }
                if !encoding.eq_ignore_ascii_case("UTF-8") {
                    // Nothing else can be read correctly.
                    check.problem(
                        BAGIT_TXT,
                        ProblemKind::Unsupported,
                        format!("declares tag files in {encoding}; this program reads UTF-8 only"),
                    );
                    return Ok(check);
                }
                strict = version == VERSION;
                check.version = Some(version);
            }
            Err(why) => check.problem(BAGIT_TXT, ProblemKind::Malformed, why),
        },
        Ok(None) => check.problem(BAGIT_TXT, ProblemKind::Missing, "is missing"),
        Err(why) => check.problem(BAGIT_TXT, ProblemKind::Malformed, why),
    }

    // The manifests, by algorithm; unknown algorithms refused.
    let mut payload_manifests = Vec::new();
    let mut tag_manifests = Vec::new();
    let listing = std::fs::read_dir(root).map_err(|e| crate::local::files::read_error(root, e))?;
    let mut names: Vec<String> = Vec::new();
    for entry in listing {
        let entry = entry.map_err(|e| crate::local::files::read_error(root, e))?;
        names.push(entry.file_name().to_string_lossy().into_owned());
    }
    names.sort();
    for name in &names {
        let Some((tag, alg)) = manifest_kind(name) else {
            continue;
        };
        let Some(algorithm) = Algorithm::from_name(alg) else {
            check.problem(
                name.as_str(),
                ProblemKind::Unsupported,
                format!(
                    "uses \"{alg}\", which is not a checksum algorithm BagIt names (md5, sha1, sha224, sha256, sha384, sha512)"
                ),
            );
            continue;
        };
        if tag {
            tag_manifests.push((name.clone(), algorithm));
        } else {
            payload_manifests.push((name.clone(), algorithm));
        }
    }
    if payload_manifests.is_empty() {
        check.problem(
            "manifest-sha512.txt",
            ProblemKind::Missing,
            "is missing: a bag needs at least one payload manifest",
        );
    }
    let data = root.join(DATA);
    if !data.is_dir() {
        check.problem(
            "data/",
            ProblemKind::Missing,
            "is missing: a bag keeps its files in data/",
        );
    }
    match read_tag_file(&root.join(FETCH_TXT)) {
        Ok(Some(text)) if !text.trim().is_empty() => check.problem(
            FETCH_TXT,
            ProblemKind::Unsupported,
            "lists files still to be fetched from elsewhere; fetch them into the bag first",
        ),
        Ok(_) => {}
        Err(why) => check.problem(FETCH_TXT, ProblemKind::Malformed, why),
    }

    let mut manifests = Vec::new();
    for (name, algorithm) in &payload_manifests {
        manifests.push(read_manifest(
            root, name, *algorithm, true, strict, &mut check,
        )?);
    }
    // Every payload manifest must list every payload file (§3).
    let listed: HashSet<&Vec<u8>> = manifests.iter().flat_map(|m| m.entries.keys()).collect();
    let mut unlisted = Vec::new();
    for path in &listed {
        for m in &manifests {
            if !m.entries.contains_key(*path) {
                unlisted.push((shown(path), m.name.clone()));
            }
        }
    }
    unlisted.sort();
    for (path, name) in unlisted {
        check.problem(
            path,
            ProblemKind::Malformed,
            format!("is listed in another payload manifest but not in {name}"),
        );
    }
    let listed: HashSet<Vec<u8>> = listed.into_iter().cloned().collect();

    // The payload: every file read once, with every algorithm at once.
    let mut algorithms: Vec<Algorithm> = manifests.iter().map(|m| m.algorithm).collect();
    if !algorithms.contains(&Algorithm::Sha256) {
        algorithms.push(Algorithm::Sha256);
    }
    let sha256_at = algorithms
        .iter()
        .position(|a| *a == Algorithm::Sha256)
        .unwrap_or_default();
    let mut buf = vec![0u8; BUFFER];
    let mut seen: HashSet<Vec<u8>> = HashSet::new();
    // Links and special files, already reported: not "missing" as well.
    let mut not_files: HashSet<Vec<u8>> = HashSet::new();
    let mut bytes_done = 0u64;
    if data.is_dir() {
        for entry in walkdir::WalkDir::new(&data)
            .follow_links(false)
            .sort_by_file_name()
            .min_depth(1)
        {
            let entry = entry.map_err(|e| {
                let path = e.path().unwrap_or(&data).to_path_buf();
                crate::local::files::read_error(&path, e.into())
            })?;
            let kind = entry.file_type();
            if kind.is_dir() {
                continue;
            }
            let rel = relative_bytes(root, entry.path());
            if !kind.is_file() {
                check.problem(
                    shown(&rel),
                    ProblemKind::Unsupported,
                    "is a link or a special file; a bag's payload must be plain files",
                );
                not_files.insert(rel);
                continue;
            }
            let (size, digests) =
                match hash_file(entry.path(), &algorithms, &mut buf, stop, &mut |n| {
                    bytes_done += n;
                }) {
                    Ok(r) => r,
                    Err(Error::Cancelled) => return Err(Error::Cancelled),
                    Err(e) => {
                        check.problem(shown(&rel), ProblemKind::Missing, unreadable(&e));
                        not_files.insert(rel);
                        continue;
                    }
                };
            let sha256 = digests
                .get(sha256_at)
                .and_then(|d| <[u8; 32]>::try_from(d.as_slice()).ok())
                .unwrap_or_default();
            check.oxum.bytes += size;
            check.oxum.files += 1;
            on_progress(check.oxum.files, bytes_done);
            if listed.contains(&rel) {
                for (m, digest) in manifests.iter().zip(&digests) {
                    if let Some(expected) = m.entries.get(&rel) {
                        if *expected != hex::encode(digest) {
                            check.problem(
                                shown(&rel),
                                ProblemKind::Changed,
                                format!(
                                    "does not match its {} checksum in {}",
                                    m.algorithm.name(),
                                    m.name
                                ),
                            );
                        }
                    }
                }
                seen.insert(rel.clone());
            } else {
                check.problem(
                    shown(&rel),
                    ProblemKind::Extra,
                    "is in data/ but in no manifest (an extra file)",
                );
            }
            check.payload.insert(rel, (size, sha256));
        }
    }
    let mut missing: Vec<&Vec<u8>> = listed
        .iter()
        .filter(|p| !seen.contains(*p) && !not_files.contains(*p))
        .collect();
    missing.sort();
    for path in missing {
        check.problem(
            shown(path),
            ProblemKind::Missing,
            "is listed in the manifest but missing",
        );
    }

    // Tag manifests: each listed tag file present and matching.
    for (name, algorithm) in &tag_manifests {
        let m = read_manifest(root, name, *algorithm, false, strict, &mut check)?;
        let mut entries: Vec<_> = m.entries.iter().collect();
        entries.sort();
        for (path, expected) in entries {
            let file = root.join(bytes_to_path(path));
            match std::fs::symlink_metadata(&file) {
                Ok(meta) if meta.is_file() => {}
                Ok(_) => {
                    check.problem(
                        shown(path),
                        ProblemKind::Unsupported,
                        format!("is listed in {name} but is not a plain file"),
                    );
                    continue;
                }
                Err(_) => {
                    check.problem(
                        shown(path),
                        ProblemKind::Missing,
                        format!("is listed in {name} but missing"),
                    );
                    continue;
                }
            }
            match hash_file(&file, &[*algorithm], &mut buf, stop, &mut |_| {}) {
                Ok((_, digests)) => {
                    if digests.first().map(hex::encode).as_deref() != Some(expected.as_str()) {
                        check.problem(
                            shown(path),
                            ProblemKind::Changed,
                            format!("does not match its {} checksum in {name}", algorithm.name()),
                        );
                    }
                }
                Err(Error::Cancelled) => return Err(Error::Cancelled),
                Err(e) => check.problem(shown(path), ProblemKind::Missing, unreadable(&e)),
            }
        }
    }

    // bag-info.txt: readable, and its Payload-Oxum true.
    match read_tag_file(&root.join(BAG_INFO_TXT)) {
        Ok(None) => {}
        Ok(Some(text)) => match parse_tags(&text, strict) {
            Ok(info) => {
                let oxums: Vec<&str> = info
                    .iter()
                    .filter(|(l, _)| l.eq_ignore_ascii_case("Payload-Oxum"))
                    .map(|(_, v)| v.as_str())
                    .collect();
                if oxums.len() > 1 {
                    check.problem(
                        BAG_INFO_TXT,
                        ProblemKind::Malformed,
                        "has more than one Payload-Oxum",
                    );
                }
                if let Some(text) = oxums.first() {
                    match Oxum::parse(text) {
                        Some(oxum) if oxum == check.oxum => {}
                        Some(oxum) => check.problem(
                            BAG_INFO_TXT,
                            ProblemKind::Changed,
                            format!(
                                "has Payload-Oxum {oxum} ({} bytes in {} files), but data/ holds {} bytes in {} files",
                                oxum.bytes, oxum.files, check.oxum.bytes, check.oxum.files
                            ),
                        ),
                        None => check.problem(
                            BAG_INFO_TXT,
                            ProblemKind::Malformed,
                            format!("has Payload-Oxum \"{text}\", which is not BYTES.FILES"),
                        ),
                    }
                }
                check.info = info;
            }
            Err(why) => check.problem(BAG_INFO_TXT, ProblemKind::Malformed, why),
        },
        Err(why) => check.problem(BAG_INFO_TXT, ProblemKind::Malformed, why),
    }
    Ok(check)
}

// ---------------------------------------------------------------------------
// Writing a bag

/// One payload file as [`write_payload_manifests`] read it.
#[derive(Debug)]
pub struct PayloadFile<'a> {
    /// Its path below data/.
    pub path: &'a [u8],
    pub size: u64,
    pub sha256: [u8; 32],
}

fn write_err(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |e| Error::Write {
        path: path.to_path_buf(),
        source: e,
    }
}

/// Reads every file under `root/data` once (names in byte order), hashing
/// it with SHA-256 and SHA-512 in the same pass, and writes
/// `manifest-sha256.txt` and `manifest-sha512.txt` as it goes (so memory
/// stays flat whatever the number of files). `each` sees every file.
pub fn write_payload_manifests(
    root: &Path,
    stop: &AtomicBool,
    mut on_bytes: impl FnMut(u64),
    mut each: impl FnMut(PayloadFile<'_>),
) -> Result<Oxum> {
    let data = root.join(DATA);
    let mut outs = Vec::new();
    for algorithm in WRITTEN {
        let path = root.join(algorithm.manifest_name());
        let file = std::fs::File::create(&path).map_err(write_err(&path))?;
        outs.push((path, BufWriter::new(file)));
    }
    let mut buf = vec![0u8; BUFFER];
    let mut oxum = Oxum::default();
    for entry in walkdir::WalkDir::new(&data)
        .follow_links(false)
        .sort_by_file_name()
        .min_depth(1)
    {
        let entry = entry.map_err(|e| {
            let path = e.path().unwrap_or(&data).to_path_buf();
            crate::local::files::read_error(&path, e.into())
        })?;
        if entry.file_type().is_dir() {
            continue;
        }
        let rel = relative_bytes(&data, entry.path());
        if !entry.file_type().is_file() {
            return Err(Error::InvalidInput(format!(
                "\"{}\" is a link, which a bag cannot hold, so no bag was written. Save the item with `ccs get` instead.",
                shown(&rel)
            )));
        }
        let (size, digests) = hash_file(entry.path(), &WRITTEN, &mut buf, stop, &mut on_bytes)?;
        let in_bag = [b"data/".as_slice(), &rel].concat();
        let encoded = encode_path(&in_bag);
        for ((path, out), digest) in outs.iter_mut().zip(&digests) {
            let line = [hex::encode(digest).as_bytes(), b"  ", &encoded, b"\n"].concat();
            out.write_all(&line).map_err(write_err(path))?;
        }
        let sha256 = digests
            .first()
            .and_then(|d| <[u8; 32]>::try_from(d.as_slice()).ok())
            .unwrap_or_default();
        oxum.bytes += size;
        oxum.files += 1;
        each(PayloadFile {
            path: &rel,
            size,
            sha256,
        });
    }
    for (path, out) in outs {
        out.into_inner()
            .map_err(|e| e.into_error())
            .and_then(|f| f.sync_all())
            .map_err(write_err(&path))?;
    }
    Ok(oxum)
}

/// Writes `bagit.txt` (1.0, UTF-8), `bag-info.txt` from `info`, each of
/// `extra` (a path inside the bag and its bytes), then `tagmanifest-sha256.txt`
/// and `tagmanifest-sha512.txt` over every file outside data/ (those just
/// written and any the bag already held).
pub fn write_tag_files(root: &Path, info: &[Tag], extra: &[(&str, &[u8])]) -> Result<()> {
    let write = |rel: &str, bytes: &[u8]| -> Result<()> {
        let path = root.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(write_err(parent))?;
        }
        std::fs::write(&path, bytes).map_err(write_err(&path))
    };
    write(
        BAGIT_TXT,
        format!("BagIt-Version: {VERSION}\nTag-File-Character-Encoding: UTF-8\n").as_bytes(),
    )?;
    write(BAG_INFO_TXT, format_tags(info).as_bytes())?;
    for (rel, bytes) in extra {
        write(rel, bytes)?;
    }
    let mut tag_files = Vec::new();
    for entry in walkdir::WalkDir::new(root)
        .follow_links(false)
        .sort_by_file_name()
        .min_depth(1)
        .into_iter()
        .filter_entry(|e| !(e.depth() == 1 && e.file_name() == DATA))
    {
        let entry = entry.map_err(|e| {
            let path = e.path().unwrap_or(root).to_path_buf();
            crate::local::files::read_error(&path, e.into())
        })?;
        if entry.file_type().is_dir() {
            continue;
        }
        let rel = relative_bytes(root, entry.path());
        if entry.depth() == 1 && manifest_kind(&shown(&rel)).is_some_and(|(tag, _)| tag) {
            continue;
        }
        if !entry.file_type().is_file() {
            return Err(Error::InvalidInput(format!(
                "The bag's tag file \"{}\" is a link, which a bag cannot hold, so no bag was written.",
                shown(&rel)
            )));
        }
        tag_files.push((rel, entry.into_path()));
    }
    let never = AtomicBool::new(false);
    let mut buf = vec![0u8; BUFFER];
    let mut outs = Vec::new();
    for (rel, path) in &tag_files {
        let (_, digests) = hash_file(path, &WRITTEN, &mut buf, &never, &mut |_| {})?;
        outs.push((rel, digests));
    }
    for (i, algorithm) in WRITTEN.into_iter().enumerate() {
        let mut text = Vec::new();
        for (rel, digests) in &outs {
            if let Some(d) = digests.get(i) {
                text.extend_from_slice(hex::encode(d).as_bytes());
                text.extend_from_slice(b"  ");
                text.extend_from_slice(&encode_path(rel));
                text.push(b'\n');
            }
        }
        write(&algorithm.tag_manifest_name(), &text)?;
    }
    Ok(())
}

/// Names at the top of a bag that [`write_tag_files`] and
/// [`write_payload_manifests`] write afresh: a stored bag's own are left
/// out of its export.
pub fn is_regenerated(name: &str) -> bool {
    name == BAGIT_TXT || name == BAG_INFO_TXT || name == FETCH_TXT || manifest_kind(name).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_percent_cr_and_lf_are_encoded_and_decoded() {
        let name = "data/50% off\r\nnaïve %41.txt".as_bytes();
        let encoded = encode_path(name);
        assert_eq!(
            std::str::from_utf8(&encoded).unwrap(),
            "data/50%25 off%0D%0Anaïve %2541.txt"
        );
        assert_eq!(decode_path(&encoded), name);
        // Lower case escapes decode too; others stay literal.
        assert_eq!(decode_path(b"a%0ab%0dc%25d"), b"a\nb\rc%d");
        assert_eq!(decode_path(b"50%41 %2 %"), b"50%41 %2 %");
        assert_eq!(decode_path(b"%25"), b"%");
        assert_eq!(decode_path(b"x%2"), b"x%2");
        // NFD and NFC stay the bytes they are.
        let nfd = "data/Cafe\u{301}.txt".as_bytes();
        assert_eq!(encode_path(nfd), nfd);
    }

    #[test]
    fn manifest_lines_split_at_the_first_whitespace_run() {
        let (d, p) = parse_manifest_line(b"ABCDEF  data/a b.txt\r").unwrap();
        assert_eq!((d.as_str(), p), ("abcdef", b"data/a b.txt".as_slice()));
        let (_, p) = parse_manifest_line(b"ab\tdata/x").unwrap();
        assert_eq!(p, b"data/x");
        assert!(parse_manifest_line(b"abcdef").is_none());
        assert!(parse_manifest_line(b"abcdef   ").is_none());
    }

    #[test]
    fn paths_must_stay_inside_the_bag() {
        assert_eq!(confined(b"./data/a").unwrap(), b"data/a");
        for bad in [
            b"data/../../etc/passwd".as_slice(),
            b"../x",
            b"/etc/passwd",
            b"data//x",
            b"data/./x",
            b"~/x",
            b"C:\\x",
            b"",
        ] {
            assert!(confined(bad).is_err(), "{}", shown(bad));
        }
    }

    #[test]
    fn tag_files_parse_folded_and_refuse_broken_lines() {
        let text = "Source-Organization: Parish of St Mary\nExternal-Description: Baptisms,\n  1850 to 1870\r\nContact-Name:\tAda\rEmpty:\n";
        let tags = parse_tags(text, true).unwrap();
        assert_eq!(
            tags,
            vec![
                ("Source-Organization".into(), "Parish of St Mary".into()),
                (
                    "External-Description".into(),
                    "Baptisms,\n1850 to 1870".into()
                ),
                ("Contact-Name".into(), "Ada".into()),
                ("Empty".into(), String::new()),
            ]
        );
        // A file cut in the middle of a label, or of its last line.
        let e = parse_tags("Contact-Name: Ada\nContact-Ph", true).unwrap_err();
        assert!(e.contains("line 2") && e.contains("no ':'"), "{e}");
        let e = parse_tags("Contact-Name: Ada\nContact-Phone: 555", true).unwrap_err();
        assert!(e.contains("cut short"), "{e}");
        // BagIt 0.97 bags (bagit-python's) may end without a line break and
        // pad labels.
        let tags = parse_tags("Test-Tag : 3\nX:   5", false).unwrap();
        assert_eq!(tags[0], ("Test-Tag".into(), "3".into()));
        assert_eq!(tags[1], ("X".into(), "5".into()));
        assert!(parse_tags("Test-Tag : 3\n", true).is_err());
        assert!(parse_tags("  continues nothing\n", true).is_err());
        assert!(parse_tags(": no label\n", true).is_err());
    }

    #[test]
    fn written_tags_read_back_the_same() {
        let tags: Vec<Tag> = vec![
            ("Bad: label\n".into(), "v".into()),
            ("Description".into(), "line one\nline two".into()),
            ("Long".into(), "x ".repeat(100).trim().to_string()),
        ];
        let text = format_tags(&tags);
        assert!(text.starts_with("Bad- label-: v\n"), "{text}");
        let back = parse_tags(&text, true).unwrap();
        assert_eq!(back[1].1, "line one\nline two");
        assert_eq!(back[2].1, tags[2].1);
        assert_eq!(sanitize_label("  "), "Label");
    }

    #[test]
    fn bagit_txt_must_be_exactly_two_lines() {
        let ok = "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n";
        assert_eq!(
            parse_bagit_txt(ok).unwrap(),
            ("1.0".to_string(), "UTF-8".to_string())
        );
        for bad in [
            "BagIt-Version : 1.0\nTag-File-Character-Encoding : UTF-8\n",
            "Tag-File-Character-Encoding: UTF-8\nBagIt-Version: 1.0\n",
            "BagIt-Version: 1.0\n",
            "\u{feff}BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n",
            "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\nExtra: 1\n",
        ] {
            assert!(parse_bagit_txt(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn labels_become_keys_and_back() {
        assert_eq!(metadata_key("Contact-Name").unwrap(), "contact-name");
        assert_eq!(
            metadata_key("  Internal Sender  ID ").unwrap(),
            "internal-sender-id"
        );
        assert_eq!(metadata_key("Größe").unwrap(), "gr-e");
        assert!(metadata_key(" :: ").is_none());
        assert_eq!(label_of("contact-name"), "Contact-Name");
        assert_eq!(label_of("cid_settings"), "Cid_Settings");
        let info: Vec<Tag> = vec![
            ("Source".into(), "a scanner".into()),
            ("Contact-Email".into(), "a@x".into()),
            ("contact-email".into(), "b@x".into()),
            ("Note".into(), "n".repeat(400)),
        ];
        let m = info_to_metadata(&info, |k| k == "source");
        assert_eq!(m["bag-source"], "a scanner");
        assert_eq!(m["contact-email"], "a@x");
        assert_eq!(m["contact-email-2"], "b@x");
        assert_eq!(m["note"].chars().count(), METADATA_VALUE_MAX);
        let many: Vec<Tag> = (0..100)
            .map(|i| (format!("Label-{i}"), "v".repeat(50)))
            .collect();
        let m = info_to_metadata(&many, |_| false);
        let used: usize = m.iter().map(|(k, v)| k.len() + v.len() + 7).sum();
        assert!(used <= METADATA_BUDGET && m.len() > 10, "{}", m.len());
    }

    #[test]
    fn export_info_puts_its_own_elements_first_and_the_metadata_after() {
        let metadata: BTreeMap<String, String> = [
            ("payload-oxum", "1.1"),
            ("external-identifier", "urn:x"),
            ("contact-name", "Ada"),
            ("added-by", "ada@parish"),
            ("bagit", "skip me"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let tags = export_info(
            &ExportInfo {
                cid: "bafyitem",
                organization: "parish",
                date: "2026-01-02",
                oxum: Oxum {
                    bytes: 2048,
                    files: 2,
                },
                agent: "ccs/0.1",
                metadata: &metadata,
            },
            &["bagit"],
        );
        let labels: Vec<&str> = tags.iter().map(|(l, _)| l.as_str()).collect();
        assert_eq!(
            labels,
            [
                "Source-Organization",
                "External-Identifier",
                "External-Identifier",
                "Bagging-Date",
                "Payload-Oxum",
                "Bag-Size",
                "Bag-Software-Agent",
                "Added-By",
                "Contact-Name"
            ]
        );
        assert_eq!(tags[1].1, "bafyitem");
        assert_eq!(tags[2].1, "urn:x");
        assert_eq!(tags[4].1, "2048.2");
        assert_eq!(
            Oxum::parse("2048.2"),
            Some(Oxum {
                bytes: 2048,
                files: 2
            })
        );
        assert_eq!(Oxum::parse("x.2"), None);
    }

    fn write(root: &Path, rel: &str, bytes: &[u8]) {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }

    /// A bag written by this module, with awkward names.
    fn a_bag(root: &Path) -> Oxum {
        write(root, "data/plain.txt", b"hello");
        write(root, "data/sub dir/50% off.txt", b"percent");
        write(root, "data/line\nbreak.txt", b"newline");
        write(root, "data/Cafe\u{301}.txt", b"nfd");
        write(root, "data/Caf\u{e9}.txt", b"nfc");
        let never = AtomicBool::new(false);
        let mut seen = Vec::new();
        let oxum = write_payload_manifests(
            root,
            &never,
            |_| {},
            |f| {
                seen.push((shown(f.path), f.size));
            },
        )
        .unwrap();
        assert_eq!(seen.len(), 5);
        assert!(seen.contains(&("sub dir/50% off.txt".into(), 7)));
        let info = vec![
            ("Source-Organization".to_string(), "parish".to_string()),
            ("Payload-Oxum".to_string(), oxum.to_string()),
        ];
        write_tag_files(root, &info, &[(PREMIS_PATH, b"<premis/>")]).unwrap();
        oxum
    }

    #[test]
    fn a_written_bag_checks_out_and_its_manifests_encode_names() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let oxum = a_bag(root);
        assert_eq!(
            oxum,
            Oxum {
                bytes: 5 + 7 + 7 + 3 + 3,
                files: 5
            }
        );
        let m = std::fs::read_to_string(root.join("manifest-sha256.txt")).unwrap();
        assert!(m.contains("  data/sub dir/50%25 off.txt\n"), "{m}");
        assert!(m.contains("  data/line%0Abreak.txt\n"), "{m}");
        assert!(m.contains("data/Cafe\u{301}.txt") && m.contains("data/Caf\u{e9}.txt"));
        assert_eq!(m.lines().count(), 5);
        let t = std::fs::read_to_string(root.join("tagmanifest-sha512.txt")).unwrap();
        for name in [
            "bagit.txt",
            "bag-info.txt",
            "manifest-sha256.txt",
            "manifest-sha512.txt",
            PREMIS_PATH,
        ] {
            assert!(t.contains(&format!("  {name}\n")), "{name}: {t}");
        }
        assert!(!t.contains("tagmanifest"), "{t}");
        let never = AtomicBool::new(false);
        let mut progress = 0;
        let c = check(root, &never, |files, _| progress = files).unwrap();
        assert!(c.is_valid(), "{:?}", c.problems);
        assert_eq!(progress, 5);
        assert_eq!(c.version.as_deref(), Some("1.0"));
        assert_eq!(c.oxum, oxum);
        assert_eq!(c.payload.len(), 5);
        let (size, sha) = c.payload[b"data/plain.txt".as_slice()];
        assert_eq!(size, 5);
        assert_eq!(
            hex::encode(sha),
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
        );
    }

    fn problems(root: &Path) -> Vec<(String, ProblemKind)> {
        let never = AtomicBool::new(false);
        let c = check(root, &never, |_, _| {}).unwrap();
        c.problems.into_iter().map(|p| (p.path, p.kind)).collect()
    }

    #[test]
    fn every_kind_of_damage_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        a_bag(root);
        // Changed, missing, extra.
        write(root, "data/plain.txt", b"HELLO");
        std::fs::remove_file(root.join("data/Caf\u{e9}.txt")).unwrap();
        write(root, "data/stray.txt", b"x");
        let p = problems(root);
        assert!(
            p.contains(&("data/plain.txt".into(), ProblemKind::Changed)),
            "{p:?}"
        );
        assert!(
            p.contains(&("data/Caf\u{e9}.txt".into(), ProblemKind::Missing)),
            "{p:?}"
        );
        assert!(
            p.contains(&("data/stray.txt".into(), ProblemKind::Extra)),
            "{p:?}"
        );
        // Oxum: 2 files changed in count (one gone, one extra): same count,
        // bytes differ (3 -> 1).
        assert!(
            p.contains(&(BAG_INFO_TXT.into(), ProblemKind::Changed)),
            "{p:?}"
        );
    }

    #[test]
    fn manifests_outside_data_unknown_algorithms_and_bad_tag_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        a_bag(root);
        let mut m = std::fs::read_to_string(root.join("manifest-sha256.txt")).unwrap();
        m.push_str(&format!("{}  data/../../etc/passwd\n", "0".repeat(64)));
        m.push_str(&format!("{}  bagit.txt\n", "0".repeat(64)));
        std::fs::write(root.join("manifest-sha256.txt"), m).unwrap();
        write(root, "manifest-foo.txt", b"abc  data/plain.txt\n");
        write(
            root,
            "bag-info.txt",
            b"Source-Organization: parish\nPayload-Ox",
        );
        let p = problems(root);
        assert!(
            p.contains(&("data/../../etc/passwd".into(), ProblemKind::Outside)),
            "{p:?}"
        );
        assert!(
            p.contains(&("bagit.txt".into(), ProblemKind::Outside)),
            "{p:?}"
        );
        assert!(
            p.contains(&("manifest-foo.txt".into(), ProblemKind::Unsupported)),
            "{p:?}"
        );
        assert!(
            p.contains(&(BAG_INFO_TXT.into(), ProblemKind::Malformed)),
            "{p:?}"
        );
        // The tag manifests caught the edits too.
        assert!(
            p.contains(&("manifest-sha256.txt".into(), ProblemKind::Changed)),
            "{p:?}"
        );
        // Listed in one payload manifest only.
        assert!(
            p.iter()
                .any(|(path, k)| path == "data/../../etc/passwd" && *k == ProblemKind::Outside)
        );
    }

    #[test]
    fn a_bag_without_bagit_txt_data_or_manifest_is_named_so() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(
            root,
            "bagit.txt",
            b"BagIt-Version: 2.0\nTag-File-Character-Encoding: UTF-8\n",
        );
        let p = problems(root);
        assert!(
            p.contains(&("bagit.txt".into(), ProblemKind::Unsupported)),
            "{p:?}"
        );
        assert!(
            p.contains(&("manifest-sha512.txt".into(), ProblemKind::Missing)),
            "{p:?}"
        );
        assert!(p.contains(&("data/".into(), ProblemKind::Missing)), "{p:?}");
        write(
            root,
            "bagit.txt",
            b"BagIt-Version: 0.97\nTag-File-Character-Encoding: ISO-8859-1\n",
        );
        let p = problems(root);
        assert_eq!(p, vec![("bagit.txt".into(), ProblemKind::Unsupported)]);
        write(
            root,
            "bagit.txt",
            b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n",
        );
        write(root, "data/a", b"a");
        write(
            root,
            "manifest-md5.txt",
            b"0cc175b9c0f1b6a831c399e269772661  data/a\n",
        );
        write(root, "manifest-sha1.txt", b"86f7e437faa5a7fce15d1ddcb9eaeaea377667b8  data/a\n86f7e437faa5a7fce15d1ddcb9eaeaea377667b8  data/a\n");
        write(root, "fetch.txt", b"http://example.org/b 1 data/b\n");
        let p = problems(root);
        assert!(
            p.contains(&("data/a".into(), ProblemKind::Malformed)),
            "listed twice: {p:?}"
        );
        assert!(
            p.contains(&(FETCH_TXT.into(), ProblemKind::Unsupported)),
            "{p:?}"
        );
        std::fs::remove_file(root.join("fetch.txt")).unwrap();
        write(
            root,
            "manifest-sha1.txt",
            b"86f7e437faa5a7fce15d1ddcb9eaeaea377667b8  data/a\n",
        );
        assert_eq!(problems(root), vec![]);
    }

    #[test]
    fn literal_percent_names_of_older_tools_are_found() {
        // bagit-python writes "%" as it is: "a%25b" there names the file
        // a%25b.
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(
            root,
            "bagit.txt",
            b"BagIt-Version: 0.97\nTag-File-Character-Encoding: UTF-8\n",
        );
        write(root, "data/a%25b", b"a");
        write(root, "data/50%.txt", b"a");
        write(
            root,
            "manifest-md5.txt",
            b"0cc175b9c0f1b6a831c399e269772661  data/a%25b\n0cc175b9c0f1b6a831c399e269772661  data/50%.txt\n",
        );
        assert_eq!(problems(root), vec![]);
        // md5sum's binary-mode marker.
        write(
            root,
            "manifest-md5.txt",
            b"0cc175b9c0f1b6a831c399e269772661 *data/a%25b\n0cc175b9c0f1b6a831c399e269772661 *data/50%.txt\n",
        );
        assert_eq!(problems(root), vec![]);
    }

    #[test]
    fn a_stopped_check_says_cancelled() {
        let dir = tempfile::tempdir().unwrap();
        a_bag(dir.path());
        let stop = AtomicBool::new(true);
        assert!(matches!(
            check(dir.path(), &stop, |_, _| {}),
            Err(Error::Cancelled)
        ));
    }

    #[test]
    fn regenerated_names() {
        for n in [
            "bagit.txt",
            "bag-info.txt",
            "fetch.txt",
            "manifest-md5.txt",
            "tagmanifest-sha512.txt",
        ] {
            assert!(is_regenerated(n), "{n}");
        }
        for n in ["data", "metadata", "manifest.txt", "other.txt"] {
            assert!(!is_regenerated(n), "{n}");
        }
        assert_eq!(Algorithm::from_name("sha512"), Some(Algorithm::Sha512));
        assert_eq!(Algorithm::from_name("foo"), None);
    }
}
