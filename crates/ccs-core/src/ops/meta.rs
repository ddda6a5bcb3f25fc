//! Metadata after upload: an item's title (its pin name), collection,
//! description, a small Dublin Core set and any other key a person gave,
//! changed in place on every partner, each change in the preservation record.
//!
//! Keys (what `ccs meta set` and the app's form use):
//!
//! | key | what |
//! | --- | --- |
//! | `title` | the item's name in the library (the pin's name; it cannot be removed) |
//! | `collection` | the collection it belongs to (as `add` writes it) |
//! | `description` | free text (as `add` writes it) |
//! | `dc.creator` | Dublin Core creator: who made the original |
//! | `dc.date` | Dublin Core date: when the original was made (e.g. 1921-03-04) |
//! | `dc.rights` | Dublin Core rights: who may use it, and how |
//! | `dc.identifier` | Dublin Core identifier: the archive's accession number |
//!
//! Any other key of letters, digits, `-`, `_` and `.` may be set too (as
//! `add --metadata` allows), except what this program writes itself
//! ([`is_reserved`]): the provenance, the fixity-manifest pointer and every
//! `ccs-` key. An empty value removes a key.
//!
//! # How an item is re-pinned without moving or losing anything
//!
//! Read in IPFS Cluster v1.1.6's source (`ipfs-cluster@v1.1.6`):
//!
//! - `POST /pins/{cid}` (`api/rest/restapi.go` `pinHandler`) takes its options
//!   from `ParseCidOrFail` (`api/common/api.go`), which reads the query string
//!   only (`PinOptions.FromQuery`, `api/types.go`); a JSON body is never read.
//!   `FromQuery` sets `Name = q.Get("name")` (empty when absent), the metadata
//!   from the `meta-*` parameters only, replication from `replication-min/max`
//!   (absent: 0, which `setupReplicationFactor` in `cluster.go` turns into the
//!   network's defaults), `shard-size`, `user-allocations`, `expire-at` and
//!   `origins`. The pin sent *replaces* the stored one whole
//!   (`consensus.LogPin`), so every option is sent again from the stored pin
//!   ([`crate::net::cluster::Pin`]): name, mode, both replication factors,
//!   shard size, user allocations, expiry, origins and all the metadata.
//!   The only thing that changes besides the edit is the pin's timestamp
//!   (`pin()` sets it to now; it is not an option).
//! - A pin made through the API never carries allocations (`PinWithOpts` ->
//!   `PinCid` sets them empty), so `Cluster.pin` always calls `allocate()`
//!   with the existing pin (`allocate.go`). There the existing allocations
//!   are the "current" peers; when at least `replication-min` of them have
//!   valid metrics, `obtainAllocations` returns nil and the existing
//!   allocations are kept as they are ("This is what makes repinning do
//!   nothing if items are still above rmin"). `user-allocations` are only a
//!   priority list for *new* allocations: a peer in both lists counts as
//!   current (`filterMetrics` checks current first), and an allocated peer
//!   without valid metrics is in neither. So passing the allocations as
//!   user allocations would not stop a re-allocation, and it would rewrite
//!   the pin's stored `user_allocations`; the stored ones are sent back
//!   unchanged instead.
//! - What does move copies is an allocated partner whose metrics expired
//!   (offline) when fewer than `replication-min` allocated partners are left
//!   with valid ones: the cluster then picks another partner, and the
//!   offline one's copy is dropped when it returns. So the edit is refused
//!   in exactly that case ([`would_move`]; `GET /monitor/metrics/freespace`
//!   is the same `LatestMetrics` that `allocate()` reads, and the `tag:group`
//!   metric it also needs comes from the same peer with the same 30 s TTL),
//!   and the allocations the cluster answers with are compared with the old
//!   ones. (Our nodes run with repinning on, `CLUSTER_DISABLEREPINNING=false`:
//!   a partner's missed pings make the cluster move its allocations itself
//!   within a ping TTL, whatever this program does; the refusal only keeps
//!   a metadata change from being what moves them.)
//! - `pin-update` is never sent (it pins another CID in this one's place).
//! - Go's HTTP server reads at most `MaxHeaderBytes` (the cluster's default
//!   and minimum, 4096) plus 4096 bytes of request line and headers
//!   (`net/http/server.go` `initialReadLimitSize`), and every option travels
//!   in the request line: the query is kept under [`QUERY_MAX_BYTES`].

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

