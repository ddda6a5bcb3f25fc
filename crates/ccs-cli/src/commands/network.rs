//! `peers`, `health`, `repair`: the partners and the state of the network.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use ccs_core::Error;
use ccs_core::content::library::{Health, Item};
use ccs_core::net::cluster::TrackerStatus;
use serde::Serialize;

use super::cancellable;
use crate::context::Context;
use crate::out;
use crate::{CliError, CliResult};

/// Statuses that need attention.
const PROBLEMS: &str = "pin_error,unpin_error,cluster_error,unexpectedly_unpinned";

#[derive(Debug, Serialize)]
struct PeerRow {
    name: String,
    cluster_peer_id: String,
    online: bool,
    /// RFC 3339, when offline and known.
    last_seen: Option<String>,
    error: Option<String>,
    cluster_version: Option<String>,
    kubo_version: Option<String>,
    free_space: Option<u64>,
    pins: u64,
}

fn ns_to_rfc3339(ns: i64) -> Option<String> {
    (ns > 0).then(|| {
        let t = std::time::UNIX_EPOCH + Duration::from_nanos(ns as u64);
        humantime_like(t)
    })
}

fn humantime_like(t: std::time::SystemTime) -> String {
    // Reuse the core's formatter through provenance (RFC 3339, seconds).
    let secs = t
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    ccs_core::content::provenance::format_unix(secs)
}

/// Names of peers that cannot answer themselves, from the first pin status
/// that mentions them (stops reading as soon as all are named).
async fn names_of(
    cluster: &ccs_core::net::cluster::ClusterClient,
    ids: &[String],
) -> HashMap<String, String> {
    let mut names = HashMap::new();
    if ids.is_empty() {
        return names;
    }
    let Ok(mut stream) = cluster.status_all(None).await else {
        return names;
    };
    while let Some(Ok(s)) = stream.next().await {
        for id in ids {
            if let Some(p) = s.peer_map.get(id) {
                if !p.peername.is_empty() {
                    names.insert(id.clone(), p.peername.clone());
                }
            }
        }
        if names.len() == ids.len() {
            break;
        }
    }
    names
}

pub async fn peers(ctx: &Context) -> CliResult {
    let (_, cluster) = ctx.cluster()?;
    let ids = cluster.peers().await?.collect_vec().await?;
    let free: HashMap<String, u64> = cluster
        .freespace()
        .await?
        .into_iter()
        .filter_map(|m| m.value.parse().ok().map(|v| (m.peer, v)))
        .collect();
    let alerts = cluster.alerts().await?;
    // Names and pin counts from the status stream (offline peers keep their name there).
    let mut names: HashMap<String, String> = HashMap::new();
    let mut pins: HashMap<String, u64> = HashMap::new();
    let mut stream = cluster.status_all(None).await?;
    cancellable(async {
        while let Some(s) = stream.next().await {
            for (id, p) in s?.peer_map {
                if p.status == TrackerStatus::Pinned {
                    *pins.entry(id.clone()).or_default() += 1;
                }
                if !p.peername.is_empty() {
                    names.entry(id).or_insert(p.peername);
                }
            }
        }
        Ok::<(), Error>(())
    })
    .await?;

    let mut rows = Vec::new();
    for id in ids {
        let online = id.error.is_empty();
        let name = if !id.peername.is_empty() {
            id.peername.clone()
        } else {
            names
                .get(&id.id)
                .cloned()
                .unwrap_or_else(|| id.id.chars().take(16).collect())
        };
        let kubo_version = if online {
            ctx.profile(&name).kubo().gateway_version().await.ok()
        } else {
            None
        };
        let last_seen = if online {
            None
        } else {
            alerts
                .iter()
                .filter(|a| a.metric.peer == id.id)
                .map(|a| a.metric.received_at)
                .max()
                .and_then(ns_to_rfc3339)
        };
        rows.push(PeerRow {
            cluster_peer_id: id.id.clone(),
            online,
            last_seen,
            error: (!online).then(|| id.error.clone()),
            cluster_version: (!id.version.is_empty())
                .then(|| id.version.split('+').next().unwrap_or("").to_string()),
            kubo_version,
            free_space: free.get(&id.id).copied(),
            pins: pins.get(&id.id).copied().unwrap_or(0),
            name,
        });
    }
    rows.sort_by(|a, b| a.name.cmp(&b.name));
    if ctx.json {
        out::print_json(&rows);
        return Ok(());
    }
    println!(
        "{} {} {} {} {:>10} {:>7}",
        out::cell("PARTNER", 16),
        out::cell("STATE", 28),
        out::cell("CLUSTER", 9),
        out::cell("KUBO", 9),
        "FREE",
        "PINS"
    );
    for r in &rows {
        let state = if r.online {
            out::status_word(&out::cell("online", 28))
        } else {
            let seen = r
                .last_seen
                .as_deref()
                .map(|s| format!(", last seen {}", out::when(Some(s))))
                .unwrap_or_default();
            console::style(out::cell(&format!("offline{seen}"), 28))
                .red()
                .to_string()
        };
        println!(
            "{} {} {} {} {:>10} {:>7}",
            out::cell(&r.name, 16),
            state,
            out::cell(r.cluster_version.as_deref().unwrap_or("-"), 9),
            out::cell(r.kubo_version.as_deref().unwrap_or("-"), 9),
            r.free_space.map(out::size).unwrap_or_else(|| "-".into()),
            r.pins
        );
    }
    Ok(())
}

