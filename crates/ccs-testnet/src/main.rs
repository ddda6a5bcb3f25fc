//! `ccs-testnet`: start and stop a real private community network on this
//! machine, for the sandbox, manual testing and benchmarks.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use ccs_core::deploy::place::Place;
use ccs_testnet::{Manifest, Testnet, TestnetOptions, daemons};
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "ccs-testnet",
    version,
    about = "Real private kubo + IPFS Cluster peers on this machine"
)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Build kubo and IPFS Cluster from their Go modules into the cache (if missing).
    Install,
    /// Start N private peers in DIR and write DIR/testnet.json and DIR/config.toml.
    Up {
        #[arg(long, default_value_t = 3)]
        peers: usize,
        /// Run generated compose files as deployed: each one a separate host in
        /// its own network namespace (needs root and docker-compose).
        #[arg(long, requires = "compose")]
        deployed: bool,
        /// A compose file to run (repeat for each host); with --deployed.
        #[arg(long, requires = "deployed")]
        compose: Vec<PathBuf>,
        /// A peer's organisation and site, "ORG|SITE" (either may be empty),
        /// published as its informer tags; repeat for peer 1, 2, ... (peers
        /// left over have none). Not with --deployed: compose files carry their own.
        #[arg(long, value_name = "ORG|SITE", value_parser = parse_place, conflicts_with = "deployed")]
        place: Vec<Place>,
        #[arg(long)]
        dir: PathBuf,
        /// Stay in the foreground, print a status line, and stop everything on Ctrl-C.
        #[arg(long)]
        foreground: bool,
        /// Seconds to wait for the network to form.
        #[arg(long, default_value_t = 120)]
        timeout: u64,
    },
    /// Stop the peers started in DIR and remove their data.
    Down {
        #[arg(long)]
        dir: PathBuf,
    },
    /// Print one line per peer: reachable, cluster peers seen, pins.
    Status {
        #[arg(long)]
        dir: PathBuf,
    },
}

/// `ORG|SITE` as a checked place.
fn parse_place(value: &str) -> Result<Place, String> {
    let (org, site) = value.split_once('|').ok_or_else(|| {
        format!("\"{value}\" is not ORG|SITE, e.g. \"Leeds Community Archive|Leeds, UK\"")
    })?;
    Place::new(Some(org), Some(site)).map_err(|e| e.to_string())
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ccs-testnet: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cmd: Cmd) -> Result<(), String> {
    match cmd {
        Cmd::Install => {
            let cache = daemons::cache_dir();
            let bins = daemons::ensure_installed(&cache, |m| eprintln!("ccs-testnet: {m}"))
                .map_err(|e| e.to_string())?;
            println!("ipfs: {}", bins.ipfs.display());
            println!("ipfs-cluster-service: {}", bins.cluster_service.display());
            println!("ipfs-cluster-ctl: {}", bins.cluster_ctl.display());
            Ok(())
        }
        Cmd::Up {
            peers,
            deployed: _,
            compose,
            place,
            dir,
            foreground,
            timeout,
        } => {
            if place.len() > peers {
                return Err(format!(
                    "{} --place given for {peers} peers; give at most one per peer",
                    place.len()
                ));
            }
            let mut opts = TestnetOptions::new(peers, &dir);
            opts.places = place;
            opts.detached = !foreground;
            opts.ready_timeout = Duration::from_secs(timeout);
            let count = if compose.is_empty() {
                peers
            } else {
                compose.len()
            };
            opts.compose_files = compose;
            eprintln!(
                "ccs-testnet: starting {count} private peers in {}...",
                dir.display()
            );
            // One listener for the whole run, made before anything starts: a
            // Ctrl-C that comes between two waits for it is kept, not lost
            // (`tokio::signal::ctrl_c()` listens only from its first poll,
            // so a Ctrl-C right after the "Press Ctrl-C" line went unseen).
            let mut interrupt =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())
                    .map_err(|e| format!("Ctrl-C cannot be listened for ({e})"))?;
            // Ctrl-C during start-up drops the half-started testnet, which stops it.
            let net = tokio::select! {
                r = Testnet::start(opts) => r.map_err(|e| e.to_string())?,
                _ = interrupt.recv() => return Err("interrupted; every started daemon was stopped".into()),
            };
            let manifest_path = net.dir().join(ccs_testnet::MANIFEST);
            if foreground {
                print_status(&net.manifest()).await;
                println!(
                    "Sandbox running; testnet details in {}. Press Ctrl-C to stop.",
                    manifest_path.display()
                );
                interrupt.recv().await;
                let dir = net.dir().to_path_buf();
                net.stop();
                let _ = std::fs::remove_dir_all(&dir);
                eprintln!("ccs-testnet: stopped and removed {}", dir.display());
            } else {
                let m = net.detach();
                print_status(&m).await;
                println!("Testnet running; details in {}.", manifest_path.display());
                println!("CLI settings: {}", m.config.display());
                println!("Stop it with: ccs-testnet down --dir {}", dir.display());
            }
            Ok(())
        }
        Cmd::Down { dir } => {
            let n = ccs_testnet::down(&dir).map_err(|e| e.to_string())?;
            println!("Stopped {n} daemons and removed {}.", dir.display());
            Ok(())
        }
        Cmd::Status { dir } => {
            let path = dir.join(ccs_testnet::MANIFEST);
            let bytes = std::fs::read(&path).map_err(|e| {
                format!(
                    "no testnet in {} ({e}); start one with `ccs-testnet up`",
                    dir.display()
                )
            })?;
            let m: Manifest = serde_json::from_slice(&bytes)
                .map_err(|e| format!("{} is unreadable: {e}", path.display()))?;
            if print_status(&m).await {
                Ok(())
            } else {
                Err("some peers are not healthy".into())
            }
        }
    }
}

/// One status line per peer. Returns true when every peer is up and sees all.
async fn print_status(m: &Manifest) -> bool {
    let n = m.peers.len();
    let mut healthy = true;
    for p in &m.peers {
        let cluster = p.cluster();
        match cluster.id().await {
            Ok(id) => {
                let pins = match cluster.allocations().await {
                    Ok(s) => s
                        .collect_vec()
                        .await
                        .map(|v| v.len().to_string())
                        .unwrap_or_else(|_| "?".into()),
                    Err(_) => "?".into(),
                };
                healthy &= id.cluster_peers.len() == n;
                let place = if p.place.is_empty() {
                    String::new()
                } else {
                    let or_none = |v: &Option<String>| {
                        v.as_deref()
                            .map_or("none".to_string(), |v| format!("\"{v}\""))
                    };
                    format!(
                        ", organisation {}, site {}",
                        or_none(&p.place.organisation),
                        or_none(&p.place.site)
                    )
                };
                println!(
                    "{}: up, cluster {} sees {}/{} peers, {} pins, API {}, gateway {}{place}",
                    p.name,
                    id.version,
                    id.cluster_peers.len(),
                    n,
                    pins,
                    p.cluster_api,
                    p.gateway
                );
            }
            Err(e) => {
                healthy = false;
                println!("{}: DOWN ({})", p.name, e.code());
            }
        }
    }
    healthy
}
