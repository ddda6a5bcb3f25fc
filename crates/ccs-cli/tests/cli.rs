//! The `ccs` command end to end against real private 3-peer testnets (kubo +
//! IPFS Cluster daemons on loopback), cross-checked with `ipfs-cluster-ctl`.

// Needs the real daemons (or root, or system services): `./scripts/test.sh` turns it on.
#![cfg(feature = "real-daemons")]
#![allow(clippy::unwrap_used)]

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ccs_testnet::DaemonKind;
use ccs_tests::{
    Run, TempNet, assert_same_tree, ccs_command, make_folder, pseudo_random, start_testnet,
};
use serde_json::Value;

const SETTLE: Duration = Duration::from_secs(180);

/// One testnet at a time: two starting together on a 2-core machine slow
/// each other down and can race for the same free ports.
static ONE_NET: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// `ccs` with the settings `config`; its job journal goes next to them
/// (`jobs/`, in the test's temporary folder), never into the real home.
fn ccs_cmd(config: &Path, args: &[&str]) -> Command {
    let mut c = ccs_command(env!("CARGO_BIN_EXE_ccs"), config);
    c.args(args);
    c
}

fn vm_hwm_kib(pid: u32) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    s.lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Runs a command to the end, feeding `stdin`.
fn run_cmd(cmd: Command, stdin: &str) -> Run {
    run_sampled(cmd, stdin).0
}

