//! UnixFS DAGs built on this computer (issue #19, first part): a file or a
//! folder chunked, hashed and linked exactly as `ipfs add` and
//! `ipfs-cluster-ctl add` do with the same settings, so the CIDs are the
//! ones the network would have made, and each file's SHA-256 (the fixity
//! manifest's) taken in the same read.
//!
//! The chunking, the balanced layout, the directory nodes and the HAMT
//! shards of large folders are `rust-unixfs`'s (its tests check its CIDs
//! against kubo's; `tests/tests/dag_cids.rs` checks ours against the kubo
//! we deploy). What is ours: the walk, the settings that match kubo's
//! defaults, the SHA-256 beside the chunking, and the blocks handed on one at
//! a time, so that what is held is one chunk and the links not yet in a
//! finished node (at most 174 per level of the tree), whatever the file's
//! size. A folder's entries (name, CID, size) are held until its node is
//! made, as kubo holds them.

use std::io::Read;
use std::path::Path;

use cid::Cid;
use rust_unixfs::dir::builder::{BufferingTreeBuilder, TreeOptions};
use rust_unixfs::file::adder::{BalancedCollector, Chunker, FileAdder};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::local::files::read_error;

/// kubo's chunk size (`size-262144`).
pub const CHUNK_SIZE: usize = 256 * 1024;
/// kubo's widest file node (`Import.UnixFSFileMaxLinks`, default 174).
pub const FILE_LINKS: usize = 174;
/// A folder whose entries (name and CID bytes) add up to more than this
/// becomes a HAMT (kubo's `Import.UnixFSHAMTDirectorySizeThreshold`).
pub const HAMT_THRESHOLD: u64 = 256 * 1024;

/// Which of kubo's two common CID settings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CidSettings {
    /// kubo's default: CIDv0, file chunks wrapped in dag-pb nodes.
    #[default]
    V0,
    /// `--cid-version=1`: CIDv1, file chunks as raw blocks.
    V1RawLeaves,
}

impl CidSettings {
    fn version(self) -> cid::Version {
        match self {
            CidSettings::V0 => cid::Version::V0,
            CidSettings::V1RawLeaves => cid::Version::V1,
        }
    }

    fn file_adder(self) -> FileAdder {
        FileAdder::builder()
            .with_chunker(Chunker::Size(CHUNK_SIZE))
            .with_collector(BalancedCollector::with_branching_factor(FILE_LINKS))
            .with_cid_version(self.version())
            .with_raw_leaves(self == CidSettings::V1RawLeaves)
            .build()
    }

    fn tree_options(self) -> TreeOptions {
        let mut opts = TreeOptions::default();
        opts.cid_version(self.version());
        opts.shard_threshold(Some(HAMT_THRESHOLD));
        // The paths given are inside the folder, which is the root.
        opts.wrap_with_directory();
        // A folder node too large for one block is sharded, never refused.
        opts.block_size_limit(None);
        opts
    }
}

/// One file's DAG.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileDag {
    pub cid: Cid,
    /// The file's bytes.
    pub size: u64,
    /// The DAG's bytes (every block, as often as it is linked): what a
    /// folder's link to it gives as its size.
    pub dag_size: u64,
    /// The file's SHA-256, from the same read.
    pub sha256: [u8; 32],
}

/// Builds the DAG of what `reader` gives, handing each block to `on_block`
/// as soon as it is made (a node after the blocks it links to; the root
/// last). `path` names the file in errors.
pub fn file(
    mut reader: impl Read,
    path: &Path,
    settings: CidSettings,
    on_block: &mut dyn FnMut(&Cid, &[u8]) -> Result<()>,
) -> Result<FileDag> {
    let mut adder = settings.file_adder();
    let mut sha = Sha256::new();
    let mut buf = vec![0u8; CHUNK_SIZE];
    let mut size = 0u64;
    let mut dag_size = 0u64;
    let mut last = None;
    let mut hand_on = |cid: Cid, block: Vec<u8>, dag_size: &mut u64| -> Result<Cid> {
        *dag_size += block.len() as u64;
        on_block(&cid, &block)?;
        Ok(cid)
    };
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(read_error(path, e)),
        };
        sha.update(&buf[..n]);
        size += n as u64;
        let mut rest = &buf[..n];
        while !rest.is_empty() {
            let (blocks, used) = adder.push(rest);
            for (cid, block) in blocks {
                last = Some(hand_on(cid, block, &mut dag_size)?);
            }
            rest = &rest[used..];
        }
    }
    for (cid, block) in adder.finish() {
        last = Some(hand_on(cid, block, &mut dag_size)?);
    }
    let cid = last.ok_or_else(|| {
        Error::InvalidInput(format!(
            "\"{}\" could not be made into blocks. Please report this to the project.",
            path.display()
        ))
    })?;
    Ok(FileDag {
        cid,
        size,
        dag_size,
        sha256: sha.finalize().into(),
    })
}

