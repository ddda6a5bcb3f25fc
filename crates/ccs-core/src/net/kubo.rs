//! Client for a kubo node: its RPC API (admin, loopback only on our nodes) for
//! identity and swarm checks, and its gateway for retrieval.
//!
//! Retrieval streams to a temporary name next to the destination and renames
//! it into place only when the whole transfer succeeded, so a failed or
//! interrupted download never leaves a file that looks complete.

use std::path::{Path, PathBuf};

use bytes::Bytes;
use futures_util::{Stream, TryStreamExt};
use reqwest::StatusCode;
use serde::{Deserialize, Serialize};

use crate::deploy::versions::KUBO;
use crate::error::{Error, Result};
use crate::net::cluster::NdjsonStream;
use crate::net::cluster::models::null_as_default;
use crate::net::http::{SHORT_CALL_TIMEOUT, build_client, root_cause, transport_error};

/// `POST /api/v0/id`. kubo writes `null` for the lists of a node without a
/// network host (offline) or without addresses; that reads as empty.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct KuboId {
    #[serde(rename = "ID")]
    pub id: String,
    pub public_key: String,
    #[serde(deserialize_with = "null_as_default")]
    pub addresses: Vec<String>,
    pub agent_version: String,
    #[serde(deserialize_with = "null_as_default")]
    pub protocols: Vec<String>,
}

/// One connection from `POST /api/v0/swarm/peers`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct SwarmPeer {
    pub addr: String,
    pub peer: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
struct SwarmPeers {
    peers: Option<Vec<SwarmPeer>>,
}

/// One recursive pin from `POST /api/v0/pin/ls?type=recursive&stream=true`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct KuboPin {
    pub cid: String,
}

/// A block of a pin that `pin/verify` could not read.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct BadNode {
    pub cid: String,
    pub err: String,
}

/// A pin `pin/verify` found incomplete (only those are sent).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct PinVerifyResult {
    pub cid: String,
    pub err: String,
    #[serde(deserialize_with = "null_as_default")]
    pub bad_nodes: Vec<BadNode>,
}

/// A line of `refs`: a block linked from below the root, or why the walk
/// could not go on.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct RefLine {
    #[serde(rename = "Ref")]
    pub cid: String,
    pub err: String,
}

/// A line of `repo/verify`: a message about a corrupt block, or a count.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct VerifyProgress {
    pub msg: String,
    pub progress: u64,
}

/// The forms the gateway can send content in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GatewayFormat {
    /// The file's bytes as stored (files only).
    File,
    /// A CAR of every block, verifiable block by block.
    Car,
    /// The single block the CID names, as stored.
    Raw,
}

/// The largest block a gateway may send for [`KuboClient::fetch_block`]: kubo
/// refuses blocks over 2 MiB on the wire, so anything much larger is not a
/// block and is not read into memory.
const MAX_BLOCK_BYTES: usize = 4 * 1024 * 1024;

/// A client for one kubo node. Either address may be absent: partners reach
/// other nodes only through the gateway; the RPC API is loopback-only.
#[derive(Debug, Clone)]
pub struct KuboClient {
    http: reqwest::Client,
    rpc: Option<String>,
    gateway: Option<String>,
}

impl KuboClient {
    pub fn new(rpc_url: Option<&str>, gateway_url: Option<&str>) -> Self {
        let clean = |u: &str| u.trim_end_matches('/').to_string();
        Self {
            http: build_client(),
            rpc: rpc_url.map(clean),
            gateway: gateway_url.map(clean),
        }
    }

    /// The gateway root this client reads from, if any.
    pub fn gateway(&self) -> Option<&str> {
        self.gateway.as_deref()
    }

    fn rpc_url(&self) -> Result<&str> {
        self.rpc.as_deref().ok_or_else(|| {
            Error::InvalidInput("No kubo API address is configured for this node; add its ipfs_api to the settings file.".into())
        })
    }

