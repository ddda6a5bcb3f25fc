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

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use ccs_core::deploy::node_config::{
    self, ClusterPeerSettings, KuboListen, KuboPeer, NetworkSecrets,
};
use ccs_core::local::settings::{Config, NodeProfile};
use ccs_core::net::cluster::ClusterClient;
use ccs_core::net::kubo::KuboClient;
use serde::{Deserialize, Serialize};

pub use daemons::DaemonBins;
use deployed::{ComposeHost, NetnsNetwork};

/// A CID no one stores (the empty identity block): asking for its status
/// makes every peer answer, without pinning anything.
const READINESS_CID: &str = "bafkqaaa";

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
        }
    }
}

/// Loopback ports of one peer.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct PeerPorts {
    pub kubo_swarm: u16,
    pub kubo_api: u16,
    pub gateway: u16,
    pub cluster_swarm: u16,
    pub cluster_api: u16,
    pub cluster_proxy: u16,
    pub cluster_pinsvc: u16,
}

/// One peer as recorded in `testnet.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PeerInfo {
    pub name: String,
    pub cluster_api: String,
    pub gateway: String,
    pub ipfs_api: String,
    pub username: String,
    pub password: String,
    pub cluster_peer_id: String,
    pub ipfs_peer_id: String,
    pub ports: PeerPorts,
    /// Data folder of this peer.
    pub dir: PathBuf,
    /// Process ids while running (kubo, cluster).
    #[serde(default)]
    pub pids: Vec<u32>,
}

impl PeerInfo {
    /// The block files (`blocks/XX/KEY.data` of kubo's flatfs store) of this
    /// peer that hold `marker`, each with the offset where it starts. For
    /// tests that damage one partner's stored copy on purpose.
    pub fn blocks_holding(&self, marker: &[u8]) -> Vec<(PathBuf, usize)> {
        let blocks = self.dir.join("kubo").join("blocks");
        let shards = std::fs::read_dir(blocks).into_iter().flatten().flatten();
        shards
            .filter(|shard| shard.path().is_dir())
            .flat_map(|shard| {
                std::fs::read_dir(shard.path())
                    .into_iter()
                    .flatten()
                    .flatten()
            })
            .map(|f| f.path())
            .filter(|f| f.extension().is_some_and(|e| e == "data"))
            .filter_map(|f| {
                let data = std::fs::read(&f).ok()?;
                let at = data.windows(marker.len()).position(|w| w == marker)?;
                Some((f, at))
            })
            .collect()
    }

    /// Flips the byte `offset` bytes after `marker` in this peer's copy of the
    /// block holding it (kubo serves blocks without checking them again, so
    /// only a reader that verifies notices). Returns the damaged block file.
    pub fn damage_block(&self, marker: &[u8], offset: usize) -> PathBuf {
        let hits = self.blocks_holding(marker);
        assert_eq!(
            hits.len(),
            1,
            "{}: the block is stored once: {hits:?}",
            self.name
        );
        let (block, at) = hits.into_iter().next().unwrap_or_else(|| unreachable!());
        let mut data = std::fs::read(&block).unwrap_or_else(|e| panic!("{e}"));
        data[at + offset] ^= 0xff;
        std::fs::write(&block, &data).unwrap_or_else(|e| panic!("{e}"));
        block
    }

    pub fn profile(&self) -> NodeProfile {
        NodeProfile {
            cluster_api: self.cluster_api.clone(),
            gateway: Some(self.gateway.clone()),
            ipfs_api: Some(self.ipfs_api.clone()),
            username: Some(self.username.clone()),
            password: Some(self.password.clone()),
        }
    }

    pub fn cluster(&self) -> ClusterClient {
        // The URL was built by us from a loopback port; it always parses.
        self.profile()
            .cluster()
            .unwrap_or_else(|e| unreachable!("testnet URL rejected: {e}"))
    }

    pub fn kubo(&self) -> KuboClient {
        self.profile().kubo()
    }

    fn kubo_dir(&self) -> PathBuf {
        self.dir.join("kubo")
    }

