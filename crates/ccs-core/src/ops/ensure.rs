//! `ensure`: every item brought within the network policy (issue #16).
//! What each item needs is [`crate::content::placement::plan`]'s; this asks
//! the network for its facts and re-pins.
//!
//! IPFS Cluster 1.1.6 cannot be told an item's allocations through its REST
//! API (a pin's options come from the query, and its allocations are always
//! chosen by `allocate()`, `cluster.go` `pin`). `allocate()` keeps the current
//! allocations while at least `replication-min` of them have valid metrics
//! (`allocate.go`), so a partner that left stays allocated forever once an
//! item has its minimum elsewhere. A change is therefore two re-pins, each
//! sending every option of the stored pin back (`ops::meta`): first with
//! `replication-min = replication-max =` the planned number of copies and
//! the new partners as `user-allocations` (the allocator's priority list),
//! which makes the cluster keep the partners with valid metrics and add the
//! new ones, dropping the gone; then with the item's own options again, which
//! keeps those allocations (every one valid, at least the minimum). The
//! item's fixity manifest follows to the same partners, and each change is a
//! `replication` event in the preservation record.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;

use super::{Cancel, Session, cancellable};
use crate::content::fixity;
use crate::content::history::{Event, EventOutcome, EventType};
use crate::content::placement::{self, Dropped, ItemFacts, Network, PartnerFacts, Plan};
use crate::content::policy::Policy;
use crate::deploy::place::Place;
use crate::error::Result;
use crate::net::cluster::{ClusterClient, Pin};

/// One item that was (or, in a dry run, would be) changed.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PlacementChange {
    pub cid: String,
    pub name: String,
    /// Partner names before and after.
    pub before: Vec<String>,
    pub after: Vec<String>,
    pub dropped: Vec<Dropped>,
    /// Set when the re-pin failed (nothing else is then claimed).
    pub error: Option<String>,
}

/// One item that cannot be brought within the policy now.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PlacementProblem {
    pub cid: String,
    pub name: String,
    /// Each in one sentence.
    pub problems: Vec<String>,
}

/// One partner's copies before and after.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PartnerCopies {
    pub name: String,
    pub place: Place,
    pub online: bool,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub before: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub after: u64,
}

/// What `ensure` found and did.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct EnsureReport {
    pub dry_run: bool,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub items_checked: u64,
    pub changes: Vec<PlacementChange>,
    /// Items waiting for a partner that is offline, but not for long enough.
    pub waiting: Vec<PlacementProblem>,
    /// Items the policy cannot be met for.
    pub unmet: Vec<PlacementProblem>,
    pub partners: Vec<PartnerCopies>,
    /// Withdrawn items IPFS Cluster removed when their grace period ended,
    /// whose removal this run recorded (never in a dry run).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub removals_recorded: u64,
    pub record_problem: Option<String>,
}

impl EnsureReport {
    /// 0 nothing to do, 1 changed (or would change), 2 errors: a re-pin
    /// failed, or an item cannot be brought within the policy.
    pub fn exit_code(&self) -> i32 {
        if !self.unmet.is_empty() || self.changes.iter().any(|c| c.error.is_some()) {
            2
        } else if !self.changes.is_empty() {
            1
        } else {
            0
        }
    }
}

