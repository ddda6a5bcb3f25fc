//! Withdrawal instead of deletion (issue #16): an item withdrawn stays stored
//! on every partner until the policy's grace period ends, then IPFS Cluster
//! removes it itself (the pin's `expire_at`: the cluster's `StateSync` unpins
//! an expired pin, `cluster.go`). Until then **keep** undoes it with the
//! allocations untouched (a re-pin keeps them, see `ops::meta`). With
//! two-person removal on, the clock starts only once a second member
//! confirms. Each step is a PREMIS `deaccession` event (a kept item's with
//! the outcome "fail": the deaccession did not happen).
//!
//! The withdrawal lives in the item's own pin metadata, so every member sees
//! it: `ccs-withdrawn-by`, `ccs-withdrawn-at`, `ccs-withdrawal`
//! (`awaiting-confirmation` / `confirmed`) and, once confirmed by another
//! member, `ccs-withdrawal-confirmed-by`. The keys are reserved
//! (`ops::meta::is_reserved`: every `ccs-` key), so `meta set` cannot forge
//! them. The item's fixity manifest is given the same expiry, so both go
//! together, and comes back with it.
//!
//! What this protects against: mistakes, and one careless member. Any member
//! holding the network's secrets can still unpin through IPFS Cluster itself.

use std::time::{Duration, SystemTime};

use serde::Serialize;

use super::{Session, check_cid};
use crate::content::fixity;
use crate::content::history::{Event, EventOutcome, EventType};
use crate::content::policy::duration_words;
use crate::content::provenance;
use crate::error::{Error, Result};
use crate::net::cluster::{ClusterClient, Pin, PinOptions};

pub const BY_KEY: &str = "ccs-withdrawn-by";
pub const AT_KEY: &str = "ccs-withdrawn-at";
pub const STATE_KEY: &str = "ccs-withdrawal";
pub const CONFIRMED_BY_KEY: &str = "ccs-withdrawal-confirmed-by";
/// The removal time again, beside the others, so a reader of the metadata
/// alone (the library, the app) sees it; the pin's `expire_at` is what acts.
pub const REMOVES_AT_KEY: &str = "ccs-withdrawal-removes-at";
const AWAITING: &str = "awaiting-confirmation";
/// The words around the removal time in a withdrawal's event, which
/// [`unrecorded_removals`] reads back (the item's pin is gone by then).
const REMOVED_ON: &str = "removed on ";
const UNLESS_KEPT: &str = " unless someone keeps it.";
const CONFIRMED: &str = "confirmed";

/// Where a withdrawal stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum WithdrawalState {
    /// Two-person removal: a second member must confirm before the clock starts.
    AwaitingConfirmation,
    /// The grace period runs; the item is removed at `removes_at`.
    Confirmed,
}

/// One withdrawn item.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Withdrawal {
    pub cid: String,
    pub name: String,
    pub by: String,
    /// RFC 3339.
    pub at: String,
    pub state: WithdrawalState,
    pub confirmed_by: Option<String>,
    /// RFC 3339, once the clock runs.
    pub removes_at: Option<String>,
}

/// What a step did.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct WithdrawalOutcome {
    /// `None` after **keep**, or when a grace period of 0 removed it at once.
    pub withdrawal: Option<Withdrawal>,
    /// One sentence for the person.
    pub summary: String,
    pub record_problem: Option<String>,
}

/// The withdrawal recorded in a pin, if it is withdrawn.
pub fn of_pin(pin: &Pin) -> Option<Withdrawal> {
    let state = match pin.metadata.get(STATE_KEY)?.as_str() {
        AWAITING => WithdrawalState::AwaitingConfirmation,
        _ => WithdrawalState::Confirmed,
    };
    let expiry = &pin.expire_at;
    let expiry = if !expiry.is_empty() && !expiry.starts_with("0001-01-01") {
        Some(expiry.clone())
    } else {
        pin.metadata.get(REMOVES_AT_KEY).cloned()
    };
    Some(Withdrawal {
        cid: pin.cid.clone(),
        name: pin.name.clone(),
        by: pin.metadata.get(BY_KEY).cloned().unwrap_or_default(),
        at: pin.metadata.get(AT_KEY).cloned().unwrap_or_default(),
        state,
        confirmed_by: pin.metadata.get(CONFIRMED_BY_KEY).cloned(),
        removes_at: expiry,
    })
}

