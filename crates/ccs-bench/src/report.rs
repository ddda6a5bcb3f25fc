//! The results: medians per scenario and tool, where the CPU went, the
//! issue's targets met or not, printed as tables and written as JSON.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use crate::bench::Bench;
use crate::scenarios::{AUDIT_FULL, AUDIT_SAMPLE_1, AUDIT_SAMPLE_DEFAULT, GET_FROM_PEER1};

/// One measured process run.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Run {
    pub(crate) scenario: String,
    pub(crate) tool: String,
    pub(crate) seconds: f64,
    pub(crate) peak_rss_kib: i64,
    /// Throughput in the scenario's unit (MB/s or files/s), when it has one.
    pub(crate) rate: Option<f64>,
    /// CPU seconds (user + system) used during the run: by the tool itself,
    /// and by every peer's kubo and cluster peer together. Where the time
    /// goes when the tool waits on the daemons.
    pub(crate) cpu_tool_s: f64,
    pub(crate) cpu_kubo_s: f64,
    pub(crate) cpu_cluster_s: f64,
    /// The machine's 1-minute load average when the run ended: anything
    /// else running shows here (2 cores: above about 2, runs wait for CPU).
    pub(crate) load_1m: f64,
}

/// The 1-minute load average, from /proc.
pub(crate) fn load_1m() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|x| x.parse().ok()))
        .unwrap_or(f64::NAN)
}

pub(crate) fn median(xs: &mut [f64]) -> f64 {
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

impl Bench {
    /// Issue #6's and #14's targets against this run's medians (only those measured).
    pub(crate) fn targets(
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
                        format!("{sc}: {ours} (with its fixity manifest) >= 1.0x {ctl} throughput"),
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
        for sc in scenarios
            .iter()
            .filter(|s| s.starts_with("audit ") && s.ends_with("MiB"))
        {
            if let (Some(a), Some(g)) = (med(sc, AUDIT_FULL), med(sc, GET_FROM_PEER1)) {
                push(
                    format!(
                        "{sc}: full audit >= 0.9x the speed of a verified get from the same partner"
                    ),
                    format!("{:.2}x ({a:.2} s vs {g:.2} s)", g / a),
                    g / a >= 0.9,
                );
            }
        }
        for tool in [AUDIT_SAMPLE_1, AUDIT_SAMPLE_DEFAULT] {
            let items = self.pinset_items;
            if let Some(a) = med("audit pinset", tool) {
                push(
                    format!("{items} items on 3 partners, {tool}: < 5 min"),
                    format!("{a:.1} s ({:.0} items/s)", items as f64 / a),
                    a < 300.0,
                );
            }
            if let Some(r) = rss_mib("audit pinset", tool) {
                push(
                    format!("{items} items on 3 partners, {tool}: peak RSS <= 100 MiB"),
                    format!("{r:.1} MiB"),
                    r <= 100.0,
                );
            }
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
        // #15: the inventory streams at 100,000 items within ls's memory
        // (its only table: each item's last event, 40 bytes an item).
        if let (Some(r), Some(l)) = (
            rss_mib("list pinset", "ccs report (inventory, CSV)"),
            rss_mib("list pinset", "ccs ls (per-partner status)"),
        ) {
            push(
                format!(
                    "{} items: inventory peak RSS within ccs ls's (+ 8 MiB for the last events)",
                    self.pinset_items
                ),
                format!("{r:.1} MiB (ls: {l:.1} MiB)"),
                r <= l + 8.0,
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

    pub(crate) fn report(&self, out: &Path) {
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

pub(crate) fn machine() -> String {
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
