//! Risk at a glance (issue #16): how many items, and how many bytes, have a
//! single copy, fewer copies than the policy's minimum or target, copies on
//! a single site, are withdrawn, or were not verified within the policy's
//! audit interval; with the age of the evidence, whether anything is at risk
//! (red), and what to do. One pass over every partner's pin states (as the
//! library's second pass), so memory stays flat; `ccs health`, the app's
//! Library header and its Partners page show it.

use std::collections::BTreeSet;
use std::time::{Duration, SystemTime};

use serde::Serialize;

use super::{Cancel, Session, cancellable};
use crate::content::library::Item;
use crate::content::provenance;
use crate::error::Result;
use crate::net::cluster::TrackerStatus;

/// Items and their bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RiskCount {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub items: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub bytes: u64,
}

impl RiskCount {
    fn add(&mut self, bytes: u64) {
        self.items += 1;
        self.bytes += bytes;
    }
}

/// The summary.
#[derive(Debug, Clone, Default, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RiskSummary {
    pub stored: RiskCount,
    /// One complete copy or none.
    pub single_copy: RiskCount,
    /// Fewer complete copies than the policy's `copies-min`.
    pub below_min: RiskCount,
    /// Fewer complete copies than the policy's `copies-target`.
    pub below_target: RiskCount,
    /// Every complete copy on one site, while the partners are on several.
    pub single_site: RiskCount,
    pub withdrawn: RiskCount,
    /// Not verified by an audit from this computer within the policy's
    /// `audit-interval` (or never).
    pub unverified: RiskCount,
    /// When the copies were counted (now: the partners' live states).
    pub copies_as_of: String,
    /// The oldest "last verified" among the items verified at all.
    pub oldest_verification: Option<String>,
    /// Red: an item has a single copy or fewer than the minimum.
    pub at_risk: bool,
    /// What to do, one sentence each (empty when all is well).
    pub advice: Vec<String>,
}

fn unix(at: &str) -> Option<u64> {
    humantime::parse_rfc3339(at)
        .or_else(|_| humantime::parse_rfc3339_weak(at))
        .ok()
        .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
        .map(|d| d.as_secs())
}

/// Counts every stored item against the policy.
pub async fn summary(session: &Session, cancel: &Cancel) -> Result<RiskSummary> {
    let cluster = session.node()?.cluster;
    let policy = super::policy::current(session).await?.policy;
    let places = super::partners::places(&cluster).await?;
    let several_sites = places.sites().len() > 1;
    let audits = session.audits();
    let now = SystemTime::now();
    let due = now
        .checked_sub(Duration::from_secs(policy.audit_interval_secs))
        .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let mut r = RiskSummary {
        copies_as_of: provenance::now_rfc3339(),
        ..RiskSummary::default()
    };
    let mut oldest: Option<(u64, String)> = None;
    cancellable(cancel, async {
        let mut statuses = cluster.status_all(None).await?;
        while let Some(status) = statuses.next().await {
            let item = Item::from_status(status?);
            // An item the pinset holds but no partner reports (`Absent`) is
            // counted with no copy: the worst case, never left out.
            if item.is_internal() {
                continue;
            }
            let item = item.with_audits(&audits);
            let bytes = item.size.unwrap_or(0);
            r.stored.add(bytes);
            let holders: Vec<&str> = item
                .partners
                .iter()
                .filter(|p| p.status == TrackerStatus::Pinned)
                .map(|p| p.peer_id.as_str())
                .collect();
            let copies = holders.len();
            if copies <= 1 {
                r.single_copy.add(bytes);
            }
            if copies < policy.copies_min as usize {
                r.below_min.add(bytes);
            }
            if copies < policy.copies_target as usize && copies < item.target.max(1) {
                r.below_target.add(bytes);
            }
            if several_sites && copies > 0 {
                let sites: BTreeSet<Option<String>> =
                    holders.iter().map(|id| places.of(id).site).collect();
                if sites.len() <= 1 {
                    r.single_site.add(bytes);
                }
            }
            if item.metadata.contains_key(super::withdraw::STATE_KEY) {
                r.withdrawn.add(bytes);
            }
            let verified = item
                .fixity
                .as_ref()
                .and_then(|f| f.last_verified_at.clone());
            match verified
                .as_deref()
                .and_then(|v| unix(v).map(|s| (s, v.to_string())))
            {
                Some((secs, at)) => {
                    if secs < due {
                        r.unverified.add(bytes);
                    }
                    if oldest.as_ref().is_none_or(|(o, _)| secs < *o) {
                        oldest = Some((secs, at));
                    }
                }
                None => r.unverified.add(bytes),
            }
        }
        Ok(())
    })
    .await?;
    r.oldest_verification = oldest.map(|(_, at)| at);
    r.at_risk = r.single_copy.items > 0 || r.below_min.items > 0;
    // "1 item has" / "3 items have".
    let items_have = |n: u64| {
        if n == 1 {
            "1 item has".to_string()
        } else {
            format!("{n} items have")
        }
    };
    if r.at_risk {
        r.advice.push(format!(
            "{} fewer copies than the network's minimum: repair them, and bring them within the policy (`ccs repair`, then `ccs ensure`).",
            items_have(r.single_copy.items.max(r.below_min.items))
        ));
    }
    if r.single_site.items > 0 {
        r.advice.push(format!(
            "{} every copy on one site: `ccs ensure` spreads them over the sites.",
            items_have(r.single_site.items)
        ));
    } else if r.below_target.items > 0 {
        r.advice.push(format!(
            "{} fewer copies than the policy's target: `ccs ensure` adds them.",
            items_have(r.below_target.items)
        ));
    }
    if r.unverified.items > 0 {
        r.advice.push(format!(
            "{} not been verified within {}: check them (`ccs audit --all`).",
            items_have(r.unverified.items),
            crate::content::policy::duration_words(policy.audit_interval_secs)
        ));
    }
    Ok(r)
}
