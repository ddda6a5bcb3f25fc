//! Checking one partner's copy of one item, block by block, from that
//! partner's own gateway (which serves only what it holds: the generated
//! nodes set kubo's `Gateway.NoFetch`).
//!
//! - **Full**: every block of the item, each checked against its CID, and
//!   every file's SHA-256 against the ingest manifest
//!   ([`crate::content::fixity`]) when the item has one.
//! - **Sample**: `n` walks from the root to a leaf, each child chosen at
//!   random (weighted by its share of the bytes) anew on every run, so the
//!   partner cannot know which blocks will be asked for; every block on the
//!   way is checked against its CID, and a block reached this way belongs to
//!   the item by construction. A walk that ends at a block an earlier walk of
//!   the same run ended at (every walk of a one-block item does) does not
//!   fetch it again.
//!
//! Blocks are asked for one by one (`?format=raw`) rather than as one CAR:
//! a CAR stops at the first missing block, and an audit must name every bad
//! block and the file it belongs to.
//!
//! A full audit reads a file of several blocks faster first: the gateway's
//! plain file response, checked as [`super::retrieve::file_stream`] checks a
//! retrieval (inner nodes fetched as blocks against their CIDs, every leaf's
//! bytes hashed against its CID as they pass), while the whole file is hashed
//! for the manifest. That proves every block of the file present and
//! matching. When anything does not check out (a block missing, damaged
//! bytes, a layout it does not take, a broken stream), nothing of it is
//! counted and the file is walked block by block, which names each bad block.

use std::collections::{HashMap, HashSet};

use bytes::Bytes;
use cid::Cid;
use futures_util::StreamExt;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::fixity::Manifest;
use super::retrieve::file_stream::{self, FileRoot, Sink};
use super::retrieve::{
    DAG_PB, IDENTITY, PbNode, RAW, UNIXFS_DIRECTORY, UNIXFS_FILE, UNIXFS_HAMT, UNIXFS_RAW,
    UnixFsData, shard_links, verify_block,
};
use crate::error::{Error, Result};
use crate::net::kubo::KuboClient;

/// Blocks of one file asked for at once during a full audit.
const BLOCKS_IN_FLIGHT: usize = 32;
/// Bad blocks named in one partner's result (the count is always exact).
pub const BAD_BLOCKS_KEPT: usize = 100;
/// Inner nodes kept during a sampled audit, so walks share their first steps.
const INNER_NODES_KEPT: usize = 256;
/// Walks' ends (leaves, bad blocks) remembered during a sampled audit, so a
/// walk that reaches one again does not fetch it again.
const ENDS_KEPT: usize = 1024;

/// How thoroughly to check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditMode {
    Full,
    /// This many random walks from the root to a leaf.
    Sample(u32),
}

/// What is wrong with a block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum BlockFault {
    /// The partner does not hold it.
    Missing,
    /// The partner sends bytes that do not match its CID.
    Damaged,
}

/// A bad block and the file of the item it belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BadBlock {
    pub cid: String,
    pub fault: BlockFault,
    /// The file or folder inside the item (`/`-separated; empty: the item itself).
    pub file: String,
}

/// What one partner's copy showed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CopyCheck {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub blocks_checked: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub bytes_checked: u64,
    /// Every bad block up to [`BAD_BLOCKS_KEPT`]; `bad_block_count` is exact.
    pub bad_blocks: Vec<BadBlock>,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub bad_block_count: u64,
    /// Files whose SHA-256 was compared with the manifest (full audits).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub files_checked: u64,
    /// Files whose bytes differ from the manifest, or that it does not list,
    /// and files it lists that the item does not have (the manifest and the
    /// item disagree: a problem of its own).
    pub manifest_mismatches: Vec<String>,
}

impl CopyCheck {
    pub fn is_clean(&self) -> bool {
        self.bad_block_count == 0 && self.manifest_mismatches.is_empty()
    }

