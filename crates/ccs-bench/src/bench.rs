//! The harness: the testnet, the commands of each tool against peer 1, every
//! measured run recorded, and the reset that makes runs start equal.

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use ccs_testnet::Testnet;

use crate::measure::{Measured, cpu_seconds, measure};
use crate::report::Run;

pub(crate) struct Bench {
    pub(crate) net: Testnet,
    pub(crate) ccs: PathBuf,
    pub(crate) config: PathBuf,
    pub(crate) runs: Vec<Run>,
    /// CPU of the last measured run, for `record`.
    pub(crate) last_cpu: Cpu,
    /// Scenario 5's figures (installer size, the app's own JSON).
    pub(crate) app: serde_json::Map<String, serde_json::Value>,
    /// Items in the pinset of scenario 4 (0 until it is made).
    pub(crate) pinset_items: usize,
    pub(crate) work: tempfile::TempDir,
}

/// CPU seconds (user + system) used during one run.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Cpu {
    /// By the tool itself.
    pub(crate) tool: f64,
    /// By every peer's kubo together.
    pub(crate) kubo: f64,
    /// By every peer's cluster peer together.
    pub(crate) cluster: f64,
}

impl Bench {
    pub(crate) fn ctl(&self) -> Command {
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

    pub(crate) fn ipfs(&self) -> Command {
        let p = self.net.peer(0);
        let mut c = Command::new(&self.net.bins().ipfs);
        c.args(["--api", &format!("/ip4/127.0.0.1/tcp/{}", p.ports.kubo_api)]);
        c
    }

    pub(crate) fn ours(&self) -> Command {
        let mut c = Command::new(&self.ccs);
        c.arg("--config")
            .arg(&self.config)
            .args(["--cluster-peername", "peer1"]);
        c.env("CCS_NO_KEYCHAIN", "1");
        // What audits find is recorded per item: in the bench's own folder,
        // not this computer's.
        c.env("CCS_AUDIT_DIR", self.audit_dir());
        c
    }

    /// Where `ccs audit` records its findings during the bench.
    pub(crate) fn audit_dir(&self) -> PathBuf {
        self.work.path().join("audits")
    }

    /// The daemons' CPU seconds so far (`tool` is left at 0).
    pub(crate) fn daemons_cpu(&self) -> Cpu {
        let mut kubo = 0.0;
        let mut cluster = 0.0;
        for p in self.net.peers() {
            if let [k, c, ..] = p.pids[..] {
                kubo += cpu_seconds(k);
                cluster += cpu_seconds(c);
            }
        }
        Cpu {
            tool: 0.0,
            kubo,
            cluster,
        }
    }

    /// [`measure`], also noting the CPU the tool and the daemons used meanwhile.
    pub(crate) fn measure(&mut self, cmd: &mut Command) -> Measured {
        let before = self.daemons_cpu();
        let m = measure(cmd);
        let after = self.daemons_cpu();
        self.last_cpu = Cpu {
            tool: m.cpu_s,
            kubo: after.kubo - before.kubo,
            cluster: after.cluster - before.cluster,
        };
        m
    }

    pub(crate) fn record(
        &mut self,
        scenario: &str,
        tool: &str,
        t: Duration,
        rss: i64,
        units: Option<f64>,
    ) {
        let rate = units.map(|u| u / t.as_secs_f64());
        println!(
            "  {scenario:<28} {tool:<22} {:>8.2} s  {:>8} KiB{}  (load {:.1})",
            t.as_secs_f64(),
            rss,
            rate.map(|r| format!("  {r:>10.1}/s")).unwrap_or_default(),
            crate::report::load_1m()
        );
        self.runs.push(Run {
            scenario: scenario.into(),
            tool: tool.into(),
            seconds: t.as_secs_f64(),
            peak_rss_kib: rss,
            rate,
            cpu_tool_s: self.last_cpu.tool,
            cpu_kubo_s: self.last_cpu.kubo,
            cpu_cluster_s: self.last_cpu.cluster,
            load_1m: crate::report::load_1m(),
        });
    }

    /// Unpins everything and collects garbage on every peer, so runs start equal.
    pub(crate) fn reset(&self) {
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
}