fn title(pin: &Pin) -> &str {
    if pin.name.is_empty() {
        &pin.cid
    } else {
        &pin.name
    }
}

/// The pin of a stored item (not one of this program's own), or a sentence.
async fn item_pin(cluster: &ClusterClient, cid: &str) -> Result<Pin> {
    let pin = cluster.allocation(cid).await?.ok_or_else(|| {
        Error::NotStored(format!(
            "The item {cid} is not stored (it may have been removed when its grace period ended): check the library for what is stored."
        ))
    })?;
    if fixity::is_internal_pin(&pin.metadata) {
        return Err(Error::InvalidInput(format!(
            "{cid} is kept by this program for an item, not an item itself; withdraw the item."
        )));
    }
    Ok(pin)
}

/// Re-pins `pin` (and its manifest) with `metadata` changes and an expiry.
async fn repin(
    cluster: &ClusterClient,
    pin: &Pin,
    set: &[(&str, String)],
    remove: &[&str],
    expire_at: Option<String>,
) -> Result<()> {
    let apply = |p: &Pin| -> PinOptions {
        let mut o = super::meta::repin_options(p, &[]);
        for k in remove {
            o.metadata.remove(*k);
        }
        o.expire_at = expire_at.clone();
        o
    };
    let mut options = apply(pin);
    for (k, v) in set {
        options.metadata.insert(k.to_string(), v.clone());
    }
    cluster.pin(&pin.cid, &options).await?;
    if let Some(manifest) = pin.metadata.get(fixity::ITEM_KEY) {
        if let Some(m) = cluster.allocation(manifest).await? {
            cluster.pin(manifest, &apply(&m)).await?;
        }
    }
    Ok(())
}

fn removes_at(grace_secs: u64) -> String {
    provenance::format_unix(
        SystemTime::now()
            .checked_add(Duration::from_secs(grace_secs))
            .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
            .map(|d| d.as_secs())
            .unwrap_or(0),
    )
}

async fn record(
    session: &Session,
    pin: &Pin,
    outcome: EventOutcome,
    detail: String,
) -> Option<String> {
    let event = Event::new(
        EventType::Deaccession,
        &pin.cid,
        outcome,
        detail,
        session.client,
    )
    .named(&pin.name);
    super::history::record_or_say(session, vec![event]).await
}

/// Withdraws a stored item: the grace period starts now (or, with two-person
/// removal, once another member confirms). A grace period of 0 removes it at
/// once.
pub async fn withdraw(session: &Session, cid: &str) -> Result<WithdrawalOutcome> {
    let cid = check_cid(cid)?;
    let cluster = session.node()?.cluster;
    let pin = item_pin(&cluster, &cid).await?;
    if let Some(w) = of_pin(&pin) {
        return Err(Error::InvalidInput(format!(
            "\"{}\" was already withdrawn by {} on {}{}; keeping it undoes the withdrawal.",
            title(&pin),
            w.by,
            w.at,
            match &w.removes_at {
                Some(at) => format!(" and is removed on {at}"),
                None => " and waits for a second member to confirm".into(),
            }
        )));
    }
    let policy = super::policy::current(session).await?.policy;
    let me = provenance::who();
    let now = provenance::now_rfc3339();
    if policy.removal_grace_secs == 0 && !policy.removal_needs_confirmation {
        let record_problem = super::library::remove(session, &cid).await?;
        return Ok(WithdrawalOutcome {
            withdrawal: None,
            summary: format!(
                "Removed \"{}\" from every partner at once: the network's policy gives withdrawn items no grace period.",
                title(&pin)
            ),
            record_problem,
        });
    }
    let (state, expire, summary) = if policy.removal_needs_confirmation {
        (
            AWAITING,
            None,
            format!(
                "Withdrew \"{}\". It stays stored on every partner: another member must confirm the withdrawal, then it is removed {} later. Keeping it undoes the withdrawal.",
                title(&pin),
                duration_words(policy.removal_grace_secs)
            ),
        )
    } else {
        let at = removes_at(policy.removal_grace_secs);
        let s = format!(
            "Withdrew \"{}\". It stays stored on every partner until {at}, then it is removed. Keeping it undoes the withdrawal until then.",
            title(&pin)
        );
        (CONFIRMED, Some(at), s)
    };
    let mut set = vec![
        (BY_KEY, me.clone()),
        (AT_KEY, now.clone()),
        (STATE_KEY, state.into()),
    ];
    if let Some(at) = &expire {
        set.push((REMOVES_AT_KEY, at.clone()));
    }
    repin(&cluster, &pin, &set, &[], expire.clone()).await?;
    let detail = match &expire {
        Some(at) => format!("Withdrawn by {me}; {REMOVED_ON}{at}{UNLESS_KEPT}"),
        None => format!("Withdrawn by {me}; waits for a second member to confirm."),
    };
    let record_problem = record(session, &pin, EventOutcome::Success, detail).await;
    let pin = cluster.allocation(&cid).await?.unwrap_or(pin);
    Ok(WithdrawalOutcome {
        withdrawal: of_pin(&pin),
        summary,
        record_problem,
    })
}

