//! Verified retrieval of one file at the speed of the gateway's plain file
//! response.
//!
//! kubo sends a file's bytes (`/ipfs/{cid}`) two to three times faster than
//! the same file as a CAR, whose blocks go through its selector engine. The
//! bytes alone prove nothing, so this path walks the file's DAG itself: the
//! inner nodes (one per 174 leaves, about one per 45 MB) are fetched as raw
//! blocks and checked against their CIDs, and they name every leaf's CID and
//! size. Each leaf's bytes are cut from the file stream and hashed (a dag-pb
//! leaf with the protobuf framing kubo writes around them) against that CID.
//! So, as in the CAR path, every byte written is checked against the root CID.
//!
//! Hashing and writing run on a blocking thread, overlapping the download;
//! the kernel is asked to write back as the file grows, so the final sync
//! does not wait for the whole file. Memory holds the path of inner nodes
//! from the root and a few chunks in flight, whatever the file's size.
//!
//! Folders and symlinks are left to the CAR path ([`Outcome::NotHandled`]).
//! A leaf this path cannot hash in passing (another hash function, other
//! framing) is fetched as a block and checked on its own. When bytes do not
//! match, the caller redoes the retrieval through the CAR path, which checks
//! block by block and names the damaged block.
//!
//! The checked bytes go to a [`Sink`]: the file on disk for a retrieval, a
//! running checksum for a full audit ([`crate::content::audit`]), which
//! streams a file the same way and falls back to its block-by-block walk
//! when anything does not check out.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use cid::Cid;
use futures_util::TryStreamExt;
use sha2::{Digest, Sha256};
use tokio::sync::mpsc;

use super::Progress;
use super::unixfs::{DAG_PB, IDENTITY, PbLink, PbNode, RAW, UNIXFS_FILE, UNIXFS_RAW, UnixFsData};
use crate::error::{Error, Result};
use crate::net::kubo::{GatewayFormat, KuboClient, write_err};

/// The multihash code of SHA-256, the only hash hashed in passing here.
const SHA2_256: u64 = 0x12;

/// Downloaded chunks go to the checking thread in batches of about this
/// many bytes: one hand-over (and thread wake-up) per batch, not per chunk.
const BATCH_BYTES: usize = 256 * 1024;
/// Batches on their way to the checking thread: bounds memory.
const BATCHES_IN_FLIGHT: usize = 8;

/// How far the file may run ahead of the kernel's write-back, in bytes.
const WRITEBACK_STEP: u64 = 32 * 1024 * 1024;

/// What [`retrieve_file`] did.
pub enum Outcome {
    /// The file is written to `out`, every byte checked.
    Done(Progress),
    /// The CID is not a file this path handles (a folder, a symlink): nothing
    /// was written.
    NotHandled,
}

/// The next part of the file, in order, as the DAG describes it.
#[derive(Debug)]
enum Piece {
    /// The next `size` bytes are the leaf `cid`: hashed as they are (raw
    /// leaves) or inside kubo's dag-pb leaf framing of UnixFS type `framed`.
    Leaf {
        cid: Cid,
        size: u64,
        framed: Option<u64>,
    },
    /// The next bytes must equal these (data carried by a verified block).
    Known(Bytes),
}

/// Verified counters shared between the checking thread and the download.
#[derive(Default)]
struct Counters {
    bytes: AtomicU64,
    blocks: AtomicU64,
    /// The checked blocks' sizes as stored (a dag-pb leaf with its framing).
    block_bytes: AtomicU64,
}

/// Names the root and the partner in verification errors.
#[derive(Clone)]
pub(crate) struct Context {
    root: String,
    source_url: String,
}

impl Context {
    pub(crate) fn new(root: &Cid, source_url: &str) -> Self {
        Self {
            root: root.to_string(),
            source_url: source_url.to_string(),
        }
    }

    fn mismatch(&self, detail: String) -> Error {
        Error::VerificationFailed {
            cid: self.root.clone(),
            source_url: self.source_url.clone(),
            detail,
        }
    }
}

/// Writes the file `root` to `out` from `kubo`'s gateway, every byte checked
/// against `root`. `out` should be a temporary name: after an error it may
/// hold part of the file ([`super::retrieve`] takes care of that).
pub async fn retrieve_file(
    kubo: &KuboClient,
    root: &Cid,
    out: &Path,
    source_url: &str,
    on_progress: impl FnMut(&Progress),
) -> Result<Outcome> {
    let ctx = Context::new(root, source_url);
    if root.hash().code() == IDENTITY {
        return Ok(Outcome::NotHandled);
    }
    let block = fetch_verified(kubo, root, &ctx).await?;
    let Some(file) = FileRoot::of(root, block, &ctx)? else {
        return Ok(Outcome::NotHandled);
    };
    let written = std::fs::File::create(out).map_err(|e| write_err(out, e))?;
    let sink = Output::new(written, out.to_path_buf());
    let checked = stream_checked(kubo, file, &ctx, sink, on_progress).await?;
    Ok(Outcome::Done(checked.progress))
}