use super::{Session, check_cid};
use crate::content::history::{Event, EventOutcome, EventType};
use crate::content::{fixity, provenance};
use crate::error::{Error, Result};
use crate::net::cluster::{ClusterClient, Pin, PinOptions};

/// The item's name (the pin's name, not a metadata key).
pub const TITLE: &str = "title";
pub const COLLECTION: &str = "collection";
pub const DESCRIPTION: &str = "description";
/// Dublin Core: who made the original.
pub const DC_CREATOR: &str = "dc.creator";
/// Dublin Core: when the original was made.
pub const DC_DATE: &str = "dc.date";
/// Dublin Core: who may use it, and how.
pub const DC_RIGHTS: &str = "dc.rights";
/// Dublin Core: the archive's own identifier (accession number).
pub const DC_IDENTIFIER: &str = "dc.identifier";
/// The keys the app's form offers, in its order.
pub const STANDARD_KEYS: [&str; 7] = [
    TITLE,
    COLLECTION,
    DESCRIPTION,
    DC_CREATOR,
    DC_DATE,
    DC_RIGHTS,
    DC_IDENTIFIER,
];
/// A key is at most this long (it travels in the query string).
pub const KEY_MAX_CHARS: usize = 64;
/// The re-pin's query string at most, in bytes once encoded: the cluster
/// reads 8 KiB of request line and headers (see the module's notes); this
/// leaves room for the path, the credentials and the other headers.
pub const QUERY_MAX_BYTES: usize = 6000;

/// Keys this program writes itself and a person may not change: the
/// provenance (`content::provenance`) and the item's fixity-manifest pointer.
/// Every key starting with `ccs-` is reserved too.
const RESERVED: [&str; 8] = [
    provenance::ADDED_BY,
    provenance::ADDED_AT,
    provenance::SOURCE,
    provenance::FILES,
    provenance::BYTES,
    provenance::CLIENT,
    provenance::CID_SETTINGS,
    fixity::ITEM_KEY,
];

/// What to change on one item.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MetaRequest {
    pub cid: String,
    /// Key -> new value; an empty value removes the key.
    pub changes: BTreeMap<String, String>,
}

/// One key that changed: absent `old` is a key set anew, absent `new` one removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MetaChange {
    pub key: String,
    pub old: Option<String>,
    pub new: Option<String>,
}

/// What a change did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MetaOutcome {
    pub cid: String,
    /// The title after the change.
    pub title: String,
    /// Each key that changed (empty: everything already had these values,
    /// and nothing was sent or recorded).
    pub changes: Vec<MetaChange>,
    /// The keys a person may change, after the change.
    pub metadata: BTreeMap<String, String>,
    /// One sentence on what was done.
    pub summary: String,
    /// Why the preservation record could not take the change (it is made
    /// all the same); `null` when it did.
    pub record_problem: Option<String>,
    /// The cluster answered with other partners than the item had (a
    /// partner went offline during the change).
    pub warning: Option<String>,
}

/// An item's description as `ccs meta show` prints it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ItemMetadata {
    pub cid: String,
    pub title: String,
    /// The keys a person may change.
    pub metadata: BTreeMap<String, String>,
    /// What this program recorded itself (provenance, fixity manifest):
    /// shown, never changed.
    pub system: BTreeMap<String, String>,
}

/// True for a key this program sets itself: provenance, the fixity-manifest
/// pointer, every `ccs-` key (in any case).
pub fn is_reserved(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    k.starts_with("ccs-") || RESERVED.contains(&k.as_str())
}