#[derive(Debug, Serialize)]
struct HealthReport {
    status: &'static str,
    node: String,
    partners_online: usize,
    partners_total: usize,
    offline: Vec<String>,
    alerts: usize,
    items_needing_attention: u64,
    summary: String,
}

pub async fn health(ctx: &Context) -> CliResult {
    let (node, cluster) = ctx.cluster()?;
    let id = match cluster.id().await {
        Ok(id) => id,
        Err(e) => {
            let summary = e.to_string();
            if ctx.json {
                out::print_json(&HealthReport {
                    status: "error",
                    node,
                    partners_online: 0,
                    partners_total: 0,
                    offline: vec![],
                    alerts: 0,
                    items_needing_attention: 0,
                    summary: summary.clone(),
                });
            }
            return Err(CliError::Exit(2, format!("Network error: {summary}")));
        }
    };
    let report = async {
        let peers = cluster.peers().await?.collect_vec().await?;
        let alerts = cluster.alerts().await?;
        let mut problems = 0u64;
        let mut stream = cluster.status_all(Some(PROBLEMS)).await?;
        while let Some(s) = stream.next().await {
            s?;
            problems += 1;
        }
        Ok::<_, Error>((peers, alerts, problems))
    };
    let (peers, alerts, problems) = match cancellable(report).await {
        Ok(r) => r,
        Err(CliError::Core(e)) if e.code() != "cancelled" => {
            return Err(CliError::Exit(2, format!("Network error: {e}")));
        }
        Err(e) => return Err(e),
    };
    let total = peers.len().max(id.cluster_peers.len());
    let unnamed: Vec<String> = peers
        .iter()
        .filter(|p| !p.error.is_empty() && p.peername.is_empty())
        .map(|p| p.id.clone())
        .collect();
    let names = names_of(&cluster, &unnamed).await;
    let offline: Vec<String> = peers
        .iter()
        .filter(|p| !p.error.is_empty())
        .map(|p| {
            if p.peername.is_empty() {
                names.get(&p.id).cloned().unwrap_or_else(|| p.id.clone())
            } else {
                p.peername.clone()
            }
        })
        .collect();
    let online = total - offline.len().min(total);
    let ok = offline.is_empty() && alerts.is_empty() && problems == 0;
    let mut parts = vec![format!("{online} of {total} partners online")];
    if !offline.is_empty() {
        parts.push(format!("offline: {}", offline.join(", ")));
    }
    if !alerts.is_empty() {
        parts.push(format!(
            "{} alert{}",
            alerts.len(),
            if alerts.len() == 1 { "" } else { "s" }
        ));
    }
    parts.push(match problems {
        // The cluster filters each online partner's own list; an offline
        // partner's copies are not in it, so say what the count covers.
        0 if !offline.is_empty() => {
            "no item needs attention on the partners that are online (the offline ones catch up when they are back)".into()
        }
        0 => "no item needs attention".into(),
        1 => "1 item needs attention (run `ccs repair`)".into(),
        n => format!("{n} items need attention (run `ccs repair`)"),
    });
    let summary = parts.join("; ");
    let status = if ok { "ok" } else { "degraded" };
    if ctx.json {
        out::print_json(&HealthReport {
            status,
            node,
            partners_online: online,
            partners_total: total,
            offline,
            alerts: alerts.len(),
            items_needing_attention: problems,
            summary: summary.clone(),
        });
    }
    if ok {
        if !ctx.json {
            println!("{}: {summary}.", out::status_word("ok"));
        }
        Ok(())
    } else {
        if !ctx.json {
            println!("{}: {summary}.", console::style("degraded").yellow());
        }
        Err(CliError::Exit(1, String::new()))
    }
}