/// A symbolic link's block, as `ipfs add -r` stores one (its target as the
/// node's data).
pub fn symlink(target: &str, settings: CidSettings) -> (Cid, Vec<u8>) {
    rust_unixfs::symlink::symlink_block(
        target,
        &Default::default(),
        settings.version(),
        multihash_codetable::Code::Sha2_256,
    )
}

/// A folder's DAG being built: each file's (or link's, or empty folder's)
/// place given as its path under the folder (`/`-separated), then
/// [`FolderDag::finish`] makes the folder nodes.
pub struct FolderDag {
    tree: BufferingTreeBuilder,
    settings: CidSettings,
    entries: u64,
}

impl FolderDag {
    pub fn new(settings: CidSettings) -> Self {
        Self {
            tree: BufferingTreeBuilder::new(settings.tree_options()),
            settings,
            entries: 0,
        }
    }

    /// The settings its files must be built with.
    pub fn settings(&self) -> CidSettings {
        self.settings
    }

    /// A file or link at `path`, whose DAG is `cid` of `dag_size` bytes.
    pub fn put(&mut self, path: &str, cid: Cid, dag_size: u64) -> Result<()> {
        self.entries += 1;
        self.tree
            .put_link(path, cid, dag_size)
            .map_err(|e| tree_error(path, e))
    }

    /// An empty folder at `path` (a folder with entries needs no call).
    pub fn empty_folder(&mut self, path: &str) -> Result<()> {
        self.entries += 1;
        self.tree
            .set_metadata(path, Default::default())
            .map_err(|e| tree_error(path, e))
    }

    /// Makes every folder node (sub-folders first, HAMT shards where a
    /// folder is large), handing each block to `on_block`; returns the
    /// folder's CID. A folder with nothing in it is kubo's empty folder.
    pub fn finish(self, on_block: &mut dyn FnMut(&Cid, &[u8]) -> Result<()>) -> Result<Cid> {
        if self.entries == 0 {
            let (cid, block) = empty_folder_block(self.settings);
            on_block(&cid, &block)?;
            return Ok(cid);
        }
        let mut nodes = self.tree.build();
        let mut root = None;
        while let Some(node) = nodes.next_borrowed() {
            let node = node.map_err(|e| {
                Error::InvalidInput(format!(
                    "A folder could not be made into blocks ({e}). Please report this to the project."
                ))
            })?;
            on_block(node.cid, node.block)?;
            root = Some(*node.cid);
        }
        root.ok_or_else(|| {
            Error::InvalidInput(
                "A folder could not be made into blocks. Please report this to the project.".into(),
            )
        })
    }
}

/// kubo's empty folder: a UnixFS directory node with no links.
fn empty_folder_block(settings: CidSettings) -> (Cid, Vec<u8>) {
    // dag-pb field 1 (Data) holding UnixFS field 1 (Type) = 1 (Directory).
    let block = vec![0x0a, 0x02, 0x08, 0x01];
    let digest = Sha256::digest(&block);
    let hash = cid::multihash::Multihash::<64>::wrap(0x12, &digest)
        .expect("a SHA-256 digest fits a multihash");
    let cid = match settings {
        CidSettings::V0 => Cid::new_v0(hash).expect("a SHA-256 multihash makes a CIDv0"),
        CidSettings::V1RawLeaves => Cid::new_v1(0x70, hash),
    };
    (cid, block)
}

fn tree_error(path: &str, e: impl std::fmt::Display) -> Error {
    Error::InvalidInput(format!(
        "\"{path}\" could not be placed in its folder's blocks ({e})."
    ))
}