/// The key a person gave, checked, as it is stored: a standard key in its
/// own spelling (`Title` is `title`), any other as given.
pub fn check_key(key: &str) -> Result<String> {
    let key = key.trim();
    if key.is_empty() {
        return Err(Error::InvalidInput(
            "A metadata key is empty: write each change as key=value, like dc.creator=\"Parish council\"."
                .into(),
        ));
    }
    if let Some(k) = STANDARD_KEYS.iter().find(|k| k.eq_ignore_ascii_case(key)) {
        return Ok((*k).to_string());
    }
    let shown: String = key.chars().take(KEY_MAX_CHARS).collect();
    let well_formed = key.chars().count() <= KEY_MAX_CHARS
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if !well_formed {
        return Err(Error::InvalidInput(format!(
            "{shown:?} is not a metadata key: keys are at most {KEY_MAX_CHARS} letters, digits, '-', '_' and '.', like dc.creator; choose another key."
        )));
    }
    if is_reserved(key) {
        return Err(Error::InvalidInput(format!(
            "\"{key}\" is recorded by this program itself (provenance or the fixity manifest) and cannot be changed; choose another key."
        )));
    }
    Ok(key.to_string())
}

/// The request's keys checked and its values trimmed, by stored key.
fn check_request(request: &MetaRequest) -> Result<BTreeMap<String, String>> {
    if request.changes.is_empty() {
        return Err(Error::InvalidInput(
            "Nothing to change: give at least one key=value (an empty value removes the key)."
                .into(),
        ));
    }
    let mut out = BTreeMap::new();
    for (key, value) in &request.changes {
        let k = check_key(key)?;
        let value = value.trim().to_string();
        if k == TITLE && value.is_empty() {
            return Err(Error::InvalidInput(
                "An item needs a title, so it cannot be removed; give a new title instead.".into(),
            ));
        }
        if out.insert(k.clone(), value).is_some() {
            return Err(Error::InvalidInput(format!(
                "\"{k}\" is given twice; give each key once."
            )));
        }
    }
    Ok(out)
}

/// The pin of an item a person stored; `not_found` when it is not in the
/// pinset, refused for this program's own pins.
async fn item_pin(cluster: &ClusterClient, cid: &str) -> Result<Pin> {
    let pin = super::library::check_stored(cluster, cid).await?;
    if fixity::is_internal_pin(&pin.metadata) {
        return Err(Error::InvalidInput(format!(
            "{cid} is a record this program keeps for itself (a fixity manifest or a part of the preservation record), not an item, so its description cannot be changed; choose an item from `ccs ls`."
        )));
    }
    Ok(pin)
}

/// The pin's metadata split into what a person may change and what this
/// program recorded.
fn split(
    metadata: &BTreeMap<String, String>,
) -> (BTreeMap<String, String>, BTreeMap<String, String>) {
    metadata
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .partition(|(k, _)| !is_reserved(k))
}

/// Reads an item's title and metadata.
pub async fn show(session: &Session, cid: &str) -> Result<ItemMetadata> {
    let cid = check_cid(cid)?;
    let cluster = session.node()?.cluster;
    let pin = item_pin(&cluster, &cid).await?;
    let (metadata, system) = split(&pin.metadata);
    Ok(ItemMetadata {
        cid,
        title: pin.name,
        metadata,
        system,
    })
}

/// The changes `wanted` makes to `pin` (none for a value it already has).
fn diff(pin: &Pin, wanted: &BTreeMap<String, String>) -> Vec<MetaChange> {
    let mut changes = Vec::new();
    for (key, value) in wanted {
        let old = if key == TITLE {
            Some(pin.name.clone()).filter(|n| !n.is_empty())
        } else {
            pin.metadata.get(key).cloned()
        };
        let new = Some(value.clone()).filter(|v| !v.is_empty());
        if old != new {
            changes.push(MetaChange {
                key: key.clone(),
                old,
                new,
            });
        }
    }
    changes
}

/// The stored pin's every option, with `changes` made: what a re-pin must
/// send so that nothing else changes (see the module's notes).
pub(crate) fn repin_options(pin: &Pin, changes: &[MetaChange]) -> PinOptions {
    let mut options = PinOptions {
        name: Some(pin.name.clone()),
        mode: Some(pin.mode),
        replication_min: Some(pin.replication_factor_min),
        replication_max: Some(pin.replication_factor_max),
        user_allocations: pin.user_allocations.clone(),
        expire_at: expiry(&pin.expire_at),
        shard_size: Some(pin.shard_size).filter(|s| *s > 0),
        origins: pin.origins.clone(),
        metadata: pin.metadata.clone(),
        ..PinOptions::default()
    };
    for c in changes {
        match (c.key.as_str(), &c.new) {
            (TITLE, new) => options.name = new.clone(),
            (key, Some(v)) => {
                options.metadata.insert(key.to_string(), v.clone());
            }
            (key, None) => {
                options.metadata.remove(key);
            }
        }
    }
    options
}