    fn cluster_dir(&self) -> PathBuf {
        self.dir.join("cluster")
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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
    /// (peer index, kind) -> running process.
    children: BTreeMap<(usize, DaemonKindKey), Child>,
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
    hosts: Vec<(String, ComposeHost)>,
    /// Addresses of the members (not of outsiders).
    members: Vec<String>,
}

/// Asks a kubo node for its connections: over HTTP on loopback, or with the
/// `ipfs` command inside a deployed host (whose RPC API only listens there).
#[derive(Clone)]
enum KuboProbe {
    Http(KuboClient),
    Netns {
        ns: String,
        ipfs: PathBuf,
        repo: PathBuf,
    },
}

impl KuboProbe {
    async fn swarm_peers(self) -> Result<Vec<String>> {
        match self {
            KuboProbe::Http(k) => Ok(k.swarm_peers().await?.into_iter().map(|p| p.peer).collect()),
            KuboProbe::Netns { ns, ipfs, repo } => {
                let out = tokio::process::Command::new("ip")
                    .args(["netns", "exec", &ns])
                    .arg(&ipfs)
                    .args(["--api", "/ip4/127.0.0.1/tcp/5001", "swarm", "peers"])
                    .env("IPFS_PATH", &repo)
                    .output()
                    .await
                    .map_err(|e| TestnetError::io("ask a test host's kubo", &ipfs, e))?;
                if !out.status.success() {
                    return Err(TestnetError::Command {
                        peer: ns,
                        command: "ipfs swarm peers".into(),
                        detail: String::from_utf8_lossy(&out.stderr).trim().to_string(),
                    });
                }
                Ok(String::from_utf8_lossy(&out.stdout)
                    .lines()
                    .filter_map(|l| l.rsplit("/p2p/").next())
                    .filter(|s| !s.is_empty())
                    .map(String::from)
                    .collect())
            }
        }
    }
}

type DaemonKindKey = u8;

fn key(kind: DaemonKind) -> DaemonKindKey {
    match kind {
        DaemonKind::Kubo => 0,
        DaemonKind::Cluster => 1,
    }
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
        if let Some(mut child) = self.children.remove(&(peer, key(kind))) {
            let _ = child.kill();
            let _ = child.wait();
        }
        self.refresh_pids();
        Ok(())
    }

