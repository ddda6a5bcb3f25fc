//! Watched folders on a real 2-peer testnet (issue #18), through `ccs watch`:
//! what was there before is stored at the first run; a scan written by a
//! program that pauses mid-file is stored only once complete, whole; 500
//! files dropped at once as five sub-folders become five items of 100 files;
//! a rename stores nothing again; a restart stores nothing again; a folder
//! marked as a network drive is polled and works the same; each stored
//! entry is a job in the journal. Bad input gets one sentence each.

// Needs the real daemons (or root, or system services): `./scripts/test.sh` turns it on.
#![cfg(feature = "real-daemons")]
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use ccs_tests::{Run, ccs_command, pseudo_random, start_testnet};
use serde_json::Value;

fn ccs(config: &Path, args: &[&str]) -> Run {
    Run::of(ccs_command(env!("CARGO_BIN_EXE_ccs"), config).args(args))
}

/// `ccs watch run --json` in the background, its events read line by line.
struct Watcher {
    child: Child,
    events: Receiver<Value>,
    seen: Vec<Value>,
}

impl Watcher {
    fn start(config: &Path) -> Self {
        let mut child = ccs_command(env!("CARGO_BIN_EXE_ccs"), config)
            .args(["--json", "watch", "run"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, events) = channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
            {
                let v: Value = serde_json::from_str(&line)
                    .unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
                if tx.send(v).is_err() {
                    break;
                }
            }
        });
        Self {
            child,
            events,
            seen: Vec::new(),
        }
    }

    /// Waits for an event that `matches`, and returns it.
    fn wait_for(
        &mut self,
        what: &str,
        timeout: Duration,
        matches: impl Fn(&Value) -> bool,
    ) -> Value {
        if let Some(v) = self.seen.iter().find(|v| matches(v)) {
            return v.clone();
        }
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.events.recv_timeout(left) {
                Ok(v) => {
                    self.seen.push(v.clone());
                    if matches(&v) {
                        return v;
                    }
                }
                Err(_) => panic!("no event {what} within {timeout:?}; seen: {:#?}", self.seen),
            }
        }
    }

    /// Every event seen so far (after waiting `settle` for more).
    fn all_after(&mut self, settle: Duration) -> &[Value] {
        let deadline = Instant::now() + settle;
        while let Ok(v) = self
            .events
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
        {
            self.seen.push(v);
        }
        &self.seen
    }

    fn stop(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn is(v: &Value, kind: &str, entry: &str) -> bool {
    v["kind"] == kind && (v["entry"] == entry || v["to"] == entry)
}

fn stored(v: &Value, entry: &str) -> bool {
    is(v, "stored", entry)
}

fn make_box(dir: &Path, files: usize, seed: u64) {
    std::fs::create_dir_all(dir).unwrap();
    for i in 0..files {
        std::fs::write(
            dir.join(format!("page {i:03}.tif")),
            pseudo_random(seed + i as u64, 1000 + i),
        )
        .unwrap();
    }
}

/// Saves `cid` into `dest` and returns its files, relative path to bytes.
fn saved(config: &Path, cid: &str, dest: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let r = ccs(config, &["get", cid, "-o", dest.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{r:?}");
    let mut files: Vec<_> = walkdir::WalkDir::new(dest)
        .sort_by_file_name()
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            (
                e.path().strip_prefix(dest).unwrap().to_path_buf(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

fn items_named(config: &Path) -> Vec<String> {
    let r = ccs(config, &["--json", "ls"]);
    assert_eq!(r.code, 0, "{r:?}");
    let mut names: Vec<String> = serde_json::from_str::<Vec<Value>>(r.stdout.trim())
        .or_else(|_| {
            r.stdout
                .lines()
                .map(serde_json::from_str::<Value>)
                .collect::<Result<Vec<_>, _>>()
        })
        .unwrap_or_else(|e| panic!("ls --json ({e}): {r:?}"))
        .into_iter()
        .filter_map(|v| v["name"].as_str().map(str::to_string))
        .collect();
    names.sort();
    names
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watched_folders_store_each_complete_entry_once() {
    let net = start_testnet(2).await;
    let config = net.config_path();
    let work = tempfile::tempdir().unwrap();
    let scans = work.path().join("Scans");
    let loose = work.path().join("Loose files (network drive)");
    std::fs::create_dir_all(&scans).unwrap();
    std::fs::create_dir_all(&loose).unwrap();

    // Bad input: one sentence each, a non-zero exit, nothing watched.
    let file = work.path().join("a file.txt");
    std::fs::write(&file, b"x").unwrap();
    let r = ccs(&config, &["watch", "add", file.to_str().unwrap()]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("only a folder can be watched"), "{r:?}");
    let r = ccs(
        &config,
        &[
            "watch",
            "add",
            work.path().join("nowhere").to_str().unwrap(),
        ],
    );
    assert_ne!(r.code, 0, "{r:?}");
    assert!(r.stderr.contains("nowhere"), "{r:?}");
    let r = ccs(
        &config,
        &["watch", "add", scans.to_str().unwrap(), "--settle", "soon"],
    );
    assert_eq!(r.code, 2, "{r:?}");
    let r = ccs(&config, &["watch", "run", "--once"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("No folder is being watched"), "{r:?}");

    // What is in the folder before it is watched is stored at the first run.
    make_box(&scans.join("Box 01"), 3, 1);
    let r = ccs(
        &config,
        &[
            "watch",
            "add",
            scans.to_str().unwrap(),
            "--settle",
            "2s",
            "--collection",
            "Parish",
        ],
    );
    assert_eq!(r.code, 0, "{r:?}");
    // A folder inside a watched one, and the same one twice, are refused.
    let r = ccs(
        &config,
        &["watch", "add", scans.join("Box 01").to_str().unwrap()],
    );
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("one watched folder only"), "{r:?}");
    let r = ccs(&config, &["watch", "add", scans.to_str().unwrap()]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("already watched"), "{r:?}");
    // A folder marked as a network drive: each file an item, polled.
    let r = ccs(
        &config,
        &[
            "watch",
            "add",
            loose.to_str().unwrap(),
            "--each",
            "file",
            "--settle",
            "2s",
            "--poll",
        ],
    );
    assert_eq!(r.code, 0, "{r:?}");
    let r = ccs(&config, &["--json", "watch", "list"]);
    let listed = r.json();
    assert_eq!(listed.as_array().unwrap().len(), 2, "{r:?}");
    assert_eq!(listed[1]["polled"], true, "{r:?}");
    assert_eq!(listed[0]["polled"], false, "{r:?}");

    let mut watcher = Watcher::start(&config);
    let minute = Duration::from_secs(60);
    watcher.wait_for("watching the network drive, polled", minute, |v| {
        v["kind"] == "watching" && v["polled"] == true
    });
    let first = watcher.wait_for("Box 01 stored", minute, |v| stored(v, "Box 01"));
    let back = saved(
        &config,
        first["cid"].as_str().unwrap(),
        &work.path().join("back 01"),
    );
    assert_eq!(back.len(), 3);
    assert_eq!(back[0].1, pseudo_random(1, 1000));

    // A scanner that writes half a file, pauses well past the settling
    // time holding it open, then writes the rest.
    let slow = scans.join("Box 02");
    std::fs::create_dir_all(&slow).unwrap();
    let whole = pseudo_random(7, 3_000_000);
    let mut writer = std::fs::File::create(slow.join("scan.tif")).unwrap();
    writer.write_all(&whole[..1_500_000]).unwrap();
    writer.flush().unwrap();
    watcher.wait_for(
        "Box 02 waited for its writer",
        Duration::from_secs(30),
        |v| is(v, "waiting", "Box 02") && v["reason"] == "being_written",
    );
    tokio::time::sleep(Duration::from_secs(6)).await;
    writer.write_all(&whole[1_500_000..]).unwrap();
    drop(writer);
    let slow_stored = watcher.wait_for("Box 02 stored", minute, |v| stored(v, "Box 02"));
    let back = saved(
        &config,
        slow_stored["cid"].as_str().unwrap(),
        &work.path().join("back 02"),
    );
    assert_eq!(back.len(), 1);
    assert!(back[0].1 == whole, "the stored scan is not the whole file");

    // 500 files dropped at once, as five sub-folders of 100 (moved in, as a
    // file manager does on the same disk), become five items of 100 files.
    let staging = work.path().join("staging");
    for b in 0..5 {
        make_box(&staging.join(format!("Batch {b}")), 100, 100 * b as u64);
    }
    for b in 0..5 {
        let name = format!("Batch {b}");
        std::fs::rename(staging.join(&name), scans.join(&name)).unwrap();
    }
    // And three loose files copied into the network drive: three items.
    for i in 0..3 {
        std::fs::write(
            loose.join(format!("letter {i}.pdf")),
            pseudo_random(50 + i, 5000),
        )
        .unwrap();
    }
    let two_minutes = Duration::from_secs(120);
    for b in 0..5 {
        let v = watcher.wait_for("a batch stored", two_minutes, |v| {
            stored(v, &format!("Batch {b}"))
        });
        if b == 3 {
            let back = saved(
                &config,
                v["cid"].as_str().unwrap(),
                &work.path().join("back batch"),
            );
            assert_eq!(back.len(), 100);
            assert_eq!(back[99].1, pseudo_random(300 + 99, 1099));
        }
    }
    for i in 0..3 {
        watcher.wait_for("a letter stored", two_minutes, |v| {
            stored(v, &format!("letter {i}.pdf"))
        });
    }

    // A folder added while the watcher runs is watched too; the others are
    // not announced again (their state goes on).
    let later = work.path().join("later");
    std::fs::create_dir_all(&later).unwrap();
    let r = ccs(&config, &["watch", "add", later.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{r:?}");
    watcher.wait_for("the folder added while running", minute, |v| {
        v["kind"] == "watching" && v["folder"] == later.to_str().unwrap()
    });

    // A rename within the folder: nothing stored again.
    std::fs::rename(scans.join("Box 01"), scans.join("Box 01 (parish register)")).unwrap();
    watcher.wait_for("the rename", minute, |v| {
        v["kind"] == "moved" && v["from"] == "Box 01" && v["to"] == "Box 01 (parish register)"
    });
    let seen = watcher.all_after(Duration::from_secs(5)).to_vec();
    watcher.stop();
    let stored_events: Vec<&Value> = seen.iter().filter(|v| v["kind"] == "stored").collect();
    for folder in [&scans, &loose] {
        let announced = seen
            .iter()
            .filter(|v| v["kind"] == "watching" && v["folder"] == folder.to_str().unwrap())
            .count();
        assert_eq!(announced, 1, "{folder:?} announced again: {seen:#?}");
    }
    assert_eq!(stored_events.len(), 2 + 5 + 3, "each entry once: {seen:#?}");
    assert!(!seen.iter().any(|v| v["kind"] == "failed"), "{seen:#?}");
    let names = items_named(&config);
    assert_eq!(names.len(), 10, "{names:?}");
    assert!(
        names.contains(&"Box 02".to_string()) && names.contains(&"letter 2.pdf".to_string()),
        "{names:?}"
    );
    // Each item was a job in the journal.
    let r = ccs(&config, &["--json", "jobs"]);
    assert_eq!(r.code, 0, "{r:?}");
    let adds = r.stdout.matches("\"kind\": \"add\"").count()
        + r.stdout.matches("\"kind\":\"add\"").count();
    assert_eq!(adds, 10, "{r:?}");

    // A restart looks at everything again and stores nothing again.
    let r = ccs(&config, &["watch", "run", "--once"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("0 stored"), "{r:?}");
    assert_eq!(items_named(&config).len(), 10);

    // A new entry while nobody watched is stored at the next run; a paused
    // folder is left alone until resumed.
    make_box(&scans.join("Box 03"), 2, 900);
    let r = ccs(&config, &["watch", "pause", scans.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{r:?}");
    let r = ccs(&config, &["watch", "run", "--once"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("0 stored"), "{r:?}");
    let r = ccs(&config, &["watch", "resume"]);
    assert_eq!(r.code, 0, "{r:?}");
    let r = ccs(&config, &["watch", "run", "--once"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("1 stored"), "{r:?}");
    assert_eq!(items_named(&config).len(), 11);

    // Stopping the watch keeps what it stored.
    let r = ccs(&config, &["watch", "remove", loose.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("stays stored"), "{r:?}");
    assert_eq!(items_named(&config).len(), 11);
}
