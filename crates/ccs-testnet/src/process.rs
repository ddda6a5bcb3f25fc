//! The daemons as processes: the command line and environment of each, spawning
//! (tied to the starter by `PR_SET_PDEATHSIG`, or in its own process group when
//! detached), noticing one that exited, and stopping them, from this process or
//! later by pid (`down`).

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use ccs_core::deploy::node_config;

use crate::{
    DaemonBins, DaemonKind, MANIFEST, Manifest, PeerInfo, Result, Testnet, TestnetError, daemons,
    deployed,
};

/// One daemon of a testnet: which peer, which kind. Ordered by peer, then kubo
/// before cluster, which is the order daemons are signalled and checked in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct DaemonSlot {
    pub(crate) peer: usize,
    pub(crate) kind: DaemonKind,
}

impl Testnet {
    pub(crate) fn stop_all(&mut self) {
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

    pub(crate) fn refresh_pids(&mut self) {
        for (i, p) in self.peers.iter_mut().enumerate() {
            p.pids = [DaemonKind::Kubo, DaemonKind::Cluster]
                .iter()
                .filter_map(|&kind| {
                    self.children
                        .get(&DaemonSlot { peer: i, kind })
                        .map(Child::id)
                })
                .collect();
        }
    }

    pub(crate) fn command(&self, p: &PeerInfo, kind: DaemonKind) -> Command {
        if let Some(d) = &self.deployed {
            let i = self
                .peers
                .iter()
                .position(|q| q.name == p.name)
                .unwrap_or(0);
            let host = &d.hosts[i];
            // What the images set: their data folders (our volumes) and PATH.
            let (spec, var, data) = match kind {
                DaemonKind::Kubo => (&host.compose.kubo, "IPFS_PATH", p.dir.join("ipfs")),
                DaemonKind::Cluster => (
                    &host.compose.cluster,
                    "IPFS_CLUSTER_PATH",
                    p.dir.join("ipfs-cluster"),
                ),
            };
            let mut cmd =
                deployed::service_command(&self.bins, &host.ns, spec, &[(var, &data)], &p.dir);
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
    pub(crate) fn run(&self, p: &PeerInfo, kind: DaemonKind, args: &[&str]) -> Result<String> {
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

    pub(crate) fn spawn(&mut self, i: usize, kind: DaemonKind) -> Result<()> {
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
        self.children.insert(DaemonSlot { peer: i, kind }, child);
        Ok(())
    }

    pub(crate) fn check_alive(&mut self) -> Result<()> {
        for (slot, child) in self.children.iter_mut() {
            if let Ok(Some(status)) = child.try_wait() {
                let p = &self.peers[slot.peer];
                let (log, program) = match slot.kind {
                    DaemonKind::Kubo => ("kubo.log", "ipfs"),
                    DaemonKind::Cluster => ("cluster.log", "ipfs-cluster-service"),
                };
                return Err(TestnetError::Command {
                    peer: p.name.clone(),
                    command: format!("{program} daemon"),
                    detail: format!(
                        "exited with {status}; last lines of its log:\n{}",
                        log_tail(&p.dir.join(log), 15)
                    ),
                });
            }
        }
        Ok(())
    }
}

/// The suite's secrets audit (`scripts/test.sh`) greps every daemon log for
/// the secrets the run made, but a testnet's folder is usually temporary: when
/// `CCS_TESTNET_LOG_DIR` is set, each peer's logs are copied there when the
/// testnet stops, before its folder can be removed.
pub(crate) fn keep_logs(peers: &[PeerInfo]) {
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

pub(crate) fn signal(pid: u32, sig: i32) {
    if let Ok(pid) = i32::try_from(pid) {
        // SAFETY: sending a signal to a process id we started.
        unsafe { libc::kill(pid, sig) };
    }
}

fn log_tail(path: &Path, lines: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}
