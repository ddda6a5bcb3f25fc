//! `ccs-bench`: our client against the reference tools, on one fresh 3-peer
//! testnet, in alternating runs, reporting medians and ratios. Separate from
//! the test suite: timings are measurements here, never pass/fail.
//!
//! Every tool runs as its own process so that wall time and peak RSS (from
//! `wait4`, read by a small helper process that starts it: see
//! `measure_exec`) are measured the same way for all of them. Each run adds fresh
//! content (a new seed), so no tool benefits from blocks stored by another.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ccs_testnet::{Testnet, TestnetOptions};
use clap::Parser;
use serde::Serialize;

#[derive(Parser)]
#[command(
    name = "ccs-bench",
    about = "Benchmarks against ipfs-cluster-ctl, ipfs and curl on a fresh testnet"
)]
struct Args {
    /// Runs per tool and scenario (alternating).
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// Small sizes for a quick check (128 MiB file, 2,000 files, 5,000 pins).
    #[arg(long)]
    quick: bool,
    /// Where to write every run as JSON.
    #[arg(long, default_value = "bench-results.json")]
    out: PathBuf,
    /// Scenarios to run (1-5); all by default.
    #[arg(long, value_delimiter = ',')]
    only: Vec<u8>,
    /// The release app for scenario 5 (default: next to this program; build it
    /// with `npx tauri build --ci`, which also makes the .deb whose size is reported).
    #[arg(long)]
    app: Option<PathBuf>,
}

/// One measured process run.
#[derive(Debug, Clone, Serialize)]
struct Run {
    scenario: String,
    tool: String,
    seconds: f64,
    peak_rss_kib: i64,
    /// Throughput in the scenario's unit (MB/s or files/s), when it has one.
    rate: Option<f64>,
    /// CPU seconds (user + system) used during the run: by the tool itself,
    /// and by every peer's kubo and cluster peer together. Where the time
    /// goes when the tool waits on the daemons.
    cpu_tool_s: f64,
    cpu_kubo_s: f64,
    cpu_cluster_s: f64,
}

/// CPU seconds (user + system) process `pid` has used so far, from /proc.
fn cpu_seconds(pid: u32) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0.0;
    };
    // Fields after the command name: state is the first; utime and stime
    // are the 12th and 13th (fields 14 and 15 of proc(5)).
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<f64> = rest
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|x| x.parse().ok())
        .collect();
    // SAFETY: sysconf has no preconditions.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
    f.iter().sum::<f64>() / ticks
}

/// The first argument that makes this program the measuring helper instead of
/// the benchmark: `ccs-bench --measure-exec REPORT PROGRAM [ARGS...]`.
const MEASURE_EXEC: &str = "--measure-exec";

/// What the helper writes to REPORT about its child: peak RSS (KiB), CPU
/// seconds (user + system), wall seconds.
fn read_report(path: &Path) -> (i64, f64, f64) {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let f: Vec<&str> = text.split_whitespace().collect();
    match f[..] {
        [rss, cpu, wall] => (
            rss.parse().unwrap_or(0),
            cpu.parse().unwrap_or(0.0),
            wall.parse().unwrap_or(0.0),
        ),
        _ => panic!("the measuring helper wrote no report ({text:?})"),
    }
}

