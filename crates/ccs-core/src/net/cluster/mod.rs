//! Typed client for the IPFS Cluster REST API (default port 9094).
//!
//! Every call authenticates with basic auth when credentials are given. Small
//! calls carry a total timeout; uploads and streams only connect and idle
//! timeouts (see [`crate::net::http`]). Streamed endpoints return an
//! [`NdjsonStream`] that turns the `X-Stream-Error` trailer into an error.

pub mod models;
pub mod stream;

use std::collections::BTreeMap;
use std::path::PathBuf;

use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde::de::DeserializeOwned;

pub use models::*;
pub use stream::NdjsonStream;

use crate::content::ingest::MultipartUpload;
use crate::deploy::versions::IPFS_CLUSTER;
use crate::error::{Error, Result};
use crate::net::http::{Credentials, SHORT_CALL_TIMEOUT, build_client, transport_error};

/// Where a pin should live and what to call it. Sent as query parameters on
/// `POST /pins/{cid}` and `POST /add`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PinOptions {
    pub name: Option<String>,
    pub mode: Option<PinMode>,
    /// Minimum copies; 0 = the cluster's default, -1 = every peer.
    pub replication_min: Option<i32>,
    /// Maximum copies; 0 = the cluster's default, -1 = every peer.
    pub replication_max: Option<i32>,
    /// Cluster peer ids that must hold a copy.
    pub user_allocations: Vec<String>,
    /// Unpin automatically after this long, e.g. `"24h"` (Go duration syntax).
    pub expire_in: Option<String>,
    /// Unpin automatically at this time (RFC 3339): a pin's own `expire_at`,
    /// kept when it is re-pinned. Wins over `expire_in` on the cluster's side.
    pub expire_at: Option<String>,
    /// The pin's shard size, kept when it is re-pinned (the cluster stores
    /// what the query says, 0 when absent).
    pub shard_size: Option<u64>,
    /// Multiaddresses of peers that hold the content, kept on a re-pin.
    pub origins: Vec<String>,
    /// Free-form key/value metadata stored with the pin.
    pub metadata: BTreeMap<String, String>,
}

impl PinOptions {
    /// The query string's pairs: IPFS Cluster reads a pin's options from the
    /// query alone (`api/common/api.go` `ParseCidOrFail`), never a body.
    pub(crate) fn query(&self) -> Vec<(String, String)> {
        let mut q = Vec::new();
        if let Some(n) = &self.name {
            q.push(("name".into(), n.clone()));
        }
        if let Some(m) = self.mode {
            let m = match m {
                PinMode::Recursive => "recursive",
                PinMode::Direct => "direct",
            };
            q.push(("mode".into(), m.into()));
        }
        if let Some(r) = self.replication_min {
            q.push(("replication-min".into(), r.to_string()));
        }
        if let Some(r) = self.replication_max {
            q.push(("replication-max".into(), r.to_string()));
        }
        if !self.user_allocations.is_empty() {
            q.push(("user-allocations".into(), self.user_allocations.join(",")));
        }
        if let Some(e) = &self.expire_in {
            q.push(("expire-in".into(), e.clone()));
        }
        if let Some(e) = &self.expire_at {
            q.push(("expire-at".into(), e.clone()));
        }
        if let Some(s) = self.shard_size {
            q.push(("shard-size".into(), s.to_string()));
        }
        if !self.origins.is_empty() {
            q.push(("origins".into(), self.origins.join(",")));
        }
        for (k, v) in &self.metadata {
            q.push((format!("meta-{k}"), v.clone()));
        }
        q
    }
}

/// How content is chunked and hashed on `POST /add`. The defaults are the
/// cluster's (and `ipfs-cluster-ctl add`'s) so CIDs match the reference tools.
#[derive(Debug, Clone, PartialEq)]
pub struct AddOptions {
    pub pin: PinOptions,
    pub cid_version: u8,
    pub raw_leaves: bool,
    /// e.g. `size-262144`.
    pub chunker: String,
    /// e.g. `sha2-256`.
    pub hash: String,
    /// Add the blocks only to the receiving peer before pinning (`local=true`).
    pub local: bool,
}

impl Default for AddOptions {
    fn default() -> Self {
        Self {
            pin: PinOptions::default(),
            cid_version: 0,
            raw_leaves: false,
            chunker: "size-262144".into(),
            hash: "sha2-256".into(),
            local: false,
        }
    }
}

