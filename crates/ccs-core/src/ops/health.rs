//! The network's health, and the repair of every item a partner reports as
//! failed: what the person who runs the network checks and does.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde::Serialize;

use super::{Cancel, Session, cancellable};
use crate::content::library::{Health, Item};
use crate::error::{Error, Result};

/// Pin states that need attention.
pub const PROBLEMS: &str = "pin_error,unpin_error,cluster_error,unexpectedly_unpinned";

/// How the network is, as `health` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HealthStatus {
    /// Every partner online, no alert, no item needing attention.
    Ok,
    /// It answers, but something needs attention.
    Degraded,
    /// The node could not be asked.
    Error,
}

#[derive(Debug, Clone, Serialize)]
pub struct HealthReport {
    pub status: HealthStatus,
    pub node: String,
    pub partners_online: usize,
    pub partners_total: usize,
    /// Offline partners by name (an offline one's name from the pin states).
    pub offline: Vec<String>,
    pub alerts: usize,
    pub items_needing_attention: u64,
    /// One line in words.
    pub summary: String,
}

/// The network's health as seen from the session's node. A node that cannot
/// be asked is a report with [`HealthStatus::Error`], not an `Err`; only
/// cancellation and a missing node are errors.
pub async fn health(session: &Session, cancel: &Cancel) -> Result<HealthReport> {
    let node = session.node()?;
    let cluster = node.cluster;
    let failed = |summary: String| HealthReport {
        status: HealthStatus::Error,
        node: node.name.clone(),
        partners_online: 0,
        partners_total: 0,
        offline: vec![],
        alerts: 0,
        items_needing_attention: 0,
        summary,
    };
    let asked = cancellable(cancel, async {
        let id = cluster.id().await?;
        let peers = cluster.peers().await?.collect_vec().await?;
        let alerts = cluster.alerts().await?;
        let mut problems = 0u64;
        let mut stream = cluster.status_all(Some(PROBLEMS)).await?;
        while let Some(s) = stream.next().await {
            s?;
            problems += 1;
        }
        Ok((id, peers, alerts, problems))
    })
    .await;
    let (id, peers, alerts, problems) = match asked {
        Ok(r) => r,
        Err(Error::Cancelled) => return Err(Error::Cancelled),
        Err(e) => return Ok(failed(e.to_string())),
    };
    let total = peers.len().max(id.cluster_peers.len());
    let unnamed: Vec<String> = peers
        .iter()
        .filter(|p| !p.error.is_empty() && p.peername.is_empty())
        .map(|p| p.id.clone())
        .collect();
    let names = super::partners::names_of(&cluster, &unnamed).await;
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
    Ok(HealthReport {
        status: if ok {
            HealthStatus::Ok
        } else {
            HealthStatus::Degraded
        },
        node: node.name,
        partners_online: online,
        partners_total: total,
        alerts: alerts.len(),
        items_needing_attention: problems,
        summary: parts.join("; "),
        offline,
    })
}

/// What a repair of every failed item achieved.
#[derive(Debug, Clone, Serialize)]
pub struct RepairReport {
    /// Items whose copies are all in place again.
    pub fixed: Vec<String>,
    /// Items still short of copies when the wait ended, with their states.
    pub missing: Vec<Item>,
    /// Why the preservation record could not take the repair, if it could not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record_problem: Option<String>,
}

/// What a repair reports while it runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RepairEvent {
    /// This many items are being retried.
    Retrying { items: usize },
}

/// Asks every partner to retry every item that a partner reports as failed,
/// then follows them for up to `wait` until their copies are in place.
pub async fn repair_all(
    session: &Session,
    wait: Duration,
    cancel: &Cancel,
    mut on_event: impl FnMut(RepairEvent) + Send,
) -> Result<RepairReport> {
    let cluster = session.node()?.cluster;
    cancellable(cancel, async {
        let mut failing: BTreeMap<String, Item> = BTreeMap::new();
        let mut stream = cluster.status_all(Some(PROBLEMS)).await?;
        while let Some(s) = stream.next().await {
            let item = Item::from_status(s?);
            failing.insert(item.cid.clone(), item);
        }
        if failing.is_empty() {
            return Ok(RepairReport {
                fixed: vec![],
                missing: vec![],
                record_problem: None,
            });
        }
        on_event(RepairEvent::Retrying {
            items: failing.len(),
        });
        for cid in failing.keys() {
            // A partner that is down makes this fail; that item stays missing.
            let _ = cluster.recover(cid).await;
        }
        let deadline = Instant::now() + wait;
        let mut fixed = Vec::new();
        loop {
            let cids: Vec<String> = failing.keys().cloned().collect();
            for cid in cids {
                let item = Item::from_status(cluster.status_as_written(&cid).await?);
                if item.health == Health::Ok {
                    failing.remove(&cid);
                    fixed.push(cid);
                } else {
                    failing.insert(cid, item);
                }
            }
            if failing.is_empty() || Instant::now() >= deadline {
                break;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        // The record: one recovery an item retried (the network's own
        // record batches and manifests are not items).
        let mut events = Vec::new();
        for cid in &fixed {
            if let Ok(s) = cluster.status_as_written(cid).await {
                let item = Item::from_status(s);
                if !item.is_internal() {
                    events.push(super::library::recovery_event(&item, session.client));
                }
            }
        }
        events.extend(
            failing
                .values()
                .filter(|i| !i.is_internal())
                .map(|i| super::library::recovery_event(i, session.client)),
        );
        let record_problem = super::history::record_or_say(session, events).await;
        Ok(RepairReport {
            fixed,
            missing: failing.into_values().collect(),
            record_problem,
        })
    })
    .await
}