/// Where the bytes of a file being checked go: every downloaded chunk in
/// order, on the checking thread, as it is cut into pieces (so before its
/// pieces are checked: what a sink made is only good when
/// [`stream_checked`] succeeds).
pub(crate) trait Sink: Send + 'static {
    /// What the sink hands back at the end.
    type Done: Send + 'static;
    /// The file written, if any: named when the checking thread is lost.
    fn path(&self) -> PathBuf {
        PathBuf::new()
    }
    fn write(&mut self, chunk: &Bytes) -> Result<()>;
    /// Every byte was written and checked.
    fn finish(self) -> Result<Self::Done>;
}

/// A file's root block, verified, and known to be a file.
pub(crate) struct FileRoot {
    data: Bytes,
    links: Vec<(PbLink, u64)>,
    block_len: u64,
}

impl FileRoot {
    /// `block` must already match `root`. `None` when `root` is not a file
    /// this path handles (a folder, a symlink, another codec).
    pub(crate) fn of(root: &Cid, block: Bytes, ctx: &Context) -> Result<Option<Self>> {
        let block_len = block.len() as u64;
        let (data, links) = match root.codec() {
            RAW => (block, Vec::new()),
            DAG_PB => {
                let Some((_, data, links)) = file_node(root, &block, ctx)? else {
                    return Ok(None);
                };
                (data, links)
            }
            _ => return Ok(None),
        };
        Ok(Some(Self {
            data,
            links,
            block_len,
        }))
    }
}

/// A file streamed through a [`Sink`] with every byte checked.
pub(crate) struct Checked<D> {
    pub(crate) progress: Progress,
    /// The checked blocks' sizes as stored (a dag-pb leaf with its framing,
    /// the root included): what a block-by-block walk would have fetched.
    pub(crate) block_bytes: u64,
    pub(crate) done: D,
}

/// Streams the file whose verified root is `file` from `kubo`'s gateway
/// into `sink`, every byte checked against the root's CID (`ctx`). An error
/// is either the partner's (unreachable, broken off), a mismatch, or the
/// sink's.
pub(crate) async fn stream_checked<S: Sink>(
    kubo: &KuboClient,
    file: FileRoot,
    ctx: &Context,
    sink: S,
    mut on_progress: impl FnMut(&Progress),
) -> Result<Checked<S::Done>> {
    let FileRoot {
        data,
        links,
        block_len,
    } = file;
    let total = data.len() as u64 + links.iter().map(|(_, size)| size).sum::<u64>();
    let mut progress = Progress {
        files: 1,
        total_bytes: Some(total),
        ..Progress::default()
    };
    on_progress(&progress);
    let counters = Arc::new(Counters::default());
    counters.blocks.store(1, Ordering::Relaxed);
    counters.block_bytes.store(block_len, Ordering::Relaxed);
    let (piece_tx, piece_rx) = mpsc::channel::<Piece>(256);
    let (bytes_tx, bytes_rx) = mpsc::channel::<Vec<Bytes>>(BATCHES_IN_FLIGHT);
    let path = sink.path();
    let checker = {
        let ctx = ctx.clone();
        let counters = counters.clone();
        tokio::task::spawn_blocking(move || {
            Checker {
                pieces: piece_rx,
                bytes: bytes_rx,
                batch: Vec::new().into_iter(),
                current: Bytes::new(),
                sink,
                ctx,
                counters,
            }
            .check_and_write()
        })
    };
    // A file in one block is all in hand: it needs no download.
    let whole = links.is_empty().then(|| data.clone());
    // Each side owns its sender, so the checker sees the end of each.
    let walked = async {
        let piece_tx = piece_tx;
        if !data.is_empty() && piece_tx.send(Piece::Known(data)).await.is_err() {
            return Ok(());
        }
        walk(kubo, links, &piece_tx, &counters, ctx).await
    };
    let forwarded = async {
        let bytes_tx = bytes_tx;
        if let Some(data) = whole {
            let _ = bytes_tx.send(vec![data]).await;
            return Ok(());
        }
        let stream = kubo.fetch(&ctx.root, GatewayFormat::File).await?;
        let mut stream = std::pin::pin!(stream);
        let mut batch = Vec::new();
        let mut batched = 0;
        while let Some(chunk) = stream.try_next().await? {
            batched += chunk.len();
            batch.push(chunk);
            if batched < BATCH_BYTES {
                continue;
            }
            batched = 0;
            if bytes_tx.send(std::mem::take(&mut batch)).await.is_err() {
                // The checker stopped; its result says why.
                break;
            }
            let blocks = counters.blocks.load(Ordering::Relaxed);
            if blocks != progress.blocks {
                progress.blocks = blocks;
                progress.bytes = counters.bytes.load(Ordering::Relaxed);
                on_progress(&progress);
            }
        }
        if !batch.is_empty() {
            let _ = bytes_tx.send(batch).await;
        }
        Ok(())
    };
    let (walked, forwarded): (Result<()>, Result<()>) = tokio::join!(walked, forwarded);
    let checked = checker.await.map_err(|e| Error::Write {
        path,
        source: std::io::Error::other(e.to_string()),
    })?;
    // A broken download or DAG walk explains a checker complaint (bytes cut
    // short), so it is the error to report; a disk error outranks both.
    if let Err(e @ Error::Write { .. }) = checked {
        return Err(e);
    }
    walked?;
    forwarded?;
    let done = checked?;
    progress.bytes = counters.bytes.load(Ordering::Relaxed);
    progress.blocks = counters.blocks.load(Ordering::Relaxed);
    on_progress(&progress);
    Ok(Checked {
        progress,
        block_bytes: counters.block_bytes.load(Ordering::Relaxed),
        done,
    })
}