/// A second member confirms a withdrawal: the grace period starts. The
/// member who withdrew it cannot.
pub async fn confirm(session: &Session, cid: &str) -> Result<WithdrawalOutcome> {
    let cid = check_cid(cid)?;
    let cluster = session.node()?.cluster;
    let pin = item_pin(&cluster, &cid).await?;
    let Some(w) = of_pin(&pin) else {
        return Err(Error::InvalidInput(format!(
            "\"{}\" is not withdrawn, so there is nothing to confirm.",
            title(&pin)
        )));
    };
    if w.state == WithdrawalState::Confirmed {
        return Err(Error::InvalidInput(format!(
            "The withdrawal of \"{}\" is already confirmed{}; nothing to do.",
            title(&pin),
            w.removes_at
                .as_ref()
                .map(|at| format!(": it is removed on {at}"))
                .unwrap_or_default()
        )));
    }
    let me = provenance::who();
    if me == w.by {
        return Err(Error::InvalidInput(format!(
            "You withdrew \"{}\" yourself; another member must confirm it.",
            title(&pin)
        )));
    }
    let policy = super::policy::current(session).await?.policy;
    if policy.removal_grace_secs == 0 {
        let record_problem = super::library::remove(session, &cid).await?;
        return Ok(WithdrawalOutcome {
            withdrawal: None,
            summary: format!(
                "Confirmed: \"{}\" is removed from every partner (the policy gives no grace period).",
                title(&pin)
            ),
            record_problem,
        });
    }
    let at = removes_at(policy.removal_grace_secs);
    repin(
        &cluster,
        &pin,
        &[
            (STATE_KEY, CONFIRMED.into()),
            (CONFIRMED_BY_KEY, me.clone()),
            (REMOVES_AT_KEY, at.clone()),
        ],
        &[],
        Some(at.clone()),
    )
    .await?;
    let record_problem = record(
        session,
        &pin,
        EventOutcome::Success,
        format!(
            "Withdrawal by {} confirmed by {me}; {REMOVED_ON}{at}{UNLESS_KEPT}",
            w.by
        ),
    )
    .await;
    let pin = cluster.allocation(&cid).await?.unwrap_or(pin);
    Ok(WithdrawalOutcome {
        withdrawal: of_pin(&pin),
        summary: format!(
            "Confirmed. \"{}\" stays stored on every partner until {at}, then it is removed.",
            title(&pin)
        ),
        record_problem,
    })
}

/// **Keep it**: undoes a withdrawal; the item stays where it is.
pub async fn keep(session: &Session, cid: &str) -> Result<WithdrawalOutcome> {
    let cid = check_cid(cid)?;
    let cluster = session.node()?.cluster;
    let pin = item_pin(&cluster, &cid).await?;
    let Some(w) = of_pin(&pin) else {
        return Err(Error::InvalidInput(format!(
            "\"{}\" is not withdrawn; it stays stored.",
            title(&pin)
        )));
    };
    repin(
        &cluster,
        &pin,
        &[],
        &[BY_KEY, AT_KEY, STATE_KEY, CONFIRMED_BY_KEY, REMOVES_AT_KEY],
        None,
    )
    .await?;
    let me = provenance::who();
    let record_problem = record(
        session,
        &pin,
        EventOutcome::Failure,
        format!("Withdrawal by {} undone by {me}: the item is kept.", w.by),
    )
    .await;
    Ok(WithdrawalOutcome {
        withdrawal: None,
        summary: format!(
            "Kept \"{}\": it stays stored on every partner that holds it.",
            title(&pin)
        ),
        record_problem,
    })
}