#[derive(Debug, Serialize)]
struct RepairReport {
    fixed: Vec<String>,
    missing: Vec<Item>,
}

pub async fn repair(ctx: &Context, timeout: u64) -> CliResult {
    let (_, cluster) = ctx.cluster()?;
    let mut failing: BTreeMap<String, Item> = BTreeMap::new();
    let mut stream = cluster.status_all(Some(PROBLEMS)).await?;
    while let Some(s) = stream.next().await {
        let item = Item::from_status(s?);
        failing.insert(item.cid.clone(), item);
    }
    if failing.is_empty() {
        if ctx.json {
            out::print_json(&RepairReport {
                fixed: vec![],
                missing: vec![],
            });
        } else {
            println!("Nothing needs repair: no partner reports a failed copy.");
        }
        return Ok(());
    }
    if !ctx.json {
        eprintln!(
            "Retrying {} item{}…",
            failing.len(),
            if failing.len() == 1 { "" } else { "s" }
        );
    }
    for cid in failing.keys() {
        // A partner that is down makes this fail; that item stays missing.
        let _ = cluster.recover(cid).await;
    }
    let deadline = Instant::now() + Duration::from_secs(timeout);
    let mut fixed = Vec::new();
    let wait = async {
        loop {
            let cids: Vec<String> = failing.keys().cloned().collect();
            for cid in cids {
                let item = Item::from_status(cluster.status(&cid).await?);
                if item.health == Health::Ok {
                    failing.remove(&cid);
                    fixed.push(cid);
                } else {
                    failing.insert(cid, item);
                }
            }
            if failing.is_empty() || Instant::now() >= deadline {
                return Ok::<(), Error>(());
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    };
    cancellable(wait).await?;
    let missing: Vec<Item> = failing.into_values().collect();
    if ctx.json {
        out::print_json(&RepairReport {
            fixed: fixed.clone(),
            missing: missing.clone(),
        });
    } else {
        for c in &fixed {
            println!("fixed    {c}");
        }
        for i in &missing {
            let why: Vec<String> = i
                .partners
                .iter()
                .filter(|p| {
                    p.status.is_error()
                        || p.status != TrackerStatus::Pinned && p.status != TrackerStatus::Remote
                })
                .map(|p| {
                    format!(
                        "{}: {}{}",
                        p.peername,
                        p.status.as_str(),
                        if p.error.is_empty() {
                            String::new()
                        } else {
                            format!(" ({})", p.error)
                        }
                    )
                })
                .collect();
            println!(
                "missing  {} {} of {} copies; {}",
                i.cid,
                i.copies,
                i.target,
                why.join(", ")
            );
        }
    }
    if missing.is_empty() {
        if !ctx.json {
            eprintln!(
                "Repaired {} item{}.",
                fixed.len(),
                if fixed.len() == 1 { "" } else { "s" }
            );
        }
        Ok(())
    } else {
        Err(CliError::Incomplete(format!(
            "{} item{} still {} copies; check that every partner is online, then run repair again.",
            missing.len(),
            if missing.len() == 1 { "" } else { "s" },
            if missing.len() == 1 { "misses" } else { "miss" }
        )))
    }
}
