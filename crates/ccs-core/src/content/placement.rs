//! Where an item's copies should be, by the network policy (issue #16): the
//! plan `ccs ensure` carries out. Pure: the partners and the item go in, the
//! plan comes out; `ops::ensure` asks the network and re-pins.
//!
//! An allocation is kept while its partner is online, or offline for less
//! than the policy's `offline-grace`; it is given up when its partner has
//! been offline longer, or when the same computer came back under a new
//! identity (a disk swap: the old peer id will never return). Copies are
//! then added, never taken away: first at each place `keep-at` names, then on
//! new sites until `min-sites`, then by free space until the item has the
//! policy's `copies-target` (or its own larger target). A partner below the
//! policy's free-space reserve gets no new copy. Items kept on every partner
//! (replication -1) are already everywhere and need no plan.

use std::collections::{BTreeSet, HashMap, HashSet};

use serde::Serialize;

use crate::content::policy::{Policy, duration_words};
use crate::deploy::place::Place;

/// What the plan knows of one partner.
#[derive(Debug, Clone)]
pub struct PartnerFacts {
    pub id: String,
    pub name: String,
    pub place: Place,
    pub online: bool,
    /// How long it has been offline (seconds), when known.
    pub offline_secs: Option<u64>,
    /// Free space, when it reports it.
    pub free: Option<u64>,
}

/// The partners, by cluster peer id, plus the names of peers that are gone.
#[derive(Debug, Clone, Default)]
pub struct Network {
    pub partners: HashMap<String, PartnerFacts>,
    /// Peer ids no longer in the network whose computer came back under a
    /// new identity (same peer name), with that name.
    pub replaced: HashMap<String, String>,
    /// Names of other peers not in the network, when the pin states tell.
    pub names: HashMap<String, String>,
    /// Peers not in the network whose metrics the cluster still counts (for
    /// up to their TTL after they stop): the cluster keeps their allocations
    /// until then, so a move must wait.
    pub lingering: HashSet<String>,
}

impl Network {
    /// A peer's name (its id's start when not known).
    pub fn name_of(&self, id: &str) -> String {
        self.partners
            .get(id)
            .map(|p| p.name.clone())
            .or_else(|| {
                self.replaced
                    .get(id)
                    .map(|n| format!("{n} (before its identity changed)"))
            })
            .or_else(|| self.names.get(id).cloned())
            .unwrap_or_else(|| id.chars().take(12).collect())
    }
}

/// The item as the plan needs it.
#[derive(Debug, Clone)]
pub struct ItemFacts {
    pub allocations: Vec<String>,
    pub replication_min: i32,
    pub replication_max: i32,
}

/// Why an allocation is given up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Dropped {
    pub peer_id: String,
    pub name: String,
    /// In words: "came back under a new identity", "offline for 9 days".
    pub reason: String,
}

/// What to do with one item.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// Allocations that stay.
    pub keep: Vec<String>,
    /// Allocations given up.
    pub dropped: Vec<Dropped>,
    /// New copies, in the order they were chosen.
    pub add: Vec<String>,
    /// Partners offline for less than the grace period: nothing moves while
    /// the item has one and would change (their copy would be given up too).
    pub waiting: Vec<String>,
    /// Why the item cannot be brought within the policy, if it cannot.
    pub unmet: Vec<String>,
}

impl Plan {
    /// True when the item must be re-pinned.
    pub fn changes(&self) -> bool {
        self.waiting.is_empty() && (!self.add.is_empty() || !self.dropped.is_empty())
    }

    /// The allocations after the change.
    pub fn after(&self) -> Vec<String> {
        self.keep.iter().chain(&self.add).cloned().collect()
    }
}

fn matches(place: &Place, name: &str) -> bool {
    [&place.site, &place.organisation]
        .into_iter()
        .flatten()
        .any(|v| v.eq_ignore_ascii_case(name))
}

