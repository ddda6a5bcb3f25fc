//! The `ccs-testnet` command as a user runs it: `up` writes what it promises,
//! `down` and Ctrl-C leave no daemon behind, and neither does a crash.

// Needs the real daemons (or root, or system services): `./scripts/test.sh` turns it on.
#![cfg(feature = "real-daemons")]
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ccs_core::local::settings::Config;
use ccs_testnet::Manifest;

const BIN: &str = env!("CARGO_BIN_EXE_ccs-testnet");

fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| !s.contains(") Z "))
        .unwrap_or(false)
}

fn wait_dead(pids: &[u32], timeout: Duration) {
    let deadline = Instant::now() + timeout;
    while pids.iter().any(|p| alive(*p)) {
        assert!(Instant::now() < deadline, "daemons still running: {pids:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn read_manifest(dir: &Path) -> Manifest {
    serde_json::from_slice(&std::fs::read(dir.join("testnet.json")).unwrap()).unwrap()
}

fn all_pids(m: &Manifest) -> Vec<u32> {
    m.peers.iter().flat_map(|p| p.pids.clone()).collect()
}

#[tokio::test]
async fn up_writes_manifest_and_config_and_down_stops_everything() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("net");
    let out = Command::new(BIN)
        .args(["up", "--peers", "2", "--dir"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("peer1: up"), "{stdout}");

    let m = read_manifest(&dir);
    assert_eq!(m.peers.len(), 2);
    let pids = all_pids(&m);
    assert_eq!(pids.len(), 4);
    assert!(pids.iter().all(|p| alive(*p)));
    for p in &m.peers {
        assert!(p.cluster_peer_id.starts_with("12D3KooW"));
        assert!(!p.ipfs_peer_id.is_empty() && !p.password.is_empty());
        // Everything of the peer, $HOME included, stays under the testnet folder.
        assert!(p.dir.starts_with(std::fs::canonicalize(&dir).unwrap()));
    }
    // Files holding secrets are owner-only.
    use std::os::unix::fs::PermissionsExt;
    for f in ["testnet.json", "config.toml", "peer1/kubo/swarm.key"] {
        let mode = std::fs::metadata(dir.join(f)).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{f}");
    }

    // The CLI config reaches each peer by name, with working credentials.
    let config = Config::load(&m.config).unwrap();
    assert_eq!(config.default_node.as_deref(), Some("peer1"));
    let id = config.node("peer2").cluster().unwrap().id().await.unwrap();
    assert_eq!(id.peername, "peer2");
    assert_eq!(id.cluster_peers.len(), 2);

    let status = Command::new(BIN)
        .args(["status", "--dir"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(status.status.success());

    let down = Command::new(BIN)
        .args(["down", "--dir"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(
        down.status.success(),
        "{}",
        String::from_utf8_lossy(&down.stderr)
    );
    wait_dead(&pids, Duration::from_secs(15));
    assert!(!dir.exists(), "data left behind");

    // Down twice is harmless; status of nothing says so.
    assert!(
        Command::new(BIN)
            .args(["down", "--dir"])
            .arg(&dir)
            .status()
            .unwrap()
            .success()
    );
    let none = Command::new(BIN)
        .args(["status", "--dir"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(!none.status.success());
    assert!(String::from_utf8_lossy(&none.stderr).contains("no testnet"));
}

/// Starts `up --foreground` and returns it once the network is running.
fn start_foreground(dir: &Path) -> (std::process::Child, Vec<u32>) {
    let mut child = Command::new(BIN)
        .args(["up", "--foreground", "--peers", "2", "--dir"])
        .arg(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let ready = BufReader::new(stdout)
        .lines()
        .any(|line| line.unwrap().contains("Press Ctrl-C to stop"));
    if !ready {
        // It ended without starting: show why.
        let mut why = String::new();
        let _ = std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut why);
        panic!("`up --foreground` ended before the network was running: {why}");
    }
    let pids = all_pids(&read_manifest(dir));
    assert_eq!(pids.len(), 4);
    assert!(pids.iter().all(|p| alive(*p)));
    (child, pids)
}

#[test]
fn ctrl_c_stops_a_foreground_testnet_and_removes_it() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("net");
    let (mut child, pids) = start_foreground(&dir);
    // SAFETY: SIGINT to the child we started.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    // Sent right after the "Press Ctrl-C" line: a Ctrl-C that the program
    // misses hangs here, so the wait is bounded.
    let asked = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if asked.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("`up --foreground` was still running 60 s after Ctrl-C");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(status.success());
    wait_dead(&pids, Duration::from_secs(15));
    assert!(!dir.exists());
}

#[test]
fn a_crashed_owner_takes_its_daemons_with_it() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("net");
    let (mut child, pids) = start_foreground(&dir);
    // SIGKILL: no destructor runs; the parent-death signal must do the work.
    child.kill().unwrap();
    child.wait().unwrap();
    wait_dead(&pids, Duration::from_secs(15));
}
