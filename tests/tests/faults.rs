//! Faults on a real private 3-peer testnet (loopback): a partner killed in the
//! middle of adds (20 trials), a partner offline then back, kubo restarted
//! under a running cluster peer, and a full disk during retrieval.
//! The figures these tests print are recorded in RELIABILITY.md ("Faults").

// Needs the real daemons (or root, or system services): `./scripts/test.sh` turns it on.
#![cfg(feature = "real-daemons")]
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use ccs_core::content::library::{Health, Item};
use ccs_core::net::cluster::{AddOptions, ClusterClient, GlobalPinInfo, TrackerStatus};
use ccs_testnet::{DaemonKind, Testnet};
use ccs_tests::{Run, ccs_command, pseudo_random, start_testnet, wait_status};

const MIB: usize = 1024 * 1024;

/// A small xorshift generator seeded from the clock; the seed is printed so a
/// failing run can be replayed with `CCS_FAULT_SEED`.
struct Rng(u64);

impl Rng {
    fn from_env_or_clock() -> Self {
        let seed = std::env::var("CCS_FAULT_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_nanos() as u64
            });
        eprintln!("faults: random seed {seed} (replay with CCS_FAULT_SEED={seed})");
        Rng(seed | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// The CID kubo computes for `file` with the CID settings of `AddOptions::default()`
/// (CIDv0, 256 KiB chunks, no raw leaves, sha2-256), without storing anything.
fn only_hash(net: &Testnet, file: &Path) -> String {
    let o = AddOptions::default();
    let out = Command::new(&net.bins().ipfs)
        .args(["add", "--only-hash", "-Q", "--offline"])
        .arg(format!("--cid-version={}", o.cid_version))
        .arg(format!("--chunker={}", o.chunker))
        .arg(format!("--raw-leaves={}", o.raw_leaves))
        .arg(format!("--hash={}", o.hash))
        .arg(file)
        // A scratch repository: --only-hash needs one but writes nothing to it.
        .env("IPFS_PATH", net.dir().join("only-hash-repo"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "ipfs add --only-hash: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn init_scratch_repo(net: &Testnet) {
    let out = Command::new(&net.bins().ipfs)
        .args(["init", "--empty-repo"])
        .env("IPFS_PATH", net.dir().join("only-hash-repo"))
        .output()
        .unwrap();
    assert!(out.status.success());
}

fn pid_of(net: &Testnet, peer: usize, kind: DaemonKind) -> i32 {
    let idx = match kind {
        DaemonKind::Kubo => 0,
        DaemonKind::Cluster => 1,
    };
    net.peer(peer).pids[idx] as i32
}

fn write_random(path: &Path, len: usize) {
    // From the kernel's generator: fast, and different in every trial.
    let mut src = std::io::Read::take(std::fs::File::open("/dev/urandom").unwrap(), len as u64);
    let mut f = std::fs::File::create(path).unwrap();
    assert_eq!(std::io::copy(&mut src, &mut f).unwrap(), len as u64);
}

/// Error classes an interrupted add may end with: all loud, none with a CID.
const ADD_FAILURES: &[&str] = &["stream_failed", "interrupted", "node_error", "unreachable"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partner_killed_mid_add_never_yields_a_partial_success_20_trials() {
    const TRIALS: usize = 20;
    let started = Instant::now();
    let mut net = start_testnet(3).await;
    init_scratch_repo(&net);
    let work = tempfile::tempdir().unwrap();
    let api = net.peer(0).cluster();
    let mut rng = Rng::from_env_or_clock();
    let mut outcomes: BTreeMap<String, usize> = BTreeMap::new();
    let mut cids = Vec::new();

    for trial in 0..TRIALS {
        // Fresh content every trial (no block exists anywhere yet), 32-64 MiB.
        let size = 32 * MIB + rng.below(32 * MIB as u64) as usize;
        let file = work.path().join(format!("trial-{trial}.bin"));
        write_random(&file, size);
        let expected = only_hash(&net, &file);
        // A partner (never the peer receiving the upload), alternately its kubo
        // and its cluster peer, at a random point of the upload.
        let victim = 1 + rng.below(2) as usize;
        let kind = if trial % 2 == 0 {
            DaemonKind::Kubo
        } else {
            DaemonKind::Cluster
        };
        let kill_at = 1 + rng.below(size as u64 * 9 / 10);
        let pid = pid_of(&net, victim, kind);
        let mut killed_at = None;
        let t0 = Instant::now();
        let result = api
            .add(std::slice::from_ref(&file), &AddOptions::default(), |o| {
                if killed_at.is_none() && o.bytes >= kill_at {
                    // SAFETY: SIGKILL to a daemon this test started.
                    unsafe { libc::kill(pid, libc::SIGKILL) };
                    killed_at = Some(o.bytes);
                }
            })
            .await;
        let add_secs = t0.elapsed().as_secs_f32();
        let what = format!(
            "trial {trial}: {} MiB, {:?} of {} killed at {} MiB",
            size / MIB,
            kind,
            net.peer(victim).name,
            killed_at.map_or("-".into(), |b| format!("{:.1}", b as f64 / MIB as f64)),
        );
        // Reap the killed daemon (or kill it now, if the upload ended first:
        // the trial still restarts it so every trial has the same shape).
        let t1 = Instant::now();
        net.kill(victim, kind).unwrap();
        net.restart(victim, kind).await.unwrap();
        let restart_secs = t1.elapsed().as_secs_f32();
        let t2 = Instant::now();

        let outcome = match result {
            Ok(added) => {
                // A success must be the whole content: the CID kubo computes
                // for the file, pinned on the survivors.
                assert_eq!(
                    added.cid, expected,
                    "{what}: success with a CID that is not the file's (a partial add)"
                );
                let survivor = if victim == 1 { 2 } else { 1 };
                let survivors = [
                    net.peer(0).cluster_peer_id.clone(),
                    net.peer(survivor).cluster_peer_id.clone(),
                ];
                wait_status(&api, &added.cid, Duration::from_secs(180), |s| {
                    survivors
                        .iter()
                        .all(|p| s.peer_map.get(p).map(|i| i.status) == Some(TrackerStatus::Pinned))
                })
                .await;
                cids.push(added.cid.clone());
                if killed_at.is_some() {
                    "success: correct CID, pinned on both survivors"
                } else {
                    "upload ended before the kill point"
                }
            }
            Err(e) => {
                let msg = e.to_string();
                assert!(
                    ADD_FAILURES.contains(&e.code().as_str()),
                    "{what}: unexpected error class {}: {msg}",
                    e.code()
                );
                assert!(!msg.contains('\n'), "{what}: not one line: {msg}");
                assert!(killed_at.is_some(), "{what}: failed without a kill: {msg}");
                eprintln!("{what}: loud failure ({}): {msg}", e.code());
                "loud failure, no CID"
            }
        };
        eprintln!(
            "{what}: {outcome} (add {add_secs:.1} s, restart {restart_secs:.1} s, settle {:.1} s)",
            t2.elapsed().as_secs_f32()
        );
        *outcomes.entry(outcome.to_string()).or_default() += 1;
        std::fs::remove_file(&file).unwrap();
    }
    // And every restarted partner ends up with every copy, on its own: a
    // restarted cluster peer learns pins made while it was down at the next
    // CRDT rebroadcast, a pin that failed while its kubo was down is retried
    // by the periodic recovery.
    let t = Instant::now();
    let bound =
        Duration::from_secs(3 * ccs_core::deploy::node_config::PIN_RECOVER_INTERVAL_SECS + 60);
    all_pinned(&api, &cids, bound).await;
    eprintln!(
        "faults: partner killed mid-add, {TRIALS} trials in {} s: {outcomes:?}; the {} added items were pinned on all 3 {:.1} s after the last trial",
        started.elapsed().as_secs(),
        cids.len(),
        t.elapsed().as_secs_f32()
    );
    assert_eq!(outcomes.values().sum::<usize>(), TRIALS);
}

/// The `ccs` binary of this build (built with the workspace; for this suite
/// alone: `cargo build -p ccs-cli --bin ccs` first).
fn ccs_bin() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let bin = exe.parent().unwrap().parent().unwrap().join("ccs");
    assert!(
        bin.exists(),
        "{} is missing: build it with `cargo build -p ccs-cli --bin ccs`",
        bin.display()
    );
    bin
}

/// Runs `ccs ARGS` against the testnet's settings (its job journal in the
/// testnet's folder); returns (exit code, stdout, stderr).
fn ccs(net: &Testnet, args: &[&str]) -> (i32, String, String) {
    let r = Run::of(ccs_command(ccs_bin(), &net.config_path()).args(args));
    eprintln!(
        "$ ccs {}\n{}{}(exit {})",
        args.join(" "),
        r.stdout,
        r.stderr,
        r.code
    );
    (r.code, r.stdout, r.stderr)
}

async fn add_file(api: &ClusterClient, dir: &Path, name: &str, seed: u64) -> String {
    let file = dir.join(name);
    std::fs::write(&file, pseudo_random(seed, 4 * MIB + seed as usize)).unwrap();
    api.add(&[file], &AddOptions::default(), |_| {})
        .await
        .unwrap()
        .cid
}

fn state_of(st: &GlobalPinInfo, peer_id: &str) -> Option<TrackerStatus> {
    st.peer_map.get(peer_id).map(|p| p.status)
}

/// Waits until every item is pinned on all 3 peers; returns how long it took.
async fn all_pinned(api: &ClusterClient, cids: &[String], bound: Duration) -> Duration {
    let t = Instant::now();
    for cid in cids {
        let left = bound.saturating_sub(t.elapsed());
        wait_status(api, cid, left, |s| s.pinned_count() == 3).await;
    }
    t.elapsed()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubo_restarted_and_a_partner_offline_then_back_recover_without_manual_steps() {
    use ccs_core::deploy::node_config::PIN_RECOVER_INTERVAL_SECS;
    let mut net = start_testnet(3).await;
    let work = tempfile::tempdir().unwrap();
    let api = net.peer(0).cluster();
    // A returning peer learns new pins at a CRDT rebroadcast (every 60 s, the
    // cluster default) and retries failed ones every PIN_RECOVER_INTERVAL_SECS
    // (60 s): three such rounds plus a minute to fetch the data is generous;
    // the measured times are printed.
    let bound = Duration::from_secs(3 * PIN_RECOVER_INTERVAL_SECS + 60);
    let mut items = vec![add_file(&api, work.path(), "before.bin", 1).await];
    all_pinned(&api, &items, Duration::from_secs(120)).await;

    // kubo restarted under a running cluster peer (peer2): an item added while
    // its kubo is down fails there, and comes back without anyone asking.
    let peer2 = net.peer(1).cluster_peer_id.clone();
    net.kill(1, DaemonKind::Kubo).unwrap();
    items.push(add_file(&api, work.path(), "during-kubo-down.bin", 2).await);
    let st = wait_status(&api, &items[1], Duration::from_secs(60), |s| {
        state_of(s, &peer2).is_some_and(TrackerStatus::is_error)
    })
    .await;
    eprintln!(
        "kubo down: peer2 reports {:?} for the new item",
        state_of(&st, &peer2)
    );
    let t = Instant::now();
    net.restart(1, DaemonKind::Kubo).await.unwrap();
    all_pinned(&api, &items, bound).await;
    eprintln!(
        "faults: kubo restarted under its cluster peer: every pin back on all 3 in {:.1} s after the restart (bound {} s)",
        (t.elapsed()).as_secs_f32(),
        bound.as_secs()
    );

    // A partner offline (both daemons of peer3), then back.
    let peer3 = net.peer(2).cluster_peer_id.clone();
    net.kill(2, DaemonKind::Cluster).unwrap();
    net.kill(2, DaemonKind::Kubo).unwrap();
    let st = wait_status(&api, &items[0], Duration::from_secs(60), |s| {
        state_of(s, &peer3) == Some(TrackerStatus::ClusterError)
    })
    .await;
    let item = Item::from_status(st);
    assert_eq!(item.health, Health::Error, "{item:?}");
    let p3 = item.partners.iter().find(|p| p.peer_id == peer3).unwrap();
    assert_eq!(p3.peername, "peer3");
    assert!(
        !p3.error.is_empty(),
        "no error text for the offline partner"
    );
    // What the person sees: `ccs status` shows the partner's error and the
    // copies short of target, `ccs peers` names it offline, `ccs health` fails.
    let (code, out, _) = ccs(&net, &["status", &items[0]]);
    assert_eq!(code, 0);
    assert!(out.contains("copies 2 of 3 (error)"), "{out}");
    assert!(
        out.lines()
            .any(|l| l.contains("peer3") && l.contains("cluster_error")),
        "{out}"
    );
    let (code, out, _) = ccs(&net, &["peers"]);
    assert_eq!(code, 0);
    assert!(
        out.lines()
            .any(|l| l.contains("peer3") && l.contains("offline")),
        "{out}"
    );
    let (code, out, err) = ccs(&net, &["health"]);
    assert_ne!(code, 0, "health passed with a partner offline");
    assert!(
        format!("{out}{err}").contains("offline: peer3"),
        "{out}{err}"
    );
    // Adds still work while it is away.
    for (i, name) in ["while-away-1.bin", "while-away-2.bin"].iter().enumerate() {
        let cid = add_file(&api, work.path(), name, 10 + i as u64).await;
        wait_status(&api, &cid, Duration::from_secs(120), |s| {
            s.pinned_count() == 2
        })
        .await;
        items.push(cid);
    }
    // Back: every pin reaches its target, with no manual step.
    let t = Instant::now();
    net.restart(2, DaemonKind::Kubo).await.unwrap();
    net.restart(2, DaemonKind::Cluster).await.unwrap();
    let started = t.elapsed();
    all_pinned(&api, &items, bound).await;
    eprintln!(
        "faults: partner offline then back: {} items pinned on all 3 in {:.1} s after its daemons were started again ({:.1} s of that to start them; bound {} s)",
        items.len(),
        t.elapsed().as_secs_f32(),
        started.as_secs_f32(),
        bound.as_secs()
    );
    let (code, out, err) = ccs(&net, &["health"]);
    assert_eq!(code, 0, "{out}{err}");
}

/// Unmounts the tmpfs when the test ends, pass or fail.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(path: &Path, size: &str) -> Self {
        std::fs::create_dir_all(path).unwrap();
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(path)
            .status()
            .unwrap()
            .success();
        assert!(ok, "mounting a tmpfs needs root");
        Tmpfs(path.to_path_buf())
    }
    fn entries(&self) -> Vec<String> {
        std::fs::read_dir(&self.0)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect()
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_during_get_gives_one_clear_sentence_and_leaves_nothing() {
    let net = start_testnet(1).await;
    let work = tempfile::tempdir().unwrap();
    let api = net.peer(0).cluster();
    // A 24 MiB file and a folder of 3 x 5 MiB files, for an 8 MiB disk.
    let file = add_file(&api, work.path(), "scan.tif", 20 * MIB as u64).await;
    let folder = work.path().join("letters");
    std::fs::create_dir_all(&folder).unwrap();
    for i in 0..3 {
        std::fs::write(
            folder.join(format!("letter-{i}.pdf")),
            pseudo_random(30 + i, 5 * MIB),
        )
        .unwrap();
    }
    let folder_cid = api
        .add(&[folder], &AddOptions::default(), |_| {})
        .await
        .unwrap()
        .cid;
    let disk = Tmpfs::mount(&work.path().join("small-disk"), "8m");
    for (cid, name) in [(&file, "scan.tif"), (&folder_cid, "letters")] {
        let dest = disk.0.join(name);
        let (code, out, err) = ccs(&net, &["get", cid, "-o", dest.to_str().unwrap()]);
        assert_ne!(code, 0, "get onto a full disk succeeded");
        let err = err.trim();
        assert_eq!(err.lines().count(), 1, "not one line: {err}");
        let lower = err.to_lowercase();
        assert!(
            lower.contains("full"),
            "does not say the disk is full: {err}"
        );
        assert!(
            lower.contains("free") || lower.contains("another"),
            "does not say what to do: {err}"
        );
        assert!(!err.contains("panicked"), "{err}");
        assert!(out.trim().is_empty(), "{out}");
        assert!(
            disk.entries().is_empty(),
            "left behind on the full disk: {:?}",
            disk.entries()
        );
        eprintln!("faults: get of {name} onto an 8 MiB disk: exit {code}: {err}");
    }
}