/// Fetches the block `cid` and checks it against its CID.
async fn fetch_verified(kubo: &KuboClient, cid: &Cid, ctx: &Context) -> Result<Bytes> {
    let block = kubo.fetch_block(&cid.to_string()).await?;
    super::car::verify_block(cid, &block).map_err(|detail| ctx.mismatch(detail))?;
    Ok(block)
}

/// A file's node with its UnixFS type, own data, and children with their sizes.
type FileNode = (u64, Bytes, Vec<(PbLink, u64)>);

/// A verified dag-pb block as a file node. `None` when it is not a file (a
/// folder, a symlink).
fn file_node(cid: &Cid, block: &[u8], ctx: &Context) -> Result<Option<FileNode>> {
    let node = PbNode::decode(block)
        .map_err(|e| ctx.mismatch(format!("block {cid} is not dag-pb ({e})")))?;
    let fs = UnixFsData::decode(node.data.as_deref().unwrap_or_default())
        .map_err(|e| ctx.mismatch(format!("block {cid}: {e}")))?;
    if !matches!(fs.kind, UNIXFS_FILE | UNIXFS_RAW) {
        return Ok(None);
    }
    if node.links.len() != fs.blocksizes.len() {
        return Err(ctx.mismatch(format!(
            "file block {cid} has {} links but {} sizes",
            node.links.len(),
            fs.blocksizes.len()
        )));
    }
    let data = Bytes::from(fs.data.unwrap_or_default());
    let children = node.links.into_iter().zip(fs.blocksizes).collect();
    Ok(Some((fs.kind, data, children)))
}