/// A pin's `expire_at`, unless it is Go's zero time (no expiry).
fn expiry(at: &str) -> Option<String> {
    (!at.is_empty() && !at.starts_with("0001-01-01")).then(|| at.to_string())
}

/// The length of the query string `options` make, encoded as it is sent.
fn query_len(options: &PinOptions) -> usize {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(options.query())
        .finish()
        .len()
}

fn quoted(v: &Option<String>) -> String {
    v.as_deref()
        .map(|v| format!("\"{v}\""))
        .unwrap_or_else(|| "(none)".into())
}

/// The record's sentence for one change.
fn detail(title: &str, c: &MetaChange) -> String {
    match (&c.old, &c.new) {
        (None, Some(_)) => format!(
            "Set {} of \"{title}\" to {} (it had none).",
            c.key,
            quoted(&c.new)
        ),
        (Some(_), None) => format!(
            "Removed {} of \"{title}\" (it was {}).",
            c.key,
            quoted(&c.old)
        ),
        _ => format!(
            "Changed {} of \"{title}\" from {} to {}.",
            c.key,
            quoted(&c.old),
            quoted(&c.new)
        ),
    }
}

/// The allocated partners that the cluster would replace if the item were
/// re-pinned now: those without valid metrics, when so many lack them that
/// fewer than `replication-min` remain (`obtainAllocations` in
/// `allocate.go` then picks others; with at least that many it keeps every
/// allocation, an offline one too). Empty: the allocations stay.
fn would_move(pin: &Pin, online: &BTreeSet<String>) -> Vec<String> {
    let offline: Vec<String> = pin
        .allocations
        .iter()
        .filter(|p| !online.contains(*p))
        .cloned()
        .collect();
    let current = pin.allocations.len() - offline.len();
    let min = usize::try_from(pin.replication_factor_min).unwrap_or(0);
    // No allocations: pinned on every partner, nothing to re-allocate.
    if pin.allocations.is_empty() || current >= min {
        Vec::new()
    } else {
        offline
    }
}

/// Refuses the change while the cluster would move a copy because of it
/// (see [`would_move`] and the module's notes).
async fn check_partners_online(cluster: &ClusterClient, pin: &Pin) -> Result<()> {
    if pin.allocations.is_empty() {
        return Ok(());
    }
    let online: BTreeSet<String> = cluster
        .freespace()
        .await?
        .into_iter()
        .filter(|m| m.valid)
        .map(|m| m.peer)
        .collect();
    let offline = would_move(pin, &online);
    if offline.is_empty() {
        return Ok(());
    }
    let names = super::partners::names_of(cluster, &offline).await;
    let named = named(&offline, &names);
    Err(Error::Incomplete(format!(
        "Nothing was changed: {named}, which keeps a copy of this item, cannot be reached now, and a change now would make the network move that copy to another partner; try again once it is back online (the app's Partners screen or `ccs peers` shows when it is)."
    )))
}