    pub(crate) fn gateway_url(&self) -> Result<&str> {
        self.gateway.as_deref().ok_or_else(|| {
            Error::InvalidInput("No gateway address is configured for this node; add its gateway to the settings file.".into())
        })
    }

    /// `POST /api/v0/COMMAND?QUERY`, with a whole-call timeout or none; a
    /// refusal is `Error::Api` with kubo's own message
    /// (`{"Message": "...", "Code": 0, "Type": "error"}`).
    async fn rpc_send(
        &self,
        command: &str,
        query: &[(&str, &str)],
        timeout: Option<std::time::Duration>,
    ) -> Result<reqwest::Response> {
        let base = self.rpc_url()?;
        let mut rb = self
            .http
            .post(format!("{base}/api/v0/{command}"))
            .query(query);
        if let Some(t) = timeout {
            rb = rb.timeout(t);
        }
        let resp = rb.send().await.map_err(|e| transport_error(base, e))?;
        if resp.status().is_success() {
            return Ok(resp);
        }
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap_or_default();
        let message = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| {
                v.get("Message")
                    .and_then(|m| m.as_str())
                    .map(str::to_string)
            })
            .unwrap_or(text);
        Err(Error::Api {
            url: base.to_string(),
            status,
            message: message.trim().chars().take(500).collect(),
        })
    }

    async fn rpc_call<T: for<'de> Deserialize<'de>>(&self, command: &str) -> Result<T> {
        let base = self.rpc_url()?;
        let resp = self
            .rpc_send(command, &[], Some(SHORT_CALL_TIMEOUT))
            .await?;
        let bytes = resp.bytes().await.map_err(|e| transport_error(base, e))?;
        serde_json::from_slice(&bytes).map_err(|e| Error::BadResponse {
            url: base.to_string(),
            detail: e.to_string(),
            expected: &KUBO,
        })
    }

    /// A streamed RPC command (no whole-call timeout: these read the whole
    /// repository). A failure after the start arrives in the trailer and
    /// ends the stream with an error.
    async fn rpc_stream<T: for<'de> Deserialize<'de>>(
        &self,
        command: &str,
        query: &[(&str, &str)],
    ) -> Result<NdjsonStream<T>> {
        let resp = self.rpc_send(command, query, None).await?;
        Ok(NdjsonStream::new(resp, self.rpc_url()?.to_string()))
    }

    /// Every recursive pin of this node.
    pub async fn recursive_pins(&self) -> Result<NdjsonStream<KuboPin>> {
        self.rpc_stream("pin/ls", &[("type", "recursive"), ("stream", "true")])
            .await
    }

    /// The recursive pins whose blocks are not all present (kubo reads every
    /// block that has links; raw leaves are listed, not read).
    pub async fn pin_verify(&self) -> Result<NdjsonStream<PinVerifyResult>> {
        self.rpc_stream("pin/verify", &[]).await
    }

    /// Every block in the repository re-hashed; with `heal`, a corrupt one is
    /// removed and fetched again from the other members.
    pub async fn repo_verify(&self, heal: bool) -> Result<NdjsonStream<VerifyProgress>> {
        let heal = if heal { "true" } else { "false" };
        self.rpc_stream("repo/verify", &[("heal", heal)]).await
    }

    /// Every block linked below `cid`, each once, from what this node holds
    /// (offline: a block it lacks ends the walk with an error line). A link
    /// is listed before its block is read, so a damaged block is still named.
    pub async fn refs(&self, cid: &str) -> Result<NdjsonStream<RefLine>> {
        self.rpc_stream(
            "refs",
            &[
                ("arg", cid),
                ("recursive", "true"),
                ("unique", "true"),
                ("offline", "true"),
            ],
        )
        .await
    }

    /// Walks every block of `cid`. Offline: an error names the first block
    /// this node lacks. Online: what it lacks is fetched from the members
    /// and stored.
    pub async fn dag_stat(&self, cid: &str, offline: bool) -> Result<()> {
        let offline = if offline { "true" } else { "false" };
        let mut s: NdjsonStream<serde_json::Value> = self
            .rpc_stream(
                "dag/stat",
                &[("arg", cid), ("progress", "false"), ("offline", offline)],
            )
            .await?;
        while s.next().await.transpose()?.is_some() {}
        Ok(())
    }

    /// The node's identity and addresses.
    pub async fn id(&self) -> Result<KuboId> {
        self.rpc_call("id").await
    }

    /// The peers this node is connected to right now.
    pub async fn swarm_peers(&self) -> Result<Vec<SwarmPeer>> {
        let p: SwarmPeers = self.rpc_call("swarm/peers").await?;
        Ok(p.peers.unwrap_or_default())
    }

    /// The kubo version behind a gateway (its `/version` page), e.g. `0.43.1`.
    pub async fn gateway_version(&self) -> Result<String> {
        let base = self.gateway_url()?.to_string();
        let resp = self
            .http
            .get(format!("{base}/version"))
            .timeout(std::time::Duration::from_secs(10))
            .send()
            .await
            .map_err(|e| transport_error(&base, e))?;
        if !resp.status().is_success() {
            return Err(Error::Api {
                url: base,
                status: resp.status().as_u16(),
                message: "no version page".into(),
            });
        }
        let text = resp.text().await.map_err(|e| transport_error(&base, e))?;
        // "Client Version: kubo/0.43.1/" (text) or {"Version":"0.43.1"} (JSON).
        let from_text = text
            .lines()
            .find_map(|l| l.strip_prefix("Client Version:"))
            .and_then(|v| v.trim().split('/').nth(1))
            .map(str::to_string);
        let from_json = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| {
                v.get("Version")
                    .and_then(|v| v.as_str())
                    .map(str::to_string)
            });
        from_text.or(from_json).ok_or_else(|| Error::BadResponse {
            url: base,
            detail: "the version page has no version".into(),
            expected: &KUBO,
        })
    }

    /// Streams `cid` from the gateway in the given form.
    pub async fn fetch(
        &self,
        cid: &str,
        format: GatewayFormat,
    ) -> Result<impl Stream<Item = Result<Bytes>> + use<>> {
        let base = self.gateway_url()?.to_string();
        let mut rb = self.http.get(format!("{base}/ipfs/{cid}"));
        rb = match format {
            GatewayFormat::File => rb,
            GatewayFormat::Car => rb
                .query(&[("format", "car")])
                // Depth-first with duplicates, so a reader can rebuild files and
                // folders in one pass while checking every block (IPIP-412).
                .header(
                    "Accept",
                    "application/vnd.ipld.car; version=1; order=dfs; dups=y",
                ),
            GatewayFormat::Raw => rb
                .query(&[("format", "raw")])
                .header("Accept", "application/vnd.ipld.raw"),
        };
        let resp = rb.send().await.map_err(|e| transport_error(&base, e))?;
        match resp.status() {
            s if s.is_success() => {}
            StatusCode::NOT_FOUND | StatusCode::GATEWAY_TIMEOUT => {
                return Err(Error::NotFound {
                    url: base,
                    what: format!("The item {cid}"),
                });
            }
            StatusCode::BAD_REQUEST => {
                return Err(Error::InvalidInput(format!(
                    "\"{cid}\" is not a content ID (CIDs look like bafy... or Qm...)."
                )));
            }
            s => {
                let message = resp.text().await.unwrap_or_default();
                return Err(Error::Api {
                    url: base,
                    status: s.as_u16(),
                    message: message.trim().chars().take(500).collect(),
                });
            }
        }
        if format == GatewayFormat::File {
            // A folder asked for as a file comes back as an HTML listing, which
            // the original tool saved as if it were the content.
            let is_html = resp
                .headers()
                .get(reqwest::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.starts_with("text/html"));
            let is_dir = resp.headers().contains_key("x-ipfs-roots")
                && resp
                    .headers()
                    .get("etag")
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|v| v.starts_with("\"DirIndex"));
            if is_html && is_dir {
                return Err(Error::InvalidInput(format!(
                    "{cid} is a folder; retrieve it as a folder instead."
                )));
            }
        }
        Ok(resp.bytes_stream().map_err(move |e| Error::Interrupted {
            url: base.clone(),
            detail: root_cause(&e),
        }))
    }

    /// The block `cid` names, as the gateway sends it (unverified: the caller
    /// checks it against the CID).
    pub async fn fetch_block(&self, cid: &str) -> Result<Bytes> {
        let base = self.gateway_url()?.to_string();
        let mut stream = std::pin::pin!(self.fetch(cid, GatewayFormat::Raw).await?);
        let mut block = bytes::BytesMut::new();
        while let Some(chunk) = stream.try_next().await? {
            if block.len() + chunk.len() > MAX_BLOCK_BYTES {
                return Err(Error::BadResponse {
                    url: base,
                    detail: format!("block {cid} is larger than any block can be"),
                    expected: &KUBO,
                });
            }
            block.extend_from_slice(&chunk);
        }
        Ok(block.freeze())
    }
}