/// Runs a command to the end, feeding `stdin`, sampling its peak resident
/// memory (KiB, from /proc).
fn run_sampled(mut cmd: Command, stdin: &str) -> (Run, u64) {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let t_out = std::thread::spawn(move || {
        let mut s = String::new();
        out.read_to_string(&mut s).unwrap();
        s
    });
    let t_err = std::thread::spawn(move || {
        let mut s = String::new();
        err.read_to_string(&mut s).unwrap();
        s
    });
    let pid = child.id();
    let mut peak = 0;
    let status = loop {
        if let Some(k) = vm_hwm_kib(pid) {
            peak = peak.max(k);
        }
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let run = Run {
        code: status.code().unwrap_or(-1),
        stdout: t_out.join().unwrap(),
        stderr: t_err.join().unwrap(),
    };
    (run, peak)
}

fn ccs(config: &Path, args: &[&str]) -> Run {
    run_cmd(ccs_cmd(config, args), "")
}

/// `ipfs-cluster-ctl` against peer `i`, JSON output.
fn ctl(net: &TempNet, i: usize, args: &[&str]) -> String {
    let p = net.peer(i);
    let out = Command::new(&net.bins().cluster_ctl)
        .args([
            "--force-http",
            "--host",
            &format!("/ip4/127.0.0.1/tcp/{}", p.ports.cluster_api),
            "--basic-auth",
            &format!("{}:{}", p.username, p.password),
        ])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "ipfs-cluster-ctl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn assert_exit(r: &Run, code: i32, needle: &str) {
    assert_eq!(r.code, code, "{r:?}");
    assert!(r.stderr.contains(needle), "stderr lacks {needle:?}: {r:?}");
    // One plain sentence: no panic, no backtrace, one line.
    assert!(!r.stderr.contains("panicked"), "{r:?}");
    assert!(!r.stderr.contains("RUST_BACKTRACE"), "{r:?}");
}

/// Polls `ccs status --json` until every partner holds a copy.
fn wait_all_pinned(config: &Path, cid: &str) {
    let deadline = Instant::now() + SETTLE;
    loop {
        let r = ccs(config, &["status", "--json", cid]);
        if r.code == 0 && r.json()[0]["copies"] == 3 {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{cid} not pinned everywhere: {r:?}"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// Waits until every partner has published its free space: before that the
/// cluster cannot allocate more than one copy.
fn wait_metrics(config: &Path) {
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let r = ccs(config, &["peers", "--json"]);
        if r.code == 0
            && r.json()
                .as_array()
                .unwrap()
                .iter()
                .all(|p| p["free_space"].as_u64().is_some_and(|f| f > 0))
        {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "free space never published: {r:?}"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
}

fn write_big(path: &Path, mib: u64) {
    let mut f = std::fs::File::create(path).unwrap();
    for i in 0..mib {
        f.write_all(&pseudo_random(7000 + i, 1024 * 1024)).unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_command_end_to_end_against_a_real_cluster() {
    let _one = ONE_NET.lock().await;
    let net = start_testnet(3).await;
    let cfg = net.config_path();
    let work = tempfile::tempdir().unwrap();
    let w = work.path();
    wait_metrics(&cfg);

    // --- add a file with pin options and --wait; visible to ipfs-cluster-ctl.
    let file = w.join("report 1923.pdf");
    std::fs::write(&file, pseudo_random(1, 3 * 1024 * 1024 + 17)).unwrap();
    let r = ccs(
        &cfg,
        &[
            "add",
            "--name",
            "Annual report 1923",
            "--metadata",
            "collection=parish",
            "--metadata",
            "rights=CC-BY",
            "--replication-min",
            "2",
            "--replication-max",
            "3",
            "--wait",
            "--json",
            file.to_str().unwrap(),
        ],
    );
    assert_eq!(r.code, 0, "{r:?}");
    let added = r.json();
    let file_cid = added["cid"].as_str().unwrap().to_string();
    assert_eq!(added["copies"], 3, "{r:?}");
    assert_eq!(added["files"], 1);
    let pin: Value =
        serde_json::from_str(&ctl(&net, 0, &["--enc=json", "pin", "ls", &file_cid])).unwrap();
    assert_eq!(pin["name"], "Annual report 1923");
    assert_eq!(pin["replication_factor_min"], 2);
    assert_eq!(pin["replication_factor_max"], 3);
    let meta = &pin["metadata"];
    assert_eq!(meta["collection"], "parish");
    assert_eq!(meta["rights"], "CC-BY");
    assert_eq!(meta["files"], "1");
    assert_eq!(meta["bytes"], (3 * 1024 * 1024 + 17).to_string());
    assert_eq!(
        meta["client"],
        concat!("community-cloud-storage/", env!("CARGO_PKG_VERSION"))
    );
    assert!(meta["added-by"].as_str().unwrap().contains('@'));
    assert!(meta["added-at"].as_str().unwrap().ends_with('Z'));
    assert!(
        meta["source"]
            .as_str()
            .unwrap()
            .ends_with("report 1923.pdf")
    );
    assert_eq!(
        meta["cid-settings"],
        "cidv0 sha2-256 size-262144 dag-pb-leaves"
    );

    // --local: the receiving node stores the blocks and the partners copy
    // them from it after; --wait waits until every partner has pinned it, and
    // a partner other than the receiving one serves it, verified.
    let survey = pseudo_random(1931, 2 * 1024 * 1024 + 5);
    let survey_file = w.join("survey 1931.tif");
    std::fs::write(&survey_file, &survey).unwrap();
    let r = ccs(
        &cfg,
        &[
            "add",
            "--local",
            "--wait",
            "--json",
            survey_file.to_str().unwrap(),
        ],
    );
    assert_eq!(r.code, 0, "{r:?}");
    let survey_cid = r.json()["cid"].as_str().unwrap().to_string();
    assert_eq!(r.json()["copies"], 3, "{r:?}");
    let survey_back = w.join("survey back.tif");
    let r = ccs(
        &cfg,
        &[
            "get",
            "--cluster-peername",
            "peer3",
            &survey_cid,
            "-o",
            survey_back.to_str().unwrap(),
        ],
    );
    assert_eq!(r.code, 0, "{r:?}");
    assert!(std::fs::read(&survey_back).unwrap() == survey);

    // Human output: the CID alone on stdout (as the original printed it).
    let other = w.join("note.txt");
    std::fs::write(&other, b"a short note").unwrap();
    // Through another partner: what peer2 stored, peer1 and ctl see.
    let r = ccs(
        &cfg,
        &[
            "add",
            "--cluster-peername",
            "peer2",
            other.to_str().unwrap(),
        ],
    );
    assert_eq!(r.code, 0, "{r:?}");
    let note_cid = r.stdout.trim().to_string();
    wait_all_pinned(&cfg, &note_cid);
    let pin: Value =
        serde_json::from_str(&ctl(&net, 0, &["--enc=json", "pin", "ls", &note_cid])).unwrap();
    assert_eq!(pin["name"], "note.txt");
    assert_eq!(pin["metadata"]["bytes"], "12");
    assert!(
        note_cid.starts_with("Qm") && !note_cid.contains('\n'),
        "{r:?}"
    );
    assert!(r.stderr.contains("Stored \"note.txt\""), "{r:?}");

    // --- a folder of 10,000 files: flat memory, and back byte-identical.
    let folder = make_folder(w, "parish records", 10_000);
    let t = Instant::now();
    let (r, peak_kib) = run_sampled(
        ccs_cmd(&cfg, &["add", "--json", folder.to_str().unwrap()]),
        "",
    );
    let add_secs = t.elapsed().as_secs_f64();
    assert_eq!(r.code, 0, "{r:?}");
    let big = r.json();
    let folder_cid = big["cid"].as_str().unwrap().to_string();
    assert_eq!(big["files"], 10_000);
    // 10,000 files + 10 boxes + the empty folder + the root.
    assert_eq!(big["entries"], 10_012);
    eprintln!(
        "add of 10,000 files ({} bytes): {add_secs:.1} s, peak memory {} KiB",
        big["bytes"], peak_kib
    );
    assert!(
        peak_kib > 0 && peak_kib < 150 * 1024,
        "memory grew: {peak_kib} KiB"
    );
    wait_all_pinned(&cfg, &folder_cid);
    let got = w.join("got records");
    let t = Instant::now();
    let (r, peak_kib) = run_sampled(
        ccs_cmd(
            &cfg,
            &[
                "get",
                "--cluster-peername",
                "peer3",
                &folder_cid,
                "--output",
                got.to_str().unwrap(),
            ],
        ),
        "",
    );
    assert_eq!(r.code, 0, "{r:?}");
    eprintln!(
        "get of 10,000 files: {:.1} s, peak memory {peak_kib} KiB",
        t.elapsed().as_secs_f64(),
    );
    assert!(peak_kib < 150 * 1024, "memory grew: {peak_kib} KiB");
    assert!(r.stderr.contains("from peer3"), "{r:?}");
    assert_same_tree(&folder, &got);

    // --- one folder of 4,000 long names: stored as a HAMT-sharded directory.
    let flat = w.join("flat");
    std::fs::create_dir(&flat).unwrap();
    for i in 0..4000 {
        std::fs::write(
            flat.join(format!(
                "a-long-file-name-that-makes-the-folder-big-{i:05}.txt"
            )),
            format!("entry {i}"),
        )
        .unwrap();
    }
    let r = ccs(&cfg, &["add", flat.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{r:?}");
    let flat_cid = r.stdout.trim().to_string();
    let root = reqwest::get(format!(
        "{}/ipfs/{flat_cid}?format=raw",
        net.peer(0).gateway
    ))
    .await
    .unwrap()
    .bytes()
    .await
    .unwrap();
    // UnixFS Data ends with fanout = 256 (field 6) only in a HAMT shard.
    assert!(root.ends_with(&[0x30, 0x80, 0x02]), "not sharded");
    let got_flat = w.join("flat back");
    let r = ccs(&cfg, &["get", &flat_cid, "-o", got_flat.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_same_tree(&flat, &got_flat);
    wait_all_pinned(&cfg, &flat_cid);

    // --- an item's contents, and one file of it saved on its own, verified:
    // from the sharded folder, from a box of the 10,000, and a one-file item.
    let r = ccs(&cfg, &["contents", "--json", &flat_cid]);
    assert_eq!(r.code, 0, "{r:?}");
    let listed = r.json();
    assert_eq!(listed["files"].as_array().unwrap().len(), 4000);
    assert_eq!(listed["single_file"], false);
    let one = "a-long-file-name-that-makes-the-folder-big-01234.txt";
    assert!(
        listed["files"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["path"] == one && f["size"] == 10),
        "{one} is not listed"
    );
    let one_back = w.join("one back.txt");
    let r = ccs(
        &cfg,
        &[
            "get",
            &flat_cid,
            "--path",
            one,
            "-o",
            one_back.to_str().unwrap(),
        ],
    );
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(
        std::fs::read(&one_back).unwrap(),
        std::fs::read(flat.join(one)).unwrap()
    );
    let r = ccs(&cfg, &["contents", "--json", &folder_cid]);
    assert_eq!(r.code, 0, "{r:?}");
    let listed = r.json();
    let files = listed["files"].as_array().unwrap();
    assert_eq!(files.len(), 10_000);
    let nested = files[4321]["path"].as_str().unwrap().to_string();
    assert!(nested.contains('/'), "{nested}");
    let nested_back = w.join("nested back");
    let r = ccs(
        &cfg,
        &[
            "get",
            "--cluster-peername",
            "peer2",
            &folder_cid,
            "--path",
            &nested,
            "-o",
            nested_back.to_str().unwrap(),
        ],
    );
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(
        std::fs::read(&nested_back).unwrap(),
        std::fs::read(folder.join(&nested)).unwrap()
    );
    let r = ccs(&cfg, &["contents", "--json", &file_cid]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(r.json()["single_file"], true);
    assert_eq!(r.json()["files"][0]["path"], "report 1923.pdf");
    let r = ccs(
        &cfg,
        &[
            "get",
            &flat_cid,
            "--path",
            "not in it.txt",
            "-o",
            w.join("nothing").to_str().unwrap(),
        ],
    );
    assert_exit(&r, 5, "not in it.txt");
    assert!(!w.join("nothing").exists());

    // --- get what ipfs-cluster-ctl stored, byte-identical (file and folder).
    let ctl_file = w.join("ctl.bin");
    std::fs::write(&ctl_file, pseudo_random(99, 1_500_000)).unwrap();
    let ctl_folder = make_folder(w, "ctl folder", 50);
    let cf = ctl(&net, 0, &["add", "--quieter", ctl_file.to_str().unwrap()])
        .trim()
        .to_string();
    let cd = ctl(
        &net,
        0,
        &["add", "--quieter", "-r", ctl_folder.to_str().unwrap()],
    )
    .trim()
    .to_string();
    wait_all_pinned(&cfg, &cf);
    wait_all_pinned(&cfg, &cd);
    let out_file = w.join("ctl-back.bin");
    let r = ccs(
        &cfg,
        &["get", &cf, "--output", out_file.to_str().unwrap(), "--json"],
    );
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(r.json()["kind"], "file");
    assert!(std::fs::read(&out_file).unwrap() == std::fs::read(&ctl_file).unwrap());
    let out_dir = w.join("ctl-back");
    let r = ccs(&cfg, &["get", &cd, "-o", out_dir.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_same_tree(&ctl_folder, &out_dir);
    // Refuses to overwrite, then replaces with --force; nothing temporary left.
    let r = ccs(&cfg, &["get", &cf, "--output", out_dir.to_str().unwrap()]);
    assert_exit(&r, 8, "add --force");
    assert!(out_dir.join("box 00").is_dir());
    let r = ccs(
        &cfg,
        &["get", &cf, "--output", out_dir.to_str().unwrap(), "--force"],
    );
    assert_eq!(r.code, 0, "{r:?}");
    assert!(std::fs::read(&out_dir).unwrap() == std::fs::read(&ctl_file).unwrap());
    let leftovers: Vec<_> = std::fs::read_dir(w)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".partial-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // --- status: per-partner table and copies against target.
    let r = ccs(&cfg, &["status", &file_cid]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("Annual report 1923"), "{r:?}");
    assert!(r.stdout.contains("copies 3 of 3 (ok)"), "{r:?}");
    for p in ["peer1", "peer2", "peer3"] {
        assert!(
            r.stdout
                .lines()
                .any(|l| l.contains(p) && l.contains("pinned")),
            "{r:?}"
        );
    }
    let r = ccs(&cfg, &["status", "--json", &file_cid, &note_cid]);
    let items = r.json();
    assert_eq!(items.as_array().unwrap().len(), 2);
    assert_eq!(items[0]["partners"].as_array().unwrap().len(), 3);
    let r = ccs(&cfg, &["status", "--all", "--json"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(r.json().as_array().unwrap().len(), 7);

    // --- ls: streams the library; filters and sort.
    let r = ccs(&cfg, &["ls"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.starts_with("NAME"), "{r:?}");
    assert_eq!(r.stdout.lines().count(), 8, "{r:?}");
    let row = r
        .stdout
        .lines()
        .find(|l| l.contains("Annual report"))
        .unwrap();
    // SI units, as the app, Finder and Explorer show sizes: 3,145,745 bytes.
    assert!(row.contains("3.15 MB") && row.contains("3/3"), "{row}");
    let r = ccs(&cfg, &["ls", "--json", "--name", "PARISH"]);
    let v = r.json();
    assert_eq!(v.as_array().unwrap().len(), 1, "{r:?}");
    assert_eq!(v[0]["cid"], folder_cid.as_str());
    assert_eq!(v[0]["size"], big["bytes"]);
    let r = ccs(&cfg, &["ls", "--json", "--sort", "name"]);
    let names: Vec<String> = r
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap().to_lowercase())
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    let r = ccs(&cfg, &["ls", "--json", "--under-replicated"]);
    assert_eq!(r.json().as_array().unwrap().len(), 0, "{r:?}");

    // --- peers and health.
    let r = ccs(&cfg, &["peers", "--json"]);
    assert_eq!(r.code, 0, "{r:?}");
    let peers = r.json();
    assert_eq!(peers.as_array().unwrap().len(), 3);
    for p in peers.as_array().unwrap() {
        assert_eq!(p["online"], true);
        assert!(
            p["cluster_version"].as_str().unwrap().starts_with("1.1.6"),
            "{p}"
        );
        assert_eq!(p["kubo_version"], "0.43.1");
        assert_eq!(p["pins"], 7);
    }
    let r = ccs(&cfg, &["peers"]);
    assert!(
        r.stdout.lines().filter(|l| l.contains("online")).count() == 3,
        "{r:?}"
    );
    let r = ccs(&cfg, &["health"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("3 of 3 partners online"), "{r:?}");

    // --- repair: a copy removed behind the cluster's back comes back.
    let kubo2 = &net.peer(1).ipfs_api;
    let resp = reqwest::Client::new()
        .post(format!("{kubo2}/api/v0/pin/rm?arg={note_cid}"))
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "{:?}", resp.text().await);
    let r = ccs(&cfg, &["status", "--json", &note_cid]);
    let st = r.json();
    assert_eq!(st[0]["copies"], 2, "{r:?}");
    assert_eq!(st[0]["health"], "error", "{r:?}");
    let r = ccs(&cfg, &["health", "--json"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert_eq!(r.json()["status"], "degraded");
    let r = ccs(&cfg, &["repair"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains(&format!("fixed    {note_cid}")), "{r:?}");
    let r = ccs(&cfg, &["repair", "--json"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(r.json()["missing"].as_array().unwrap().len(), 0);

    // --- rm: shows what goes, asks, honours "no", removes with yes (the
    // policy gives no grace period here; withdraw.rs tests the withdrawal).
    let r = ccs(&cfg, &["policy", "set", "removal-grace=0"]);
    assert_eq!(r.code, 0, "{r:?}");
    let r = run_cmd(ccs_cmd(&cfg, &["rm", &note_cid]), "n\n");
    assert_exit(&r, 1, "Nothing was removed");
    assert!(
        r.stderr.contains("note.txt") && r.stderr.contains("3 of 3 copies"),
        "{r:?}"
    );
    assert_eq!(
        ccs(&cfg, &["status", "--json", &note_cid]).json()[0]["copies"],
        3
    );
    let r = run_cmd(ccs_cmd(&cfg, &["rm", &note_cid]), "y\n");
    assert_eq!(r.code, 0, "{r:?}");
    let r = ccs(&cfg, &["rm", "--yes", &file_cid]);
    assert_eq!(r.code, 0, "{r:?}");
    let gone = ctl(&net, 0, &["--enc=json", "pin", "ls"]);
    assert!(
        !gone.contains(&file_cid) && !gone.contains(&note_cid),
        "{gone}"
    );
    let r = ccs(&cfg, &["rm", "--yes", &file_cid]);
    assert_exit(&r, 5, "was not found");

    // --- config, completions, create and clone.
    let cfg2 = w.join("settings.toml");
    std::fs::copy(&cfg, &cfg2).unwrap();
    let r = ccs(&cfg2, &["config", "set", "nodes.acme.password", "s3cret"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stderr.contains("keychain is not available"), "{r:?}");
    let r = ccs(&cfg2, &["config", "set", "default-node", "peer3"]);
    assert_eq!(r.code, 0, "{r:?}");
    let r = ccs(&cfg2, &["config", "--json"]);
    let c = r.json();
    assert_eq!(c["default_node"], "peer3");
    let acme = c["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["name"] == "acme")
        .unwrap();
    assert_eq!(acme["cluster_api"], "http://acme:9094");
    assert_eq!(acme["password"], "file");
    assert!(!r.stdout.contains("s3cret"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&cfg2).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    // The default node now answers without --cluster-peername.
    let r = ccs(&cfg2, &["health", "--json"]);
    assert_eq!(r.json()["node"], "peer3");
    let r = ccs(&cfg2, &["config", "set", "colour", "blue"]);
    assert_exit(&r, 2, "is not a setting");
    for shell in ["bash", "zsh", "fish"] {
        let r = ccs(&cfg, &["completions", shell]);
        assert_eq!(r.code, 0, "{r:?}");
        assert!(
            r.stdout.contains("repair") && r.stdout.contains("cluster-peername"),
            "{shell}"
        );
    }
    let boot = w.join("compose.yml");
    let r = ccs(
        &cfg,
        &[
            "create",
            "--cluster-peername",
            "bootstrap",
            "--output",
            boot.to_str().unwrap(),
        ],
    );
    assert_eq!(r.code, 0, "{r:?}");
    let partner = w.join("acme-compose.yml");
    let r = ccs(
        &cfg,
        &[
            "clone",
            "--input",
            boot.to_str().unwrap(),
            "--cluster-peername",
            "acme",
            "--bootstrap-host",
            "bootstrap",
            "--output",
            partner.to_str().unwrap(),
        ],
    );
    assert_eq!(r.code, 0, "{r:?}");
    let b = ccs_core::deploy::compose::NodeFile::parse(&std::fs::read_to_string(&boot).unwrap())
        .unwrap();
    let p = ccs_core::deploy::compose::NodeFile::parse(&std::fs::read_to_string(&partner).unwrap())
        .unwrap();
    assert_eq!(p.peername, "acme");
    assert_eq!(p.secrets, b.secrets);
    assert_eq!(
        p.bootstrap.unwrap().cluster_peer_id,
        b.cluster_identity.peer_id
    );
    let r = ccs(&cfg, &["create", "--output", boot.to_str().unwrap()]);
    assert_exit(&r, 2, "--cluster-peername");
    // Without --output the file goes to standard output.
    let r = ccs(&cfg, &["create", "--cluster-peername", "solo"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(ccs_core::deploy::compose::NodeFile::parse(&r.stdout).is_ok());
}

/// A gateway that serves what a real one serves, with one byte flipped in
/// every CAR block stream past its first 4 KiB: the copy a broken or
/// malicious partner would send.
fn tampering_gateway(real: String) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { continue };
            let real = real.clone();
            std::thread::spawn(move || {
                let mut buf = vec![0u8; 8192];
                let n = conn.read(&mut buf).unwrap_or(0);
                let req = String::from_utf8_lossy(&buf[..n]).to_string();
                let path = req.split_whitespace().nth(1).unwrap_or("/").to_string();
                let rt = tokio::runtime::Runtime::new().unwrap();
                let body = rt.block_on(async {
                    reqwest::Client::new()
                        .get(format!("{real}{path}"))
                        .header(
                            "Accept",
                            "application/vnd.ipld.car; version=1; order=dfs; dups=y",
                        )
                        .send()
                        .await
                        .unwrap()
                        .bytes()
                        .await
                        .unwrap()
                        .to_vec()
                });
                let mut body = body;
                if body.len() > 5000 {
                    body[4500] ^= 0x01;
                }
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.ipld.car\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = conn.write_all(head.as_bytes());
                let _ = conn.write_all(&body);
            });
        }
    });
    format!("http://{addr}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_falls_back_and_every_error_is_one_sentence_with_its_exit_code() {
    let _one = ONE_NET.lock().await;
    let mut net = start_testnet(3).await;
    let cfg = net.config_path();
    let work = tempfile::tempdir().unwrap();
    let w = work.path();
    let file = w.join("film.mov");
    write_big(&file, 8);
    let r = ccs(&cfg, &["add", "--wait", file.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{r:?}");
    let cid = r.stdout.trim().to_string();

    // A partner that sends a corrupted copy: refused, the next one used.
    let mut config = ccs_core::local::settings::Config::load(&cfg).unwrap();
    let real = config.nodes["peer1"].gateway.clone().unwrap();
    config.nodes.get_mut("peer1").unwrap().gateway = Some(tampering_gateway(real));
    let bad_cfg = w.join("tampered.toml");
    config.save(&bad_cfg).unwrap();
    let out = w.join("film-1.mov");
    let r = ccs(&bad_cfg, &["get", &cid, "-o", out.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stderr.contains("Could not get it from peer1"), "{r:?}");
    assert!(r.stderr.contains("does not match its content ID"), "{r:?}");
    assert!(
        r.stderr.contains("from peer2") || r.stderr.contains("from peer3"),
        "{r:?}"
    );
    assert!(std::fs::read(&out).unwrap() == std::fs::read(&file).unwrap());
    // Every partner corrupt: nothing saved, exit 7.
    for n in ["peer2", "peer3"] {
        let real = config.nodes[n].gateway.clone().unwrap();
        config.nodes.get_mut(n).unwrap().gateway = Some(tampering_gateway(real));
    }
    config.save(&bad_cfg).unwrap();
    let out = w.join("film-2.mov");
    let r = ccs(&bad_cfg, &["get", &cid, "-o", out.to_str().unwrap()]);
    assert_exit(&r, 7, "does not match its content ID");
    assert!(!out.exists());

    // A partner's gateway down while the cluster still lists it as a holder.
    // Credentials from the environment alone; the generated user name is the default.
    let mut c3 = ccs_core::local::settings::Config::load(&cfg).unwrap();
    let pw = c3.nodes.get_mut("peer1").unwrap().password.take().unwrap();
    c3.nodes.get_mut("peer1").unwrap().username = None;
    let env_only = w.join("env-only.toml");
    c3.save(&env_only).unwrap();
    let r = ccs(&env_only, &["ls"]);
    assert_exit(&r, 4, "refused the user name or password");
    let mut c = ccs_cmd(&env_only, &["ls", "--json"]);
    c.env("CCS_PASSWORD", &pw);
    let r = run_cmd(c, "");
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.json()
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["cid"] == cid.as_str()),
        "{r:?}"
    );
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut c = ccs_core::local::settings::Config::load(&cfg).unwrap();
    c.nodes.get_mut("peer1").unwrap().gateway = Some(format!("http://127.0.0.1:{port}"));
    let gw_down = w.join("gateway-down.toml");
    c.save(&gw_down).unwrap();
    let out = w.join("film-3.mov");
    let r = ccs(&gw_down, &["get", &cid, "-o", out.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stderr
            .contains("Could not get it from peer1: Could not connect"),
        "{r:?}"
    );
    assert!(std::fs::read(&out).unwrap() == std::fs::read(&file).unwrap());

    // A partner that dies in the middle of sending: the next one serves it all.
    let long = w.join("long film.mov");
    write_big(&long, 160);
    let r = ccs(&cfg, &["add", "--wait", long.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{r:?}");
    let long_cid = r.stdout.trim().to_string();
    let dest_dir = w.join("dest");
    std::fs::create_dir(&dest_dir).unwrap();
    let out = dest_dir.join("long.mov");
    let child = ccs_cmd(
        &cfg,
        &[
            "get",
            "--cluster-peername",
            "peer1",
            &long_cid,
            "-o",
            out.to_str().unwrap(),
        ],
    );
    let handle = std::thread::spawn(move || run_cmd(child, ""));
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let partial = std::fs::read_dir(&dest_dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .any(|e| {
                e.file_name().to_string_lossy().contains(".partial-")
                    && e.metadata()
                        .map(|m| m.len() > 4 * 1024 * 1024)
                        .unwrap_or(false)
            });
        if partial {
            break;
        }
        assert!(
            !handle.is_finished(),
            "the transfer ended before peer1 could be stopped"
        );
        assert!(Instant::now() < deadline, "the transfer never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    net.kill(0, DaemonKind::Kubo).unwrap();
    let r = handle.join().unwrap();
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stderr.contains("Could not get it from peer1"), "{r:?}");
    assert!(
        r.stderr.contains("from peer2") || r.stderr.contains("from peer3"),
        "{r:?}"
    );
    assert!(std::fs::read(&out).unwrap() == std::fs::read(&long).unwrap());
    let names: Vec<String> = std::fs::read_dir(&dest_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["long.mov"]);
    // Ctrl-C during a get: exit 130, nothing saved, no temporary file left.
    let out = dest_dir.join("cancelled.mov");
    let mut child = ccs_cmd(
        &cfg,
        &[
            "get",
            "--cluster-peername",
            "peer2",
            &long_cid,
            "-o",
            out.to_str().unwrap(),
        ],
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !std::fs::read_dir(&dest_dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .any(|e| e.file_name().to_string_lossy().contains(".partial-"))
    {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the get ended before Ctrl-C"
        );
        assert!(Instant::now() < deadline, "the get never started writing");
        std::thread::sleep(Duration::from_millis(10));
    }
    // SAFETY: SIGINT to the child this test started.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let res = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&res.stderr);
    assert_eq!(res.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("nothing was saved"), "{stderr}");
    let names: Vec<String> = std::fs::read_dir(&dest_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["long.mov"]);

    // With peer1's kubo down the cluster no longer counts it as a holder.
    let out = w.join("film-4.mov");
    let r = ccs(
        &cfg,
        &[
            "get",
            "--cluster-peername",
            "peer1",
            &cid,
            "-o",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(r.code, 0, "{r:?}");
    net.restart(0, DaemonKind::Kubo).await.unwrap();

    // Error classes: message and exit code.
    let r = ccs(&cfg, &["status", "not-a-cid!"]);
    assert_exit(&r, 2, "is not a content ID");
    let r = ccs(
        &cfg,
        &["add", "--metadata", "novalue", file.to_str().unwrap()],
    );
    assert_exit(&r, 2, "KEY=VALUE");
    let r = ccs(&cfg, &["frobnicate"]);
    assert_eq!(r.code, 2, "{r:?}");
    let r = ccs(
        &cfg,
        &["status", "QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn"],
    );
    assert_exit(&r, 5, "was not found");
    let r = ccs(&cfg, &["add", w.join("missing.txt").to_str().unwrap()]);
    assert_exit(&r, 5, "does not exist");
    let r = ccs(&w.join("no-such-settings.toml"), &["ls"]);
    assert_exit(&r, 9, "could not be read");
    std::fs::write(w.join("broken.toml"), "nodes = 3").unwrap();
    let r = ccs(&w.join("broken.toml"), &["ls"]);
    assert_exit(&r, 9, "broken.toml");
    let mut c = ccs_cmd(&cfg, &["ls"]);
    c.env("CCS_PASSWORD", "not-the-password");
    let r = run_cmd(c, "");
    assert_exit(&r, 4, "refused the user name or password");
    assert!(!r.stderr.contains("not-the-password"));
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut c2 = ccs_core::local::settings::Config::load(&cfg).unwrap();
    c2.nodes.get_mut("peer1").unwrap().cluster_api = format!("http://127.0.0.1:{port}");
    let dead = w.join("dead.toml");
    c2.save(&dead).unwrap();
    let r = ccs(&dead, &["health", "--json"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert_eq!(r.json()["status"], "error");
    let r = ccs(&dead, &["ls"]);
    assert_exit(&r, 3, "Could not connect");
    // get still works through the node's gateway when its cluster API is down.
    let out = w.join("film-5.mov");
    let r = ccs(&dead, &["get", &cid, "-o", out.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stderr.contains("Trying its gateway directly"), "{r:?}");
    assert!(std::fs::read(&out).unwrap() == std::fs::read(&file).unwrap());
    let r = ccs(&dead, &["ls", "--json"]);
    assert_eq!(r.code, 3);
    assert_eq!(r.json()["error"]["code"], "unreachable");
    let fifo_dir = w.join("with-fifo");
    std::fs::create_dir(&fifo_dir).unwrap();
    let fifo = std::ffi::CString::new(fifo_dir.join("pipe").to_str().unwrap()).unwrap();
    // SAFETY: mkfifo with a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
    let r = ccs(&cfg, &["add", fifo_dir.to_str().unwrap()]);
    assert_exit(&r, 8, "cannot be stored");
    let r = ccs(
        &cfg,
        &[
            "rm",
            "--yes",
            "QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn",
        ],
    );
    assert_exit(&r, 5, "was not found");

    // Ctrl-C during an upload: a clean stop, exit 130, no CID printed.
    let huge = w.join("huge.bin");
    write_big(&huge, 400);
    let mut child = ccs_cmd(&cfg, &["add", huge.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(2500));
    assert!(
        child.try_wait().unwrap().is_none(),
        "the upload finished before Ctrl-C"
    );
    // SAFETY: SIGINT to the child this test started.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("cancelled"), "{stderr}");
    assert!(out.stdout.is_empty());
    let r = ccs(&cfg, &["ls", "--json", "--name", "huge"]);
    assert_eq!(
        r.json().as_array().unwrap().len(),
        0,
        "a cancelled add was stored: {r:?}"
    );

    // Degraded: one partner's cluster peer down -> health exits 1.
    net.kill(2, DaemonKind::Cluster).unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let r = ccs(&cfg, &["health"]);
        if r.code == 1 {
            assert!(
                r.stdout.contains("degraded") && r.stdout.contains("peer3"),
                "{r:?}"
            );
            break;
        }
        assert!(
            Instant::now() < deadline,
            "health never noticed peer3 down: {r:?}"
        );
        std::thread::sleep(Duration::from_secs(1));
    }
    let r = ccs(&cfg, &["peers", "--json"]);
    let down = r
        .json()
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["online"] == false)
        .cloned();
    assert!(down.is_some(), "{r:?}");

    // The stream-trailer error: every kubo down, the cluster answers 200 and
    // reports the failure at the end; the add must fail, not print a CID.
    net.kill(0, DaemonKind::Kubo).unwrap();
    net.kill(1, DaemonKind::Kubo).unwrap();
    net.kill(2, DaemonKind::Kubo).unwrap();
    let small = w.join("small.txt");
    std::fs::write(&small, b"will not be stored").unwrap();
    let r = ccs(&cfg, &["add", small.to_str().unwrap()]);
    assert_ne!(r.code, 0, "{r:?}");
    assert!([6].contains(&r.code), "{r:?}");
    assert!(
        r.stdout.trim().is_empty(),
        "a CID was printed for a failed add: {r:?}"
    );
    assert_eq!(
        r.stderr
            .trim()
            .lines()
            .filter(|l| l.starts_with("Error:"))
            .count(),
        1,
        "{r:?}"
    );
    eprintln!("add with every kubo down: {}", r.stderr.trim());
}

#[test]
fn help_documents_exit_codes_and_both_names_work() {
    for bin in [
        env!("CARGO_BIN_EXE_ccs"),
        env!("CARGO_BIN_EXE_community-cloud-storage"),
    ] {
        let out = Command::new(bin).arg("--help").output().unwrap();
        assert!(out.status.success());
        let text = String::from_utf8_lossy(&out.stdout);
        for needle in [
            "Exit codes:",
            "130",
            "NO_COLOR",
            "add",
            "clone",
            "create",
            "get",
            "rm",
            "ls",
            "status",
            "peers",
            "health",
            "repair",
        ] {
            assert!(text.contains(needle), "{needle} missing from --help");
        }
    }
    let out = Command::new(env!("CARGO_BIN_EXE_ccs"))
        .args(["get", "--help"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("--output")
            && text.contains("--force")
            && text.contains("--cluster-peername")
    );
    let out = Command::new(env!("CARGO_BIN_EXE_ccs"))
        .args(["clone", "--help"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("--input") && text.contains("--bootstrap-host"));
}