fn named(ids: &[String], names: &HashMap<String, String>) -> String {
    ids.iter()
        .map(|id| names.get(id).cloned().unwrap_or_else(|| id.clone()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Changes an item's title and metadata in place (see the module's notes for
/// how nothing else changes), and records each changed key in the
/// preservation record. Values an item already has change nothing and are
/// not recorded.
///
/// Two people changing the same item at the same moment: the later change
/// wins whole (the cluster keeps one definition of a pin), and both are in
/// the record.
pub async fn set(session: &Session, request: MetaRequest) -> Result<MetaOutcome> {
    let cid = check_cid(&request.cid)?;
    let wanted = check_request(&request)?;
    let cluster = session.node()?.cluster;
    let pin = item_pin(&cluster, &cid).await?;
    if pin.pin_type != "pin" {
        return Err(Error::InvalidInput(format!(
            "{cid} is stored in shards, whose description this program cannot change without re-storing them; nothing was changed."
        )));
    }
    let changes = diff(&pin, &wanted);
    if changes.is_empty() {
        let (metadata, _) = split(&pin.metadata);
        return Ok(MetaOutcome {
            summary: format!(
                "Nothing changed: \"{}\" already has these values, so nothing was sent or recorded.",
                pin.name
            ),
            cid,
            title: pin.name,
            changes,
            metadata,
            record_problem: None,
            warning: None,
        });
    }
    let options = repin_options(&pin, &changes);
    if query_len(&options) > QUERY_MAX_BYTES {
        return Err(Error::InvalidInput(format!(
            "The item's description would be too long for the network to take ({} bytes once encoded, at most {QUERY_MAX_BYTES}); shorten the longest value and try again.",
            query_len(&options)
        )));
    }
    check_partners_online(&cluster, &pin).await?;
    let pinned = cluster.pin(&cid, &options).await?;

    let before: BTreeSet<&String> = pin.allocations.iter().collect();
    let after: BTreeSet<&String> = pinned.allocations.iter().collect();
    let warning = if before != after {
        let ids: Vec<String> = pinned.allocations.clone();
        let names = super::partners::names_of(&cluster, &ids).await;
        Some(format!(
            "The description was changed, but the network now keeps the item on {} (a partner went offline during the change); check its copies with `ccs status {cid}`.",
            if ids.is_empty() {
                "every partner".to_string()
            } else {
                named(&ids, &names)
            }
        ))
    } else {
        None
    };

    let title = options.name.clone().unwrap_or_default();
    let events = changes
        .iter()
        .map(|c| {
            Event::new(
                EventType::MetadataModification,
                &cid,
                EventOutcome::Success,
                detail(&title, c),
                session.client,
            )
            .named(&title)
        })
        .collect();
    let record_problem = super::history::record_or_say(session, events).await;
    let (metadata, _) = split(&options.metadata);
    let summary = format!(
        "Changed {} of \"{title}\".",
        changes
            .iter()
            .map(|c| c.key.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    Ok(MetaOutcome {
        cid,
        title,
        changes,
        metadata,
        summary,
        record_problem,
        warning,
    })
}

/// The collections in use, for the add form to suggest: every item's
/// `collection`, merged when they differ only in case (the spelling most
/// items use, the first in order on a tie), sorted without regard to case.
/// Streamed from the pinset; this program's own pins are left out.
pub async fn collections(session: &Session) -> Result<Vec<String>> {
    let cluster = session.node()?.cluster;
    let mut pins = cluster.allocations().await?;
    // Lowercased collection -> spelling -> how many items use it.
    let mut seen: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
    while let Some(pin) = pins.next().await {
        let pin = pin?;
        if fixity::is_internal_pin(&pin.metadata) {
            continue;
        }
        if let Some(c) = pin.metadata.get(COLLECTION).map(|c| c.trim()) {
            if !c.is_empty() {
                *seen
                    .entry(c.to_lowercase())
                    .or_default()
                    .entry(c.to_string())
                    .or_default() += 1;
            }
        }
    }
    Ok(seen.into_values().filter_map(most_common).collect())
}

/// The spelling with the highest count; on a tie the first in order.
fn most_common(spellings: BTreeMap<String, u64>) -> Option<String> {
    let mut best: Option<(String, u64)> = None;
    for (s, n) in spellings {
        if best.as_ref().is_none_or(|(_, b)| n > *b) {
            best = Some((s, n));
        }
    }
    best.map(|(s, _)| s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(pairs: &[(&str, &str)]) -> MetaRequest {
        MetaRequest {
            cid: "QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG".into(),
            changes: pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    #[test]
    fn standard_keys_take_their_own_spelling_and_others_are_kept() {
        assert_eq!(check_key("Title").unwrap(), "title");
        assert_eq!(check_key(" DC.Creator ").unwrap(), "dc.creator");
        assert_eq!(check_key("collection").unwrap(), "collection");
        assert_eq!(check_key("box-number").unwrap(), "box-number");
        assert_eq!(check_key("dc.coverage").unwrap(), "dc.coverage");
    }

    #[test]
    fn empty_malformed_and_long_keys_are_refused_in_one_sentence() {
        let long = "k".repeat(KEY_MAX_CHARS + 1);
        for bad in [
            "",
            "  ",
            "bad key",
            "a=b",
            "é",
            "a/b",
            "x\ny",
            long.as_str(),
        ] {
            let e = check_key(bad).unwrap_err();
            assert_eq!(e.code(), "invalid_input", "{bad:?}");
            let m = e.to_string();
            assert!(!m.contains('\n'), "{m}");
            assert_eq!(m.matches(". ").count(), 0, "one sentence: {m}");
        }
        assert!(check_key(&"k".repeat(KEY_MAX_CHARS)).is_ok());
    }

    #[test]
    fn what_the_program_records_is_reserved() {
        for key in [
            "added-by",
            "Added-At",
            "source",
            "files",
            "bytes",
            "client",
            "cid-settings",
            "fixity-manifest",
            "ccs-kind",
            "ccs-manifest-for",
            "ccs-writer",
            "CCS-seq",
            "ccs-anything-later",
        ] {
            let e = check_key(key).unwrap_err();
            assert!(e.to_string().contains("cannot be changed"), "{key}: {e}");
        }
        // Every key the add's provenance writes is reserved, so a key added
        // there later cannot become editable unnoticed.
        let mut options = crate::net::cluster::AddOptions::default();
        provenance::record(
            &mut options,
            &[std::path::PathBuf::from("x")],
            &crate::content::ingest::Scan::default(),
            "test/0",
        );
        for key in options.pin.metadata.keys() {
            assert!(is_reserved(key), "{key} is written by add but not reserved");
        }
        for key in [
            fixity::ITEM_KEY,
            fixity::KIND_KEY,
            fixity::FOR_KEY,
            crate::content::history::WRITER_KEY,
            crate::content::history::SEQ_KEY,
        ] {
            assert!(is_reserved(key), "{key}");
        }
        for key in STANDARD_KEYS {
            assert!(!is_reserved(key), "{key}");
        }
    }

    #[test]
    fn requests_are_checked_before_anything_is_asked() {
        let ok = check_request(&request(&[
            ("Title", " Minutes 1921 "),
            ("dc.creator", "Parish council"),
            ("collection", ""),
        ]))
        .unwrap();
        assert_eq!(ok["title"], "Minutes 1921");
        assert_eq!(ok["collection"], "");
        for bad in [
            request(&[]),
            request(&[("title", " ")]),
            request(&[("title", "a"), ("Title", "b")]),
            request(&[("added-by", "me")]),
            request(&[("", "x")]),
        ] {
            let e = check_request(&bad).unwrap_err();
            assert_eq!(e.code(), "invalid_input", "{bad:?}");
        }
    }

    fn stored() -> Pin {
        Pin {
            cid: "QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG".into(),
            pin_type: "pin".into(),
            allocations: vec!["peerA".into(), "peerB".into()],
            replication_factor_min: 2,
            replication_factor_max: 2,
            name: "minutes.pdf".into(),
            shard_size: 104_857_600,
            expire_at: "0001-01-01T00:00:00Z".into(),
            metadata: [
                ("added-by", "ann@archive"),
                ("fixity-manifest", "QmManifest"),
                ("collection", "Parish"),
                ("note", "old"),
            ]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
            ..Pin::default()
        }
    }

    #[test]
    fn only_different_values_are_changes() {
        let pin = stored();
        let wanted: BTreeMap<String, String> = [
            ("title", "Minutes 1921"),
            ("collection", "Parish"),
            ("note", ""),
            ("dc.date", ""),
            ("dc.creator", "Parish council"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let changes = diff(&pin, &wanted);
        let keys: Vec<&str> = changes.iter().map(|c| c.key.as_str()).collect();
        assert_eq!(keys, ["dc.creator", "note", "title"]);
        assert_eq!(changes[1].new, None);
        assert_eq!(changes[1].old.as_deref(), Some("old"));
        assert!(
            diff(
                &pin,
                &[("collection".to_string(), "Parish".to_string())].into()
            )
            .is_empty()
        );
    }

    #[test]
    fn a_repin_sends_every_option_back_with_the_changes() {
        let pin = stored();
        let changes = vec![
            MetaChange {
                key: "title".into(),
                old: Some("minutes.pdf".into()),
                new: Some("Minutes 1921".into()),
            },
            MetaChange {
                key: "note".into(),
                old: Some("old".into()),
                new: None,
            },
        ];
        let o = repin_options(&pin, &changes);
        assert_eq!(o.name.as_deref(), Some("Minutes 1921"));
        assert_eq!((o.replication_min, o.replication_max), (Some(2), Some(2)));
        assert_eq!(o.mode, Some(pin.mode));
        assert_eq!(o.shard_size, Some(104_857_600));
        assert_eq!(o.expire_at, None, "Go's zero time is no expiry");
        assert!(o.user_allocations.is_empty(), "kept as stored");
        assert_eq!(o.metadata["fixity-manifest"], "QmManifest");
        assert_eq!(o.metadata["added-by"], "ann@archive");
        assert!(!o.metadata.contains_key("note"));
        let q = o.query();
        for key in [
            "name",
            "mode",
            "replication-min",
            "replication-max",
            "shard-size",
        ] {
            assert!(q.iter().any(|(k, _)| k == key), "{key} missing from {q:?}");
        }
        assert!(q.iter().all(|(k, _)| k != "pin-update"));
        let expiring = Pin {
            expire_at: "2030-01-01T00:00:00Z".into(),
            ..stored()
        };
        assert_eq!(
            repin_options(&expiring, &[]).expire_at.as_deref(),
            Some("2030-01-01T00:00:00Z")
        );
    }

    #[test]
    fn a_change_is_refused_only_when_the_cluster_would_move_a_copy() {
        let online =
            |ids: &[&str]| -> BTreeSet<String> { ids.iter().map(|s| s.to_string()).collect() };
        // 2 of 2 allocated partners online: the allocations stay.
        assert!(would_move(&stored(), &online(&["peerA", "peerB", "peerC"])).is_empty());
        // One of them offline: fewer than replication-min are current.
        assert_eq!(
            would_move(&stored(), &online(&["peerA", "peerC"])),
            ["peerB"]
        );
        // With replication-min 1 the cluster keeps the offline allocation.
        let one = Pin {
            replication_factor_min: 1,
            ..stored()
        };
        assert!(would_move(&one, &online(&["peerA"])).is_empty());
        // Pinned everywhere: no allocations to move.
        let everywhere = Pin {
            allocations: vec![],
            replication_factor_min: -1,
            replication_factor_max: -1,
            ..stored()
        };
        assert!(would_move(&everywhere, &online(&[])).is_empty());
    }

    #[test]
    fn the_record_names_old_and_new_values() {
        let c = |old: Option<&str>, new: Option<&str>| MetaChange {
            key: "dc.rights".into(),
            old: old.map(str::to_string),
            new: new.map(str::to_string),
        };
        assert_eq!(
            detail("Minutes", &c(Some("a"), Some("b"))),
            "Changed dc.rights of \"Minutes\" from \"a\" to \"b\"."
        );
        assert_eq!(
            detail("Minutes", &c(None, Some("b"))),
            "Set dc.rights of \"Minutes\" to \"b\" (it had none)."
        );
        assert_eq!(
            detail("Minutes", &c(Some("a"), None)),
            "Removed dc.rights of \"Minutes\" (it was \"a\")."
        );
    }

    #[test]
    fn collections_merge_case_and_keep_the_most_common_spelling() {
        let counts = |pairs: &[(&str, u64)]| -> BTreeMap<String, u64> {
            pairs.iter().map(|(s, n)| (s.to_string(), *n)).collect()
        };
        assert_eq!(
            most_common(counts(&[("Parish", 3), ("parish", 1)])).as_deref(),
            Some("Parish")
        );
        assert_eq!(
            most_common(counts(&[("PARISH", 1), ("parish", 2)])).as_deref(),
            Some("parish")
        );
        assert_eq!(
            most_common(counts(&[("B", 1), ("b", 1)])).as_deref(),
            Some("B")
        );
    }

    #[test]
    fn long_values_are_measured_as_sent() {
        let mut pin = stored();
        pin.metadata.insert("description".into(), "é".repeat(1500));
        // Each 'é' is two bytes, each sent as %XX: six bytes a character.
        assert!(query_len(&repin_options(&pin, &[])) > 9000);
    }
}
