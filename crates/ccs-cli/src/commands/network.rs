//! `peers`, `health`, `repair`: the partners and the state of the network.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use ccs_core::Error;
use ccs_core::content::library::{Health, Item};
use ccs_core::net::cluster::TrackerStatus;
use serde::Serialize;

use super::{cancel_on_ctrl_c, cancellable};
use crate::context::Context;
use crate::out;
use crate::{CliError, CliResult};

/// Statuses that need attention.
const PROBLEMS: &str = "pin_error,unpin_error,cluster_error,unexpectedly_unpinned";

pub async fn peers(ctx: &Context) -> CliResult {
    let rows = ccs_core::ops::partners::list(&ctx.session, &cancel_on_ctrl_c()).await?;
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
    let names = ccs_core::ops::partners::names_of(&cluster, &unnamed).await;
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