/// Builds the DAG of the folder `root` (every file, link and empty folder
/// under it, in name order), handing each block on as it is made, and each
/// file's relative path, size and SHA-256 to `on_file`. A name that is not
/// UTF-8 is refused (the network stores names as UTF-8).
pub fn folder(
    root: &Path,
    settings: CidSettings,
    on_block: &mut dyn FnMut(&Cid, &[u8]) -> Result<()>,
    on_file: &mut dyn FnMut(&str, &FileDag),
) -> Result<Cid> {
    let mut dag = FolderDag::new(settings);
    let walk = walkdir::WalkDir::new(root)
        .min_depth(1)
        .follow_links(false)
        .sort_by_file_name();
    let mut pending_empty: Option<String> = None;
    for entry in walk {
        let entry = entry.map_err(|e| {
            let path = e.path().unwrap_or(root).to_path_buf();
            match e.into_io_error() {
                Some(io) => read_error(&path, io),
                None => Error::InvalidInput(format!(
                    "\"{}\" links back to a folder around it, so it cannot be stored.",
                    path.display()
                )),
            }
        })?;
        let rel = relative_name(root, entry.path())?;
        // A folder is empty when the next entry is not inside it.
        if let Some(dir) = pending_empty.take() {
            if !rel.starts_with(&format!("{dir}/")) {
                dag.empty_folder(&dir)?;
            }
        }
        let kind = entry.file_type();
        if kind.is_dir() {
            pending_empty = Some(rel);
        } else if kind.is_symlink() {
            let target =
                std::fs::read_link(entry.path()).map_err(|e| read_error(entry.path(), e))?;
            let target = target.to_str().ok_or_else(|| not_utf8(entry.path()))?;
            let (cid, block) = symlink(target, settings);
            on_block(&cid, &block)?;
            dag.put(&rel, cid, block.len() as u64)?;
        } else {
            let f = std::fs::File::open(entry.path()).map_err(|e| read_error(entry.path(), e))?;
            let made = file(f, entry.path(), settings, on_block)?;
            on_file(&rel, &made);
            dag.put(&rel, made.cid, made.dag_size)?;
        }
    }
    if let Some(dir) = pending_empty {
        dag.empty_folder(&dir)?;
    }
    dag.finish(on_block)
}

fn not_utf8(path: &Path) -> Error {
    Error::InvalidInput(format!(
        "The name \"{}\" is not valid Unicode, which the network cannot store. Rename it and try again.",
        path.display()
    ))
}

/// `path` under `root`, `/`-separated.
fn relative_name(root: &Path, path: &Path) -> Result<String> {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let mut parts = Vec::new();
    for part in rel.components() {
        parts.push(part.as_os_str().to_str().ok_or_else(|| not_utf8(path))?);
    }
    Ok(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cid_of_file(bytes: &[u8], settings: CidSettings) -> (FileDag, Vec<(Cid, usize)>) {
        let mut blocks = Vec::new();
        let made = file(bytes, Path::new("test"), settings, &mut |c, b| {
            blocks.push((*c, b.len()));
            Ok(())
        })
        .unwrap();
        (made, blocks)
    }

    #[test]
    fn the_well_known_empties() {
        // kubo's empty file and empty folder.
        let (empty, _) = cid_of_file(b"", CidSettings::V0);
        assert_eq!(
            empty.cid.to_string(),
            "QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH"
        );
        let (cid, _) = empty_folder_block(CidSettings::V0);
        assert_eq!(
            cid.to_string(),
            "QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn"
        );
        let (cid, _) = empty_folder_block(CidSettings::V1RawLeaves);
        assert_eq!(
            cid.to_string(),
            "bafybeiczsscdsbs7ffqz55asqdf3smv6klcw3gofszvwlyarci47bgf354"
        );
        let mut blocks = Vec::new();
        let cid = FolderDag::new(CidSettings::V0)
            .finish(&mut |c, _| {
                blocks.push(*c);
                Ok(())
            })
            .unwrap();
        assert_eq!(blocks, [cid]);
    }

    #[test]
    fn a_file_is_hashed_in_the_same_read_and_its_root_comes_last() {
        let bytes: Vec<u8> = (0..(3 * CHUNK_SIZE + 10))
            .map(|i| (i % 251) as u8)
            .collect();
        for settings in [CidSettings::V0, CidSettings::V1RawLeaves] {
            let (made, blocks) = cid_of_file(&bytes, settings);
            assert_eq!(made.size, bytes.len() as u64);
            assert_eq!(made.sha256, <[u8; 32]>::from(Sha256::digest(&bytes)));
            // Four chunks and their parent, the parent last.
            assert_eq!(blocks.len(), 5, "{blocks:?}");
            assert_eq!(blocks.last().unwrap().0, made.cid);
            assert_eq!(
                made.dag_size,
                blocks.iter().map(|(_, n)| *n as u64).sum::<u64>()
            );
            let leaf = blocks[0].0;
            match settings {
                CidSettings::V0 => assert_eq!(leaf.version(), cid::Version::V0),
                CidSettings::V1RawLeaves => assert_eq!(leaf.codec(), 0x55),
            }
        }
    }
}