/// The measuring helper (this program started with [`MEASURE_EXEC`]): runs
/// PROGRAM as its own child with the same stdio, reaps it with `wait4`, writes
/// its rusage to REPORT and exits with its status.
///
/// Why a process in between: Linux starts a process's `ru_maxrss` at the peak
/// RSS of the memory it had before `execve` (`exec_mmap` ->
/// `setmax_mm_hiwater_rss(&sig->maxrss, old_mm)`). With `posix_spawn`/vfork,
/// what std's `Command` uses, that memory is the parent's own; with `fork`, a
/// copy of it. So a tool started by the benchmark, which holds a pinset of
/// 100,000 content IDs in scenario 4, would read as at least the benchmark's
/// peak. This helper, freshly exec'd, holds a few MiB, and it reads its child's
/// rusage itself, so its own (inflated) figure is never reported.
fn measure_exec(args: &[std::ffi::OsString]) -> ! {
    let [report, program, rest @ ..] = args else {
        eprintln!("usage: ccs-bench {MEASURE_EXEC} REPORT PROGRAM [ARGS...]");
        std::process::exit(2);
    };
    let start = Instant::now();
    let child = Command::new(program)
        .args(rest)
        .spawn()
        .unwrap_or_else(|e| panic!("could not start {program:?}: {e}"));
    let pid = child.id() as i32;
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value to be filled in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waiting for our own child with valid out-pointers.
    let rc = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall = start.elapsed().as_secs_f64();
    std::mem::forget(child); // already reaped by wait4
    assert_eq!(rc, pid, "wait4 failed: {}", std::io::Error::last_os_error());
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    let cpu = tv(usage.ru_utime) + tv(usage.ru_stime);
    std::fs::write(report, format!("{} {cpu} {wall}\n", usage.ru_maxrss))
        .unwrap_or_else(|e| panic!("could not write {report:?}: {e}"));
    std::process::exit(if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        128 + libc::WTERMSIG(status)
    })
}

/// Runs `cmd` through the measuring helper ([`measure_exec`]), returning wall
/// time, the tool's own peak RSS (KiB), its stdout and its CPU seconds.
fn measure(cmd: &mut Command) -> (Duration, i64, String, f64) {
    let report = tempfile::NamedTempFile::new().unwrap_or_else(|e| panic!("{e}"));
    let exe = std::env::current_exe().unwrap_or_else(|e| panic!("{e}"));
    let mut helper = Command::new(exe);
    helper
        .arg(MEASURE_EXEC)
        .arg(report.path())
        .arg(cmd.get_program())
        .args(cmd.get_args());
    for (k, v) in cmd.get_envs() {
        match v {
            Some(v) => helper.env(k, v),
            None => helper.env_remove(k),
        };
    }
    if let Some(dir) = cmd.get_current_dir() {
        helper.current_dir(dir);
    }
    let out = helper
        .stdin(Stdio::inherit())
        .output()
        .unwrap_or_else(|e| panic!("could not start {cmd:?}: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{cmd:?} failed:\n{stderr}\n{stdout}");
    let (rss, cpu, wall) = read_report(report.path());
    (Duration::from_secs_f64(wall), rss, stdout, cpu)
}

fn median(xs: &mut [f64]) -> f64 {
    xs.sort_by(|a, b| a.total_cmp(b));
    let n = xs.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 {
        xs[n / 2]
    } else {
        (xs[n / 2 - 1] + xs[n / 2]) / 2.0
    }
}

/// Deterministic incompressible bytes, written in chunks (flat memory).
fn write_random_file(path: &Path, seed: u64, len: u64) {
    let mut f =
        std::io::BufWriter::new(std::fs::File::create(path).unwrap_or_else(|e| panic!("{e}")));
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut buf = vec![0u8; 1 << 20];
    let mut left = len;
    while left > 0 {
        for chunk in buf.chunks_mut(8) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let b = x.to_le_bytes();
            chunk.copy_from_slice(&b[..chunk.len()]);
        }
        let n = left.min(buf.len() as u64) as usize;
        f.write_all(&buf[..n]).unwrap_or_else(|e| panic!("{e}"));
        left -= n as u64;
    }
    f.flush().unwrap_or_else(|e| panic!("{e}"));
}

fn write_folder(root: &Path, seed: u64, files: usize) {
    for i in 0..files {
        let dir = root.join(format!("d{:03}", i % 200));
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        let size = 4096 + ((i as u64 * 7919 + seed) % (60 * 1024));
        write_random_file(
            &dir.join(format!("f{i:06}.bin")),
            seed * 1_000_003 + i as u64,
            size,
        );
    }
}

struct Bench {
    net: Testnet,
    ccs: PathBuf,
    config: PathBuf,
    runs: Vec<Run>,
    /// CPU of the last measured run (tool, kubo, cluster), for `record`.
    last_cpu: (f64, f64, f64),
    /// Scenario 5's figures (installer size, the app's own JSON).
    app: serde_json::Map<String, serde_json::Value>,
    work: tempfile::TempDir,
}

