//! The multipart body for `/add`, streamed from disk with bounded memory.
//!
//! Why not `reqwest::multipart::Form`: a form holds every part in a `Vec` before
//! sending, so a folder of 100,000 files would hold 100,000 parts (and their
//! open files) at once. Here one blocking thread walks the roots, opens each
//! file only when its turn comes, and assembles the body into pieces that go
//! to the upload through a small bounded channel, so memory stays flat
//! whatever the folder size.
//!
//! Why one thread that reads straight into the pieces: the add is limited by
//! the daemons' CPU on the same machine, so every copy and thread hand-off of
//! ours slows it. Reading through `tokio::fs` cost a hand-off to the blocking
//! pool and back for every read, and a copy out of its own buffer; here a
//! piece is read into once and handed over once, and its buffer comes back
//! for the next piece when it has been sent. Small files share a piece
//! with their part headers, so a folder of small files is sent in a few large
//! writes rather than three small ones per file.
//!
//! The layout follows boxo's `files` multipart reader (what the cluster uses):
//! one part per entry, depth first, a folder's part before its contents, names
//! carried URL-escaped in the `filename` parameter as paths relative to the
//! upload root. Folders are `application/x-directory`, files
//! `application/octet-stream`, symbolic links `application/symlink` with the
//! target as the body (as `ipfs add -r` stores them).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use tokio::sync::mpsc;

use super::{upload_name, walk_error};
use crate::content::fixity::ManifestSpool;
use crate::error::{Error, Result};
use crate::local::files::read_error;

/// Size of the body pieces handed to the upload: the cluster's default chunk
/// size, so a large file goes over in block-sized writes.
const BODY_PIECE: usize = 256 * 1024;
/// How many pieces may wait ahead of the upload (1 MiB).
const PIECES_AHEAD: usize = 4;

/// What a multipart entry is.
#[derive(Debug, Clone, PartialEq, Eq)]
enum EntryKind {
    Directory,
    File,
    Symlink(Vec<u8>),
}

#[derive(Debug)]
struct Entry {
    /// Path relative to the upload root, `/`-separated, as the cluster will name it.
    name: Vec<u8>,
    /// Where to read it from.
    path: PathBuf,
    kind: EntryKind,
}

/// A failure on our side of the upload (a file vanished, a folder became
/// unreadable). The HTTP layer only sees "body stream failed", so the real cause
/// is kept here for the caller to report.
#[derive(Clone, Default)]
pub(crate) struct LocalFailure(Arc<Mutex<Option<Error>>>);

impl LocalFailure {
    fn set(&self, err: Error) {
        if let Ok(mut slot) = self.0.lock() {
            slot.get_or_insert(err);
        }
    }

    pub(crate) fn take(&self) -> Option<Error> {
        self.0.lock().ok().and_then(|mut slot| slot.take())
    }
}

/// Where the body thread leaves the fixity manifest once every file has been
/// read to its end (empty until then, and after any failure).
pub(crate) type ManifestSlot = Arc<Mutex<Option<ManifestSpool>>>;

/// A multipart body ready to send.
pub(crate) struct MultipartUpload {
    pub content_type: String,
    pub body: reqwest::Body,
    pub local_failure: LocalFailure,
    /// Several paths are wrapped in one folder.
    pub wrap: bool,
    pub manifest: ManifestSlot,
}

