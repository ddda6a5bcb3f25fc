//! The seven scenarios, each run alternately with every tool it compares.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::bench::Bench;
use crate::content::{write_folder, write_pinset_files, write_random_file};
use crate::measure::{Measured, measure};
use crate::report::median;

/// Scenario 6's and 7's tools.
pub(crate) const AUDIT_FULL: &str = "ccs audit --full --partner peer1";
pub(crate) const GET_FROM_PEER1: &str = "ccs get --cluster-peername peer1 (reference)";
pub(crate) const AUDIT_SAMPLE_1: &str = "ccs audit --all --sample 1";
pub(crate) const AUDIT_SAMPLE_DEFAULT: &str = "ccs audit --all (default: 4 samples)";

impl Bench {
    pub(crate) fn scenario_file(
        &mut self,
        runs: usize,
        size: u64,
        label: &str,
        with_refs: bool,
    ) -> Option<String> {
        println!(
            "Scenario 1: one {label} file, random content (`ccs add` always takes the fixity manifest, SHA-256 of every file, in the same read and stores it as a pin of its own)"
        );
        let mut last_cid = None;
        for r in 0..runs {
            // `--local` (both tools): the blocks go to the receiving peer
            // only and the partners copy them afterwards, as `ipfs add` does.
            let tools: &[&str] = if with_refs {
                &[
                    "ccs add",
                    "ccs add --local",
                    "ipfs-cluster-ctl add",
                    "ipfs-cluster-ctl add --local",
                    "ipfs add",
                ]
            } else {
                &["ccs add"]
            };
            for tool in tools {
                let file = self.work.path().join("big.bin");
                write_random_file(&file, 10_000 + r as u64 * 10 + tool.len() as u64, size);
                self.reset();
                let local = tool.ends_with("--local");
                let mut cmd = match *tool {
                    t if t.starts_with("ccs add") => {
                        let mut c = self.ours();
                        c.args(["--json", "add"]);
                        if local {
                            c.arg("--local");
                        }
                        c.arg(&file);
                        c
                    }
                    t if t.starts_with("ipfs-cluster-ctl add") => {
                        let mut c = self.ctl();
                        c.args(["add", "-Q"]);
                        if local {
                            c.arg("--local");
                        }
                        c.arg(&file);
                        c
                    }
                    _ => {
                        let mut c = self.ipfs();
                        c.args(["add", "-Q"]).arg(&file);
                        c
                    }
                };
                let Measured {
                    wall: t,
                    peak_rss_kib: rss,
                    stdout: out,
                    ..
                } = self.measure(&mut cmd);
                self.record(
                    &format!("add {label}"),
                    tool,
                    t,
                    rss,
                    Some(size as f64 / 1e6),
                );
                if *tool == "ccs add" {
                    last_cid = serde_json::from_str::<serde_json::Value>(&out)
                        .ok()
                        .and_then(|v| v["cid"].as_str().map(String::from));
                }
                let _ = std::fs::remove_file(&file);
            }
        }
        last_cid
    }

    pub(crate) fn scenario_folder(&mut self, runs: usize, files: usize) {
        println!("Scenario 2: a folder of {files} files of 4-64 KiB");
        for r in 0..runs {
            for tool in ["ccs add", "ipfs-cluster-ctl add -r"] {
                let dir = self.work.path().join("folder");
                let _ = std::fs::remove_dir_all(&dir);
                write_folder(&dir, 500 + r as u64 * 2 + tool.len() as u64, files);
                self.reset();
                let mut cmd = if tool == "ccs add" {
                    let mut c = self.ours();
                    c.args(["--json", "add"]).arg(&dir);
                    c
                } else {
                    let mut c = self.ctl();
                    c.args(["add", "-r", "-Q"]).arg(&dir);
                    c
                };
                let Measured {
                    wall: t,
                    peak_rss_kib: rss,
                    ..
                } = self.measure(&mut cmd);
                self.record("add folder", tool, t, rss, Some(files as f64));
                let _ = std::fs::remove_dir_all(&dir);
            }
        }
    }