impl Bench {
    fn ctl(&self) -> Command {
        let p = self.net.peer(0);
        let mut c = Command::new(&self.net.bins().cluster_ctl);
        c.args([
            "--force-http",
            "--host",
            &format!("/ip4/127.0.0.1/tcp/{}", p.ports.cluster_api),
        ])
        .args(["--basic-auth", &format!("{}:{}", p.username, p.password)]);
        c
    }

    fn ipfs(&self) -> Command {
        let p = self.net.peer(0);
        let mut c = Command::new(&self.net.bins().ipfs);
        c.args(["--api", &format!("/ip4/127.0.0.1/tcp/{}", p.ports.kubo_api)]);
        c
    }

    fn ours(&self) -> Command {
        let mut c = Command::new(&self.ccs);
        c.arg("--config")
            .arg(&self.config)
            .args(["--cluster-peername", "peer1"]);
        c.env("CCS_NO_KEYCHAIN", "1");
        c
    }

    /// The daemons' CPU seconds so far: (every kubo, every cluster peer).
    fn daemons_cpu(&self) -> (f64, f64) {
        let mut kubo = 0.0;
        let mut cluster = 0.0;
        for p in self.net.peers() {
            if let [k, c, ..] = p.pids[..] {
                kubo += cpu_seconds(k);
                cluster += cpu_seconds(c);
            }
        }
        (kubo, cluster)
    }

    /// [`measure`], also noting the CPU the tool and the daemons used meanwhile.
    fn measure(&mut self, cmd: &mut Command) -> (Duration, i64, String) {
        let before = self.daemons_cpu();
        let (t, rss, out, cpu) = measure(cmd);
        let after = self.daemons_cpu();
        self.last_cpu = (cpu, after.0 - before.0, after.1 - before.1);
        (t, rss, out)
    }

    fn record(&mut self, scenario: &str, tool: &str, t: Duration, rss: i64, units: Option<f64>) {
        let rate = units.map(|u| u / t.as_secs_f64());
        println!(
            "  {scenario:<28} {tool:<22} {:>8.2} s  {:>8} KiB{}",
            t.as_secs_f64(),
            rss,
            rate.map(|r| format!("  {r:>10.1}/s")).unwrap_or_default()
        );
        self.runs.push(Run {
            scenario: scenario.into(),
            tool: tool.into(),
            seconds: t.as_secs_f64(),
            peak_rss_kib: rss,
            rate,
            cpu_tool_s: self.last_cpu.0,
            cpu_kubo_s: self.last_cpu.1,
            cpu_cluster_s: self.last_cpu.2,
        });
    }

    /// Unpins everything and collects garbage on every peer, so runs start equal.
    fn reset(&self) {
        if let Ok(o) = self.ctl().args(["pin", "ls"]).output() {
            for line in String::from_utf8_lossy(&o.stdout).lines() {
                if let Some(cid) = line.split_whitespace().next().filter(|c| c.len() > 20) {
                    let _ = self.ctl().args(["pin", "rm", "--no-status", cid]).output();
                }
            }
        }
        std::thread::sleep(Duration::from_secs(3));
        for p in self.net.peers() {
            let ipfs = || {
                let mut c = Command::new(&self.net.bins().ipfs);
                c.args(["--api", &format!("/ip4/127.0.0.1/tcp/{}", p.ports.kubo_api)]);
                c
            };
            // Direct `ipfs add` pins in kubo only: remove those too.
            if let Ok(o) = ipfs()
                .args(["pin", "ls", "--type=recursive", "-q"])
                .output()
            {
                for cid in String::from_utf8_lossy(&o.stdout).lines() {
                    let _ = ipfs().args(["pin", "rm", cid]).output();
                }
            }
            let _ = ipfs().args(["repo", "gc", "-q"]).output();
        }
    }

