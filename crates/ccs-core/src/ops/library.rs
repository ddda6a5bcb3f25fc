//! The library: every stored item with its partners' states, one item's
//! detail, repair and removal.

use serde::Serialize;

use super::{Cancel, Session, cancellable, check_cid};
use crate::content::fixity;
use crate::content::history::{Event, EventOutcome, EventType};
use crate::content::library::{Health, Item};
use crate::error::{Error, Result};
use crate::net::cluster::{ClusterClient, Pin, TrackerStatus};

/// Which pass of [`list`] an item belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum LibraryPhase {
    /// Every stored item, from the pinset (fast; states still "checking").
    Pinset,
    /// The same items again with every partner's state.
    Status,
}

/// What [`list`] reports.
#[derive(Debug, Clone)]
pub enum LibraryEvent {
    Item(LibraryPhase, Box<Item>),
    /// Every item of this pass has been sent.
    PhaseDone(LibraryPhase),
}

/// Lists the library in two passes: the pinset first (it streams straight
/// from the node's own state, so rows show within moments even for 100,000
/// items), then every item again with the partners' states (the cluster
/// answers that only once every partner has sent its whole list). Returns
/// how many items were listed.
pub async fn list(
    session: &Session,
    cancel: &Cancel,
    mut on_event: impl FnMut(LibraryEvent) + Send,
) -> Result<usize> {
    let client = session.node()?.cluster;
    cancellable(cancel, async {
        let members = client.id().await?.cluster_peers.len().max(1);
        let mut pins = client.allocations().await?;
        let mut listed = 0usize;
        while let Some(pin) = pins.next().await {
            let item = Item::from_pin(pin?, members);
            if item.is_internal() {
                continue;
            }
            on_event(LibraryEvent::Item(LibraryPhase::Pinset, Box::new(item)));
            listed += 1;
        }
        on_event(LibraryEvent::PhaseDone(LibraryPhase::Pinset));
        let mut statuses = client.status_all(None).await?;
        let audits = session.audits();
        while let Some(status) = statuses.next().await {
            let item = Item::from_status(status?).with_audits(&audits);
            if item.health != Health::Absent && !item.is_internal() {
                on_event(LibraryEvent::Item(LibraryPhase::Status, Box::new(item)));
            }
        }
        on_event(LibraryEvent::PhaseDone(LibraryPhase::Status));
        Ok(listed)
    })
    .await
}

/// One item with every partner's state (absent when nobody holds it).
pub async fn item(session: &Session, cid: &str) -> Result<Item> {
    let cid = check_cid(cid)?;
    let status = session.node()?.cluster.status_as_written(&cid).await?;
    Ok(Item::from_status(status).with_audits(&session.audits()))
}

/// The pin of `cid`; `not_found` unless it is in the pinset.
pub(crate) async fn check_stored(cluster: &ClusterClient, cid: &str) -> Result<Pin> {
    cluster
        .allocation(cid)
        .await?
        .ok_or_else(|| Error::NotFound {
            url: cluster.base_url().to_string(),
            what: format!("The item {cid}"),
        })
}

/// The items about to be removed, each checked to be stored (so a
/// confirmation can show them); `not_found` for one that is not.
pub async fn removal_preview(session: &Session, cids: &[String]) -> Result<Vec<Item>> {
    let cids: Vec<String> = cids.iter().map(|c| check_cid(c)).collect::<Result<_>>()?;
    let cluster = session.node()?.cluster;
    let mut items = Vec::new();
    for cid in &cids {
        let item = Item::from_status(cluster.status_as_written(cid).await?);
        check_stored(&cluster, cid).await?;
        items.push(item);
    }
    Ok(items)
}

