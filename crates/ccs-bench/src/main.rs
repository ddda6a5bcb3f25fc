//! `ccs-bench`: our client against the reference tools, on one fresh 3-peer
//! testnet, in alternating runs, reporting medians and ratios. Separate from
//! the test suite: timings are measurements here, never pass/fail.
//!
//! Every tool runs as its own process so that wall time and peak RSS (from
//! `wait4`, read by a small helper process that starts it: see
//! `measure_exec`) are measured the same way for all of them. Each run adds fresh
//! content (a new seed), so no tool benefits from blocks stored by another.

mod args;
mod bench;
mod content;
mod measure;
mod report;
mod scenarios;

use std::time::Duration;

use ccs_testnet::{Testnet, TestnetOptions};
use clap::Parser;

use args::Args;
use bench::{Bench, Cpu};
use measure::{MEASURE_EXEC, measure_exec};
use report::machine;

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
        last_cpu: Cpu::default(),
        app: serde_json::Map::new(),
        pinset_items: 0,
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
            // The file, and a copy in each of the three peers' repositories.
            let free = measure::free_bytes(b.work.path());
            if free > 4 * big + (1 << 30) {
                b.scenario_file(1, big, &format!("{} MiB", big >> 20), false);
            } else {
                println!(
                    "Scenario 1, {} MiB: skipped, the disk has {} MiB free and this needs {} MiB",
                    big >> 20,
                    free >> 20,
                    (4 * big + (1 << 30)) >> 20
                );
            }
        });
    }
    if want(2) {
        tokio::task::block_in_place(|| b.scenario_folder(args.runs, files));
    }
    if want(3) {
        tokio::task::block_in_place(|| b.scenario_get(args.runs, file));
    }
    if want(6) {
        // Before the pinset: the reset that starts it unpins everything.
        tokio::task::block_in_place(|| b.scenario_audit_full(args.runs, file));
    }
    if want(4) || want(5) || want(7) {
        // Scenarios 5 and 7 use the same pinset; alone, they only create it.
        // The audit (7) must not run while partners are still pinning: wait
        // out a missed CRDT update, which generated nodes repair within 5 min.
        let patience = Duration::from_secs(if want(7) { 400 } else { 60 });
        b.scenario_pinset(if want(4) { args.runs } else { 0 }, pins, patience)
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
    if want(7) {
        tokio::task::block_in_place(|| b.scenario_audit_sample(args.runs, pins));
    }
    b.report(&args.out);
}