    fn bad(&mut self, cid: &Cid, fault: BlockFault, file: &str) {
        let cid = cid.to_string();
        if self.bad_blocks.iter().any(|b| b.cid == cid) {
            return;
        }
        self.bad_block_count += 1;
        if self.bad_blocks.len() < BAD_BLOCKS_KEPT {
            self.bad_blocks.push(BadBlock {
                cid,
                fault,
                file: file.to_string(),
            });
        }
    }
}

/// A block as the partner answered for it.
enum Fetched {
    Good(Bytes),
    Bad(BlockFault),
}

/// Checks `root` as held by the partner behind `kubo`. An error means the
/// partner could not be asked (unreachable, or it broke off): never that the
/// copy is fine.
pub async fn check_copy(
    kubo: &KuboClient,
    root: &Cid,
    mode: AuditMode,
    manifest: Option<&Manifest>,
) -> Result<CopyCheck> {
    let mut walk = Walk {
        kubo,
        check: CopyCheck::default(),
        inner: HashMap::new(),
        ends: HashSet::new(),
    };
    match mode {
        AuditMode::Full => {
            let mut matched = 0u64;
            walk.entry(*root, String::new(), manifest, &mut matched)
                .await?;
            if let Some(m) = manifest {
                let unseen = m.files.len() as u64 - matched.min(m.files.len() as u64);
                // Files the manifest lists that were never reached: the
                // item lacks them, unless a bad block hid them.
                if unseen > 0 && walk.check.bad_block_count == 0 {
                    walk.check.manifest_mismatches.push(format!(
                        "the manifest lists {unseen} file(s) the item does not have"
                    ));
                }
            }
        }
        AuditMode::Sample(n) => {
            for _ in 0..n.max(1) {
                walk.descend(*root).await?;
            }
        }
    }
    Ok(walk.check)
}

struct Walk<'a> {
    kubo: &'a KuboClient,
    check: CopyCheck,
    /// Decoded inner nodes of this run (sampled audits).
    inner: HashMap<Cid, std::sync::Arc<PbNode>>,
    /// Blocks where a walk of this run ended (sampled audits): a leaf
    /// checked, or a bad block already named. Every walk of a one-block
    /// item ends at its root, which is fetched once.
    ends: HashSet<Cid>,
}

/// One fetch, checked: good bytes, a bad block, or an error when the partner
/// could not be asked at all.
async fn fetch(kubo: &KuboClient, cid: &Cid) -> Result<Fetched> {
    if cid.hash().code() == IDENTITY {
        return Ok(Fetched::Good(Bytes::copy_from_slice(cid.hash().digest())));
    }
    match kubo.fetch_block(&cid.to_string()).await {
        Ok(data) => Ok(match verify_block(cid, &data) {
            Ok(()) => Fetched::Good(data),
            Err(_) => Fetched::Bad(BlockFault::Damaged),
        }),
        Err(Error::NotFound { .. }) => Ok(Fetched::Bad(BlockFault::Missing)),
        // Larger than any block: not the block the CID names.
        Err(Error::BadResponse { .. }) => Ok(Fetched::Bad(BlockFault::Damaged)),
        Err(e) => Err(e),
    }
}

fn join(path: &str, name: &[u8]) -> String {
    let name = String::from_utf8_lossy(name);
    if path.is_empty() {
        name.into_owned()
    } else {
        format!("{path}/{name}")
    }
}