impl MultipartUpload {
    /// Prepares the body for `paths`. Checks up front that each path exists and
    /// that top-level names do not collide; everything else is discovered while
    /// streaming. With `manifest`, every file's SHA-256 is taken as it is read
    /// (see [`crate::content::fixity`]). With `skip_unreadable` (and a
    /// manifest), a file or folder that cannot be read is left out and named
    /// in the manifest instead of failing the upload; a file that fails
    /// part-way through still fails it, since part of it was sent.
    pub(crate) fn new(paths: &[PathBuf], manifest: bool, skip_unreadable: bool) -> Result<Self> {
        if paths.is_empty() {
            return Err(Error::InvalidInput(
                "No files or folders were given to add.".into(),
            ));
        }
        let skip_unreadable = skip_unreadable && manifest;
        let mut roots = Vec::with_capacity(paths.len());
        let mut seen = std::collections::HashSet::new();
        let mut skipped_roots = Vec::new();
        for p in paths {
            let name = match upload_name(p) {
                Ok(name) => name,
                Err(e) if skip_unreadable => {
                    let name = p.file_name().unwrap_or(p.as_os_str());
                    let (problem, _) = super::Problem::from_error(e);
                    skipped_roots.push((name.as_encoded_bytes().to_vec(), problem.reason));
                    continue;
                }
                Err(e) => return Err(e),
            };
            if !seen.insert(name.clone()) {
                return Err(Error::InvalidInput(format!(
                    "Two of the chosen items are both named \"{name}\"; rename one or add them separately."
                )));
            }
            roots.push((p.clone(), name));
        }
        if roots.is_empty() {
            return Err(Error::InvalidInput(
                "None of the chosen files or folders can be read, so nothing was stored. Check that they are still there and that you may open them.".into(),
            ));
        }

        let boundary = format!(
            "ccs-{}",
            hex::encode(crate::deploy::node_config::random_bytes::<16>())
        );
        let content_type = format!("multipart/form-data; boundary={boundary}");
        let local_failure = LocalFailure::default();

        let wrap = roots.len() > 1;
        let spool = if manifest {
            let single = (!wrap).then(|| roots[0].1.as_str());
            let mut spool = ManifestSpool::new(single).map_err(|e| Error::Write {
                path: std::env::temp_dir(),
                source: e,
            })?;
            for (name, reason) in skipped_roots {
                spool.skip(&name, reason);
            }
            Some(spool)
        } else {
            None
        };
        let slot = ManifestSlot::default();
        let (tx, rx) = mpsc::channel::<std::io::Result<Bytes>>(PIECES_AHEAD);
        let mut writer = BodyWriter::new(tx, boundary, spool);
        writer.skip_unreadable = skip_unreadable;
        let failure = local_failure.clone();
        let done = slot.clone();
        std::thread::Builder::new()
            .name("ccs-ingest-body".into())
            .spawn(move || writer.write_body(roots, failure, done))
            .map_err(|e| Error::Read {
                path: paths[0].clone(),
                source: e,
            })?;

        let pieces = futures_util::stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|piece| (piece, rx))
        });
        Ok(Self {
            content_type,
            body: reqwest::Body::wrap_stream(pieces),
            local_failure,
            wrap,
            manifest: slot,
        })
    }
}

/// Why the body stopped before its end.
enum Stop {
    /// The upload is gone (cancelled or failed on the network side).
    ReceiverGone,
    /// Something on disk went wrong; the upload must fail with it.
    Local(Error),
}

/// Piece buffers come back here once the HTTP client has sent them, so an
/// upload of any size cycles through a handful of buffers instead of
/// allocating and zeroing a fresh one for every piece.
#[derive(Clone, Default)]
struct PiecePool(Arc<Mutex<Vec<Vec<u8>>>>);

impl PiecePool {
    /// Enough for every piece that can be in flight at once.
    const KEPT: usize = PIECES_AHEAD + 4;

    fn take(&self) -> Vec<u8> {
        self.0
            .lock()
            .ok()
            .and_then(|mut kept| kept.pop())
            .unwrap_or_else(|| vec![0; BODY_PIECE])
    }

    fn give_back(&self, buf: Vec<u8>) {
        if let Ok(mut kept) = self.0.lock() {
            if kept.len() < Self::KEPT {
                kept.push(buf);
            }
        }
    }
}

/// A filled piece on its way out; its buffer returns to the pool when dropped.
struct SentPiece {
    buf: Vec<u8>,
    len: usize,
    pool: PiecePool,
}

