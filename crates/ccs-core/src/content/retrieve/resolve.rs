//! A path inside a stored folder resolved to the content ID of the file or
//! folder it names, so that one file of an item can be saved on its own
//! through the same verified retrieval as the whole item.
//!
//! Only the folder blocks on the way are fetched (raw blocks from the
//! partner's gateway), each checked against its CID before it is believed,
//! so a partner cannot send the file of another path. Sharded folders (HAMT)
//! are searched shard by shard.

use cid::Cid;

use super::car::verify_block;
use super::unixfs::{DAG_PB, PbNode, UNIXFS_DIRECTORY, UNIXFS_HAMT, UnixFsData, shard_links};
use crate::error::{Error, Result};
use crate::net::kubo::KuboClient;

/// The CID of `path` (`/`-separated, relative) inside the folder `root`, as
/// the partner behind `kubo` holds it. `NotFound` when no such entry exists;
/// `VerificationFailed` when a block on the way is not the one its CID names.
pub async fn resolve_path(kubo: &KuboClient, root: &Cid, path: &str) -> Result<Cid> {
    let mut at = *root;
    let mut walked = String::new();
    for name in path.split('/').filter(|c| !c.is_empty()) {
        let (node, fs) = folder(kubo, &at, &walked).await?;
        let found = if fs.kind == UNIXFS_HAMT {
            Box::pin(in_shard(kubo, &node, &fs, name.as_bytes())).await?
        } else {
            node.links
                .iter()
                .find(|l| l.name == name.as_bytes())
                .map(|l| l.cid)
        };
        at = found.ok_or_else(|| Error::NotFound {
            url: kubo.gateway_url().map(str::to_string).unwrap_or_default(),
            what: format!("\"{path}\" inside {root}"),
        })?;
        if !walked.is_empty() {
            walked.push('/');
        }
        walked.push_str(name);
    }
    Ok(at)
}

/// Whether `cid` is a folder (else a file or a link), from its root block as
/// the partner behind `kubo` holds it, checked against the CID.
pub async fn is_folder(kubo: &KuboClient, cid: &Cid) -> Result<bool> {
    if cid.codec() != DAG_PB {
        return Ok(false);
    }
    match folder(kubo, cid, "").await {
        Ok(_) => Ok(true),
        Err(Error::InvalidInput(_)) => Ok(false),
        Err(e) => Err(e),
    }
}

/// The folder block `cid` (the folder at `walked`), checked and decoded.
async fn folder(kubo: &KuboClient, cid: &Cid, walked: &str) -> Result<(PbNode, UnixFsData)> {
    let data = kubo.fetch_block(&cid.to_string()).await?;
    let source_url = kubo.gateway_url().map(str::to_string).unwrap_or_default();
    let mismatch = |detail: String| Error::VerificationFailed {
        cid: cid.to_string(),
        source_url: source_url.clone(),
        detail,
    };
    verify_block(cid, &data).map_err(mismatch)?;
    let what = if walked.is_empty() {
        "the item".to_string()
    } else {
        format!("\"{walked}\"")
    };
    let not_folder = || {
        Error::InvalidInput(format!(
            "{what} is a file, not a folder, so nothing inside it can be saved. Check the path."
        ))
    };
    if cid.codec() != DAG_PB {
        return Err(not_folder());
    }
    let node = PbNode::decode(&data).map_err(|e| mismatch(format!("block {cid}: {e}")))?;
    let fs = UnixFsData::decode(node.data.as_deref().unwrap_or_default())
        .map_err(|e| mismatch(format!("block {cid}: {e}")))?;
    if fs.kind != UNIXFS_DIRECTORY && fs.kind != UNIXFS_HAMT {
        return Err(not_folder());
    }
    Ok((node, fs))
}

/// The entry `name` of a sharded folder, searching its sub-shards.
async fn in_shard(
    kubo: &KuboClient,
    node: &PbNode,
    fs: &UnixFsData,
    name: &[u8],
) -> Result<Option<Cid>> {
    for (cid, entry) in shard_links(node, fs).collect::<Vec<_>>() {
        match entry {
            Some(entry) if entry == name => return Ok(Some(cid)),
            Some(_) => {}
            None => {
                let (sub, sub_fs) = folder(kubo, &cid, "").await?;
                if let Some(found) = Box::pin(in_shard(kubo, &sub, &sub_fs, name)).await? {
                    return Ok(Some(found));
                }
            }
        }
    }
    Ok(None)
}