impl Walk<'_> {
    fn count(&mut self, data: &[u8]) {
        self.check.blocks_checked += 1;
        self.check.bytes_checked += data.len() as u64;
    }

    /// The block `cid` of `path`, counted; `None` when the partner lacks it
    /// or sends other bytes (recorded as a bad block of `path`).
    async fn fetch_counted(&mut self, cid: &Cid, path: &str) -> Result<Option<Bytes>> {
        match fetch(self.kubo, cid).await? {
            Fetched::Good(data) => {
                self.count(&data);
                Ok(Some(data))
            }
            Fetched::Bad(fault) => {
                self.check.bad(cid, fault, path);
                Ok(None)
            }
        }
    }

    /// A file, folder or link named `path`, checked completely.
    async fn entry(
        &mut self,
        cid: Cid,
        path: String,
        manifest: Option<&Manifest>,
        matched: &mut u64,
    ) -> Result<()> {
        let Some(data) = self.fetch_counted(&cid, &path).await? else {
            return Ok(());
        };
        if cid.codec() == RAW {
            let mut hasher = Sha256::new();
            hasher.update(&data);
            self.file_done(&path, data.len() as u64, hasher, manifest, matched);
            return Ok(());
        }
        if cid.codec() != DAG_PB {
            self.check.bad(&cid, BlockFault::Damaged, &path);
            return Ok(());
        }
        let Some((node, fs)) = decode(&data) else {
            self.check.bad(&cid, BlockFault::Damaged, &path);
            return Ok(());
        };
        match fs.kind {
            UNIXFS_FILE | UNIXFS_RAW => {
                if !node.links.is_empty()
                    && self.streamed(&cid, &data, &path, manifest, matched).await
                {
                    return Ok(());
                }
                let mut hasher = Sha256::new();
                let mut size = 0u64;
                if let Some(d) = &fs.data {
                    hasher.update(d);
                    size += d.len() as u64;
                }
                let links: Vec<Cid> = node.links.iter().map(|l| l.cid).collect();
                let whole = Box::pin(self.chunks(links, &path, &mut hasher, &mut size)).await?;
                if whole {
                    self.file_done(&path, size, hasher, manifest, matched);
                }
            }
            UNIXFS_DIRECTORY => {
                for link in &node.links {
                    let child = join(&path, &link.name);
                    Box::pin(self.entry(link.cid, child, manifest, matched)).await?;
                }
            }
            UNIXFS_HAMT => {
                Box::pin(self.shard(&node, &fs, &path, manifest, matched)).await?;
            }
            // Symbolic links and metadata nodes hold no file bytes.
            _ => {}
        }
        Ok(())
    }

    async fn shard(
        &mut self,
        node: &PbNode,
        fs: &UnixFsData,
        path: &str,
        manifest: Option<&Manifest>,
        matched: &mut u64,
    ) -> Result<()> {
        for (cid, name) in shard_links(node, fs).collect::<Vec<_>>() {
            match name {
                Some(name) => {
                    Box::pin(self.entry(cid, join(path, &name), manifest, matched)).await?;
                }
                None => {
                    let Some(data) = self.fetch_counted(&cid, path).await? else {
                        continue;
                    };
                    match decode(&data) {
                        Some((sub, sub_fs)) if sub_fs.kind == UNIXFS_HAMT => {
                            Box::pin(self.shard(&sub, &sub_fs, path, manifest, matched)).await?;
                        }
                        _ => self.check.bad(&cid, BlockFault::Damaged, path),
                    }
                }
            }
        }
        Ok(())
    }

    /// The file `cid` (of several blocks; its root block `block` is checked
    /// and counted) streamed from the gateway's plain file response, every
    /// leaf checked against its CID and, with a manifest, the whole file
    /// hashed. True: every block of the file matched and the file was
    /// compared with the manifest. False: something did not check out and
    /// nothing was counted; the caller walks the file block by block.
    async fn streamed(
        &mut self,
        cid: &Cid,
        block: &Bytes,
        path: &str,
        manifest: Option<&Manifest>,
        matched: &mut u64,
    ) -> bool {
        let Some(gateway) = self.kubo.gateway() else {
            return false;
        };
        let ctx = file_stream::Context::new(cid, gateway);
        let Ok(Some(file)) = FileRoot::of(cid, block.clone(), &ctx) else {
            return false;
        };
        let sink = FileHash::new(manifest.is_some());
        let Ok(checked) = file_stream::stream_checked(self.kubo, file, &ctx, sink, |_| {}).await
        else {
            return false;
        };
        // The root block is already counted.
        self.check.blocks_checked += checked.progress.blocks.saturating_sub(1);
        self.check.bytes_checked += checked.block_bytes.saturating_sub(block.len() as u64);
        let (size, hasher) = checked.done;
        if let Some(hasher) = hasher {
            self.file_done(path, size, hasher, manifest, matched);
        }
        true
    }

    /// The pieces of a file, in order, into `hasher`; false when one was bad
    /// (the file's digest then cannot be taken; the block is named).
    async fn chunks(
        &mut self,
        links: Vec<Cid>,
        path: &str,
        hasher: &mut Sha256,
        size: &mut u64,
    ) -> Result<bool> {
        let kubo = self.kubo;
        let mut fetched = futures_util::stream::iter(links)
            .map(|cid| async move { (cid, fetch(kubo, &cid).await) })
            .buffered(BLOCKS_IN_FLIGHT);
        let mut whole = true;
        while let Some((cid, got)) = fetched.next().await {
            let data = match got? {
                Fetched::Good(d) => d,
                Fetched::Bad(fault) => {
                    self.check.bad(&cid, fault, path);
                    whole = false;
                    continue;
                }
            };
            self.count(&data);
            if cid.codec() == RAW {
                hasher.update(&data);
                *size += data.len() as u64;
                continue;
            }
            let Some((node, fs)) = decode(&data).filter(|(_, fs)| {
                matches!(fs.kind, UNIXFS_FILE | UNIXFS_RAW) && cid.codec() == DAG_PB
            }) else {
                self.check.bad(&cid, BlockFault::Damaged, path);
                whole = false;
                continue;
            };
            if let Some(d) = &fs.data {
                hasher.update(d);
                *size += d.len() as u64;
            }
            if !node.links.is_empty() {
                let links = node.links.iter().map(|l| l.cid).collect();
                whole &= Box::pin(self.chunks(links, path, hasher, size)).await?;
            }
        }
        Ok(whole)
    }

    fn file_done(
        &mut self,
        path: &str,
        size: u64,
        hasher: Sha256,
        manifest: Option<&Manifest>,
        matched: &mut u64,
    ) {
        let Some(m) = manifest else { return };
        // A one-file item's root is the file; its entry carries the file's name.
        let entry = if path.is_empty() && m.files.len() == 1 {
            m.files.values().next()
        } else {
            m.files.get(path)
        };
        let shown = if path.is_empty() {
            "the item's file"
        } else {
            path
        };
        let Some((want_size, want)) = entry else {
            self.check
                .manifest_mismatches
                .push(format!("{shown}: not in the manifest"));
            return;
        };
        *matched += 1;
        self.check.files_checked += 1;
        let got: [u8; 32] = hasher.finalize().into();
        if *want_size != size || *want != got {
            self.check.manifest_mismatches.push(format!(
                "{shown}: its bytes differ from the checksum taken when it was added"
            ));
        }
    }

    /// Remembers that a walk ended at `cid` (up to [`ENDS_KEPT`] blocks).
    fn ended(&mut self, cid: Cid) {
        if self.ends.len() < ENDS_KEPT {
            self.ends.insert(cid);
        }
    }

    /// One random walk from `root` to a leaf.
    async fn descend(&mut self, root: Cid) -> Result<()> {
        let mut cid = root;
        let mut path = String::new();
        loop {
            let node = match self.inner.get(&cid) {
                Some(n) => n.clone(),
                // Checked (or named bad) earlier in this run: the same
                // answer again.
                None if self.ends.contains(&cid) => return Ok(()),
                None => {
                    let Some(data) = self.fetch_counted(&cid, &path).await? else {
                        self.ended(cid);
                        return Ok(());
                    };
                    if cid.codec() == RAW {
                        self.ended(cid);
                        return Ok(());
                    }
                    let Some((node, _)) = decode(&data).filter(|_| cid.codec() == DAG_PB) else {
                        self.check.bad(&cid, BlockFault::Damaged, &path);
                        self.ended(cid);
                        return Ok(());
                    };
                    let node = std::sync::Arc::new(node);
                    if !node.links.is_empty() && self.inner.len() < INNER_NODES_KEPT {
                        self.inner.insert(cid, node.clone());
                    }
                    node
                }
            };
            let Some(link) = pick_weighted(&node) else {
                self.ended(cid);
                return Ok(());
            };
            let link = &node.links[link];
            // Folder entries name the path; a HAMT shard's names carry a
            // prefix, and file pieces no name at all.
            if !link.name.is_empty() {
                path = join(&path, &link.name);
            }
            cid = link.cid;
        }
    }
}

