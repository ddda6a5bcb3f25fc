//! A real private community network on this machine: N peers, each a kubo node
//! and an IPFS Cluster peer with its own data folder and loopback ports,
//! configured with the same privacy settings (`ccs_core::deploy::node_config`) that the
//! compose generator writes.
//!
//! [`Testnet::start`] returns only when every cluster peer sees all the others
//! and every kubo node is connected to all the others. Every process it started
//! is stopped when the [`Testnet`] is dropped, when start-up fails, and (through
//! the kernel's parent-death signal) when the process that started them dies,
//! Ctrl-C included. A detached testnet (`ccs-testnet up`) instead records its
//! process ids so `ccs-testnet down` can stop it later.

#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod connlog;
pub mod daemons;
pub mod deployed;
mod peer;
mod ports;
mod process;
mod ready;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Child;
use std::time::Duration;

use ccs_core::deploy::node_config::NetworkSecrets;
use ccs_core::deploy::place::Place;
use ccs_core::local::settings::Config;
use serde::{Deserialize, Serialize};

pub use daemons::DaemonBins;
use deployed::{ComposeHost, NetnsNetwork};
pub use peer::{HeldBlock, PeerInfo, PeerPorts};
pub use process::down;
use process::{DaemonSlot, keep_logs};

/// Name of the manifest written into the testnet folder.
pub const MANIFEST: &str = "testnet.json";
/// Name of the CLI settings file written into the testnet folder.
pub const CONFIG: &str = "config.toml";

#[derive(Debug, thiserror::Error)]
pub enum TestnetError {
    #[error("could not install the daemons: {detail}")]
    Install { detail: String },
    #[error("could not {what} ({}): {source}", path.display())]
    Io {
        what: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{peer}: `{command}` failed: {detail}")]
    Command {
        peer: String,
        command: String,
        detail: String,
    },
    #[error("the testnet did not become ready within {secs} s: {detail}")]
    NotReady { secs: u64, detail: String },
    #[error("{0}")]
    Core(#[from] ccs_core::Error),
    #[error("{0}")]
    Invalid(String),
}

impl TestnetError {
    pub(crate) fn io(what: &'static str, path: &Path, source: std::io::Error) -> Self {
        Self::Io {
            what,
            path: path.to_path_buf(),
            source,
        }
    }
}

type Result<T, E = TestnetError> = std::result::Result<T, E>;

/// How to start a testnet.
#[derive(Debug, Clone)]
pub struct TestnetOptions {
    /// Number of peers (at least 1).
    pub peers: usize,
    /// Folder for every peer's data; created if missing, must be empty.
    pub dir: PathBuf,
    /// Keep running after this process exits (the `up` command).
    pub detached: bool,
    /// How long to wait for the network to form.
    pub ready_timeout: Duration,
    /// Cluster monitor ping interval. Shorter than a deployment's so tests see
    /// peers come and go quickly.
    pub monitor_ping_interval: String,
    /// Deployed mode: run these generated compose files, each as a separate
    /// host in its own network namespace (needs root). `peers` is ignored.
    pub compose_files: Vec<PathBuf>,
    /// Deployed mode: record every member's traffic for the whole run
    /// ([`connlog`]); read it with [`Testnet::connection_record`].
    pub record_connections: bool,
    /// Each peer's organisation and site (informer tags): peer i gets
    /// `places[i]`, an empty place when missing. Deployed mode: ignored, the
    /// compose files carry their own.
    pub places: Vec<Place>,
}

impl TestnetOptions {
    pub fn new(peers: usize, dir: impl Into<PathBuf>) -> Self {
        Self {
            peers,
            dir: dir.into(),
            detached: false,
            ready_timeout: Duration::from_secs(120),
            monitor_ping_interval: "2s".into(),
            compose_files: Vec::new(),
            record_connections: false,
            places: Vec::new(),
        }
    }
}

/// `testnet.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub peers: Vec<PeerInfo>,
    /// Path of the CLI settings file naming each peer.
    pub config: PathBuf,
    /// Deployed mode: the namespaces and bridge to remove on `down`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<NetnsNetwork>,
}

/// Which daemon of a peer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DaemonKind {
    Kubo,
    Cluster,
}

