//! The command line of the benchmark.

use std::path::PathBuf;

use clap::Parser;

#[derive(Parser)]
#[command(
    name = "ccs-bench",
    about = "Benchmarks against ipfs-cluster-ctl, ipfs and curl on a fresh testnet"
)]
pub(crate) struct Args {
    /// Runs per tool and scenario (alternating).
    #[arg(long, default_value_t = 3)]
    pub(crate) runs: usize,
    /// Small sizes for a quick check (128 MiB file, 2,000 files, 5,000 pins).
    #[arg(long)]
    pub(crate) quick: bool,
    /// Where to write every run as JSON.
    #[arg(long, default_value = "bench-results.json")]
    pub(crate) out: PathBuf,
    /// Scenarios to run (1-7); all by default.
    #[arg(long, value_delimiter = ',')]
    pub(crate) only: Vec<u8>,
    /// The release app for scenario 5 (default: next to this program; build it
    /// with `npx tauri build --ci`, which also makes the .deb whose size is reported).
    #[arg(long)]
    pub(crate) app: Option<PathBuf>,
}