/// The plan for one item; `None` for an item kept on every partner.
pub fn plan(item: &ItemFacts, network: &Network, policy: &Policy) -> Option<Plan> {
    if item.replication_min < 0 || item.replication_max < 0 {
        return None;
    }
    let mut plan = Plan::default();
    for id in &item.allocations {
        if network.lingering.contains(id) {
            plan.waiting.push(id.clone());
            continue;
        }
        if let Some(name) = network.replaced.get(id) {
            plan.dropped.push(Dropped {
                peer_id: id.clone(),
                name: name.clone(),
                reason: "came back under a new identity".into(),
            });
            continue;
        }
        match network.partners.get(id) {
            Some(p) if p.online => plan.keep.push(id.clone()),
            Some(p) => match p.offline_secs {
                Some(secs) if secs > policy.offline_grace_secs => plan.dropped.push(Dropped {
                    peer_id: id.clone(),
                    name: p.name.clone(),
                    reason: format!("offline for {}", duration_words(secs)),
                }),
                _ => plan.waiting.push(id.clone()),
            },
            None => plan.waiting.push(id.clone()),
        }
    }

    let held: Vec<&String> = plan.keep.iter().chain(&plan.waiting).collect();
    let mut chosen: Vec<String> = Vec::new();
    let place_of = |id: &str| {
        network
            .partners
            .get(id)
            .map(|p| p.place.clone())
            .unwrap_or_default()
    };
    // Candidates: online, not holding a copy, above the reserve; most free space first.
    let mut candidates: Vec<&PartnerFacts> = network
        .partners
        .values()
        .filter(|p| p.online && !held.iter().any(|h| **h == p.id))
        .filter(|p| p.free.is_some_and(|f| f >= policy.reserve_bytes))
        .collect();
    candidates.sort_by(|a, b| b.free.cmp(&a.free).then(a.id.cmp(&b.id)));

    let holders = |chosen: &[String]| -> Vec<String> {
        held.iter()
            .map(|s| s.to_string())
            .chain(chosen.iter().cloned())
            .collect()
    };
    let sites_of = |ids: &[String]| -> BTreeSet<String> {
        ids.iter().filter_map(|id| place_of(id).site).collect()
    };

    // 1. The places every item must have a copy at.
    for name in &policy.keep_at {
        if holders(&chosen)
            .iter()
            .any(|id| matches(&place_of(id), name))
        {
            continue;
        }
        match candidates
            .iter()
            .find(|p| matches(&p.place, name) && !chosen.contains(&p.id))
        {
            Some(p) => chosen.push(p.id.clone()),
            None => plan.unmet.push(format!(
                "no partner at \"{name}\" is online with free space above the reserve"
            )),
        }
    }
    // 2. Enough different sites.
    let all_sites: BTreeSet<String> = network
        .partners
        .values()
        .filter_map(|p| p.place.site.clone())
        .collect();
    let wanted_sites = (policy.min_sites as usize).min(all_sites.len().max(1));
    while sites_of(&holders(&chosen)).len() < wanted_sites {
        let have = sites_of(&holders(&chosen));
        match candidates.iter().find(|p| {
            !chosen.contains(&p.id) && p.place.site.as_ref().is_some_and(|s| !have.contains(s))
        }) {
            Some(p) => chosen.push(p.id.clone()),
            None => {
                plan.unmet.push(format!(
                    "its copies are on {} of the {} sites the policy asks for, and no partner on another site is online with free space above the reserve",
                    have.len(),
                    policy.min_sites
                ));
                break;
            }
        }
    }
    // 3. Enough copies: new sites first, then free space.
    let target = (policy.copies_target as usize).max(item.replication_max.max(0) as usize);
    while holders(&chosen).len() < target {
        let have = sites_of(&holders(&chosen));
        let free: Vec<&&PartnerFacts> = candidates
            .iter()
            .filter(|p| !chosen.contains(&p.id))
            .collect();
        let pick = free
            .iter()
            .find(|p| p.place.site.as_ref().is_some_and(|s| !have.contains(s)))
            .or_else(|| free.first());
        match pick {
            Some(p) => chosen.push(p.id.clone()),
            None => {
                plan.unmet.push(format!(
                    "it has {} of the {target} copies the policy asks for, and no other partner is online with free space above the reserve",
                    holders(&chosen).len()
                ));
                break;
            }
        }
    }
    plan.add = chosen;
    Some(plan)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn partner(id: &str, site: &str, online: bool, free: u64) -> PartnerFacts {
        PartnerFacts {
            id: id.into(),
            name: format!("peer-{id}"),
            place: Place {
                organisation: Some(format!("Org {site}")),
                site: Some(site.into()),
            },
            online,
            offline_secs: None,
            free: Some(free),
        }
    }

    fn network(ps: Vec<PartnerFacts>) -> Network {
        Network {
            partners: ps.into_iter().map(|p| (p.id.clone(), p)).collect(),
            ..Network::default()
        }
    }

    fn item(allocs: &[&str], min: i32, max: i32) -> ItemFacts {
        ItemFacts {
            allocations: allocs.iter().map(|s| s.to_string()).collect(),
            replication_min: min,
            replication_max: max,
        }
    }

    fn policy(target: u32, sites: u32) -> Policy {
        Policy {
            copies_min: 1,
            copies_target: target,
            min_sites: sites,
            reserve_bytes: 1000,
            ..Policy::default()
        }
    }

    const GB: u64 = 1_000_000_000;

    #[test]
    fn an_item_within_the_policy_changes_nothing() {
        let net = network(vec![
            partner("a", "L", true, GB),
            partner("b", "B", true, GB),
        ]);
        let p = plan(&item(&["a", "b"], 1, 2), &net, &policy(2, 2)).unwrap();
        assert!(!p.changes() && p.unmet.is_empty(), "{p:?}");
        assert!(plan(&item(&[], -1, -1), &net, &policy(2, 2)).is_none());
    }

    #[test]
    fn a_second_site_comes_before_more_free_space() {
        let net = network(vec![
            partner("a", "L", true, GB),
            partner("a2", "L", true, 9 * GB),
            partner("b", "B", true, 2 * GB),
        ]);
        let p = plan(&item(&["a"], 1, 2), &net, &policy(2, 2)).unwrap();
        assert_eq!(p.add, ["b"]);
        // Without a site rule, free space decides.
        let p = plan(&item(&["a"], 1, 2), &net, &policy(2, 1)).unwrap();
        assert_eq!(p.add, ["b"], "a new site is still preferred for the count");
        let p = plan(&item(&["a", "b"], 1, 3), &net, &policy(3, 1)).unwrap();
        assert_eq!(p.add, ["a2"]);
    }

    #[test]
    fn a_replaced_identity_is_moved_and_a_short_absence_waits() {
        let mut net = network(vec![
            partner("a", "L", true, GB),
            partner("new", "B", true, GB),
            partner("c", "L", true, GB),
        ]);
        net.replaced.insert("old".into(), "peer-b".into());
        let p = plan(&item(&["a", "old"], 1, 2), &net, &policy(2, 2)).unwrap();
        assert_eq!(p.dropped[0].reason, "came back under a new identity");
        assert_eq!(p.after(), ["a", "new"]);
        assert!(p.changes());
        // While the cluster still counts the old identity, nothing moves.
        net.lingering.insert("old".into());
        let p = plan(&item(&["a", "old"], 1, 2), &net, &policy(2, 2)).unwrap();
        assert_eq!(p.waiting, ["old"]);
        assert!(!p.changes());
        net.lingering.clear();

        // Offline for a day with a week's grace: nothing moves.
        let mut off = partner("b", "B", false, GB);
        off.offline_secs = Some(86_400);
        let net = network(vec![
            partner("a", "L", true, GB),
            off.clone(),
            partner("c", "B", true, GB),
        ]);
        let p = plan(&item(&["a", "b"], 1, 3), &net, &policy(3, 2)).unwrap();
        assert_eq!(p.waiting, ["b"]);
        assert!(!p.changes(), "{p:?}");
        // Past the grace: moved.
        let mut short = policy(2, 2);
        short.offline_grace_secs = 3600;
        let p = plan(&item(&["a", "b"], 1, 2), &net, &short).unwrap();
        assert_eq!(p.dropped[0].reason, "offline for 1 day");
        assert_eq!(p.after(), ["a", "c"]);
    }

    #[test]
    fn the_reserve_keep_at_and_impossible_rules_are_respected() {
        let net = network(vec![
            partner("a", "L", true, GB),
            partner("full", "B", true, 10),
            partner("c", "Y", true, GB),
        ]);
        let p = plan(&item(&["a"], 1, 1), &net, &policy(2, 1)).unwrap();
        assert_eq!(p.add, ["c"], "the full partner gets nothing");
        let mut keep = policy(1, 1);
        keep.keep_at = vec!["org y".into()];
        let p = plan(&item(&["a"], 1, 1), &net, &keep).unwrap();
        assert_eq!(p.add, ["c"]);
        let p = plan(&item(&["a", "c"], 1, 2), &net, &policy(4, 3)).unwrap();
        assert_eq!(p.unmet.len(), 2, "{p:?}");
    }
}