    pub(crate) fn scenario_get(&mut self, runs: usize, size: u64) {
        println!("Scenario 3: retrieving the file");
        let file = self.work.path().join("get-src.bin");
        write_random_file(&file, 777, size);
        self.reset();
        let mut add = self.ours();
        add.args(["--json", "add", "--wait"]).arg(&file);
        let out = measure(&mut add).stdout;
        let cid = serde_json::from_str::<serde_json::Value>(&out)
            .ok()
            .and_then(|v| v["cid"].as_str().map(String::from))
            .unwrap_or_else(|| panic!("no cid in {out}"));
        let gateway = self.net.peer(0).gateway.clone();
        for _ in 0..runs {
            // `ccs get` syncs the file to disk before it reports success;
            // `curl` leaves it in the page cache. "curl + sync" is the same
            // download made as durable, for a like-for-like comparison.
            for tool in [
                "ccs get (verified)",
                "curl (unverified)",
                "curl + sync (unverified)",
            ] {
                let dest = self.work.path().join("got.bin");
                let _ = std::fs::remove_file(&dest);
                let mut cmd = if tool.starts_with("ccs") {
                    let mut c = self.ours();
                    c.args(["get", &cid, "--output"]).arg(&dest);
                    c
                } else if tool.starts_with("curl + sync") {
                    let mut c = Command::new("sh");
                    c.args(["-c", r#"curl -sf -o "$1" "$2" && sync "$1""#, "sh"])
                        .arg(&dest)
                        .arg(format!("{gateway}/ipfs/{cid}"));
                    c
                } else {
                    let mut c = Command::new("curl");
                    c.args(["-sf", "-o"])
                        .arg(&dest)
                        .arg(format!("{gateway}/ipfs/{cid}"));
                    c
                };
                let Measured {
                    wall: t,
                    peak_rss_kib: rss,
                    ..
                } = self.measure(&mut cmd);
                assert_eq!(std::fs::metadata(&dest).map(|m| m.len()).unwrap_or(0), size);
                self.record("get file", tool, t, rss, Some(size as f64 / 1e6));
            }
        }
    }

    /// Scenario 4; the pinset is made first. `patience`: how long the peers
    /// may make no progress towards holding every pin before the listing
    /// is measured anyway.
    pub(crate) async fn scenario_pinset(&mut self, runs: usize, items: usize, patience: Duration) {
        println!("Scenario 4: a pinset of {items} items");
        self.reset();
        self.pinset_items = items;
        let cluster = self.net.peer(0).cluster();
        let start = Instant::now();
        // Each item is a block of its own (1 KiB, raw, CIDv1) that every
        // peer's kubo already holds: pinning needs no transfer, so the pinset
        // grows fast and the listing is what is measured, and an audit
        // (scenario 7) asks each partner's gateway for blocks it really has.
        let cids = tokio::task::block_in_place(|| self.pinset_blocks(items));
        eprintln!(
            "  {items} blocks stored on every peer in {:.0} s",
            start.elapsed().as_secs_f64()
        );
        let opts = ccs_core::net::cluster::PinOptions::default();
        let mut done = 0usize;
        for chunk in cids.chunks(64) {
            let futs = chunk.iter().map(|c| cluster.pin(c, &opts));
            for r in futures_util::future::join_all(futs).await {
                r.unwrap_or_else(|e| panic!("pin failed: {e}"));
            }
            done += chunk.len();
            if done % 5000 == 0 {
                eprintln!(
                    "  pinned {done}/{items} in {:.0} s",
                    start.elapsed().as_secs_f64()
                );
            }
        }
        eprintln!(
            "  {items} pins submitted in {:.0} s; waiting for every peer's kubo to hold them",
            start.elapsed().as_secs_f64()
        );
        // Let every peer settle before listing, so each run lists the same
        // state. Asking kubo for its pin count is cheap; asking the cluster
        // for the global status (what is measured) would load it while it works.
        let settle = Instant::now();
        let (mut last_total, mut last_progress) = (0usize, Instant::now());
        loop {
            let counts: Vec<usize> = self
                .net
                .peers()
                .iter()
                .map(|p| {
                    Command::new(&self.net.bins().ipfs)
                        .args(["--api", &format!("/ip4/127.0.0.1/tcp/{}", p.ports.kubo_api)])
                        .args(["pin", "ls", "--type=recursive", "-q"])
                        .output()
                        .map(|o| o.stdout.iter().filter(|b| **b == b'\n').count())
                        .unwrap_or(0)
                })
                .collect();
            if counts.iter().all(|c| *c >= items) {
                eprintln!(
                    "  every peer holds {items} pins ({:.0} s)",
                    settle.elapsed().as_secs_f64()
                );
                break;
            }
            // A peer whose CRDT store missed an update (go-ds-crdt marks itself
            // dirty and repairs on its repair interval) can stay a few pins
            // short; the listing is measured anyway, the same for both tools.
            let total: usize = counts.iter().sum();
            if total != last_total {
                last_total = total;
                last_progress = Instant::now();
            } else if last_progress.elapsed() > patience {
                eprintln!(
                    "  no progress for {} s ({counts:?} of {items}); measuring anyway",
                    patience.as_secs()
                );
                break;
            }
            tokio::time::sleep(Duration::from_secs(10)).await;
        }
        if runs > 0 {
            // Each tool's own peak, not this process's (which holds the pinset):
            // the floor is the measuring helper's, shown by a run of `true`.
            let floor = measure(&mut Command::new("true")).peak_rss_kib;
            println!("  peak RSS read through the measuring helper; `true` reads {floor} KiB");
        }
        for _ in 0..runs {
            for tool in ["ccs ls (per-partner status)", "ipfs-cluster-ctl status"] {
                let mut cmd = if tool.starts_with("ccs") {
                    let mut c = self.ours();
                    c.args(["--json", "ls"]);
                    c
                } else {
                    let mut c = self.ctl();
                    c.arg("status");
                    c
                };
                let Measured {
                    wall: t,
                    peak_rss_kib: rss,
                    ..
                } = tokio::task::block_in_place(|| self.measure(&mut cmd));
                self.record("list pinset", tool, t, rss, Some(items as f64));
            }
        }
    }

    /// `items` distinct 1 KiB blocks added (unpinned) to every peer's kubo
    /// with `ipfs add`, which stores them in batches; their CIDs.
    fn pinset_blocks(&self, items: usize) -> Vec<String> {
        let dir = self.work.path().join("pinset");
        let _ = std::fs::remove_dir_all(&dir);
        write_pinset_files(&dir, items, 1024);
        let mut first: Option<Vec<String>> = None;
        for p in self.net.peers() {
            let out = Command::new(&self.net.bins().ipfs)
                .args(["--api", &format!("/ip4/127.0.0.1/tcp/{}", p.ports.kubo_api)])
                .args([
                    "add",
                    "-r",
                    "--pin=false",
                    "--raw-leaves",
                    "--cid-version=1",
                ])
                .arg(&dir)
                .output()
                .unwrap_or_else(|e| panic!("ipfs add: {e}"));
            assert!(
                out.status.success(),
                "ipfs add failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            // "added CID pinset/d000/p000000.bin": the files, not the folders.
            let cids: Vec<String> = String::from_utf8_lossy(&out.stdout)
                .lines()
                .filter(|l| l.ends_with(".bin"))
                .filter_map(|l| l.split_whitespace().nth(1).map(String::from))
                .collect();
            assert_eq!(cids.len(), items, "ipfs add listed {} files", cids.len());
            match &first {
                Some(f) => assert_eq!(f, &cids, "the peers stored different blocks"),
                None => first = Some(cids),
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
        first.unwrap_or_default()
    }

    /// Scenario 6: a full audit of one file on one partner
    /// (every block against its CID, the file's SHA-256 against the manifest
    /// taken when it was added) against a verified `ccs get` of the same
    /// item from the same partner.
    pub(crate) fn scenario_audit_full(&mut self, runs: usize, size: u64) {
        let label = format!("{} MiB", size >> 20);
        println!(
            "Scenario 6: full audit of one {label} file on peer1, against `ccs get` from peer1"
        );
        let file = self.work.path().join("audit-src.bin");
        write_random_file(&file, 4242, size);
        self.reset();
        let mut add = self.ours();
        add.args(["--json", "add", "--wait"]).arg(&file);
        let out = measure(&mut add).stdout;
        let _ = std::fs::remove_file(&file);
        let cid = serde_json::from_str::<serde_json::Value>(&out)
            .ok()
            .and_then(|v| v["cid"].as_str().map(String::from))
            .unwrap_or_else(|| panic!("no cid in {out}"));
        let scenario = format!("audit {label}");
        for _ in 0..runs {
            for tool in [AUDIT_FULL, GET_FROM_PEER1] {
                let dest = self.work.path().join("got.bin");
                let _ = std::fs::remove_file(&dest);
                let mut cmd = self.ours();
                if tool == AUDIT_FULL {
                    cmd.args(["--json", "audit", "--full", "--partner", "peer1", &cid]);
                } else {
                    cmd.args(["get", &cid, "--output"]).arg(&dest);
                }
                let m = self.measure(&mut cmd);
                if tool == AUDIT_FULL {
                    // The copy verified, and the file compared with its manifest.
                    let v: serde_json::Value = serde_json::from_str(&m.stdout)
                        .unwrap_or_else(|e| panic!("audit JSON: {e}: {}", m.stdout));
                    let copy = &v["copies"][0];
                    assert_eq!(copy["outcome"], "verified", "{copy}");
                    assert_eq!(copy["manifest"], "checked", "{copy}");
                    assert_eq!(copy["files_checked"], 1, "{copy}");
                    assert!(
                        copy["bytes_checked"].as_u64().unwrap_or(0) >= size,
                        "{copy}"
                    );
                } else {
                    assert_eq!(std::fs::metadata(&dest).map(|m| m.len()).unwrap_or(0), size);
                    let _ = std::fs::remove_file(&dest);
                }
                self.record(
                    &scenario,
                    tool,
                    m.wall,
                    m.peak_rss_kib,
                    Some(size as f64 / 1e6),
                );
            }
        }
    }

    /// Scenario 7: a sampled audit of every item of the scenario-4 pinset
    /// on all three partners. No reference tool: the figures are held
    /// against the targets. Called outside the runtime (`block_in_place`).
    pub(crate) fn scenario_audit_sample(&mut self, runs: usize, items: usize) {
        println!("Scenario 7: sampled audit of the {items}-item pinset on 3 partners");
        self.pinset_items = items;
        for _ in 0..runs {
            for tool in [AUDIT_SAMPLE_1, AUDIT_SAMPLE_DEFAULT] {
                // Each run records its findings from nothing, as a first audit.
                let _ = std::fs::remove_dir_all(self.audit_dir());
                let mut cmd = self.ours();
                cmd.args(["audit", "--all"]);
                if tool == AUDIT_SAMPLE_1 {
                    cmd.args(["--sample", "1"]);
                }
                let m = self.measure(&mut cmd);
                let summary = m
                    .stdout
                    .lines()
                    .find(|l| l.starts_with("Audited "))
                    .unwrap_or("no summary line")
                    .to_string();
                println!("    {summary}");
                assert!(
                    summary.starts_with(&format!(
                        "Audited {items} item(s): {} copies verified",
                        3 * items
                    )),
                    "not every copy verified: {summary}"
                );
                self.record(
                    "audit pinset",
                    tool,
                    m.wall,
                    m.peak_rss_kib,
                    Some(items as f64),
                );
            }
        }
        // The inventory of the same pinset, once the audits have put three
        // events an item into the preservation record (and their findings
        // on this computer): it reads the whole record, keeps each item's
        // last event, then streams the items. Compared with `ccs ls` of
        // scenario 4 (the pinset's listing).
        for _ in 0..runs {
            let mut cmd = self.ours();
            cmd.arg("report");
            let m = self.measure(&mut cmd);
            let rows = m.stdout.lines().count().saturating_sub(1);
            println!("    ccs report: {rows} rows");
            assert_eq!(rows, items, "the inventory does not list every item");
            self.record(
                "list pinset",
                "ccs report (inventory, CSV)",
                m.wall,
                m.peak_rss_kib,
                Some(items as f64),
            );
        }
        let _ = std::fs::remove_dir_all(self.audit_dir());
    }

    /// Scenario 5: the release app against the pinset of scenario 4 (see
    /// app/app.measure.ts for what is measured and how).
    pub(crate) fn scenario_app(&mut self, app: &Path, items: usize, runs: usize) {
        println!("Scenario 5: the app itself, with {items} items in the library");
        let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let bundle = app.parent().map(|d| d.join("bundle/deb"));
        let deb = bundle
            .and_then(|d| std::fs::read_dir(d).ok())
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|x| x == "deb"));
        match &deb {
            Some(d) => {
                let size = std::fs::metadata(d).map(|m| m.len()).unwrap_or(0);
                println!("  installer {}: {:.1} MB", d.display(), size as f64 / 1e6);
                self.app.insert("installer_bytes".into(), size.into());
                self.app
                    .insert("installer".into(), d.display().to_string().into());
            }
            None => println!("  no .deb next to the app: installer size not measured"),
        }
        let bin = std::fs::metadata(app).map(|m| m.len()).unwrap_or(0);
        self.app.insert("app_binary_bytes".into(), bin.into());
        let out = self.work.path().join("app.json");
        let status = Command::new("npx")
            .args([
                "vitest",
                "run",
                "--config",
                "crates/ccs-bench/app/vitest.config.ts",
            ])
            .current_dir(&repo)
            .env("CCS_APP_BIN", app)
            .env("CCS_CONFIG", &self.config)
            .env("CCS_BENCH_APP_OUT", &out)
            .env("CCS_BENCH_ITEMS", items.to_string())
            .env("CCS_BENCH_RUNS", runs.to_string())
            .status();
        let measured = std::fs::read(&out)
            .ok()
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok());
        match (status, measured) {
            (Ok(s), Some(v)) if s.success() => {
                let runs = v["runs"].as_array().cloned().unwrap_or_default();
                let med = |key: &str| {
                    let mut xs: Vec<f64> = runs.iter().filter_map(|r| r[key].as_f64()).collect();
                    median(&mut xs)
                };
                println!(
                    "  median: first library row {:.0} ms after launch (page clock {:.0} ms), all {items} listed {:.0} ms, their states {:.0} ms; idle RSS {:.0} MiB app / {:.0} MiB with WebKit (summed), idle PSS {:.0} MiB app / {:.0} MiB with WebKit (summed)",
                    med("cold_start_to_first_row_ms"),
                    med("page_clock_first_row_ms"),
                    med("all_items_listed_ms"),
                    med("all_states_ms"),
                    med("idle_rss_app_kib") / 1024.0,
                    med("idle_rss_with_webkit_kib") / 1024.0,
                    med("idle_pss_app_kib") / 1024.0,
                    med("idle_pss_with_webkit_kib") / 1024.0,
                );
                self.app.insert("measured".into(), v);
            }
            (s, _) => println!("  the app measurement failed ({s:?}); see the output above"),
        }
    }
}
