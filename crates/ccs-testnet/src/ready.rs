//! Waiting for the network: each daemon's API answering, then every cluster
//! peer seeing and reaching all the others and every kubo node connected to
//! the other members. A daemon that exits meanwhile fails the wait at once.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use ccs_core::net::kubo::KuboClient;

use crate::{Result, Testnet, TestnetError};

/// A CID no one stores (the empty identity block): asking for its status
/// makes every peer answer, without pinning anything.
const READINESS_CID: &str = "bafkqaaa";

/// Asks a kubo node for its connections: over HTTP on loopback, or with the
/// `ipfs` command inside a deployed host (whose RPC API only listens there).
#[derive(Clone)]
pub(crate) enum KuboProbe {
    Http(KuboClient),
    Netns {
        ns: String,
        ipfs: PathBuf,
        repo: PathBuf,
    },
}

impl KuboProbe {
    pub(crate) async fn swarm_peers(self) -> Result<Vec<String>> {
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

impl Testnet {
    pub(crate) fn kubo_probe(&self, i: usize) -> KuboProbe {
        match &self.deployed {
            None => KuboProbe::Http(self.peers[i].kubo()),
            Some(d) => KuboProbe::Netns {
                ns: d.hosts[i].ns.clone(),
                ipfs: self.bins.ipfs.clone(),
                repo: self.peers[i].dir.join("ipfs"),
            },
        }
    }

    pub(crate) async fn wait_until<F, Fut>(&mut self, what: &str, mut probe: F) -> Result<()>
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

    pub(crate) async fn wait_kubo_api(&mut self, i: usize) -> Result<()> {
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

    pub(crate) async fn wait_cluster_api(&mut self, i: usize) -> Result<()> {
        let cluster = self.peers[i].cluster();
        let what = format!("{} cluster API", self.peers[i].name);
        self.wait_until(&what, |_| {
            let cluster = cluster.clone();
            async move { cluster.id().await.map(|_| true).map_err(|e| e.to_string()) }
        })
        .await
    }

    /// Every cluster peer sees all N, and every kubo node is connected to the others.
    pub(crate) async fn wait_formed(&mut self) -> Result<()> {
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
