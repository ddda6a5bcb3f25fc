//! Verified retrieval: a CID written to disk (a file or a whole folder) from a
//! partner's gateway, every block checked against its content ID.
//!
//! The gateway sends a CAR (`?format=car`, depth-first, duplicates included).
//! Each block's hash is checked against the CID that named it, and the block
//! must be the one the traversal expects next, so what is written is exactly
//! the stored DAG and nothing else. Files and folders are rebuilt from the
//! dag-pb/UnixFS nodes in the same single pass: only the traversal's stack of
//! pending links is held, never the content, so memory stays flat whatever the
//! size.
//!
//! Everything goes to a temporary sibling that is renamed into place only when
//! the whole DAG arrived and verified. When a partner fails (unreachable,
//! broken stream, a block that does not verify) the next partner is tried.
//!
//! The work is split by job: `sources` tries each partner in turn (the fast
//! [`file_stream`] path first, the CAR path when that cannot be used), `car`
//! reads the CAR and checks each block against its CID, and `unixfs` decodes
//! the dag-pb/UnixFS nodes and rebuilds files and folders from them.

use std::path::PathBuf;

use cid::Cid;

use crate::error::{Error, Result};

mod car;
pub mod file_stream;
mod resolve;
mod sources;
#[cfg(test)]
mod test_blocks;
mod unixfs;

pub use car::{Unpacked, unpack_car};
pub use resolve::{is_folder, resolve_path};
// The audit walks the same DAGs with the same decoders and checks.
pub(crate) use car::verify_block;
pub use sources::{FailedSource, Source, no_copy_error, retrieve};
#[cfg(test)]
pub(crate) use unixfs::PbLink;
pub(crate) use unixfs::{
    DAG_PB, IDENTITY, PbNode, RAW, UNIXFS_DIRECTORY, UNIXFS_FILE, UNIXFS_HAMT, UNIXFS_RAW,
    UnixFsData, shard_links,
};

/// What was retrieved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum ContentKind {
    File,
    Folder,
    Symlink,
}

/// Counters while a retrieval runs.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Progress {
    /// File content bytes written so far.
    pub bytes: u64,
    /// Files completed or started.
    pub files: u64,
    /// Blocks received and verified.
    pub blocks: u64,
    /// Total file bytes when the root says so (a file's size), else `None`.
    pub total_bytes: Option<u64>,
}

/// A finished retrieval.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Retrieved {
    pub cid: String,
    pub path: PathBuf,
    pub kind: ContentKind,
    pub bytes: u64,
    pub files: u64,
    pub blocks: u64,
    /// The partner (name) that sent it.
    pub source: String,
    /// Partners tried before `source` whose copy could not be used, in order.
    /// An entry with `damaged` set means that partner's stored copy (or what it
    /// sends) does not match the content ID: tell the person who runs it.
    pub failed_sources: Vec<FailedSource>,
}

impl Retrieved {
    /// The partners whose copy turned out damaged.
    pub fn damaged_copies(&self) -> impl Iterator<Item = &FailedSource> {
        self.failed_sources.iter().filter(|f| f.damaged)
    }

    /// One plain sentence per damaged copy, naming the partner and what to do.
    /// `ccs repair` (IPFS Cluster's recover) cannot fix this: the cluster still
    /// counts the damaged copy as pinned, so the fix is on that partner's node.
    pub fn damage_notices(&self) -> Vec<String> {
        self.damaged_copies()
            .map(|f| {
                format!(
                    "{name}'s copy of {cid} is damaged (a block does not match its content ID); it was saved from {good} instead. Ask the person who runs {name} to run `ipfs repo verify --heal` on that node, which replaces the damaged blocks from the other partners.",
                    name = f.source,
                    cid = self.cid,
                    good = self.source,
                )
            })
            .collect()
    }
}

/// What happens during [`retrieve`], for progress displays.
#[derive(Debug)]
pub enum Event<'a> {
    /// Trying this partner now.
    Trying {
        source: &'a str,
    },
    Progress(&'a Progress),
    /// This partner failed; the next one (if any) is tried.
    SourceFailed {
        source: &'a str,
        error: &'a Error,
    },
}

/// Parses a CID given by a user.
pub fn parse_cid(text: &str) -> Result<Cid> {
    Cid::try_from(text.trim()).map_err(|_| {
        Error::InvalidInput(format!(
            "\"{text}\" is not a content ID (CIDs look like bafy... or Qm...); check it for typing errors."
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_cid_versions_and_rejects_junk() {
        assert!(parse_cid("QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn").is_ok());
        assert_eq!(parse_cid("hello").unwrap_err().code(), "invalid_input");
    }
}