/// What a successful add produced.
#[derive(Debug, Clone, PartialEq)]
pub struct AddResult {
    /// The root: the file, the folder, or the wrapping folder for several paths.
    pub cid: String,
    pub name: String,
    /// Cumulative size of the root DAG as reported by the cluster.
    pub size: u64,
    /// Peers the root was allocated to (empty = everywhere).
    pub allocations: Vec<String>,
    /// How many file and folder entries the cluster reported as added.
    pub entries: u64,
}

/// Byte and entry progress read from the `/add` lines, for progress bars.
/// Progress lines carry the bytes read so far of the file they name; a line
/// with a CID is a finished entry (files first; folders are reported at the end).
#[derive(Debug, Default, Clone)]
pub struct AddTally {
    done_bytes: u64,
    cur_name: String,
    cur_bytes: u64,
    entries: u64,
}

impl AddTally {
    pub fn update(&mut self, o: &AddedOutput) {
        if o.cid.is_some() {
            self.entries += 1;
            return;
        }
        if o.name != self.cur_name {
            self.done_bytes += self.cur_bytes;
            self.cur_name.clone_from(&o.name);
        }
        self.cur_bytes = o.bytes;
    }

    /// Bytes read by the cluster so far, across files.
    pub fn bytes(&self) -> u64 {
        self.done_bytes + self.cur_bytes
    }

    /// Files and folders finished so far.
    pub fn entries(&self) -> u64 {
        self.entries
    }
}

/// A client for one cluster peer's REST API.
#[derive(Clone)]
pub struct ClusterClient {
    http: reqwest::Client,
    base: url::Url,
    credentials: Option<Credentials>,
}

impl std::fmt::Debug for ClusterClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClusterClient")
            .field("base", &self.base.as_str())
            .field("credentials", &self.credentials)
            .finish()
    }
}

impl ClusterClient {
    /// `base_url` is the REST API root, e.g. `http://bootstrap:9094`.
    pub fn new(base_url: &str, credentials: Option<Credentials>) -> Result<Self> {
        let mut base = url::Url::parse(base_url).map_err(|e| {
            Error::InvalidInput(format!(
                "\"{base_url}\" is not a valid cluster API address ({e}); it should look like http://host:9094."
            ))
        })?;
        if base.scheme() != "http" {
            return Err(Error::InvalidInput(format!(
                "\"{base_url}\" must start with http:// (the community network already encrypts traffic)."
            )));
        }
        if !base.username().is_empty() || base.password().is_some() {
            return Err(Error::InvalidInput(
                "Put the user name and password in the credentials settings, not in the address."
                    .into(),
            ));
        }
        if !base.path().ends_with('/') {
            let p = format!("{}/", base.path());
            base.set_path(&p);
        }
        Ok(Self {
            http: build_client(),
            base,
            credentials,
        })
    }

    /// The API root this client talks to, without credentials.
    pub fn base_url(&self) -> &str {
        self.base.as_str().trim_end_matches('/')
    }

    fn url(&self, path: &str) -> String {
        format!("{}/{}", self.base_url(), path.trim_start_matches('/'))
    }

    fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let mut rb = self.http.request(method, self.url(path));
        if let Some(c) = &self.credentials {
            rb = rb.basic_auth(&c.username, Some(&c.password));
        }
        rb
    }

    /// Sends and maps transport failures and non-2xx statuses to errors.
    async fn send(&self, rb: RequestBuilder, what: &str) -> Result<Response> {
        let resp = rb
            .send()
            .await
            .map_err(|e| transport_error(self.base_url(), e))?;
        self.check(resp, what).await
    }

    async fn check(&self, resp: Response, what: &str) -> Result<Response> {
        let status = resp.status();
        if status.is_success() {
            return Ok(resp);
        }
        let url = self.base_url().to_string();
        if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
            return Err(Error::Unauthorized { url });
        }
        // Error bodies are small JSON objects; cap what we read to stay safe.
        let body = resp.bytes().await.unwrap_or_default();
        let body = &body[..body.len().min(64 * 1024)];
        let message = serde_json::from_slice::<ApiError>(body)
            .map(|e| e.message)
            .unwrap_or_else(|_| String::from_utf8_lossy(body).trim().to_string())
            .trim_end_matches('.')
            .to_string();
        if status == StatusCode::NOT_FOUND {
            return Err(Error::NotFound {
                url,
                what: what.to_string(),
            });
        }
        Err(Error::Api {
            url,
            status: status.as_u16(),
            message: if message.is_empty() {
                status.to_string()
            } else {
                message
            },
        })
    }

    async fn get_json<T: DeserializeOwned>(&self, path: &str, what: &str) -> Result<T> {
        let rb = self.request(Method::GET, path).timeout(SHORT_CALL_TIMEOUT);
        let resp = self.send(rb, what).await?;
        self.json(resp).await
    }

    async fn json<T: DeserializeOwned>(&self, resp: Response) -> Result<T> {
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| transport_error(self.base_url(), e))?;
        serde_json::from_slice(&bytes).map_err(|e| Error::BadResponse {
            url: self.base_url().to_string(),
            detail: e.to_string(),
            expected: &IPFS_CLUSTER,
        })
    }

    async fn stream<T: DeserializeOwned>(
        &self,
        rb: RequestBuilder,
        what: &str,
    ) -> Result<NdjsonStream<T>> {
        let resp = self.send(rb, what).await?;
        if resp.status() == StatusCode::NO_CONTENT {
            return Ok(NdjsonStream::empty(self.base_url().to_string()));
        }
        Ok(NdjsonStream::new(resp, self.base_url().to_string()))
    }

    /// `GET /id`: this peer, the peers it sees, and its kubo node.
    pub async fn id(&self) -> Result<ClusterId> {
        self.get_json("id", "The peer identity").await
    }

    /// `GET /version`.
    pub async fn version(&self) -> Result<ClusterVersion> {
        self.get_json("version", "The version").await
    }

    /// `GET /peers`: every cluster peer's identity, streamed.
    pub async fn peers(&self) -> Result<NdjsonStream<ClusterId>> {
        self.stream(self.request(Method::GET, "peers"), "The peer list")
            .await
    }

    /// `GET /allocations`: the shared pinset, streamed.
    pub async fn allocations(&self) -> Result<NdjsonStream<Pin>> {
        let rb = self
            .request(Method::GET, "allocations")
            .query(&[("filter", "all")]);
        self.stream(rb, "The pinset").await
    }

    /// `GET /allocations/{cid}`: one pin, or `None` when it is not in the pinset.
    pub async fn allocation(&self, cid: &str) -> Result<Option<Pin>> {
        let path = format!("allocations/{}", check_cid(cid)?);
        match self.get_json(&path, &format!("The item {cid}")).await {
            Ok(p) => Ok(Some(p)),
            Err(Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `GET /pins/{cid}`: every peer's status for one CID. An unknown CID comes
    /// back with every peer `unpinned`.
    pub async fn status(&self, cid: &str) -> Result<GlobalPinInfo> {
        let path = format!("pins/{}", check_cid(cid)?);
        self.get_json(&path, &format!("The item {cid}")).await
    }

    /// [`Self::status`] with the pin's definition (name, allocations,
    /// metadata) as this peer's own shared state holds it. Each partner
    /// answers the status with the definition it last received, so right
    /// after a re-pin (an add storing its fixity manifest, a metadata change)
    /// a slower partner's answer carries the old one; this peer's state
    /// already has what was written through it.
    pub async fn status_as_written(&self, cid: &str) -> Result<GlobalPinInfo> {
        let mut status = self.status(cid).await?;
        if let Some(pin) = self.allocation(cid).await? {
            status.name = pin.name;
            status.allocations = pin.allocations;
            status.metadata = pin.metadata;
        }
        Ok(status)
    }

    /// `GET /pins`: the status of everything, streamed. `filter` is a
    /// comma-separated list of statuses (e.g. `pin_error,cluster_error`).
    pub async fn status_all(&self, filter: Option<&str>) -> Result<NdjsonStream<GlobalPinInfo>> {
        let mut rb = self.request(Method::GET, "pins");
        if let Some(f) = filter {
            rb = rb.query(&[("filter", f)]);
        }
        self.stream(rb, "The pin status list").await
    }

    /// `POST /pins/{cid}`: adds a CID to the pinset. Pinning happens in the
    /// background; poll [`Self::status`] to watch copies land.
    pub async fn pin(&self, cid: &str, options: &PinOptions) -> Result<Pin> {
        let path = format!("pins/{}", check_cid(cid)?);
        let rb = self
            .request(Method::POST, &path)
            .query(&options.query())
            .timeout(SHORT_CALL_TIMEOUT);
        let resp = self.send(rb, &format!("The item {cid}")).await?;
        self.json(resp).await
    }

    /// `DELETE /pins/{cid}`: removes a CID from the pinset on every peer.
    pub async fn unpin(&self, cid: &str) -> Result<Pin> {
        let path = format!("pins/{}", check_cid(cid)?);
        let rb = self
            .request(Method::DELETE, &path)
            .timeout(SHORT_CALL_TIMEOUT);
        let resp = self.send(rb, &format!("The item {cid}")).await?;
        self.json(resp).await
    }

    /// `POST /pins/{cid}/recover`: retries failed pins of one CID.
    pub async fn recover(&self, cid: &str) -> Result<GlobalPinInfo> {
        let path = format!("pins/{}/recover", check_cid(cid)?);
        let rb = self.request(Method::POST, &path);
        let resp = self.send(rb, &format!("The item {cid}")).await?;
        self.json(resp).await
    }

    /// `POST /pins/recover`: retries every failed pin on this peer, streamed.
    pub async fn recover_all(&self) -> Result<NdjsonStream<GlobalPinInfo>> {
        let rb = self.request(Method::POST, "pins/recover");
        self.stream(rb, "Recovery").await
    }

    /// `GET /monitor/metrics/freespace`: free repository space per peer (bytes).
    pub async fn freespace(&self) -> Result<Vec<Metric>> {
        self.get_json("monitor/metrics/freespace", "The free-space metric")
            .await
    }

    /// `GET /monitor/metrics/{name}`: each peer's latest metric of that name,
    /// e.g. `tag:group` (a site, `deploy::place`). No peer with it: empty.
    pub async fn metrics(&self, name: &str) -> Result<Vec<Metric>> {
        // One path segment, whatever the name holds.
        const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
            .add(b' ')
            .add(b'"')
            .add(b'#')
            .add(b'%')
            .add(b'/')
            .add(b'<')
            .add(b'>')
            .add(b'?')
            .add(b'\\')
            .add(b'`')
            .add(b'{')
            .add(b'}');
        let path = format!(
            "monitor/metrics/{}",
            percent_encoding::utf8_percent_encode(name, SEGMENT)
        );
        let metrics: Option<Vec<Metric>> = self
            .get_json(&path, &format!("The metric \"{name}\""))
            .await?;
        Ok(metrics.unwrap_or_default())
    }

    /// `GET /health/alerts`: peers whose metrics expired (usually offline).
    pub async fn alerts(&self) -> Result<Vec<Alert>> {
        let alerts: Option<Vec<Alert>> = self.get_json("health/alerts", "Alerts").await?;
        Ok(alerts.unwrap_or_default())
    }

    /// `POST /add`: streams `paths` from disk and pins the result cluster-wide.
    ///
    /// One path is added as itself; several are wrapped in one folder (the
    /// cluster pins a single root). `on_output` sees every line the cluster
    /// sends (progress lines have `bytes` and no `cid`). A failure anywhere,
    /// including one reported only in the `X-Stream-Error` trailer, is an
    /// error: an add never comes back with a CID unless the cluster finished.
    pub async fn add(
        &self,
        paths: &[PathBuf],
        options: &AddOptions,
        on_output: impl FnMut(&AddedOutput),
    ) -> Result<AddResult> {
        self.add_upload(
            MultipartUpload::new(paths, false, false)?,
            options,
            on_output,
        )
        .await
    }

    /// [`Self::add`] of a body already prepared (the add operation's, which
    /// takes the fixity manifest while it is read).
    pub(crate) async fn add_upload(
        &self,
        upload: MultipartUpload,
        options: &AddOptions,
        mut on_output: impl FnMut(&AddedOutput),
    ) -> Result<AddResult> {
        let wrap = upload.wrap;
        let mut query = options.pin.query();
        query.extend([
            ("cid-version".to_string(), options.cid_version.to_string()),
            ("raw-leaves".into(), options.raw_leaves.to_string()),
            ("chunker".into(), options.chunker.clone()),
            ("hash".into(), options.hash.clone()),
            ("local".into(), options.local.to_string()),
            ("wrap-with-directory".into(), wrap.to_string()),
            ("stream-channels".into(), "true".into()),
            ("progress".into(), "true".into()),
        ]);
        let failure = upload.local_failure.clone();
        let rb = self
            .request(Method::POST, "add")
            .query(&query)
            .header(reqwest::header::CONTENT_TYPE, upload.content_type)
            .body(upload.body);
        // A local read error surfaces as a generic transport error; report the cause.
        let local_first = |e: Error| failure.take().unwrap_or(e);

        let mut stream: NdjsonStream<AddedOutput> = self
            .stream(rb, "The upload endpoint")
            .await
            .map_err(local_first)?;
        let mut last: Option<AddedOutput> = None;
        let mut entries = 0u64;
        while let Some(item) = stream.next().await {
            let out = item.map_err(local_first)?;
            on_output(&out);
            if out.cid.is_some() {
                entries += 1;
                last = Some(out);
            }
        }
        if let Some(e) = failure.take() {
            return Err(e);
        }
        let root = last.ok_or_else(|| Error::BadResponse {
            url: self.base_url().to_string(),
            detail: "the upload finished without naming what was stored".into(),
            expected: &IPFS_CLUSTER,
        })?;
        Ok(AddResult {
            cid: root.cid.unwrap_or_default(),
            name: root.name,
            size: root.size,
            allocations: root.allocations,
            entries,
        })
    }
}

/// Rejects text that cannot be a CID before it reaches a URL path.
fn check_cid(cid: &str) -> Result<&str> {
    let ok = !cid.is_empty() && cid.len() <= 256 && cid.bytes().all(|b| b.is_ascii_alphanumeric());
    if ok {
        Ok(cid)
    } else {
        Err(Error::InvalidInput(format!(
            "\"{cid}\" is not a content ID (CIDs look like bafy... or Qm...)."
        )))
    }
}

#[cfg(test)]
mod tally_tests {
    use super::*;

    fn line(name: &str, bytes: u64, cid: Option<&str>) -> AddedOutput {
        AddedOutput {
            name: name.into(),
            bytes,
            cid: cid.map(str::to_string),
            ..AddedOutput::default()
        }
    }

    #[test]
    fn byte_progress_adds_up_across_files_and_counts_finished_entries() {
        let mut t = AddTally::default();
        t.update(&line("a", 100, None));
        t.update(&line("a", 300, None));
        t.update(&line("a", 0, Some("Qma")));
        t.update(&line("b", 50, None));
        assert_eq!(t.bytes(), 350);
        t.update(&line("b", 70, None));
        t.update(&line("b", 0, Some("Qmb")));
        assert_eq!((t.bytes(), t.entries()), (370, 2));
    }
}

#[cfg(test)]
mod metrics_tests {
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    use super::*;

    /// The body of the recorded `/monitor/metrics/freespace` answer
    /// (`net/testdata`, sent with a Content-Length, not chunked).
    fn recorded_freespace() -> String {
        let wire = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("src/net/testdata/cluster_freespace.http"),
        )
        .unwrap();
        wire.split_once("\r\n\r\n").unwrap().1.to_string()
    }

    async fn serve(route: &str, body: String) -> MockServer {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path(route))
            .respond_with(
                ResponseTemplate::new(200).set_body_raw(body.into_bytes(), "application/json"),
            )
            .expect(1)
            .mount(&server)
            .await;
        server
    }

    #[tokio::test]
    async fn metrics_by_name_read_the_recorded_answer_and_tags() {
        let client = |url: &str| ClusterClient::new(url, None).unwrap();
        let server = serve("/monitor/metrics/freespace", recorded_freespace()).await;
        let metrics = client(&server.uri()).metrics("freespace").await.unwrap();
        assert_eq!(metrics.len(), 3);
        assert!(metrics.iter().all(|m| m.name == "freespace" && m.valid));

        // A tag metric has the same shape (the tags informer's name and value
        // put into the recorded answer).
        let tags = recorded_freespace()
            .replace("\"name\":\"freespace\"", "\"name\":\"tag:group\"")
            .replace("\"value\":\"9999965181\"", "\"value\":\"Leeds%2C UK\"");
        let server = serve("/monitor/metrics/tag:group", tags).await;
        let metrics = client(&server.uri()).metrics("tag:group").await.unwrap();
        assert_eq!(metrics.len(), 3);
        assert_eq!(
            crate::deploy::place::site_from_tag(&metrics[0].value).as_deref(),
            Some("Leeds, UK")
        );

        // No peer publishes it: `null`, read as none.
        let server = serve("/monitor/metrics/tag:org", "null".into()).await;
        assert!(
            client(&server.uri())
                .metrics("tag:org")
                .await
                .unwrap()
                .is_empty()
        );
        // A name is one path segment, whatever it holds.
        let server = serve("/monitor/metrics/a%2Fb%3F", "[]".into()).await;
        assert!(
            client(&server.uri())
                .metrics("a/b?")
                .await
                .unwrap()
                .is_empty()
        );
    }
}