/// The streamed file's bytes hashed whole for the manifest (when there is
/// one) on a thread of its own, beside the thread that checks the leaves
/// against their CIDs, so the two SHA-256 passes over the same bytes overlap.
struct FileHash {
    hashing: Hashing,
    /// Chunks not yet sent to the hashing thread.
    batch: Vec<Bytes>,
    batched: usize,
    size: u64,
}

enum Hashing {
    /// No manifest: the size alone.
    None,
    /// No thread could be started: hashed where the chunks arrive.
    Here(Sha256),
    Thread {
        tx: std::sync::mpsc::SyncSender<Vec<Bytes>>,
        thread: std::thread::JoinHandle<Sha256>,
    },
}

/// Chunks go to the hashing thread in batches of about this many bytes.
const HASH_BATCH_BYTES: usize = 256 * 1024;
/// Batches on their way to the hashing thread: bounds memory.
const HASH_BATCHES_IN_FLIGHT: usize = 8;

impl FileHash {
    fn new(with_manifest: bool) -> Self {
        let hashing = if with_manifest {
            let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Bytes>>(HASH_BATCHES_IN_FLIGHT);
            let thread = std::thread::Builder::new()
                .name("ccs-audit-hash".into())
                .spawn(move || {
                    let mut hasher = Sha256::new();
                    for chunk in rx.into_iter().flatten() {
                        hasher.update(&chunk);
                    }
                    hasher
                });
            match thread {
                Ok(thread) => Hashing::Thread { tx, thread },
                Err(_) => Hashing::Here(Sha256::new()),
            }
        } else {
            Hashing::None
        };
        Self {
            hashing,
            batch: Vec::new(),
            batched: 0,
            size: 0,
        }
    }