/// A running testnet. Dropping it stops every daemon (unless detached).
pub struct Testnet {
    opts: TestnetOptions,
    bins: DaemonBins,
    secrets: NetworkSecrets,
    peers: Vec<PeerInfo>,
    /// The running process of each daemon.
    children: BTreeMap<DaemonSlot, Child>,
    /// Set by [`Testnet::detach`] once start-up succeeded; until then a failure
    /// stops everything even for a detached testnet.
    keep_running: bool,
    /// Deployed mode: the hosts' network and what each compose file runs.
    deployed: Option<Deployed>,
}

struct Deployed {
    network: NetnsNetwork,
    /// Makes namespace and interface names unique to this testnet.
    tag: String,
    /// Per peer: its namespace and its compose file as deployed.
    hosts: Vec<DeployedHost>,
    /// Addresses of the members (not of outsiders).
    members: Vec<String>,
}

/// One host of a deployed testnet.
struct DeployedHost {
    /// Its network namespace.
    ns: String,
    /// Its compose file, as deployed.
    compose: ComposeHost,
}

impl Testnet {
    /// Builds the daemons if needed, starts `opts.peers` private peers and waits
    /// until they form one network.
    pub async fn start(opts: TestnetOptions) -> Result<Self> {
        if opts.peers == 0 && opts.compose_files.is_empty() {
            return Err(TestnetError::Invalid(
                "a testnet needs at least one peer".into(),
            ));
        }
        for place in &opts.places {
            place.checked()?;
        }
        let cache = daemons::cache_dir();
        let bins = tokio::task::spawn_blocking(move || {
            daemons::ensure_installed(&cache, |m| eprintln!("ccs-testnet: {m}"))
        })
        .await
        .map_err(|e| TestnetError::Invalid(e.to_string()))??;

        std::fs::create_dir_all(&opts.dir)
            .map_err(|e| TestnetError::io("create the testnet folder", &opts.dir, e))?;
        if std::fs::read_dir(&opts.dir)
            .map_err(|e| TestnetError::io("read the testnet folder", &opts.dir, e))?
            .next()
            .is_some()
        {
            return Err(TestnetError::Invalid(format!(
                "{} is not empty; stop the testnet there first (ccs-testnet down --dir {})",
                opts.dir.display(),
                opts.dir.display()
            )));
        }
        // Absolute, so the manifest stays valid from any working directory.
        let dir = std::fs::canonicalize(&opts.dir)
            .map_err(|e| TestnetError::io("resolve the testnet folder", &opts.dir, e))?;
        let opts = TestnetOptions { dir, ..opts };

        let mut net = Testnet {
            secrets: NetworkSecrets::generate(),
            bins,
            peers: Vec::new(),
            children: BTreeMap::new(),
            keep_running: false,
            deployed: None,
            opts,
        };
        // Any error from here on drops `net`, which stops what was started.
        if net.opts.compose_files.is_empty() {
            net.init_peers()?;
            net.configure_kubo()?;
        } else {
            net.init_deployed()?;
        }
        for i in 0..net.peers.len() {
            net.spawn(i, DaemonKind::Kubo)?;
        }
        for i in 0..net.peers.len() {
            net.wait_kubo_api(i).await?;
        }
        // The bootstrap node first, then the members that join through it.
        let first = net.bootstrap_index();
        net.spawn(first, DaemonKind::Cluster)?;
        net.wait_cluster_api(first).await?;
        for i in (0..net.peers.len()).filter(|i| *i != first) {
            net.spawn(i, DaemonKind::Cluster)?;
        }
        net.wait_formed().await?;
        net.write_manifest()?;
        Ok(net)
    }

    pub fn peers(&self) -> &[PeerInfo] {
        &self.peers
    }

    pub fn peer(&self, i: usize) -> &PeerInfo {
        &self.peers[i]
    }

    pub fn dir(&self) -> &Path {
        &self.opts.dir
    }