/// Removes an item from every partner (the person has confirmed it);
/// `not_found` when it is not stored. Returns why the preservation record
/// could not take the removal, if it could not.
pub async fn remove(session: &Session, cid: &str) -> Result<Option<String>> {
    let cid = check_cid(cid)?;
    let cluster = session.node()?.cluster;
    let pin = check_stored(&cluster, &cid).await?;
    let manifest = pin.metadata.get(fixity::ITEM_KEY);
    cluster.unpin(&cid).await?;
    // Its fixity manifest goes with it (an item without one has none to remove).
    if let Some(m) = manifest {
        match cluster.unpin(m).await {
            Ok(_) | Err(Error::NotFound { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    let event = Event::new(
        EventType::Deletion,
        &cid,
        EventOutcome::Success,
        format!(
            "Removed \"{}\" from every partner.",
            if pin.name.is_empty() { &cid } else { &pin.name }
        ),
        session.client,
    )
    .named(&pin.name);
    Ok(super::history::record_or_say(session, vec![event]).await)
}

/// An item after a repair, and why the preservation record could not take
/// the repair, if it could not.
#[derive(Debug, Clone)]
pub struct Repaired {
    pub item: Item,
    pub record_problem: Option<String>,
}

/// Asks every partner to retry what failed for this item (IPFS Cluster's
/// recover), and returns its state after the retry; recorded as a recovery.
pub async fn repair(session: &Session, cid: &str) -> Result<Repaired> {
    let cid = check_cid(cid)?;
    let cluster = session.node()?.cluster;
    cluster.recover(&cid).await?;
    let item = Item::from_status(cluster.status_as_written(&cid).await?);
    let record_problem =
        super::history::record_or_say(session, vec![recovery_event(&item, session.client)]).await;
    Ok(Repaired {
        item,
        record_problem,
    })
}

/// The record of a retry of an item's copies: a success when every copy is
/// in place afterwards, else which partners are still short.
pub(crate) fn recovery_event(item: &Item, software: &str) -> Event {
    let short: Vec<String> = item
        .partners
        .iter()
        .filter(|p| !matches!(p.status, TrackerStatus::Pinned | TrackerStatus::Remote))
        .map(|p| format!("{} ({})", p.peername, p.status.as_str()))
        .collect();
    let (outcome, detail) = if item.health == Health::Ok {
        (
            EventOutcome::Success,
            format!(
                "Asked the partners to make missing copies again; all {} copies are in place.",
                item.copies
            ),
        )
    } else {
        (
            EventOutcome::Failure,
            format!(
                "Asked the partners to make missing copies again; {} of {} copies are in place, still short: {}.",
                item.copies,
                item.target,
                short.join(", ")
            ),
        )
    };
    Event::new(EventType::Recovery, &item.cid, outcome, detail, software).named(&item.name)
}

/// Which items a listing keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateFilter {
    Ok,
    Pinning,
    UnderReplicated,
    Error,
}

#[derive(Debug, Clone, Default)]
pub struct LibraryFilter {
    /// Part of the name, in any case.
    pub name: Option<String>,
    pub state: Option<StateFilter>,
    /// Only items with fewer copies than they should have.
    pub under_replicated: bool,
    /// Only items whose audits found problems, could not reach a partner,
    /// or are overdue.
    pub needs_attention: bool,
}

impl LibraryFilter {
    pub fn matches(&self, item: &Item) -> bool {
        if self.under_replicated && !item.under_replicated() {
            return false;
        }
        if self.needs_attention && !item.needs_attention() {
            return false;
        }
        if let Some(n) = &self.name {
            if !item.name.to_lowercase().contains(&n.to_lowercase()) {
                return false;
            }
        }
        match self.state {
            None => true,
            Some(StateFilter::Ok) => item.health == Health::Ok,
            Some(StateFilter::Pinning) => item.health == Health::Pinning,
            Some(StateFilter::UnderReplicated) => item.under_replicated(),
            Some(StateFilter::Error) => item.health == Health::Error,
        }
    }
}

/// How a listing is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    Name,
    Added,
    Size,
    Copies,
}

/// Orders `items` by `key` (names without regard to case), reversed if asked.
pub fn sort(items: &mut [Item], key: SortKey, reverse: bool) {
    match key {
        SortKey::Name => items.sort_by_key(|x| x.name.to_lowercase()),
        SortKey::Added => items.sort_by(|x, y| x.added_at.cmp(&y.added_at)),
        SortKey::Size => items.sort_by_key(|x| x.size),
        SortKey::Copies => items.sort_by_key(|x| (x.copies, x.target)),
    }
    if reverse {
        items.reverse();
    }
}

/// Every stored item with its partners' states that `filter` keeps, one at a
/// time as the node streams them (memory stays flat however many there are).
/// Returns how many were kept.
pub async fn each_item(
    session: &Session,
    filter: &LibraryFilter,
    cancel: &Cancel,
    mut on_item: impl FnMut(Item) + Send,
) -> Result<u64> {
    let cluster = session.node()?.cluster;
    cancellable(cancel, async {
        let mut kept = 0;
        let mut stream = cluster.status_all(None).await?;
        let audits = session.audits();
        while let Some(s) = stream.next().await {
            let item = Item::from_status(s?).with_audits(&audits);
            if !item.is_internal() && filter.matches(&item) {
                kept += 1;
                on_item(item);
            }
        }
        Ok(kept)
    })
    .await
}

/// These items with every partner's state, in the order given; one that no
/// partner tracks has [`Health::Absent`].
pub async fn items(session: &Session, cids: &[String]) -> Result<Vec<Item>> {
    let cids: Vec<String> = cids.iter().map(|c| check_cid(c)).collect::<Result<_>>()?;
    let cluster = session.node()?.cluster;
    let mut items = Vec::new();
    let audits = session.audits();
    for cid in &cids {
        items.push(Item::from_status(cluster.status_as_written(cid).await?).with_audits(&audits));
    }
    Ok(items)
}