    fn send(&mut self) -> Result<()> {
        self.batched = 0;
        let batch = std::mem::take(&mut self.batch);
        match &self.hashing {
            Hashing::Thread { tx, .. } => tx.send(batch).map_err(|_| hashing_stopped()),
            _ => Ok(()),
        }
    }
}

fn hashing_stopped() -> Error {
    Error::Interrupted {
        url: String::new(),
        detail: "the thread hashing the file stopped".into(),
    }
}

impl Sink for FileHash {
    /// The file's size and, with a manifest, its SHA-256.
    type Done = (u64, Option<Sha256>);

    fn write(&mut self, chunk: &Bytes) -> Result<()> {
        self.size += chunk.len() as u64;
        match &mut self.hashing {
            Hashing::None => {}
            Hashing::Here(h) => h.update(chunk),
            Hashing::Thread { .. } => {
                self.batched += chunk.len();
                self.batch.push(chunk.clone());
                if self.batched >= HASH_BATCH_BYTES {
                    self.send()?;
                }
            }
        }
        Ok(())
    }

    fn finish(mut self) -> Result<Self::Done> {
        self.send()?;
        let hasher = match self.hashing {
            Hashing::None => None,
            Hashing::Here(h) => Some(h),
            Hashing::Thread { tx, thread } => {
                // The channel closes; the thread ends with the digest.
                drop(tx);
                Some(thread.join().map_err(|_| hashing_stopped())?)
            }
        };
        Ok((self.size, hasher))
    }
}

fn decode(data: &[u8]) -> Option<(PbNode, UnixFsData)> {
    let node = PbNode::decode(data).ok()?;
    let fs = UnixFsData::decode(node.data.as_deref().unwrap_or_default()).ok()?;
    Some((node, fs))
}