pub(crate) fn write_err(path: &Path, source: std::io::Error) -> Error {
    Error::Write {
        path: path.to_path_buf(),
        source,
    }
}

/// A temporary sibling of a destination that is removed unless committed.
pub(crate) struct PartialPath {
    tmp: PathBuf,
    dest: PathBuf,
    committed: bool,
}

impl PartialPath {
    /// A temporary sibling of `dest`. Without `replace` an existing
    /// destination is refused; with it, it is replaced only at [`Self::commit`].
    pub(crate) fn new_replacing(dest: &Path, replace: bool) -> Result<Self> {
        if !replace && std::fs::symlink_metadata(dest).is_ok() {
            return Err(Error::InvalidInput(format!(
                "\"{}\" already exists; choose another name or remove it first.",
                dest.display()
            )));
        }
        let name = dest.file_name().ok_or_else(|| {
            Error::InvalidInput(format!(
                "\"{}\" is not a file name; give the full path of the file to save.",
                dest.display()
            ))
        })?;
        let mut tmp_name = std::ffi::OsString::from(".");
        tmp_name.push(name);
        tmp_name.push(format!(
            ".partial-{}",
            hex::encode(crate::deploy::node_config::random_bytes::<4>())
        ));
        let tmp = dest.with_file_name(tmp_name);
        Ok(Self {
            tmp,
            dest: dest.to_path_buf(),
            committed: false,
        })
    }