    /// Starts a daemon again after [`Self::kill`], with the same data and ports.
    pub async fn restart(&mut self, peer: usize, kind: DaemonKind) -> Result<()> {
        self.spawn(peer, kind)?;
        self.refresh_pids();
        match kind {
            DaemonKind::Kubo => self.wait_kubo_api(peer).await,
            DaemonKind::Cluster => self.wait_cluster_api(peer).await,
        }
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

    fn stop_all(&mut self) {
        for child in self.children.values() {
            signal(child.id(), libc::SIGTERM);
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        for (_, mut child) in std::mem::take(&mut self.children) {
            loop {
                match child.try_wait() {
                    Ok(Some(_)) | Err(_) => break,
                    Ok(None) if Instant::now() >= deadline => {
                        let _ = child.kill();
                        let _ = child.wait();
                        break;
                    }
                    Ok(None) => std::thread::sleep(Duration::from_millis(50)),
                }
            }
        }
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
            .and_then(|d| d.hosts.iter().position(|(_, h)| h.node.bootstrap.is_none()))
            .unwrap_or(0)
    }

    /// Deployed mode: one namespace per compose file, every identity and
    /// credential read from the files themselves.
    fn init_deployed(&mut self) -> Result<()> {
        let hosts: Vec<ComposeHost> = self
            .opts
            .compose_files
            .iter()
            .map(|f| ComposeHost::load(f))
            .collect::<Result<_>>()?;
        let tag = format!("{:x}", std::process::id() % 0xfff);
        let mut network = NetnsNetwork::create(&tag)?;
        let mut placed = Vec::new();
        for (i, host) in hosts.into_iter().enumerate() {
            let name = host.node.peername.clone();
            let added = network.add_host(&tag, i, &name);
            // Recorded at each step, so a failure still tears down what exists.
            self.deployed = Some(Deployed {
                network: network.clone(),
                tag: tag.clone(),
                hosts: Vec::new(),
                members: Vec::new(),
            });
            let (ns, addr) = added?;
            let dir = self.opts.dir.join(&name);
            for sub in ["ipfs", "ipfs-cluster"] {
                let d = dir.join(sub);
                std::fs::create_dir_all(&d)
                    .map_err(|e| TestnetError::io("create a host folder", &d, e))?;
            }
            use ccs_core::deploy::compose as c;
            let ports = PeerPorts {
                kubo_swarm: c::KUBO_SWARM_PORT,
                kubo_api: c::KUBO_API_PORT,
                gateway: c::GATEWAY_PORT,
                cluster_swarm: c::CLUSTER_SWARM_PORT,
                cluster_api: c::CLUSTER_API_PORT,
                cluster_proxy: c::CLUSTER_PROXY_PORT,
                cluster_pinsvc: c::CLUSTER_PINSVC_PORT,
            };
            self.peers.push(PeerInfo {
                name: name.clone(),
                cluster_api: format!("http://{addr}:{}", ports.cluster_api),
                gateway: format!("http://{addr}:{}", ports.gateway),
                // Loopback inside the host: unreachable from here, by design.
                ipfs_api: format!("http://127.0.0.1:{}", ports.kubo_api),
                username: host.node.secrets.rest_api.username.clone(),
                password: host.node.secrets.rest_api.password.clone(),
                cluster_peer_id: host.node.cluster_identity.peer_id.clone(),
                ipfs_peer_id: host.node.kubo_identity.peer_id.clone(),
                ports,
                dir,
                pids: Vec::new(),
            });
            placed.push((ns, host));
        }
        network.write_hosts_files()?;
        let members: Vec<String> = network.hosts.values().cloned().collect();
        if self.opts.record_connections {
            for (ns, _) in &placed {
                connlog::install(ns, &members, &format!("{}.254", network.prefix))?;
            }
        }
        self.deployed = Some(Deployed {
            network,
            tag,
            hosts: placed,
            members,
        });
        Ok(())
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

    /// A new host running `compose`'s kubo (started and waited on).
    async fn start_host(&mut self, compose: &Path, member: bool) -> Result<usize> {
        let host = ComposeHost::load(compose)?;
        let index = self.peers.len();
        let name = host.node.peername.clone();
        let d = self
            .deployed
            .as_mut()
            .ok_or_else(|| TestnetError::Invalid("outsiders need a deployed testnet".into()))?;
        let (ns, addr) = d.network.add_host(&d.tag.clone(), index, &name)?;
        d.network.write_hosts_files()?;
        if member {
            d.members.push(addr.clone());
            if self.opts.record_connections {
                for (i, (other, _)) in d.hosts.iter().enumerate() {
                    let is_member = d
                        .network
                        .hosts
                        .get(&self.peers[i].name)
                        .is_some_and(|a| d.members.contains(a));
                    if is_member {
                        connlog::add_member(other, &addr)?;
                    }
                }
                connlog::install(&ns, &d.members, &format!("{}.254", d.network.prefix))?;
            }
        }
        let dir = self.opts.dir.join(&name);
        for sub in ["ipfs", "ipfs-cluster"] {
            let p = dir.join(sub);
            std::fs::create_dir_all(&p)
                .map_err(|e| TestnetError::io("create a host folder", &p, e))?;
        }
        let mut info = self.peers[0].clone();
        info.name = name;
        info.cluster_api = format!("http://{addr}:{}", info.ports.cluster_api);
        info.gateway = format!("http://{addr}:{}", info.ports.gateway);
        info.username = host.node.secrets.rest_api.username.clone();
        info.password = host.node.secrets.rest_api.password.clone();
        info.cluster_peer_id = host.node.cluster_identity.peer_id.clone();
        info.ipfs_peer_id = host.node.kubo_identity.peer_id.clone();
        info.dir = dir;
        info.pids = Vec::new();
        self.peers.push(info);
        d.hosts.push((ns, host));
        self.spawn(index, DaemonKind::Kubo)?;
        self.wait_kubo_api(index).await?;
        self.refresh_pids();
        Ok(index)
    }

    fn kubo_probe(&self, i: usize) -> KuboProbe {
        match &self.deployed {
            None => KuboProbe::Http(self.peers[i].kubo()),
            Some(d) => KuboProbe::Netns {
                ns: d.hosts[i].0.clone(),
                ipfs: self.bins.ipfs.clone(),
                repo: self.peers[i].dir.join("ipfs"),
            },
        }
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
        self.deployed.as_ref().map(|d| d.hosts[i].0.as_str())
    }

    fn refresh_pids(&mut self) {
        for (i, p) in self.peers.iter_mut().enumerate() {
            p.pids = [DaemonKind::Kubo, DaemonKind::Cluster]
                .iter()
                .filter_map(|k| self.children.get(&(i, key(*k))).map(Child::id))
                .collect();
        }
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

    /// Runs `ipfs init` and `ipfs-cluster-service init` for every peer and reads
    /// their identities, so every member's peer id is known before any starts.
    fn init_peers(&mut self) -> Result<()> {
        for i in 0..self.opts.peers {
            let name = format!("peer{}", i + 1);
            let dir = self.opts.dir.join(&name);
            let ports = PeerPorts {
                kubo_swarm: free_port()?,
                kubo_api: free_port()?,
                gateway: free_port()?,
                cluster_swarm: free_port()?,
                cluster_api: free_port()?,
                cluster_proxy: free_port()?,
                cluster_pinsvc: free_port()?,
            };
            let mut peer = PeerInfo {
                cluster_api: format!("http://127.0.0.1:{}", ports.cluster_api),
                gateway: format!("http://127.0.0.1:{}", ports.gateway),
                ipfs_api: format!("http://127.0.0.1:{}", ports.kubo_api),
                username: self.secrets.rest_api.username.clone(),
                password: self.secrets.rest_api.password.clone(),
                cluster_peer_id: String::new(),
                ipfs_peer_id: String::new(),
                ports,
                dir,
                pids: Vec::new(),
                name,
            };
            for d in [peer.kubo_dir(), peer.cluster_dir()] {
                std::fs::create_dir_all(&d)
                    .map_err(|e| TestnetError::io("create a peer folder", &d, e))?;
            }
            self.run(&peer, DaemonKind::Kubo, &["init", "--empty-repo"])?;
            ccs_core::local::settings::write_private(
                &peer.kubo_dir().join("swarm.key"),
                self.secrets.swarm_key_file().as_bytes(),
            )?;
            peer.ipfs_peer_id = self
                .run(&peer, DaemonKind::Kubo, &["config", "Identity.PeerID"])?
                .trim()
                .to_string();
            self.run(&peer, DaemonKind::Cluster, &["init", "--consensus", "crdt"])?;
            let identity_path = peer.cluster_dir().join("identity.json");
            let identity: serde_json::Value = std::fs::read(&identity_path)
                .ok()
                .and_then(|b| serde_json::from_slice(&b).ok())
                .ok_or_else(|| {
                    TestnetError::Invalid(format!("{} is unreadable", identity_path.display()))
                })?;
            peer.cluster_peer_id = identity["id"].as_str().unwrap_or_default().to_string();
            // The daemons made these two keys: record them for the suite's
            // secrets audit (see `ccs_core::deploy::node_config::audit_secrets`).
            let kubo_config: serde_json::Value = std::fs::read(peer.kubo_dir().join("config"))
                .ok()
                .and_then(|b| serde_json::from_slice(&b).ok())
                .unwrap_or_default();
            node_config::audit_secrets(&[
                kubo_config["Identity"]["PrivKey"]
                    .as_str()
                    .unwrap_or_default(),
                identity["private_key"].as_str().unwrap_or_default(),
            ]);
            self.peers.push(peer);
        }
        Ok(())
    }

    fn kubo_listen(p: &PeerInfo) -> KuboListen {
        let swarm = format!("/ip4/127.0.0.1/tcp/{}", p.ports.kubo_swarm);
        KuboListen {
            swarm: vec![swarm.clone()],
            announce: vec![swarm],
            api: format!("/ip4/127.0.0.1/tcp/{}", p.ports.kubo_api),
            gateway: format!("/ip4/127.0.0.1/tcp/{}", p.ports.gateway),
        }
    }

    /// Applies the private-network settings to every kubo node.
    fn configure_kubo(&self) -> Result<()> {
        for (i, p) in self.peers.iter().enumerate() {
            let members: Vec<KuboPeer> = self
                .peers
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, m)| KuboPeer {
                    peer_id: m.ipfs_peer_id.clone(),
                    addrs: Self::kubo_listen(m).swarm,
                })
                .collect();
            for step in node_config::kubo_config(&Self::kubo_listen(p), &members, &[]) {
                let value = step.value.to_string();
                self.run(p, DaemonKind::Kubo, &["config", "--json", step.key, &value])?;
            }
        }
        Ok(())
    }

    fn cluster_settings(&self, p: &PeerInfo) -> ClusterPeerSettings {
        ClusterPeerSettings {
            peername: p.name.clone(),
            identity: None,
            secret: self.secrets.cluster_secret.clone(),
            rest_api: self.secrets.rest_api.clone(),
            listen: vec![format!("/ip4/127.0.0.1/tcp/{}", p.ports.cluster_swarm)],
            rest_listen: format!("/ip4/127.0.0.1/tcp/{}", p.ports.cluster_api),
            ipfs_api: format!("/ip4/127.0.0.1/tcp/{}", p.ports.kubo_api),
            proxy_listen: format!("/ip4/127.0.0.1/tcp/{}", p.ports.cluster_proxy),
            pinsvc_listen: format!("/ip4/127.0.0.1/tcp/{}", p.ports.cluster_pinsvc),
            replication_min: -1,
            replication_max: -1,
            monitor_ping_interval: self.opts.monitor_ping_interval.clone(),
        }
    }

    fn command(&self, p: &PeerInfo, kind: DaemonKind) -> Command {
        if let Some(d) = &self.deployed {
            let i = self
                .peers
                .iter()
                .position(|q| q.name == p.name)
                .unwrap_or(0);
            let (ns, host) = &d.hosts[i];
            // What the images set: their data folders (our volumes) and PATH.
            let (spec, var, data) = match kind {
                DaemonKind::Kubo => (&host.kubo, "IPFS_PATH", p.dir.join("ipfs")),
                DaemonKind::Cluster => (
                    &host.cluster,
                    "IPFS_CLUSTER_PATH",
                    p.dir.join("ipfs-cluster"),
                ),
            };
            let mut cmd = deployed::service_command(&self.bins, ns, spec, &[(var, &data)], &p.dir);
            cmd.stdin(Stdio::null());
            return cmd;
        }
        let mut cmd = match kind {
            DaemonKind::Kubo => {
                let mut c = Command::new(&self.bins.ipfs);
                c.env("IPFS_PATH", p.kubo_dir());
                for (k, v) in node_config::KUBO_ENV {
                    c.env(k, v);
                }
                c
            }
            DaemonKind::Cluster => {
                let mut c = Command::new(&self.bins.cluster_service);
                c.env("IPFS_CLUSTER_PATH", p.cluster_dir());
                for (k, v) in self.cluster_settings(p).env() {
                    c.env(k, v);
                }
                c
            }
        };
        // Keep every daemon's state under the testnet folder, never in $HOME.
        cmd.env("HOME", &p.dir).stdin(Stdio::null());
        cmd
    }

    /// Runs a one-off command (init, config) and returns its output.
    fn run(&self, p: &PeerInfo, kind: DaemonKind, args: &[&str]) -> Result<String> {
        let out = self
            .command(p, kind)
            .args(args)
            .output()
            .map_err(|e| TestnetError::io("run a daemon command", &self.bins.ipfs, e))?;
        if !out.status.success() {
            return Err(TestnetError::Command {
                peer: p.name.clone(),
                command: args.first().copied().unwrap_or_default().to_string(),
                detail: String::from_utf8_lossy(&out.stderr).trim().to_string(),
            });
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    fn spawn(&mut self, i: usize, kind: DaemonKind) -> Result<()> {
        let p = &self.peers[i];
        let deployed = self.deployed.is_some();
        let (log_name, args): (&str, Vec<String>) = match kind {
            // A deployed service's argv comes whole from its compose file.
            DaemonKind::Kubo if deployed => ("kubo.log", vec![]),
            DaemonKind::Cluster if deployed => ("cluster.log", vec![]),
            DaemonKind::Kubo => ("kubo.log", vec!["daemon".into()]),
            DaemonKind::Cluster => {
                let mut a = vec!["daemon".to_string()];
                if i > 0 {
                    let b = &self.peers[0];
                    a.push("--bootstrap".into());
                    a.push(format!(
                        "/ip4/127.0.0.1/tcp/{}/p2p/{}",
                        b.ports.cluster_swarm, b.cluster_peer_id
                    ));
                }
                ("cluster.log", a)
            }
        };
        let log_path = p.dir.join(log_name);
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log_path)
            .map_err(|e| TestnetError::io("open a daemon log", &log_path, e))?;
        let log2 = log
            .try_clone()
            .map_err(|e| TestnetError::io("open a daemon log", &log_path, e))?;
        let mut cmd = self.command(p, kind);
        cmd.args(&args).stdout(log).stderr(log2);
        use std::os::unix::process::CommandExt;
        if self.opts.detached {
            // Its own process group, so the terminal's Ctrl-C after `up` returns does not reach it.
            cmd.process_group(0);
        } else {
            // SAFETY: prctl is async-signal-safe; nothing else runs between fork and exec.
            unsafe {
                cmd.pre_exec(|| {
                    // Die with the thread that started us: covers Ctrl-C and crashes
                    // of the test process, where no destructor runs.
                    if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                    Ok(())
                });
            }
        }
        let child = cmd
            .spawn()
            .map_err(|e| TestnetError::io("start a daemon", &self.bins.ipfs, e))?;
        self.children.insert((i, key(kind)), child);
        Ok(())
    }

    fn check_alive(&mut self) -> Result<()> {
        for ((i, k), child) in self.children.iter_mut() {
            if let Ok(Some(status)) = child.try_wait() {
                let p = &self.peers[*i];
                let log = if *k == 0 { "kubo.log" } else { "cluster.log" };
                return Err(TestnetError::Command {
                    peer: p.name.clone(),
                    command: format!(
                        "{} daemon",
                        if *k == 0 {
                            "ipfs"
                        } else {
                            "ipfs-cluster-service"
                        }
                    ),
                    detail: format!(
                        "exited with {status}; last lines of its log:\n{}",
                        log_tail(&p.dir.join(log), 15)
                    ),
                });
            }
        }
        Ok(())
    }

    async fn wait_until<F, Fut>(&mut self, what: &str, mut probe: F) -> Result<()>
    where
        F: FnMut(&Self) -> Fut,
        Fut: std::future::Future<Output = Result<bool, String>>,
    {
        let deadline = Instant::now() + self.opts.ready_timeout;
        let mut last = String::from("no answer yet");
        loop {
            self.check_alive()?;
            match probe(self).await {
                Ok(true) => return Ok(()),
                Ok(false) => {}
                Err(e) => last = e,
            }
            if Instant::now() >= deadline {
                return Err(TestnetError::NotReady {
                    secs: self.opts.ready_timeout.as_secs(),
                    detail: format!("{what}: {last}"),
                });
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    async fn wait_kubo_api(&mut self, i: usize) -> Result<()> {
        let probe = self.kubo_probe(i);
        let what = format!("{} kubo API", self.peers[i].name);
        self.wait_until(&what, |_| {
            let probe = probe.clone();
            async move {
                probe
                    .swarm_peers()
                    .await
                    .map(|_| true)
                    .map_err(|e| e.to_string())
            }
        })
        .await
    }

    async fn wait_cluster_api(&mut self, i: usize) -> Result<()> {
        let cluster = self.peers[i].cluster();
        let what = format!("{} cluster API", self.peers[i].name);
        self.wait_until(&what, |_| {
            let cluster = cluster.clone();
            async move { cluster.id().await.map(|_| true).map_err(|e| e.to_string()) }
        })
        .await
    }

    /// Every cluster peer sees all N, and every kubo node is connected to the others.
    async fn wait_formed(&mut self) -> Result<()> {
        let n = self.peers.len();
        let peers = self.peers.clone();
        let probes: Vec<KuboProbe> = (0..n).map(|i| self.kubo_probe(i)).collect();
        self.wait_until("network formation", |_| {
            let peers = peers.clone();
            let probes = probes.clone();
            async move {
                for (p, probe) in peers.iter().zip(probes) {
                    let id = p.cluster().id().await.map_err(|e| e.to_string())?;
                    if id.cluster_peers.len() < n {
                        return Err(format!(
                            "{} sees {} of {n} cluster peers",
                            p.name,
                            id.cluster_peers.len()
                        ));
                    }
                    // Every peer must also answer for every other: a status
                    // query fans out to all peers, and a peer that cannot route
                    // to another yet reports it as `cluster_error`.
                    let st = p
                        .cluster()
                        .status(READINESS_CID)
                        .await
                        .map_err(|e| e.to_string())?;
                    let answering = st
                        .peer_map
                        .values()
                        .filter(|s| s.status != ccs_core::net::cluster::TrackerStatus::ClusterError)
                        .count();
                    if answering < n {
                        return Err(format!(
                            "{} reaches {answering} of {n} cluster peers",
                            p.name
                        ));
                    }
                    let swarm = probe.swarm_peers().await.map_err(|e| e.to_string())?;
                    let connected = peers
                        .iter()
                        .filter(|o| o.name != p.name)
                        .filter(|o| swarm.contains(&o.ipfs_peer_id))
                        .count();
                    if connected < n - 1 {
                        return Err(format!(
                            "{} kubo is connected to {connected} of {} members",
                            p.name,
                            n - 1
                        ));
                    }
                }
                Ok(true)
            }
        })
        .await
    }
}

/// The suite's secrets audit (`scripts/test.sh`) greps every daemon log for
/// the secrets the run made, but a testnet's folder is usually temporary: when
/// `CCS_TESTNET_LOG_DIR` is set, each peer's logs are copied there when the
/// testnet stops, before its folder can be removed.
fn keep_logs(peers: &[PeerInfo]) {
    static COUNT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let Some(root) = std::env::var_os("CCS_TESTNET_LOG_DIR").filter(|r| !r.is_empty()) else {
        return;
    };
    let n = COUNT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dest = Path::new(&root).join(format!("{}-{n}", std::process::id()));
    for p in peers {
        let Ok(entries) = std::fs::read_dir(&p.dir) else {
            continue;
        };
        for e in entries.flatten() {
            let name = e.file_name();
            if name.to_string_lossy().ends_with(".log") {
                let d = dest.join(&p.name);
                if std::fs::create_dir_all(&d).is_ok() {
                    let _ = std::fs::copy(e.path(), d.join(&name));
                }
            }
        }
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

/// Stops a detached testnet recorded in `dir` and removes its data.
pub fn down(dir: &Path) -> Result<usize> {
    let manifest_path = dir.join(MANIFEST);
    let mut stopped = 0;
    if let Ok(bytes) = std::fs::read(&manifest_path) {
        let manifest: Manifest = serde_json::from_slice(&bytes).map_err(|e| {
            TestnetError::Invalid(format!("{} is unreadable: {e}", manifest_path.display()))
        })?;
        let bins = daemons::locate(&daemons::cache_dir());
        let pids: Vec<u32> = manifest
            .peers
            .iter()
            .flat_map(|p| p.pids.iter().copied())
            .filter(|pid| is_our_daemon(*pid, bins.as_ref()))
            .collect();
        for pid in &pids {
            signal(*pid, libc::SIGTERM);
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while pids.iter().any(|p| alive(*p)) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(100));
        }
        for pid in &pids {
            if alive(*pid) {
                signal(*pid, libc::SIGKILL);
            }
        }
        stopped = pids.len();
        keep_logs(&manifest.peers);
        if let Some(network) = &manifest.network {
            network.teardown();
        }
    } else if !dir.exists() {
        return Ok(0);
    }
    std::fs::remove_dir_all(dir)
        .map_err(|e| TestnetError::io("remove the testnet folder", dir, e))?;
    Ok(stopped)
}

/// True when `pid` runs one of our daemon binaries (guards against reused pids).
fn is_our_daemon(pid: u32, bins: Option<&DaemonBins>) -> bool {
    let Ok(exe) = std::fs::read_link(format!("/proc/{pid}/exe")) else {
        return false;
    };
    match bins {
        Some(b) => exe == b.ipfs || exe == b.cluster_service,
        None => exe
            .file_name()
            .is_some_and(|n| n == "ipfs" || n == "ipfs-cluster-service"),
    }
}

fn alive(pid: u32) -> bool {
    // A zombie still has /proc/PID; treat it as gone.
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| !s.contains(") Z "))
        .unwrap_or(false)
}

fn signal(pid: u32, sig: i32) {
    if let Ok(pid) = i32::try_from(pid) {
        // SAFETY: sending a signal to a process id we started.
        unsafe { libc::kill(pid, sig) };
    }
}

/// A port nothing listens on, for a daemon to bind a moment later. Three rules
/// keep two daemons from being handed the same port (seen in CI as "address
/// already in use"): a port is never handed out twice by this process (the
/// kernel's "any free port" can return the same one again once the probe is
/// closed); nor by two processes at once, which claim ports in a shared folder
/// (test binaries start several testnets at the same moment, and between the
/// probe and the daemon's bind the port looks free to each of them); and ports
/// come from below Linux's ephemeral range (32768-60999), so no outgoing
/// connection takes one between the probe and the bind.
fn free_port() -> Result<u16> {
    use std::hash::{BuildHasher, Hasher};
    static HANDED_OUT: std::sync::Mutex<Vec<u16>> = std::sync::Mutex::new(Vec::new());
    const RANGE: std::ops::Range<u32> = 20_000..32_000;
    let mut handed = HANDED_OUT.lock().unwrap_or_else(|e| e.into_inner());
    let seed = std::collections::hash_map::RandomState::new();
    let claims = std::env::temp_dir().join("ccs-testnet-ports");
    let _ = std::fs::create_dir_all(&claims);
    let mut last_err = None;
    for attempt in 0..2_000u32 {
        let mut h = seed.build_hasher();
        h.write_u32(attempt);
        h.write_u32(std::process::id());
        let port = (RANGE.start + (h.finish() % u64::from(RANGE.end - RANGE.start)) as u32) as u16;
        if handed.contains(&port) || !claim_port(&claims, port) {
            continue;
        }
        match std::net::TcpListener::bind(("127.0.0.1", port)) {
            Ok(_) => {
                handed.push(port);
                return Ok(port);
            }
            Err(e) => last_err = Some(e),
        }
    }
    Err(TestnetError::io(
        "find a free port",
        Path::new("127.0.0.1"),
        last_err.unwrap_or_else(|| std::io::Error::other("every port tried was taken")),
    ))
}

/// Claims `port` for this process in the shared folder: a file named after
/// the port holding our pid. A claim whose process has ended is taken over.
/// When the folder cannot be written, every port counts as unclaimed (the
/// probe still applies).
fn claim_port(claims: &Path, port: u16) -> bool {
    use std::io::Write;
    let file = claims.join(port.to_string());
    let me = std::process::id();
    for _ in 0..2 {
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&file)
        {
            Ok(mut f) => {
                let _ = write!(f, "{me}");
                return true;
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                let owner = std::fs::read_to_string(&file).unwrap_or_default();
                match owner.trim().parse::<u32>() {
                    Ok(pid) if pid == me => return true,
                    Ok(pid) if Path::new(&format!("/proc/{pid}")).exists() => return false,
                    // Its process has ended, or it is being written right now:
                    // only take over a claim that parses and is dead.
                    Ok(_) => {
                        let _ = std::fs::remove_file(&file);
                    }
                    Err(_) => return false,
                }
            }
            Err(_) => return true,
        }
    }
    false
}

fn log_tail(path: &Path, lines: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

#[cfg(test)]
mod port_claim_tests {
    use super::*;

    #[test]
    fn a_port_claimed_by_a_live_process_is_refused_and_a_dead_ones_taken_over() {
        let claims = tempfile::tempdir().unwrap();
        // pid 1 lives as long as the machine does.
        std::fs::write(claims.path().join("21000"), "1").unwrap();
        assert!(!claim_port(claims.path(), 21000));

        let mut ended = std::process::Command::new("true").spawn().unwrap();
        let dead = ended.id();
        ended.wait().unwrap();
        std::fs::write(claims.path().join("21001"), dead.to_string()).unwrap();
        assert!(claim_port(claims.path(), 21001));
        let owner = std::fs::read_to_string(claims.path().join("21001")).unwrap();
        assert_eq!(owner, std::process::id().to_string());

        // A fresh port is claimed once; our own claim stays ours.
        assert!(claim_port(claims.path(), 21002));
        assert!(claim_port(claims.path(), 21002));
        // A claim being written (empty for a moment) is left alone.
        std::fs::write(claims.path().join("21003"), "").unwrap();
        assert!(!claim_port(claims.path(), 21003));
    }
}