    fn scenario_file(
        &mut self,
        runs: usize,
        size: u64,
        label: &str,
        with_refs: bool,
    ) -> Option<String> {
        println!("Scenario 1: one {label} file, random content");
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
                let (t, rss, out) = self.measure(&mut cmd);
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

    fn scenario_folder(&mut self, runs: usize, files: usize) {
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
                let (t, rss, _) = self.measure(&mut cmd);
                self.record("add folder", tool, t, rss, Some(files as f64));
                let _ = std::fs::remove_dir_all(&dir);
            }
        }
    }

    fn scenario_get(&mut self, runs: usize, size: u64) {
        println!("Scenario 3: retrieving the file");
        let file = self.work.path().join("get-src.bin");
        write_random_file(&file, 777, size);
        self.reset();
        let mut add = self.ours();
        add.args(["--json", "add", "--wait"]).arg(&file);
        let (_, _, out, _) = measure(&mut add);
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
                let (t, rss, _) = self.measure(&mut cmd);
                assert_eq!(std::fs::metadata(&dest).map(|m| m.len()).unwrap_or(0), size);
                self.record("get file", tool, t, rss, Some(size as f64 / 1e6));
            }
        }
    }

    async fn scenario_pinset(&mut self, runs: usize, items: usize) {
        println!("Scenario 4: a pinset of {items} items");
        self.reset();
        let cluster = self.net.peer(0).cluster();
        let start = Instant::now();
        // Identity CIDs carry their data inline: pinning them needs no transfer,
        // so the pinset grows fast and the listing is what is measured.
        let cids: Vec<String> = (0..items)
            .map(|i| {
                let data = format!("ccs-bench pin {i}");
                let mh = cid::multihash::Multihash::<64>::wrap(0x00, data.as_bytes())
                    .unwrap_or_else(|e| panic!("{e}"));
                cid::Cid::new_v1(0x55, mh).to_string()
            })
            .collect();
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
            } else if last_progress.elapsed() > Duration::from_secs(60) {
                eprintln!("  no progress for 60 s ({counts:?} of {items}); measuring anyway");
                break;
            }
            tokio::time::sleep(Duration::from_secs(10)).await;
        }
        if runs > 0 {
            // Each tool's own peak, not this process's (which holds the pinset):
            // the floor is the measuring helper's, shown by a run of `true`.
            let (_, floor, _, _) = measure(&mut Command::new("true"));
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
                let (t, rss, _) = tokio::task::block_in_place(|| self.measure(&mut cmd));
                self.record("list pinset", tool, t, rss, Some(items as f64));
            }
        }
    }

    /// Scenario 5: the release app against the pinset of scenario 4 (see
    /// app/app.measure.ts for what is measured and how).
    fn scenario_app(&mut self, app: &Path, items: usize, runs: usize) {
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

    /// Issue #6's targets against this run's medians (only those measured).
    fn targets(
        &self,
        medians: &BTreeMap<(String, String), f64>,
        rss: &BTreeMap<(String, String), i64>,
    ) -> Vec<serde_json::Value> {
        let med = |s: &str, t: &str| medians.get(&(s.to_string(), t.to_string())).copied();
        let rss_mib = |s: &str, t: &str| {
            rss.get(&(s.to_string(), t.to_string()))
                .map(|k| *k as f64 / 1024.0)
        };
        let mut out = Vec::new();
        let mut push = |target: String, measured: String, met: bool| {
            out.push(serde_json::json!({"target": target, "measured": measured, "met": met}));
        };
        // Throughput ratio = reference time / our time (same bytes or files).
        let mut scenarios: Vec<String> = medians.keys().map(|(s, _)| s.clone()).collect();
        scenarios.dedup();
        for sc in scenarios
            .iter()
            .filter(|s| s.starts_with("add ") && s.ends_with("MiB"))
        {
            for local in ["", " --local"] {
                let ours = format!("ccs add{local}");
                let ctl = format!("ipfs-cluster-ctl add{local}");
                if let (Some(o), Some(c)) = (med(sc, &ours), med(sc, &ctl)) {
                    push(
                        format!("{sc}: {ours} >= 1.0x {ctl} throughput"),
                        format!("{:.2}x", c / o),
                        c / o >= 1.0,
                    );
                }
                if let (Some(o), Some(i)) = (med(sc, &ours), med(sc, "ipfs add")) {
                    push(
                        format!("{sc}: {ours} >= 0.8x direct ipfs add throughput"),
                        format!("{:.2}x", i / o),
                        i / o >= 0.8,
                    );
                }
            }
            if let Some(r) = rss_mib(sc, "ccs add") {
                push(
                    format!("{sc}: our peak RSS <= 50 MiB"),
                    format!("{r:.1} MiB"),
                    r <= 50.0,
                );
            }
        }
        if let (Some(o), Some(c)) = (
            med("add folder", "ccs add"),
            med("add folder", "ipfs-cluster-ctl add -r"),
        ) {
            push(
                "folder: >= 1.0x ipfs-cluster-ctl files/s".into(),
                format!("{:.2}x", c / o),
                c / o >= 1.0,
            );
        }
        if let Some(r) = rss_mib("add folder", "ccs add") {
            push(
                "folder: our peak RSS <= 80 MiB".into(),
                format!("{r:.1} MiB"),
                r <= 80.0,
            );
        }
        if let (Some(o), Some(c)) = (
            med("get file", "ccs get (verified)"),
            med("get file", "curl (unverified)"),
        ) {
            push(
                "get: >= 0.9x curl throughput (verified vs not)".into(),
                format!("{:.2}x", c / o),
                c / o >= 0.9,
            );
        }
        if let (Some(o), Some(c)) = (
            med("get file", "ccs get (verified)"),
            med("get file", "curl + sync (unverified)"),
        ) {
            push(
                "get: >= 0.9x curl + sync throughput (both on disk at the end)".into(),
                format!("{:.2}x", c / o),
                c / o >= 0.9,
            );
        }
        if let (Some(o), Some(c)) = (
            med("list pinset", "ccs ls (per-partner status)"),
            med("list pinset", "ipfs-cluster-ctl status"),
        ) {
            push(
                "pinset: <= 1.0x the time of ipfs-cluster-ctl status".into(),
                format!("{:.2}x", o / c),
                o / c <= 1.0,
            );
        }
        if let Some(b) = self.app.get("installer_bytes").and_then(|v| v.as_f64()) {
            push(
                "app: installer <= 15 MB".into(),
                format!("{:.1} MB (.deb)", b / 1e6),
                b <= 15e6,
            );
        }
        if let Some(runs) = self.app.get("measured").and_then(|m| m["runs"].as_array()) {
            let med_of = |key: &str| {
                let mut xs: Vec<f64> = runs.iter().filter_map(|r| r[key].as_f64()).collect();
                median(&mut xs)
            };
            let first = med_of("cold_start_to_first_row_ms");
            push(
                "app: library first paint < 1 s (cold start to first row)".into(),
                format!("{first:.0} ms"),
                first < 1000.0,
            );
            // PSS summed over the app and its WebKit processes: each shared
            // page counted once in all (summed RSS counts shared libraries
            // once per process), so it is what the app costs the machine.
            let idle = med_of("idle_pss_with_webkit_kib") / 1024.0;
            push(
                "app: idle memory <= 150 MB (PSS, app + WebKit processes summed)".into(),
                format!("{:.0} MB", idle * 1.048576),
                idle * 1.048576 <= 150.0,
            );
        }
        out
    }

    fn report(&self, out: &Path) {
        let mut groups: BTreeMap<(String, String), Vec<f64>> = BTreeMap::new();
        let mut rss: BTreeMap<(String, String), i64> = BTreeMap::new();
        for r in &self.runs {
            let k = (r.scenario.clone(), r.tool.clone());
            groups.entry(k.clone()).or_default().push(r.seconds);
            let e = rss.entry(k).or_default();
            *e = (*e).max(r.peak_rss_kib);
        }
        println!("\n| scenario | tool | median s | peak RSS MiB | time vs ours |");
        println!("| --- | --- | --- | --- | --- |");
        let mut medians = BTreeMap::new();
        for (k, v) in &groups {
            medians.insert(k.clone(), median(&mut v.clone()));
        }
        for ((scenario, tool), m) in &medians {
            let ours = medians
                .iter()
                .find(|((s, t), _)| s == scenario && t.starts_with("ccs"))
                .map(|(_, v)| *v)
                .unwrap_or(f64::NAN);
            println!(
                "| {scenario} | {tool} | {m:.2} | {:.1} | {:.2}x |",
                rss[&(scenario.clone(), tool.clone())] as f64 / 1024.0,
                m / ours
            );
        }
        // Where the CPU went, per scenario and tool (medians over the runs).
        let mut cpu: BTreeMap<(String, String), [Vec<f64>; 3]> = BTreeMap::new();
        for r in &self.runs {
            let e = cpu.entry((r.scenario.clone(), r.tool.clone())).or_default();
            e[0].push(r.cpu_tool_s);
            e[1].push(r.cpu_kubo_s);
            e[2].push(r.cpu_cluster_s);
        }
        println!("\n| scenario | tool | CPU s: the tool | every kubo | every cluster peer |");
        println!("| --- | --- | --- | --- | --- |");
        for ((scenario, tool), [a, b, c]) in &mut cpu {
            println!(
                "| {scenario} | {tool} | {:.1} | {:.1} | {:.1} |",
                median(a),
                median(b),
                median(c)
            );
        }
        let targets = self.targets(&medians, &rss);
        if !targets.is_empty() {
            println!("\n| target | measured | met |");
            println!("| --- | --- | --- |");
            for t in &targets {
                println!(
                    "| {} | {} | {} |",
                    t["target"].as_str().unwrap_or(""),
                    t["measured"].as_str().unwrap_or(""),
                    if t["met"].as_bool() == Some(true) {
                        "yes"
                    } else {
                        "NO"
                    }
                );
            }
        }
        let json = serde_json::json!({
            "machine": machine(),
            "targets": targets,
            "runs": self.runs,
            "app": self.app,
            "medians_seconds": medians.iter().map(|((s, t), m)| serde_json::json!({"scenario": s, "tool": t, "median_seconds": m})).collect::<Vec<_>>(),
        });
        std::fs::write(out, serde_json::to_vec_pretty(&json).unwrap_or_default())
            .unwrap_or_else(|e| panic!("could not write {}: {e}", out.display()));
        println!("\nEvery run: {}", out.display());
    }
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_default();
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    format!("{cores} cores, {cpu}")
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if argv.get(1).is_some_and(|a| a == MEASURE_EXEC) {
        measure_exec(&argv[2..]);
    }
    let args = Args::parse();
    let ccs = std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(|d| d.join("ccs")))
        .filter(|p| p.is_file())
        .unwrap_or_else(|| panic!("build the CLI next to the bench first: cargo build --release -p ccs-cli -p ccs-bench"));
    let work = tempfile::Builder::new()
        .prefix("ccs-bench-")
        .tempdir()
        .unwrap_or_else(|e| panic!("{e}"));
    println!(
        "ccs-bench on {}; starting a fresh 3-peer testnet...",
        machine()
    );
    let net = Testnet::start(TestnetOptions::new(3, work.path().join("net")))
        .await
        .unwrap_or_else(|e| panic!("testnet: {e}"));
    let config = net.config_path();
    let mut b = Bench {
        net,
        ccs,
        config,
        runs: Vec::new(),
        last_cpu: (0.0, 0.0, 0.0),
        app: serde_json::Map::new(),
        work,
    };
    let want = |n: u8| args.only.is_empty() || args.only.contains(&n);
    let (file, big, files, pins) = if args.quick {
        (128u64 << 20, 512u64 << 20, 2_000, 5_000)
    } else {
        (1u64 << 30, 4u64 << 30, 20_000, 100_000)
    };
    if want(1) {
        tokio::task::block_in_place(|| {
            b.scenario_file(args.runs, file, &format!("{} MiB", file >> 20), true);
            b.scenario_file(1, big, &format!("{} MiB", big >> 20), false);
        });
    }
    if want(2) {
        tokio::task::block_in_place(|| b.scenario_folder(args.runs, files));
    }
    if want(3) {
        tokio::task::block_in_place(|| b.scenario_get(args.runs, file));
    }
    if want(4) || want(5) {
        // Scenario 5 lists the same pinset; alone, it only creates it.
        b.scenario_pinset(if want(4) { args.runs } else { 0 }, pins)
            .await;
    }
    if want(5) {
        let app = args
            .app
            .clone()
            .unwrap_or_else(|| b.ccs.with_file_name("community-cloud-storage-app"));
        if app.is_file() {
            tokio::task::block_in_place(|| b.scenario_app(&app, pins, args.runs));
        } else {
            println!(
                "Scenario 5 skipped: no app at {} (build it with `npx tauri build --ci`)",
                app.display()
            );
        }
    }
    b.report(&args.out);
}