impl AsRef<[u8]> for SentPiece {
    fn as_ref(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

impl Drop for SentPiece {
    fn drop(&mut self) {
        self.pool.give_back(std::mem::take(&mut self.buf));
    }
}

/// Assembles the body on the blocking thread and hands it over piece by piece.
struct BodyWriter {
    tx: mpsc::Sender<std::io::Result<Bytes>>,
    pool: PiecePool,
    /// The piece being filled (always [`BODY_PIECE`] long); sent when full.
    piece: Vec<u8>,
    /// How much of `piece` holds body bytes.
    filled: usize,
    boundary: String,
    /// Each file's digest, taken from the bytes as they go into the pieces.
    manifest: Option<ManifestSpool>,
    /// Leave out (and name in the manifest) what cannot be read.
    skip_unreadable: bool,
}

impl BodyWriter {
    fn new(
        tx: mpsc::Sender<std::io::Result<Bytes>>,
        boundary: String,
        manifest: Option<ManifestSpool>,
    ) -> Self {
        let pool = PiecePool::default();
        Self {
            tx,
            piece: pool.take(),
            pool,
            filled: 0,
            boundary,
            manifest,
            skip_unreadable: false,
        }
    }

    /// Writes every part and the closing delimiter. A local failure is
    /// recorded and ends the body with an I/O error, which makes the HTTP
    /// client abort the upload.
    fn write_body(
        mut self,
        roots: Vec<(PathBuf, String)>,
        failure: LocalFailure,
        manifest: ManifestSlot,
    ) {
        match self.write_parts(roots) {
            Ok(()) => {
                if let (Some(spool), Ok(mut slot)) = (self.manifest.take(), manifest.lock()) {
                    *slot = Some(spool);
                }
            }
            Err(Stop::ReceiverGone) => {}
            Err(Stop::Local(err)) => {
                let msg = err.to_string();
                failure.set(err);
                let _ = self.tx.blocking_send(Err(std::io::Error::other(msg)));
            }
        }
    }

    fn write_parts(&mut self, roots: Vec<(PathBuf, String)>) -> std::result::Result<(), Stop> {
        for (root, name) in roots {
            for item in walkdir::WalkDir::new(&root).follow_links(false) {
                let entry = match item
                    .map_err(|e| walk_error(&root, e))
                    .and_then(|de| entry_of(&root, &name, de))
                {
                    Ok(entry) => entry,
                    Err(e) => {
                        self.left_out(&root, &name, e)?;
                        continue;
                    }
                };
                // A file that cannot be opened is left out before any of its
                // part is written.
                if entry.kind == EntryKind::File {
                    match std::fs::File::open(&entry.path) {
                        Ok(file) => self.write_file_part(entry, file)?,
                        Err(e) => self.left_out(&root, &name, read_error(&entry.path, e))?,
                    }
                } else {
                    self.write_part(entry)?;
                }
            }
        }
        let end = format!("--{}--\r\n", self.boundary);
        self.put(end.as_bytes())?;
        self.send_piece()
    }

    /// What could not be read: named in the manifest when the person chose
    /// to store the rest, else the end of the upload.
    fn left_out(&mut self, root: &Path, name: &str, e: Error) -> std::result::Result<(), Stop> {
        match &mut self.manifest {
            Some(spool) if self.skip_unreadable => {
                let (problem, e) = super::Problem::from_error(e);
                let path = match &e {
                    Error::PathNotFound { path }
                    | Error::Read { path, .. }
                    | Error::UnsupportedFile { path } => path.as_path(),
                    _ => root,
                };
                spool.skip(&upload_path(root, name, path), problem.reason);
                Ok(())
            }
            _ => Err(Stop::Local(e)),
        }
    }

    fn write_file_part(
        &mut self,
        entry: Entry,
        mut file: std::fs::File,
    ) -> std::result::Result<(), Stop> {
        let head = self.part_head(&entry);
        self.put(head.as_bytes())?;
        self.put_file(&mut file, &entry.path)?;
        if let Some(m) = &mut self.manifest {
            m.end_file(&entry.name).map_err(|e| {
                Stop::Local(Error::Write {
                    path: std::env::temp_dir(),
                    source: e,
                })
            })?;
        }
        self.put(b"\r\n")
    }

    fn part_head(&self, entry: &Entry) -> String {
        let ctype = match &entry.kind {
            EntryKind::Directory => "application/x-directory",
            EntryKind::Symlink(_) => "application/symlink",
            EntryKind::File => "application/octet-stream",
        };
        let escaped: String = url::form_urlencoded::byte_serialize(&entry.name).collect();
        format!(
            "--{}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{escaped}\"\r\nContent-Type: {ctype}\r\n\r\n",
            self.boundary
        )
    }

    /// A folder's or a link's part; a file's is [`Self::write_file_part`].
    fn write_part(&mut self, entry: Entry) -> std::result::Result<(), Stop> {
        let head = self.part_head(&entry);
        match entry.kind {
            EntryKind::File => {
                let file = std::fs::File::open(&entry.path)
                    .map_err(|e| Stop::Local(read_error(&entry.path, e)))?;
                return self.write_file_part(entry, file);
            }
            EntryKind::Symlink(target) => {
                self.put(head.as_bytes())?;
                self.put(&target)?;
            }
            EntryKind::Directory => self.put(head.as_bytes())?,
        }
        self.put(b"\r\n")
    }

    /// Copies `bytes` into the piece, sending each piece as it fills.
    fn put(&mut self, mut bytes: &[u8]) -> std::result::Result<(), Stop> {
        while !bytes.is_empty() {
            let n = (BODY_PIECE - self.filled).min(bytes.len());
            self.piece[self.filled..self.filled + n].copy_from_slice(&bytes[..n]);
            self.filled += n;
            bytes = &bytes[n..];
            if self.filled == BODY_PIECE {
                self.send_piece()?;
            }
        }
        Ok(())
    }

    /// Reads the whole file straight into pieces.
    fn put_file(&mut self, file: &mut std::fs::File, path: &Path) -> std::result::Result<(), Stop> {
        loop {
            match file.read(&mut self.piece[self.filled..]) {
                Ok(0) => return Ok(()),
                Ok(n) => {
                    if let Some(m) = &mut self.manifest {
                        m.update(&self.piece[self.filled..self.filled + n]);
                    }
                    self.filled += n;
                    if self.filled == BODY_PIECE {
                        self.send_piece()?;
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    return Err(Stop::Local(Error::Read {
                        path: path.to_path_buf(),
                        source: e,
                    }));
                }
            }
        }
    }

    fn send_piece(&mut self) -> std::result::Result<(), Stop> {
        if self.filled == 0 {
            return Ok(());
        }
        let piece = SentPiece {
            buf: std::mem::replace(&mut self.piece, self.pool.take()),
            len: std::mem::take(&mut self.filled),
            pool: self.pool.clone(),
        };
        self.tx
            .blocking_send(Ok(Bytes::from_owner(piece)))
            .map_err(|_| Stop::ReceiverGone)
    }
}

/// The upload name of `path` under the chosen `root` uploaded as `name`.
fn upload_path(root: &Path, name: &str, path: &Path) -> Vec<u8> {
    let rel = path.strip_prefix(root).unwrap_or(Path::new(""));
    let mut full = name.as_bytes().to_vec();
    for comp in rel.components() {
        full.push(b'/');
        full.extend_from_slice(comp.as_os_str().as_encoded_bytes());
    }
    full
}

/// What a walked item becomes in the upload, named relative to its root.
fn entry_of(root: &Path, name: &str, de: walkdir::DirEntry) -> Result<Entry> {
    let full = upload_path(root, name, de.path());
    let ft = de.file_type();
    let kind = if ft.is_dir() {
        EntryKind::Directory
    } else if ft.is_file() {
        EntryKind::File
    } else if ft.is_symlink() {
        let target = std::fs::read_link(de.path()).map_err(|e| Error::Read {
            path: de.path().to_path_buf(),
            source: e,
        })?;
        EntryKind::Symlink(target.as_os_str().as_encoded_bytes().to_vec())
    } else {
        return Err(Error::UnsupportedFile {
            path: de.path().to_path_buf(),
        });
    };
    Ok(Entry {
        name: full,
        path: de.into_path(),
        kind,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::TryStreamExt;

    async fn body_of(paths: &[PathBuf]) -> (String, Vec<u8>) {
        let up = MultipartUpload::new(paths, false, false).unwrap();
        let bytes: Vec<u8> = http_body_util::BodyExt::collect(up.body)
            .await
            .unwrap()
            .to_bytes()
            .to_vec();
        (up.content_type, bytes)
    }

    /// The fixity manifest the body took, written and read back.
    fn manifest_taken(slot: &ManifestSlot) -> crate::content::fixity::Manifest {
        let spool = slot.lock().unwrap().take().expect("a manifest");
        let out = tempfile::tempdir().unwrap();
        let doc = spool.write_document("bafyx", out.path()).unwrap();
        crate::content::fixity::Manifest::read(std::fs::read(doc).unwrap().as_slice(), "bafyx")
            .unwrap()
    }

    #[tokio::test]
    async fn the_manifest_is_taken_from_the_bytes_sent_and_only_when_all_were_read() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("box");
        std::fs::create_dir_all(root.join("sub")).unwrap();
        // More pieces than may wait ahead of the upload: the body thread
        // cannot have read it all before the body is taken.
        let big: Vec<u8> = (0..BODY_PIECE * (PIECES_AHEAD + 4) + 7)
            .map(|i| (i % 251) as u8)
            .collect();
        std::fs::write(root.join("sub/big.bin"), &big).unwrap();
        std::fs::write(root.join("empty"), b"").unwrap();
        let up = MultipartUpload::new(std::slice::from_ref(&root), true, false).unwrap();
        assert!(up.manifest.lock().unwrap().is_none(), "nothing read yet");
        http_body_util::BodyExt::collect(up.body).await.unwrap();
        let m = manifest_taken(&up.manifest);
        use sha2::Digest;
        let want: [u8; 32] = sha2::Sha256::digest(&big).into();
        assert_eq!(m.files["sub/big.bin"], (big.len() as u64, want));
        assert_eq!(m.files["empty"].0, 0);
        assert_eq!(m.files.len(), 2);
    }

    #[tokio::test]
    async fn storing_the_rest_leaves_out_what_cannot_be_read_and_names_it() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("box");
        std::fs::create_dir_all(root.join("sub")).unwrap();
        std::fs::write(root.join("sub/fine.txt"), b"fine").unwrap();
        let pipe = root.join("sub/pipe");
        let c = std::ffi::CString::new(pipe.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: mkfifo with a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let gone = dir.path().join("gone.txt");

        // Without the choice, the pipe ends the upload.
        let up = MultipartUpload::new(std::slice::from_ref(&root), true, false).unwrap();
        assert!(http_body_util::BodyExt::collect(up.body).await.is_err());
        assert_eq!(up.local_failure.take().unwrap().code(), "unsupported_file");

        // With it, the pipe and the missing path are left out and named.
        let up = MultipartUpload::new(&[root.clone(), gone], true, true).unwrap();
        let body = http_body_util::BodyExt::collect(up.body)
            .await
            .unwrap()
            .to_bytes();
        let text = String::from_utf8_lossy(&body);
        assert!(text.contains("box%2Fsub%2Ffine.txt"), "{text}");
        assert!(!text.contains("pipe"), "{text}");
        let m = manifest_taken(&up.manifest);
        assert_eq!(m.files.len(), 1);
        // The missing path left one folder chosen: the item is that folder.
        assert!(m.files.contains_key("sub/fine.txt"), "{:?}", m.files.keys());
        assert_eq!(m.header.skipped, 2);
        let mut named: Vec<&str> = m
            .header
            .skipped_files
            .iter()
            .map(|f| f.path.as_str())
            .collect();
        named.sort();
        assert_eq!(named, ["gone.txt", "sub/pipe"]);

        // Nothing readable at all: nothing is sent.
        let e = MultipartUpload::new(&[dir.path().join("nope")], true, true)
            .err()
            .unwrap();
        assert!(e.to_string().contains("nothing was stored"), "{e}");
    }

    #[tokio::test]
    async fn folder_becomes_depth_first_parts_with_escaped_names() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("my folder");
        std::fs::create_dir_all(root.join("sub")).unwrap();
        std::fs::write(root.join("sub/a+b.txt"), b"hello").unwrap();
        let (ctype, body) = body_of(std::slice::from_ref(&root)).await;
        let text = String::from_utf8_lossy(&body);
        let boundary = ctype.split("boundary=").nth(1).unwrap();
        assert!(text.starts_with(&format!("--{boundary}\r\n")));
        assert!(text.ends_with(&format!("--{boundary}--\r\n")));
        let dir_pos = text.find("filename=\"my+folder\"").unwrap();
        let sub_pos = text.find("filename=\"my+folder%2Fsub\"").unwrap();
        let file_pos = text
            .find("filename=\"my+folder%2Fsub%2Fa%2Bb.txt\"")
            .unwrap();
        assert!(dir_pos < sub_pos && sub_pos < file_pos);
        assert!(text.contains("application/octet-stream\r\n\r\nhello\r\n"));
    }

    /// The pieces of a body as the HTTP client receives them.
    async fn pieces_of(paths: &[PathBuf]) -> Vec<Bytes> {
        let up = MultipartUpload::new(paths, false, false).unwrap();
        http_body_util::BodyDataStream::new(up.body)
            .try_collect()
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn a_file_larger_than_many_pieces_arrives_whole_in_full_pieces() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.bin");
        // Not a multiple of the piece size, and no two pieces alike.
        let content: Vec<u8> = (0..(3 * BODY_PIECE + 12_345) as u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        std::fs::write(&path, &content).unwrap();
        let pieces = pieces_of(std::slice::from_ref(&path)).await;
        let body: Vec<u8> = pieces.concat();
        let head_end = body.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
        assert_eq!(&body[head_end..head_end + content.len()], &content[..]);
        assert!(body[head_end + content.len()..].starts_with(b"\r\n--ccs-"));
        // Every piece but the last is full: the upload writes block-sized pieces.
        let (last, full) = pieces.split_last().unwrap();
        assert!(full.iter().all(|p| p.len() == BODY_PIECE));
        assert!(!last.is_empty() && last.len() <= BODY_PIECE);
    }

    #[tokio::test]
    async fn small_files_share_pieces_with_their_headers() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("many");
        std::fs::create_dir(&root).unwrap();
        for i in 0..2_000 {
            std::fs::write(root.join(format!("f{i:04}.txt")), format!("file {i}")).unwrap();
        }
        let pieces = pieces_of(std::slice::from_ref(&root)).await;
        let text = String::from_utf8_lossy(&pieces.concat()).into_owned();
        for i in [0, 999, 1_999] {
            let name = format!("filename=\"many%2Ff{i:04}.txt\"");
            let at = text.find(&name).unwrap();
            assert!(text[at..].contains(&format!("\r\n\r\nfile {i}\r\n")));
        }
        // About 200 bytes per file: 2,000 files fit in two pieces, not 6,000 writes.
        assert!(pieces.len() <= 3, "{} pieces", pieces.len());
    }

    #[tokio::test]
    async fn missing_path_is_reported_before_sending() {
        let err = MultipartUpload::new(&[PathBuf::from("/definitely/not/here")], false, false)
            .err()
            .unwrap();
        assert_eq!(err.code(), "path_not_found");
    }

    #[tokio::test]
    async fn unreadable_file_fails_the_stream_and_records_why() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("f");
        std::fs::create_dir(&root).unwrap();
        // A FIFO is neither file, folder nor link.
        let fifo = root.join("pipe");
        let c = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: mkfifo with a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let up = MultipartUpload::new(&[root], false, false).unwrap();
        let failure = up.local_failure.clone();
        let res: std::result::Result<Vec<Bytes>, _> = http_body_util::BodyDataStream::new(up.body)
            .try_collect()
            .await;
        assert!(res.is_err());
        assert_eq!(failure.take().unwrap().code(), "unsupported_file");
    }
}
