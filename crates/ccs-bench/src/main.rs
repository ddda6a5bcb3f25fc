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