/// Sends the file's pieces in order: leaves to hash in passing, and the data
/// of every block fetched on the way (inner nodes, unusual leaves). Holds one
/// list of links per level of the DAG. Stops quietly when the checker has.
async fn walk(
    kubo: &KuboClient,
    links: Vec<(PbLink, u64)>,
    tx: &mpsc::Sender<Piece>,
    counters: &Counters,
    ctx: &Context,
) -> Result<()> {
    let mut stack = vec![links.into_iter()];
    // How this file's dag-pb leaves are framed, learnt from its first one:
    // not known yet, then the UnixFS type kubo wrote (File for balanced,
    // Raw for trickle layouts), or `None` for a framing not reproduced here.
    let mut leaf_type: Option<Option<u64>> = None;
    while let Some(level) = stack.last_mut() {
        let Some((link, size)) = level.next() else {
            stack.pop();
            continue;
        };
        let cid = link.cid;
        let hashable = cid.hash().code() == SHA2_256;
        // Only a leaf's total size equals its own block's: an inner node
        // adds its own block to its children's.
        let framed_leaf = cid.codec() == DAG_PB && link.tsize == Some(framed_len(size));
        let piece = if hashable && cid.codec() == RAW {
            Piece::Leaf {
                cid,
                size,
                framed: None,
            }
        } else if let (true, true, Some(Some(kind))) = (hashable, framed_leaf, leaf_type) {
            Piece::Leaf {
                cid,
                size,
                framed: Some(kind),
            }
        } else {
            let block = if cid.hash().code() == IDENTITY {
                Bytes::copy_from_slice(cid.hash().digest())
            } else {
                fetch_verified(kubo, &cid, ctx).await?
            };
            counters.blocks.fetch_add(1, Ordering::Relaxed);
            counters
                .block_bytes
                .fetch_add(block.len() as u64, Ordering::Relaxed);
            let (data, children) = match cid.codec() {
                RAW => (block, Vec::new()),
                DAG_PB => {
                    let (kind, data, children) =
                        file_node(&cid, &block, ctx)?.ok_or_else(|| {
                            ctx.mismatch(format!(
                                "block {cid} inside the file is not part of a file"
                            ))
                        })?;
                    if framed_leaf && leaf_type.is_none() {
                        let (prefix, suffix) = leaf_framing(size, kind);
                        let reproduced = block.len() == prefix.len() + data.len() + suffix.len()
                            && block.starts_with(&prefix)
                            && block.ends_with(&suffix);
                        leaf_type = Some(reproduced.then_some(kind));
                    }
                    (data, children)
                }
                other => {
                    return Err(ctx.mismatch(format!(
                        "block {cid} uses codec 0x{other:x}, which is not part of a file"
                    )));
                }
            };
            let carried = data.len() as u64 + children.iter().map(|(_, s)| s).sum::<u64>();
            if carried != size {
                return Err(ctx.mismatch(format!(
                    "block {cid} holds {carried} bytes where its parent says {size}"
                )));
            }
            stack.push(children.into_iter());
            if data.is_empty() {
                continue;
            }
            Piece::Known(data)
        };
        if tx.send(piece).await.is_err() {
            return Ok(());
        }
    }
    Ok(())
}

/// The dag-pb block kubo writes for a file leaf of `n` bytes (leaves that are
/// not raw): `PBNode { Data: UnixFS { Type: kind, Data: <n bytes>, filesize: n } }`.
/// Returns the bytes before and after the leaf's data.
fn leaf_framing(n: u64, kind: u64) -> (Vec<u8>, Vec<u8>) {
    let unixfs_len = 1 + varint_len(kind) + 1 + varint_len(n) + n + 1 + varint_len(n);
    let mut prefix = vec![0x0a];
    push_varint(unixfs_len, &mut prefix);
    prefix.push(0x08);
    push_varint(kind, &mut prefix);
    prefix.push(0x12);
    push_varint(n, &mut prefix);
    let mut suffix = vec![0x18];
    push_varint(n, &mut suffix);
    (prefix, suffix)
}

/// A framed leaf's block size (the same for every UnixFS type kubo uses).
fn framed_len(n: u64) -> u64 {
    let (prefix, suffix) = leaf_framing(n, UNIXFS_FILE);
    prefix.len() as u64 + n + suffix.len() as u64
}

fn varint_len(mut v: u64) -> u64 {
    let mut len = 1;
    while v >= 0x80 {
        v >>= 7;
        len += 1;
    }
    len
}