/// Every withdrawn item, streamed from the pinset.
pub async fn list(session: &Session) -> Result<Vec<Withdrawal>> {
    let cluster = session.node()?.cluster;
    let mut out = Vec::new();
    let mut pins = cluster.allocations().await?;
    while let Some(pin) = pins.next().await {
        if let Some(w) = of_pin(&pin?) {
            out.push(w);
        }
    }
    out.sort_by(|a, b| a.at.cmp(&b.at));
    Ok(out)
}

/// Removal without a grace period (`rm --now`): only when the policy allows
/// it, and only when `typed` is the item's title (the person typed it, so
/// that no one removes an archive's item by a slip). Returns why the record
/// could not take it, if it could not.
pub async fn remove_now(session: &Session, cid: &str, typed: &str) -> Result<Option<String>> {
    let cid = check_cid(cid)?;
    let policy = super::policy::current(session).await?.policy;
    if !policy.immediate_removal {
        return Err(Error::InvalidInput(format!(
            "The network's policy does not allow removing an item at once: withdraw it instead (`ccs rm {cid}`), or ask the person who runs the network to set immediate-removal=on."
        )));
    }
    let cluster = session.node()?.cluster;
    let pin = item_pin(&cluster, &cid).await?;
    if typed.trim() != title(&pin) {
        return Err(Error::InvalidInput(format!(
            "\"{}\" is not the item's title (\"{}\"); nothing was removed.",
            typed.trim(),
            title(&pin)
        )));
    }
    super::library::remove(session, &cid).await
}

/// The removal time a withdrawal's event names, if it names one.
fn removal_time(detail: &str) -> Option<&str> {
    let from = detail.find(REMOVED_ON)? + REMOVED_ON.len();
    let rest = &detail[from..];
    Some(&rest[..rest.find(UNLESS_KEPT)?])
}

/// The removals nobody recorded: IPFS Cluster removes a withdrawn item itself
/// when its grace period ends, so no one is there to write the `deletion`
/// event. For each item whose newest deaccession or deletion event is a
/// withdrawal (or its confirmation) and that the pinset no longer holds,
/// the event to record, by the person who found it gone (`ensure` records
/// them). An item that went before its time, or while it waited for a
/// confirmation, is recorded as removed outside this program.
pub(crate) async fn unrecorded_removals(session: &Session) -> Result<Vec<Event>> {
    use std::collections::HashMap;
    // The newest such event per item: memory grows with the items withdrawn
    // or removed, not with the record.
    // Ordered by time, then by place in the writer's record.
    type When = (String, u64, usize);
    let mut newest: HashMap<String, (When, Event)> = HashMap::new();
    super::history::each_event(session, |e, place| {
        if !matches!(e.event_type, EventType::Deaccession | EventType::Deletion) {
            return;
        }
        let when = (e.at.clone(), place.seq, place.index);
        if newest.get(&e.item).is_none_or(|(seen, _)| *seen < when) {
            newest.insert(e.item.clone(), (when, e));
        }
    })
    .await?;
    let cluster = session.node()?.cluster;
    let me = provenance::who();
    let now = provenance::now_rfc3339();
    let mut events = Vec::new();
    for (cid, (_, last)) in newest {
        if last.event_type != EventType::Deaccession
            || last.outcome != EventOutcome::Success
            || cluster.allocation(&cid).await?.is_some()
        {
            continue;
        }
        let detail = match removal_time(&last.detail) {
            // RFC 3339 UTC times of one format compare as text.
            Some(at) if at <= now.as_str() => format!(
                "Removed from every partner by IPFS Cluster when its grace period ended on {at}; found removed by {me}."
            ),
            Some(at) => format!(
                "Removed from every partner before its grace period ended ({at}), outside this program; found removed by {me}."
            ),
            None => format!(
                "Removed from every partner while its withdrawal waited for a second member, outside this program; found removed by {me}."
            ),
        };
        let mut event = Event::new(
            EventType::Deletion,
            &cid,
            EventOutcome::Success,
            detail,
            session.client,
        );
        event.name = last.name.clone();
        events.push(event);
    }
    Ok(events)
}