    pub fn bins(&self) -> &DaemonBins {
        &self.bins
    }

    /// Path of the CLI settings file that names every peer.
    pub fn config_path(&self) -> PathBuf {
        self.opts.dir.join(CONFIG)
    }

    /// Kills one daemon at once (SIGKILL), as a crash would.
    pub fn kill(&mut self, peer: usize, kind: DaemonKind) -> Result<()> {
        if let Some(mut child) = self.children.remove(&DaemonSlot { peer, kind }) {
            let _ = child.kill();
            let _ = child.wait();
        }
        self.refresh_pids();
        Ok(())
    }

    /// Starts a daemon again after [`Self::kill`], with the same data and ports.
    pub async fn restart(&mut self, peer: usize, kind: DaemonKind) -> Result<()> {
        // A daemon that exits while starting is started again, twice at most,
        // as the compose file's `restart: unless-stopped` has Docker do
        // (IPFS Cluster v1.1.6 can panic in go-libp2p-gorpc when a member's
        // call arrives before its RPC client is set).
        let mut attempt = 1;
        loop {
            self.spawn(peer, kind)?;
            self.refresh_pids();
            let up = match kind {
                DaemonKind::Kubo => self.wait_kubo_api(peer).await,
                DaemonKind::Cluster => self.wait_cluster_api(peer).await,
            };
            match up {
                Err(TestnetError::Command {
                    command, detail, ..
                }) if attempt < 3 && detail.starts_with("exited") => {
                    eprintln!(
                        "ccs-testnet: `{command}` of {} exited while starting ({}); started again, as its container's restart policy would",
                        self.peers[peer].name,
                        detail.lines().next().unwrap_or_default()
                    );
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    /// A disk swap under peer `peer`'s cluster peer (loopback mode): it is
    /// killed, its identity replaced by a fresh one and its shared state and
    /// peer store emptied, then it starts again under the same name and
    /// joins through peer 1, as a rebuilt machine would. The old peer id
    /// stays in the other members' pin allocations.
    pub async fn replace_cluster_identity(&mut self, peer: usize) -> Result<()> {
        self.kill(peer, DaemonKind::Cluster)?;
        let dir = self.peers[peer].cluster_dir();
        let id = ccs_core::deploy::identity::NodeIdentity::generate();
        ccs_core::deploy::node_config::audit_secrets(&[&id.private_key]);
        let identity = serde_json::json!({"id": id.peer_id, "private_key": id.private_key});
        let path = dir.join("identity.json");
        std::fs::write(&path, identity.to_string())
            .map_err(|e| TestnetError::io("write a new identity", &path, e))?;
        for state in ["pebble", "badger", "badger3", "leveldb", "peerstore"] {
            let p = dir.join(state);
            let gone = if p.is_dir() {
                std::fs::remove_dir_all(&p)
            } else {
                std::fs::remove_file(&p)
            };
            if let Err(e) = gone {
                if e.kind() != std::io::ErrorKind::NotFound {
                    return Err(TestnetError::io("empty the cluster state", &p, e));
                }
            }
        }
        self.peers[peer].cluster_peer_id = id.peer_id;
        self.restart(peer, DaemonKind::Cluster).await?;
        self.write_manifest()
    }

    /// Leaves the daemons running after this value is dropped. Used by `up`.
    pub fn detach(mut self) -> Manifest {
        self.keep_running = true;
        let m = self.manifest();
        // Forget the handles without killing: `down` stops them by pid.
        for (_, child) in std::mem::take(&mut self.children) {
            std::mem::forget(child);
        }
        m
    }

    /// Stops every daemon and waits for them to exit.
    pub fn stop(mut self) {
        self.stop_all();
    }

    /// What `testnet.json` records.
    pub fn manifest(&self) -> Manifest {
        Manifest {
            peers: self.peers.clone(),
            config: self.config_path(),
            network: self.deployed.as_ref().map(|d| d.network.clone()),
        }
    }

    fn bootstrap_index(&self) -> usize {
        self.deployed
            .as_ref()
            .and_then(|d| {
                d.hosts
                    .iter()
                    .position(|h| h.compose.node.bootstrap.is_none())
            })
            .unwrap_or(0)
    }

    /// Deployed mode: the whole-run traffic counters of host `i` (see [`connlog`]).
    pub fn connection_record(&self, i: usize) -> Result<BTreeMap<String, connlog::Count>> {
        let ns = self.namespace(i).ok_or_else(|| {
            TestnetError::Invalid("connection records need a deployed testnet".into())
        })?;
        connlog::read(ns)
    }

    /// Deployed mode: the non-members host `i` opened connections to, and the
    /// non-members that opened connections to it, over the whole run.
    pub fn connection_peers(&self, i: usize) -> Result<(Vec<String>, Vec<String>)> {
        let ns = self.namespace(i).ok_or_else(|| {
            TestnetError::Invalid("connection records need a deployed testnet".into())
        })?;
        connlog::peers_seen(ns)
    }

    /// Deployed mode: the hosts that are members (every host but outsiders).
    pub fn member_indices(&self) -> Vec<usize> {
        let Some(d) = &self.deployed else {
            return (0..self.peers.len()).collect();
        };
        (0..self.peers.len())
            .filter(|i| {
                d.network
                    .hosts
                    .get(&self.peers[*i].name)
                    .is_some_and(|a| d.members.contains(a))
            })
            .collect()
    }

    /// Deployed mode: a new member (for example a partner invited later with
    /// `clone` from another member's file) starts as a new host while the
    /// testnet runs: both daemons, exactly as its compose file says. Returns
    /// its peer index once its cluster API answers; it joins on its own.
    pub async fn start_member(&mut self, compose: &Path) -> Result<usize> {
        let index = self.start_host(compose, true).await?;
        self.spawn(index, DaemonKind::Cluster)?;
        self.wait_cluster_api(index).await?;
        self.refresh_pids();
        Ok(index)
    }

    /// Stops both daemons of host `i` for good (SIGKILL, as a power cut).
    pub fn kill_host(&mut self, i: usize) -> Result<()> {
        self.kill(i, DaemonKind::Cluster)?;
        self.kill(i, DaemonKind::Kubo)
    }

    /// Deployed mode: starts the kubo node of another compose file on a new
    /// host of the same network (for example a node of a different network,
    /// to prove that members ignore it). Not waited on to join anything.
    /// Returns its peer index.
    pub async fn start_outsider(&mut self, compose: &Path) -> Result<usize> {
        self.start_host(compose, false).await
    }

    /// The ids of the peers a member's kubo is connected to right now.
    pub async fn kubo_swarm_peers(&self, i: usize) -> Result<Vec<String>> {
        self.kubo_probe(i).swarm_peers().await
    }

    /// Deployed mode: the address of peer `i` on the hosts' network.
    pub fn host_addr(&self, i: usize) -> Option<&str> {
        let d = self.deployed.as_ref()?;
        d.network.hosts.get(&self.peers[i].name).map(String::as_str)
    }

    /// Deployed mode: the namespace of peer `i`.
    pub fn namespace(&self, i: usize) -> Option<&str> {
        self.deployed.as_ref().map(|d| d.hosts[i].ns.as_str())
    }

    fn write_manifest(&mut self) -> Result<()> {
        self.refresh_pids();
        let mut config = Config {
            default_node: self.peers.first().map(|p| p.name.clone()),
            ..Config::default()
        };
        for p in &self.peers {
            config.nodes.insert(p.name.clone(), p.profile());
        }
        config.save(&self.config_path())?;
        let json = serde_json::to_vec_pretty(&self.manifest())
            .map_err(|e| TestnetError::Invalid(e.to_string()))?;
        // Holds credentials: owner-only, like every file with secrets.
        ccs_core::local::settings::write_private(&self.opts.dir.join(MANIFEST), &json)?;
        Ok(())
    }
}

impl Drop for Testnet {
    fn drop(&mut self) {
        if !self.keep_running {
            self.stop_all();
            keep_logs(&self.peers);
            if let Some(d) = &self.deployed {
                d.network.teardown();
            }
        }
    }
}
