//! Shared helpers for the end-to-end suites: a real testnet in a temporary
//! folder, test data, and polling.

#![allow(clippy::unwrap_used)]

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use ccs_core::deploy::compose::NodeFile;
use ccs_core::net::cluster::{ClusterClient, GlobalPinInfo};
/// Re-exported so suites without a direct ccs-testnet dependency (the app's) can stop daemons.
pub use ccs_testnet::DaemonKind;
use ccs_testnet::{Testnet, TestnetOptions};

/// A testnet and the temporary folder holding its data. Fields drop in order:
/// the daemons stop before their folder is removed.
pub struct TempNet {
    pub net: Testnet,
    _dir: tempfile::TempDir,
}

impl std::ops::Deref for TempNet {
    type Target = Testnet;
    fn deref(&self) -> &Testnet {
        &self.net
    }
}

impl std::ops::DerefMut for TempNet {
    fn deref_mut(&mut self) -> &mut Testnet {
        &mut self.net
    }
}

/// Until `peers` peers have published their free space (the allocator needs
/// it from every peer it may choose); fails the test after a minute.
pub async fn wait_for_free_space(cluster: &ClusterClient, peers: usize) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while cluster.freespace().await.unwrap().len() < peers {
        assert!(
            Instant::now() < deadline,
            "free space never came from every peer"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

pub async fn start_testnet(peers: usize) -> TempNet {
    start_testnet_with(peers, |_| {}).await
}

/// A testnet whose options `adjust` changes first (e.g. the peers' places).
pub async fn start_testnet_with(peers: usize, adjust: impl FnOnce(&mut TestnetOptions)) -> TempNet {
    let dir = tempfile::Builder::new()
        .prefix("ccs-testnet-")
        .tempdir()
        .unwrap();
    let mut options = TestnetOptions::new(peers, dir.path().join("net"));
    adjust(&mut options);
    let net = Testnet::start(options)
        .await
        .unwrap_or_else(|e| panic!("testnet failed to start: {e}"));
    TempNet { net, _dir: dir }
}

/// Deterministic pseudo-random bytes (xorshift), so data is incompressible
/// and every run stores the same content.
pub fn pseudo_random(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.extend_from_slice(&x.to_le_bytes());
    }
    out.truncate(len);
    out
}

/// Writes a folder of `count` files spread over sub-folders, with a few
/// awkward names. Returns the folder.
pub fn make_folder(parent: &Path, name: &str, count: usize) -> PathBuf {
    let root = parent.join(name);
    for i in 0..count {
        let sub = root.join(format!("box {:02}", i % 10));
        std::fs::create_dir_all(&sub).unwrap();
        let fname = match i {
            0 => "ünïcödé naïve.txt".to_string(),
            1 => "a+b&c=d%20e.txt".to_string(),
            _ => format!("scan-{i:05}.tif"),
        };
        std::fs::write(
            sub.join(fname),
            pseudo_random(i as u64, 512 + (i * 37) % 8192),
        )
        .unwrap();
    }
    std::fs::create_dir_all(root.join("empty folder")).unwrap();
    root
}

/// Asserts two folders hold the same files with the same bytes.
pub fn assert_same_tree(expected: &Path, actual: &Path) {
    let mut count = 0;
    for entry in walk(expected) {
        let rel = entry.strip_prefix(expected).unwrap();
        let other = actual.join(rel);
        if entry.is_dir() {
            assert!(other.is_dir(), "missing folder {}", rel.display());
        } else {
            let a = std::fs::read(&entry).unwrap();
            let b =
                std::fs::read(&other).unwrap_or_else(|_| panic!("missing file {}", rel.display()));
            assert!(a == b, "{} differs", rel.display());
            count += 1;
        }
    }
    assert_eq!(
        count,
        walk(actual).filter(|p| p.is_file()).count(),
        "extra files retrieved"
    );
}

fn walk(root: &Path) -> impl Iterator<Item = PathBuf> {
    let mut stack = vec![root.to_path_buf()];
    let mut out = Vec::new();
    while let Some(p) = stack.pop() {
        if p.is_dir() {
            for e in std::fs::read_dir(&p).unwrap() {
                stack.push(e.unwrap().path());
            }
        }
        if p != root {
            out.push(p);
        }
    }
    out.into_iter()
}

/// Writes a member's compose file as `DIR/NAME.yml` (0600, as `ccs create`
/// does). Returns its path.
pub fn write_node_file(dir: &Path, name: &str, node: &NodeFile) -> PathBuf {
    let path = dir.join(format!("{name}.yml"));
    ccs_core::local::settings::write_private(&path, node.render().as_bytes()).unwrap();
    path
}

/// Polls the pin status until `done` holds, or panics after `timeout` with the last status.
pub async fn wait_status(
    cluster: &ClusterClient,
    cid: &str,
    timeout: Duration,
    done: impl Fn(&GlobalPinInfo) -> bool,
) -> GlobalPinInfo {
    let deadline = Instant::now() + timeout;
    loop {
        let st = cluster.status(cid).await.unwrap();
        if done(&st) {
            return st;
        }
        if Instant::now() > deadline {
            panic!("status of {cid} did not settle in {timeout:?}: {st:#?}");
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// `sh -c` script that unlocks a fresh gnome-keyring (its data under $HOME)
/// inside the current D-Bus session, waits until it owns the Secret Service
/// name, then runs its arguments. Without the wait, a command that starts at
/// once can make D-Bus start a second, locked keyring ("Cannot create an item
/// in a locked collection"), as a CI run did under load. For
/// `dbus-run-session -- sh -c UNLOCKED_KEYRING_SH sh PROGRAM ARGS...`.
pub const UNLOCKED_KEYRING_SH: &str = "printf 'test keyring' | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1; \
    for _ in $(seq 100); do \
      dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
        org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q true && break; \
      sleep 0.1; \
    done; \
    exec \"$@\"";

/// One finished run of the `ccs` program: exit code and both outputs, shown
/// whole when an assertion fails.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl std::fmt::Debug for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

impl Run {
    /// Runs `cmd` to the end with no input, keeping both outputs (bytes that
    /// are not UTF-8 shown as U+FFFD).
    pub fn of(cmd: &mut Command) -> Run {
        let out = cmd
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("could not start {cmd:?}: {e}"));
        Run::from(out)
    }

    /// Its standard output as JSON (`--json` runs).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {self:?}"))
    }
}

impl From<Output> for Run {
    fn from(out: Output) -> Run {
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

/// Points `cmd` (the `ccs` program, or a wrapper whose last argument so far is
/// it, such as `setpriv ... ccs`) at the settings `config`, and keeps it apart
/// from the person running the tests: its job journal (and the audits'
/// findings beside it) in `journal` (a test folder, never the real home), no OS keychain, no colours, and no
/// credentials or settings path taken from the environment.
pub fn isolate_ccs(mut cmd: Command, config: &Path, journal: &Path) -> Command {
    cmd.arg("--config")
        .arg(config)
        .env("CCS_JOURNAL_DIR", journal)
        .env("CCS_NO_KEYCHAIN", "1")
        .env("NO_COLOR", "1")
        .env_remove("CCS_USERNAME")
        .env_remove("CCS_PASSWORD")
        .env_remove("CCS_CONFIG")
        .env_remove("CCS_AUDIT_DIR")
        .env_remove("CCS_WATCH_DIR");
    cmd
}

/// The `ccs` program `bin` with the settings `config`, kept apart from the
/// person running the tests ([`isolate_ccs`]); its job journal goes next to
/// the settings (`jobs/`).
pub fn ccs_command(bin: impl AsRef<OsStr>, config: &Path) -> Command {
    isolate_ccs(Command::new(bin), config, &config.with_file_name("jobs"))
}

/// Reads `cid` from one node's gateway into `dest`, every block checked
/// against its CID (the core's verified retrieval, from this node only).
pub async fn read_back(
    kubo: ccs_core::net::kubo::KuboClient,
    cid: &str,
    dest: &Path,
) -> ccs_core::Result<ccs_core::content::retrieve::Retrieved> {
    let source = ccs_core::content::retrieve::Source {
        name: "test".into(),
        kubo,
    };
    ccs_core::content::retrieve::retrieve(&[source], cid, dest, false, |_| {}).await
}

/// The items of the cluster's pinset (not the pins this program keeps for
/// itself: fixity manifests, the preservation record), sorted; asked on a
/// runtime of its own with `cluster` (a fresh client), so nothing carries
/// from one call to the next.
pub fn item_pinset(cluster: ccs_core::net::cluster::ClusterClient) -> Vec<String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    rt.block_on(async move {
        let mut cids: Vec<String> = cluster
            .allocations()
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .collect_vec()
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .into_iter()
            .filter(|p| !ccs_core::content::fixity::is_internal_pin(&p.metadata))
            .map(|p| p.cid)
            .collect();
        cids.sort();
        cids
    })
}

/// The Python interpreter of the archives' own tools (bagit, lxml), which
/// `scripts/test.sh` installs: `$CCS_PYTHON`, else the virtual environment
/// it makes under the home folder. Panics, saying how to get it, when neither
/// is there.
pub fn python_tools() -> PathBuf {
    let path = std::env::var_os("CCS_PYTHON")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/ccs/python/bin/python"))
        })
        .filter(|p| p.exists());
    path.expect(
        "the Python tools the tests check archival output with are not installed: \
         run ./scripts/test.sh once (it installs them), or set CCS_PYTHON",
    )
}