/// A random link of `node`, each as likely as its share of the bytes below
/// (links without a size count as one byte); `None` for a leaf.
fn pick_weighted(node: &PbNode) -> Option<usize> {
    let weights: Vec<u64> = node
        .links
        .iter()
        .map(|l| l.tsize.unwrap_or(1).max(1))
        .collect();
    let total: u64 = weights.iter().sum();
    if total == 0 {
        return None;
    }
    let mut at = random_below(total);
    for (i, w) in weights.iter().enumerate() {
        if at < *w {
            return Some(i);
        }
        at -= w;
    }
    None
}

/// A uniform random number below `n` (> 0), from the OS's CSPRNG: the
/// partner must not be able to predict which blocks are asked for.
fn random_below(n: u64) -> u64 {
    // Rejection sampling keeps it uniform for any n.
    let zone = u64::MAX - u64::MAX % n;
    loop {
        let v = u64::from_le_bytes(crate::deploy::node_config::random_bytes::<8>());
        if v < zone {
            return v % n;
        }
    }
}

/// Runs of a sampled audit with `samples` walks each after which a given
/// leaf of an item of `blocks` equal leaves has been checked with
/// probability `confidence`: the smallest r with
/// 1 - (1 - 1/blocks)^(samples·r) ≥ confidence.
pub fn runs_for_coverage(blocks: u64, samples: u32, confidence: f64) -> u64 {
    if blocks <= 1 {
        return 1;
    }
    let miss_per_walk = 1.0 - 1.0 / blocks as f64;
    let walks = (1.0 - confidence).ln() / miss_per_walk.ln();
    (walks / f64::from(samples.max(1))).ceil().max(1.0) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_choices_follow_the_bytes_below_each_link() {
        let mk = |tsize| crate::content::retrieve::PbLink {
            cid: Cid::default(),
            name: Vec::new(),
            tsize: Some(tsize),
        };
        let node = PbNode {
            data: None,
            links: vec![mk(100), mk(300)],
        };
        let mut second = 0;
        for _ in 0..4000 {
            if pick_weighted(&node) == Some(1) {
                second += 1;
            }
        }
        // Expected 3000; the bounds fail once in about 10^12 runs.
        assert!((2700..3300).contains(&second), "{second}");
        assert_eq!(pick_weighted(&PbNode::default()), None);
    }

    #[test]
    fn a_streamed_file_is_hashed_whole_in_order() {
        let chunks: Vec<Bytes> = (0..100u32)
            .map(|i| Bytes::from(vec![i as u8; 1000 + i as usize * 997]))
            .collect();
        let mut want = Sha256::new();
        let mut size = 0;
        for c in &chunks {
            want.update(c);
            size += c.len() as u64;
        }
        let want: [u8; 32] = want.finalize().into();
        let mut sink = FileHash::new(true);
        assert!(matches!(sink.hashing, Hashing::Thread { .. }));
        for c in &chunks {
            sink.write(c).unwrap();
        }
        let (got_size, got) = sink.finish().unwrap();
        assert_eq!(got_size, size);
        let got: [u8; 32] = got.unwrap().finalize().into();
        assert_eq!(got, want);
        // Without a manifest only the size is taken.
        let mut sink = FileHash::new(false);
        sink.write(&chunks[0]).unwrap();
        let (got_size, got) = sink.finish().unwrap();
        assert_eq!(got_size, chunks[0].len() as u64);
        assert!(got.is_none());
    }

    #[test]
    fn coverage_runs_grow_with_the_item_and_shrink_with_the_samples() {
        assert_eq!(runs_for_coverage(1, 1, 0.99), 1);
        let r8 = runs_for_coverage(8, 4, 0.99);
        // (7/8)^(4·r) ≤ 0.01 first at r = 9.
        assert_eq!(r8, 9);
        assert!(runs_for_coverage(4096, 4, 0.99) > runs_for_coverage(4096, 16, 0.99));
        assert!(runs_for_coverage(4096, 4, 0.99) > r8);
    }
}