    pub(crate) fn path(&self) -> &Path {
        &self.tmp
    }

    pub(crate) fn commit(mut self) -> Result<()> {
        // A folder cannot be renamed over an existing one: move the old one
        // aside first, and put it back if the rename fails.
        let old = std::fs::symlink_metadata(&self.dest).ok();
        let mut aside = None;
        if let Some(meta) = old {
            if meta.is_dir() {
                let mut name = self.tmp.as_os_str().to_os_string();
                name.push(".old");
                let a = PathBuf::from(name);
                std::fs::rename(&self.dest, &a).map_err(|e| write_err(&self.dest, e))?;
                aside = Some(a);
            }
        }
        if let Err(e) = std::fs::rename(&self.tmp, &self.dest) {
            if let Some(a) = &aside {
                let _ = std::fs::rename(a, &self.dest);
            }
            return Err(write_err(&self.dest, e));
        }
        if let Some(a) = aside {
            let _ = std::fs::remove_dir_all(a);
        }
        self.committed = true;
        Ok(())
    }

    /// Removes whatever an attempt left at the temporary path (a file or a
    /// folder), so another attempt starts clean.
    pub(crate) fn clear(&self) {
        let _ = std::fs::remove_file(&self.tmp);
        let _ = std::fs::remove_dir_all(&self.tmp);
    }
}

impl Drop for PartialPath {
    fn drop(&mut self) {
        if !self.committed {
            self.clear();
        }
    }
}