fn push_varint(mut v: u64, out: &mut Vec<u8>) {
    while v >= 0x80 {
        out.push((v as u8 & 0x7f) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// The blocking side: writes the downloaded bytes as they come (to the
/// sink: a temporary file, which is thrown away unless everything checks
/// out), and cuts them into the walk's pieces to check each.
struct Checker<S> {
    pieces: mpsc::Receiver<Piece>,
    bytes: mpsc::Receiver<Vec<Bytes>>,
    /// The rest of the batch being cut, and of its chunk being cut.
    batch: std::vec::IntoIter<Bytes>,
    current: Bytes,
    sink: S,
    ctx: Context,
    counters: Arc<Counters>,
}

impl<S: Sink> Checker<S> {
    /// Up to `n` next bytes of the download; `None` when it has ended.
    fn take(&mut self, n: u64) -> Result<Option<Bytes>> {
        while self.current.is_empty() {
            match self.batch.next() {
                Some(chunk) => {
                    // Whole chunks go to the sink: no copy, few system calls.
                    self.sink.write(&chunk)?;
                    self.current = chunk;
                }
                None => match self.bytes.blocking_recv() {
                    Some(batch) => self.batch = batch.into_iter(),
                    None => return Ok(None),
                },
            }
        }
        let n = (n as usize).min(self.current.len());
        Ok(Some(self.current.split_to(n)))
    }

    /// The next `n` bytes, or an error if the download ends first.
    fn take_some(&mut self, n: u64) -> Result<Bytes> {
        self.take(n)?.ok_or_else(|| {
            self.ctx
                .mismatch("the gateway sent fewer bytes than the file holds".into())
        })
    }

    fn check_and_write(mut self) -> Result<S::Done> {
        let mut verified = 0;
        while let Some(piece) = self.pieces.blocking_recv() {
            match piece {
                Piece::Leaf { cid, size, framed } => {
                    let mut hasher = Sha256::new();
                    let (prefix, suffix) = match framed {
                        Some(kind) => leaf_framing(size, kind),
                        None => Default::default(),
                    };
                    hasher.update(&prefix);
                    let mut left = size;
                    while left > 0 {
                        let part = self.take_some(left)?;
                        hasher.update(&part);
                        left -= part.len() as u64;
                    }
                    hasher.update(&suffix);
                    if hasher.finalize().as_slice() != cid.hash().digest() {
                        return Err(self.ctx.mismatch(format!("block {cid} has the wrong hash")));
                    }
                    verified += size;
                    self.counters.blocks.fetch_add(1, Ordering::Relaxed);
                    self.counters.block_bytes.fetch_add(
                        prefix.len() as u64 + size + suffix.len() as u64,
                        Ordering::Relaxed,
                    );
                }
                Piece::Known(mut expected) => {
                    verified += expected.len() as u64;
                    while !expected.is_empty() {
                        let part = self.take_some(expected.len() as u64)?;
                        if part != expected.split_to(part.len()) {
                            return Err(self.ctx.mismatch(
                                "the file's bytes differ from its stored blocks".into(),
                            ));
                        }
                    }
                }
            }
            self.counters.bytes.store(verified, Ordering::Relaxed);
        }
        if self.take(1)?.is_some() {
            return Err(self
                .ctx
                .mismatch("the gateway sent more bytes than the file holds".into()));
        }
        self.sink.finish()
    }
}

/// The file being written, with write-back started as it grows.
struct Output {
    file: std::fs::File,
    path: PathBuf,
    written: u64,
    /// Bytes handed to the kernel for write-back so far.
    written_back: u64,
}

impl Sink for Output {
    type Done = ();

    fn path(&self) -> PathBuf {
        self.path.clone()
    }

    fn write(&mut self, chunk: &Bytes) -> Result<()> {
        Output::write(self, chunk)
    }

    fn finish(self) -> Result<()> {
        Output::finish(self)
    }
}

impl Output {
    fn new(file: std::fs::File, path: PathBuf) -> Self {
        Self {
            file,
            path,
            written: 0,
            written_back: 0,
        }
    }

    fn write(&mut self, data: &[u8]) -> Result<()> {
        self.file
            .write_all(data)
            .map_err(|e| write_err(&self.path, e))?;
        self.written += data.len() as u64;
        if self.written - self.written_back >= WRITEBACK_STEP {
            self.start_writeback();
        }
        Ok(())
    }

    /// Asks the kernel to start writing what is already in the file, so the
    /// final sync waits only for the tail. Advice only: errors surface at sync.
    #[cfg(target_os = "linux")]
    fn start_writeback(&mut self) {
        use std::os::fd::AsRawFd;
        let len = self.written - self.written_back;
        // SAFETY: a valid open descriptor and a range inside the file; the
        // call only schedules I/O.
        unsafe {
            libc::sync_file_range(
                self.file.as_raw_fd(),
                self.written_back as libc::off64_t,
                len as libc::off64_t,
                libc::SYNC_FILE_RANGE_WRITE,
            );
        }
        self.written_back = self.written;
    }

    #[cfg(not(target_os = "linux"))]
    fn start_writeback(&mut self) {}

    fn finish(self) -> Result<()> {
        self.file.sync_all().map_err(|e| write_err(&self.path, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leaf_framing_matches_the_block_kubo_writes() {
        // A 262,144-byte leaf as kubo 0.43.1 stored it (CIDv0, dag-pb leaves):
        // 0a 8a8010 08 02 12 808010 <data> 18 808010, 262,158 bytes in all.
        let (prefix, suffix) = leaf_framing(262_144, UNIXFS_FILE);
        assert_eq!(
            prefix,
            [0x0a, 0x8a, 0x80, 0x10, 0x08, 0x02, 0x12, 0x80, 0x80, 0x10]
        );
        assert_eq!(suffix, [0x18, 0x80, 0x80, 0x10]);
        assert_eq!(framed_len(262_144), 262_158);
        assert_eq!(framed_len(5), 2 + 2 + 2 + 5 + 2);
    }
}
