//! `ccs add` records every add in the job journal and `ccs jobs` lists them:
//! an add killed mid-upload (SIGKILL, as a crash or a closed laptop would)
//! shows as interrupted with the command to run it again, never as done; an
//! add of a folder with several unstorable files fails before uploading and
//! lists each one. Against a real 1-peer testnet.

// Needs the real daemons (or root, or system services): `./scripts/test.sh` turns it on.
#![cfg(feature = "real-daemons")]
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use ccs_tests::{isolate_ccs, pseudo_random, start_testnet};
use serde_json::Value;

fn ccs(config: &Path, journal: &Path, args: &[&str]) -> Command {
    let mut c = isolate_ccs(Command::new(env!("CARGO_BIN_EXE_ccs")), config, journal);
    c.args(["--cluster-peername", "peer1"]).args(args);
    c
}

fn run(config: &Path, journal: &Path, args: &[&str]) -> Output {
    ccs(config, journal, args).output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn jobs(config: &Path, journal: &Path) -> Vec<Value> {
    let o = run(config, journal, &["jobs", "--json"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    serde_json::from_slice::<Value>(&o.stdout)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

fn fifo(path: &Path) {
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: mkfifo with a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_add_is_interrupted_never_done_and_problems_are_listed() {
    let net = start_testnet(1).await;
    let config = net.net.config_path();
    let tmp = tempfile::tempdir().unwrap();
    let journal = tmp.path().join("jobs");

    // A finished add is recorded as done, with its CID.
    let small = tmp.path().join("note.txt");
    std::fs::write(&small, b"parish minutes").unwrap();
    let o = run(
        &config,
        &journal,
        &["add", small.to_str().unwrap(), "--name", "Minutes"],
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let cid = text(&o.stdout).trim().to_string();
    let list = jobs(&config, &journal);
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["state"], "done");
    assert_eq!(list[0]["result"], cid.as_str());
    assert_eq!(list[0]["inputs"]["title"], "Minutes");

    // A large add killed mid-upload.
    let big = tmp.path().join("reel.bin");
    std::fs::write(&big, pseudo_random(11, 600 * 1024 * 1024)).unwrap();
    let mut child = ccs(
        &config,
        &journal,
        &[
            "add",
            big.to_str().unwrap(),
            "--metadata",
            "collection=Film",
        ],
    )
    .stdout(Stdio::null())
    .stderr(Stdio::null())
    .spawn()
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let running = jobs(&config, &journal)
            .iter()
            .any(|j| j["state"] == "running" && j["pid"] == child.id());
        if running {
            break;
        }
        assert!(Instant::now() < deadline, "the add was never recorded");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Let the upload get going, then kill it while it still runs.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(
        child.try_wait().unwrap().is_none(),
        "the 600 MB add finished before it could be killed"
    );
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();

    let list = jobs(&config, &journal);
    assert_eq!(list.len(), 2);
    let killed = &list[0];
    assert_eq!(killed["state"], "interrupted", "{killed}");
    assert!(killed["result"].is_null());
    assert_eq!(killed["inputs"]["collection"], "Film");
    let again = killed["again"].as_str().unwrap();
    assert!(
        again.starts_with("ccs add ") && again.contains(big.to_str().unwrap()),
        "{again}"
    );
    assert!(again.contains("--metadata collection=Film"), "{again}");
    // The plain listing says so in words, with the command.
    let o = run(&config, &journal, &["jobs"]);
    let out = text(&o.stdout);
    assert!(out.contains("interrupted") && out.contains(again), "{out}");

    // A folder with two unstorable entries: both listed, nothing uploaded.
    let folder = tmp.path().join("box");
    std::fs::create_dir(&folder).unwrap();
    std::fs::write(folder.join("ok.txt"), b"fine").unwrap();
    fifo(&folder.join("pipe-1"));
    fifo(&folder.join("pipe-2"));
    let one = tmp.path().join("single-pipe");
    fifo(&one);
    let single = run(&config, &journal, &["add", one.to_str().unwrap()]);
    let o = run(&config, &journal, &["add", folder.to_str().unwrap()]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), single.status.code(), "{err}");
    assert_ne!(o.status.code(), Some(0));
    assert!(err.contains("pipe-1") && err.contains("pipe-2"), "{err}");
    assert!(err.contains("2 of the chosen files"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    let list = jobs(&config, &journal);
    let failed = &list[0];
    assert_eq!(failed["state"], "failed");
    assert_eq!(failed["problems"].as_array().unwrap().len(), 2);
    // Nothing of the failed or killed adds was stored: only the first item.
    let o = run(&config, &journal, &["ls", "--json"]);
    let ls: Value = serde_json::from_slice(&o.stdout).unwrap();
    let n = ls
        .as_array()
        .map(|a| a.len())
        .or_else(|| ls["items"].as_array().map(|a| a.len()));
    assert_eq!(n, Some(1), "{ls}");

    // The same folder with --skip-unreadable: the readable file is stored,
    // the two pipes are left out and named with the item.
    assert!(err.contains("--skip-unreadable"), "{err}");
    let o = run(
        &config,
        &journal,
        &[
            "add",
            "--skip-unreadable",
            "--json",
            folder.to_str().unwrap(),
        ],
    );
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(
        err.contains("left out: ") && err.contains("pipe-1"),
        "{err}"
    );
    let added: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(added["files"], 1, "{added}");
    assert_eq!(added["skipped"], 2, "{added}");
    assert_eq!(added["metadata"]["skipped-files"], "2", "{added}");
    let cid = added["cid"].as_str().unwrap();
    let o = run(&config, &journal, &["contents", "--json", cid]);
    let listed: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(listed["files"][0]["path"], "ok.txt", "{listed}");
    assert_eq!(listed["skipped"], 2, "{listed}");
    let mut left: Vec<&str> = listed["skipped_files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    left.sort();
    assert_eq!(left, ["pipe-1", "pipe-2"], "{listed}");
    let o = run(&config, &journal, &["history", cid]);
    let out = text(&o.stdout);
    assert!(
        out.contains("2 files that could not be read were left out"),
        "{out}"
    );
}
