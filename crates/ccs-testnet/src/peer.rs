//! One peer: what `testnet.json` records about it, and how each is set up before
//! any daemon starts: on loopback with `ipfs init`, the swarm key, the `deploy`
//! config steps, `ipfs-cluster-service init` and its identities read back; or,
//! in deployed mode, as a host whose identities come from its compose file.

use std::path::{Path, PathBuf};

use ccs_core::deploy::node_config::{self, ClusterPeerSettings, KuboListen, KuboPeer};
use ccs_core::deploy::place::Place;
use ccs_core::local::settings::NodeProfile;
use ccs_core::net::cluster::ClusterClient;
use ccs_core::net::kubo::KuboClient;
use serde::{Deserialize, Serialize};

use crate::deployed::{ComposeHost, NetnsNetwork};
use crate::ports::free_port;
use crate::{DaemonKind, Deployed, DeployedHost, Result, Testnet, TestnetError, connlog};

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

/// A block file of a peer that holds a given marker (see
/// [`PeerInfo::blocks_holding`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldBlock {
    /// The block file (`blocks/XX/KEY.data`).
    pub file: PathBuf,
    /// Where the marker starts in it.
    pub offset: usize,
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
    /// Its organisation and site, published as informer tags (deployed: as
    /// its compose file says).
    #[serde(default, skip_serializing_if = "Place::is_empty")]
    pub place: Place,
}

impl PeerInfo {
    /// The block files (`blocks/XX/KEY.data` of kubo's flatfs store) of this
    /// peer that hold `marker`, each with the offset where it starts. For
    /// tests that damage one partner's stored copy on purpose.
    pub fn blocks_holding(&self, marker: &[u8]) -> Vec<HeldBlock> {
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
                Some(HeldBlock {
                    file: f,
                    offset: at,
                })
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
        let hit = hits.into_iter().next().unwrap_or_else(|| unreachable!());
        let mut data = std::fs::read(&hit.file).unwrap_or_else(|e| panic!("{e}"));
        data[hit.offset + offset] ^= 0xff;
        std::fs::write(&hit.file, &data).unwrap_or_else(|e| panic!("{e}"));
        hit.file
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

    pub(crate) fn kubo_dir(&self) -> PathBuf {
        self.dir.join("kubo")
    }

    pub(crate) fn cluster_dir(&self) -> PathBuf {
        self.dir.join("cluster")
    }
}

impl Testnet {
    /// Deployed mode: one namespace per compose file, every identity and
    /// credential read from the files themselves.
    pub(crate) fn init_deployed(&mut self) -> Result<()> {
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
                place: host.node.place.clone(),
            });
            placed.push(DeployedHost { ns, compose: host });
        }
        network.write_hosts_files()?;
        let members: Vec<String> = network.hosts.values().cloned().collect();
        if self.opts.record_connections {
            for h in &placed {
                connlog::install(&h.ns, &members, &format!("{}.254", network.prefix))?;
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

    /// A new host running `compose`'s kubo (started and waited on).
    pub(crate) async fn start_host(&mut self, compose: &Path, member: bool) -> Result<usize> {
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
                for (i, other) in d.hosts.iter().enumerate() {
                    let is_member = d
                        .network
                        .hosts
                        .get(&self.peers[i].name)
                        .is_some_and(|a| d.members.contains(a));
                    if is_member {
                        connlog::add_member(&other.ns, &addr)?;
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
        d.hosts.push(DeployedHost { ns, compose: host });
        self.spawn(index, DaemonKind::Kubo)?;
        self.wait_kubo_api(index).await?;
        self.refresh_pids();
        Ok(index)
    }

    /// Runs `ipfs init` and `ipfs-cluster-service init` for every peer and reads
    /// their identities, so every member's peer id is known before any starts.
    pub(crate) fn init_peers(&mut self) -> Result<()> {
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
                place: self.opts.places.get(i).cloned().unwrap_or_default(),
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

    pub(crate) fn kubo_listen(p: &PeerInfo) -> KuboListen {
        let swarm = format!("/ip4/127.0.0.1/tcp/{}", p.ports.kubo_swarm);
        KuboListen {
            swarm: vec![swarm.clone()],
            announce: vec![swarm],
            api: format!("/ip4/127.0.0.1/tcp/{}", p.ports.kubo_api),
            gateway: format!("/ip4/127.0.0.1/tcp/{}", p.ports.gateway),
        }
    }

    /// Applies the private-network settings to every kubo node.
    pub(crate) fn configure_kubo(&self) -> Result<()> {
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

    pub(crate) fn cluster_settings(&self, p: &PeerInfo) -> ClusterPeerSettings {
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
            // Tests see a withdrawn item's expiry within seconds.
            state_sync_interval: Some("2s".into()),
            place: p.place.clone(),
        }
    }
}