/// Progress: items checked so far.
#[derive(Debug, Clone, Copy)]
pub struct EnsureProgress {
    pub items_checked: u64,
    pub changes: u64,
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// When this computer first saw each partner offline (unix seconds): the
/// cluster keeps no such time (in CRDT mode a peer that stops pinging leaves
/// the peer set without an alert, `monitor/metrics/checker.go` checks only
/// the peer set), so the offline-grace clock starts when `ensure` first
/// notices. It can only make a move later than the policy says, never
/// earlier. Kept beside the job journal; a partner seen online is forgotten.
fn offline_file(session: &Session) -> std::path::PathBuf {
    session
        .journal_dir
        .parent()
        .map(|p| p.join("offline-since.json"))
        .unwrap_or_else(|| std::path::PathBuf::from("offline-since.json"))
}

/// The partners as the plan needs them.
async fn network_facts(
    session: &Session,
    cluster: &ClusterClient,
    allocated: &HashMap<String, String>,
) -> Result<Network> {
    let ids = cluster.peers().await?.collect_vec().await?;
    let places = super::partners::places_from(cluster, ids.len(), &cluster.alerts().await?).await?;
    let free = super::partners::free_space(cluster).await?;
    let mut network = Network::default();
    for id in &ids {
        network.partners.insert(
            id.id.clone(),
            PartnerFacts {
                id: id.id.clone(),
                name: id.peername.clone(),
                place: places.of(&id.id),
                online: id.error.is_empty(),
                offline_secs: None,
                free: free.get(&id.id).copied(),
            },
        );
    }
    // Allocated peers the network no longer lists are offline too.
    for id in allocated.keys() {
        network
            .partners
            .entry(id.clone())
            .or_insert_with(|| PartnerFacts {
                id: id.clone(),
                name: String::new(),
                place: places.of(id),
                online: false,
                offline_secs: None,
                free: None,
            });
    }
    // An offline peer is named by the status of one of its items (the
    // cluster names an unreachable allocation from its last ping,
    // `globalPinInfoCid`). One whose name an online member now has came back
    // under a new identity. One whose metrics the cluster still holds is
    // still counted (and kept allocated) by it, for up to their TTL.
    let online_names: HashSet<String> = network
        .partners
        .values()
        .filter(|p| p.online && !p.name.is_empty())
        .map(|p| p.name.clone())
        .collect();
    let offline: Vec<String> = network
        .partners
        .values()
        .filter(|p| !p.online)
        .map(|p| p.id.clone())
        .collect();
    for id in offline {
        if free.contains_key(&id) {
            network.lingering.insert(id.clone());
        }
        let mut name = network.partners[&id].name.clone();
        if name.is_empty() {
            if let Some(cid) = allocated.get(&id) {
                if let Ok(st) = cluster.status(cid).await {
                    name = st
                        .peer_map
                        .get(&id)
                        .map(|p| p.peername.clone())
                        .unwrap_or_default();
                }
            }
        }
        if !name.is_empty() && online_names.contains(&name) {
            network.partners.remove(&id);
            network.replaced.insert(id, name);
            continue;
        }
        if let Some(p) = network.partners.get_mut(&id) {
            p.name = if name.is_empty() {
                id.chars().take(12).collect()
            } else {
                name.clone()
            };
        }
        if !name.is_empty() {
            network.names.insert(id, name);
        }
    }
    // The offline-grace clocks.
    let path = offline_file(session);
    let mut since: BTreeMap<String, u64> = std::fs::read(&path)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default();
    let now = now_secs();
    since.retain(|id, _| network.partners.get(id).is_some_and(|p| !p.online));
    for p in network.partners.values_mut().filter(|p| !p.online) {
        let first = *since.entry(p.id.clone()).or_insert(now);
        p.offline_secs = Some(now.saturating_sub(first));
    }
    if let Ok(text) = serde_json::to_vec(&since) {
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        // Losing it only restarts the clocks (a later move, never an earlier one).
        let _ = crate::local::settings::write_private(&path, &text);
    }
    Ok(network)
}

/// The people's words for a waiting item.
fn waiting_words(plan: &Plan, network: &Network, policy: &Policy) -> Vec<String> {
    plan.waiting
        .iter()
        .map(|id| {
            let p = network.partners.get(id);
            let name = network.name_of(id);
            if network.lingering.contains(id) {
                return format!(
                    "{name} left the network moments ago and the network still counts it; run ensure again in a minute."
                );
            }
            match p.and_then(|p| p.offline_secs) {
                Some(secs) => format!(
                    "{name} is offline (noticed here {}); its copies are made elsewhere once it has been offline for {} (the policy's offline-grace).",
                    if secs < 60 {
                        "just now".to_string()
                    } else {
                        format!("{} ago", crate::content::policy::duration_words(secs))
                    },
                    crate::content::policy::duration_words(policy.offline_grace_secs)
                ),
                None => format!(
                    "{name} is offline and when it went offline is not known; its copy is made elsewhere once it has been offline for {} (ask the person who runs it, or remove it from the network).",
                    crate::content::policy::duration_words(policy.offline_grace_secs)
                ),
            }
        })
        .collect()
}

/// Re-pins `pin` onto `plan.after()` as the module's notes say; returns the
/// allocations the cluster made.
async fn move_pin(
    cluster: &ClusterClient,
    pin: &Pin,
    add: &[String],
    copies: usize,
) -> Result<Vec<String>> {
    let copies = copies as i32;
    let mut first = super::meta::repin_options(pin, &[]);
    first.replication_min = Some(copies);
    first.replication_max = Some(copies);
    first.user_allocations = add.to_vec();
    cluster.pin(&pin.cid, &first).await?;
    let mut second = super::meta::repin_options(pin, &[]);
    let min = if pin.replication_factor_min > copies {
        copies
    } else {
        pin.replication_factor_min
    };
    second.replication_min = Some(min);
    second.replication_max = Some(pin.replication_factor_max.max(copies));
    cluster.pin(&pin.cid, &second).await?;
    Ok(cluster
        .allocation(&pin.cid)
        .await?
        .map(|p| p.allocations)
        .unwrap_or_default())
}

/// Brings every item within the policy (`dry_run`: only says what it would
/// do). `on_progress` hears how far it got.
pub async fn ensure(
    session: &Session,
    dry_run: bool,
    cancel: &Cancel,
    mut on_progress: impl FnMut(EnsureProgress) + Send,
) -> Result<EnsureReport> {
    let cluster = session.node()?.cluster;
    let policy = super::policy::current(session).await?.policy;
    cancellable(cancel, async {
        // Pass 1: who is allocated at all (a set of peer ids, not the items).
        let mut allocated: HashMap<String, String> = HashMap::new();
        let mut pins = cluster.allocations().await?;
        while let Some(pin) = pins.next().await {
            let pin = pin?;
            for a in pin.allocations {
                allocated.entry(a).or_insert_with(|| pin.cid.clone());
            }
        }
        let network = network_facts(session, &cluster, &allocated).await?;

        // Pass 2: each item planned (and changed) as it streams.
        let mut report = EnsureReport {
            dry_run,
            items_checked: 0,
            changes: Vec::new(),
            waiting: Vec::new(),
            unmet: Vec::new(),
            partners: Vec::new(),
            removals_recorded: 0,
            record_problem: None,
        };
        let mut before: BTreeMap<String, u64> = BTreeMap::new();
        let mut after: BTreeMap<String, u64> = BTreeMap::new();
        let mut events = Vec::new();
        let mut pins = cluster.allocations().await?;
        while let Some(pin) = pins.next().await {
            let pin = pin?;
            if fixity::is_internal_pin(&pin.metadata) {
                continue;
            }
            report.items_checked += 1;
            let facts = ItemFacts {
                allocations: pin.allocations.clone(),
                replication_min: pin.replication_factor_min,
                replication_max: pin.replication_factor_max,
            };
            let Some(plan) = placement::plan(&facts, &network, &policy) else {
                // Kept on every partner: a copy on each member, now and after.
                for p in network.partners.values().filter(|p| p.online) {
                    *before.entry(p.id.clone()).or_default() += 1;
                    *after.entry(p.id.clone()).or_default() += 1;
                }
                continue;
            };
            for id in &pin.allocations {
                *before.entry(id.clone()).or_default() += 1;
            }
            if !plan.unmet.is_empty() {
                report.unmet.push(PlacementProblem {
                    cid: pin.cid.clone(),
                    name: pin.name.clone(),
                    problems: plan
                        .unmet
                        .iter()
                        .map(|u| {
                            let mut s = u.clone();
                            if let Some(c) = s.get_mut(0..1) {
                                c.make_ascii_uppercase();
                            }
                            s + "."
                        })
                        .collect(),
                });
            }
            // Every item with a copy on a partner that is offline for now:
            // once the grace passes, that copy is made elsewhere.
            if !plan.waiting.is_empty() {
                report.waiting.push(PlacementProblem {
                    cid: pin.cid.clone(),
                    name: pin.name.clone(),
                    problems: waiting_words(&plan, &network, &policy),
                });
            }
            if !plan.changes() {
                for id in &pin.allocations {
                    *after.entry(id.clone()).or_default() += 1;
                }
                continue;
            }
            let names = |ids: &[String]| ids.iter().map(|i| network.name_of(i)).collect::<Vec<_>>();
            let mut change = PlacementChange {
                cid: pin.cid.clone(),
                name: pin.name.clone(),
                before: names(&pin.allocations),
                after: names(&plan.after()),
                dropped: plan.dropped.clone(),
                error: None,
            };
            let mut now_at = plan.after();
            if !dry_run {
                match move_pin(&cluster, &pin, &plan.add, plan.after().len()).await {
                    Ok(allocs) => {
                        now_at = allocs;
                        change.after = names(&now_at);
                        if let Some(manifest) = pin.metadata.get(fixity::ITEM_KEY) {
                            if let Ok(Some(mpin)) = cluster.allocation(manifest).await {
                                let add: Vec<String> = now_at
                                    .iter()
                                    .filter(|a| !mpin.allocations.contains(a))
                                    .cloned()
                                    .collect();
                                if let Err(e) = move_pin(&cluster, &mpin, &add, now_at.len()).await {
                                    change.error = Some(format!(
                                        "The copies moved, but the fixity manifest did not follow ({}); run ensure again.",
                                        e.to_string().trim_end_matches('.')
                                    ));
                                }
                            }
                        }
                        let dropped: Vec<String> = plan
                            .dropped
                            .iter()
                            .map(|d| format!("{} ({})", d.name, d.reason))
                            .collect();
                        let added: BTreeSet<String> = now_at
                            .iter()
                            .filter(|a| !pin.allocations.contains(a))
                            .map(|a| network.name_of(a))
                            .collect();
                        let mut detail = format!(
                            "Copies placed by the network policy: now on {}.",
                            change.after.join(", ")
                        );
                        if !added.is_empty() {
                            detail.push_str(&format!(
                                " Added: {}.",
                                added.into_iter().collect::<Vec<_>>().join(", ")
                            ));
                        }
                        if !dropped.is_empty() {
                            detail.push_str(&format!(" Given up: {}.", dropped.join(", ")));
                        }
                        events.push(
                            Event::new(
                                EventType::Replication,
                                &pin.cid,
                                EventOutcome::Success,
                                detail,
                                session.client,
                            )
                            .named(&pin.name),
                        );
                    }
                    Err(e) => {
                        now_at = pin.allocations.clone();
                        change.after = change.before.clone();
                        change.error = Some(e.to_string());
                    }
                }
            }
            for id in &now_at {
                *after.entry(id.clone()).or_default() += 1;
            }
            report.changes.push(change);
            on_progress(EnsureProgress {
                items_checked: report.items_checked,
                changes: report.changes.len() as u64,
            });
        }
        on_progress(EnsureProgress {
            items_checked: report.items_checked,
            changes: report.changes.len() as u64,
        });

        let ids: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
        let mut partners: Vec<PartnerCopies> = ids
            .into_iter()
            .map(|id| PartnerCopies {
                name: network.name_of(id),
                place: network.partners.get(id).map(|p| p.place.clone()).unwrap_or_default(),
                online: network.partners.get(id).is_some_and(|p| p.online),
                before: before.get(id).copied().unwrap_or(0),
                after: after.get(id).copied().unwrap_or(0),
            })
            .collect();
        // Members that hold nothing yet still show (a new partner's row).
        for p in network.partners.values() {
            if !partners.iter().any(|c| c.name == p.name) {
                partners.push(PartnerCopies {
                    name: p.name.clone(),
                    place: p.place.clone(),
                    online: p.online,
                    before: 0,
                    after: 0,
                });
            }
        }
        partners.sort_by(|a, b| a.name.cmp(&b.name));
        report.partners = partners;
        if !dry_run {
            let removals = super::withdraw::unrecorded_removals(session).await?;
            report.removals_recorded = removals.len() as u64;
            events.extend(removals);
        }
        report.record_problem = super::history::record_or_say(session, events).await;
        Ok(report)
    })
    .await
}
