//! Audit: each allocated partner's own copy of each item checked directly
//! from that partner (not through the cluster's pin status, which says what a
//! partner was asked to keep, not what it holds). See
//! [`crate::content::audit`] for what a full and a sampled check do.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant, SystemTime};

use tokio::sync::watch;

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use serde::Serialize;

use super::{Cancel, Session, cancellable, check_cid};
use crate::content::audit::{AuditMode, BlockFault, CopyCheck, check_copy};
use crate::content::fixity::{self, Manifest};
use crate::content::history::{BATCH_EVENTS, Event, EventOutcome, EventType};
use crate::content::provenance;
use crate::content::retrieve::parse_cid;
use crate::error::{Error, Result};
use crate::net::cluster::{ClusterClient, Pin};
use crate::net::kubo::{GatewayFormat, KuboClient};

/// Checks of partners' copies running at once.
const CHECKS_IN_FLIGHT: usize = 32;
/// A manifest larger than this is not read (about two million files).
const MANIFEST_MAX_BYTES: usize = 256 * 1024 * 1024;

/// What to audit.
#[derive(Debug, Clone)]
pub struct AuditRequest {
    /// These items; empty with `all`: every item.
    pub cids: Vec<String>,
    pub all: bool,
    /// Only this partner (by name).
    pub partner: Option<String>,
    pub mode: AuditMode,
    /// Leave out copies this computer checked within this time (the
    /// scheduled audits: a pass resumes where the last one stopped).
    pub skip_checked_within: Option<Duration>,
    /// Read at most this many bytes a second, on average.
    pub max_bytes_per_second: Option<u64>,
    /// While it holds `true`, no new check starts (the app pauses its
    /// audits while adds and retrievals run).
    pub pause: Option<watch::Receiver<bool>>,
}

impl AuditRequest {
    /// `cids`, or every item when empty, in `mode`, nothing left out.
    pub fn new(cids: Vec<String>, mode: AuditMode) -> Self {
        Self {
            all: cids.is_empty(),
            cids,
            partner: None,
            mode,
            skip_checked_within: None,
            max_bytes_per_second: None,
            pause: None,
        }
    }
}

/// One partner's copy of one item, as the audit found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum CopyOutcome {
    /// Every block asked for matched its CID (and, in a full audit, every
    /// file its ingest checksum).
    Verified,
    /// Missing or damaged blocks, or files that differ from the manifest.
    Problems,
    /// The partner could not be asked: never taken as verified.
    Unreachable,
    /// The partner is not asked to keep a copy of this item.
    NotAllocated,
}

/// What the item's ingest manifest contributed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ManifestUse {
    /// Every file's SHA-256 was compared with it.
    Checked,
    /// The item was added before manifests existed: blocks only.
    NoManifest,
    /// It could not be read from this partner, or does not match the item.
    Unusable,
    /// A sampled audit checks blocks only.
    NotUsed,
}

/// One partner's copy of one item.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CopyAudit {
    pub cid: String,
    pub name: String,
    pub partner: String,
    pub outcome: CopyOutcome,
    pub manifest: ManifestUse,
    #[serde(flatten)]
    #[cfg_attr(feature = "ts", ts(flatten))]
    pub check: CopyCheck,
    /// One plain sentence: what was found and what to do.
    pub message: String,
    /// When it was checked (RFC 3339).
    pub checked_at: String,
}

/// The totals of an audit.
#[derive(Debug, Clone, Default, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AuditSummary {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub items: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub verified: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub problems: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub unreachable: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub not_allocated: u64,
    /// Why the preservation record could not take every check.
    pub record_problem: Option<String>,
}

impl AuditSummary {
    fn count(&mut self, c: &CopyAudit) {
        match c.outcome {
            CopyOutcome::Verified => self.verified += 1,
            CopyOutcome::Problems => self.problems += 1,
            CopyOutcome::Unreachable => self.unreachable += 1,
            CopyOutcome::NotAllocated => self.not_allocated += 1,
        }
    }
}

/// Members by peer id: their names, from the peers that answer and, for
/// those that do not, from the pin states that mention them.
async fn member_names(cluster: &ClusterClient) -> Result<BTreeMap<String, String>> {
    let ids = cluster.peers().await?.collect_vec().await?;
    let unnamed: Vec<String> = ids
        .iter()
        .filter(|p| p.peername.is_empty())
        .map(|p| p.id.clone())
        .collect();
    let recovered = super::partners::names_of(cluster, &unnamed).await;
    Ok(ids
        .into_iter()
        .map(|p| {
            let name = if p.peername.is_empty() {
                recovered
                    .get(&p.id)
                    .cloned()
                    .unwrap_or_else(|| p.id.chars().take(16).collect())
            } else {
                p.peername
            };
            (p.id, name)
        })
        .collect())
}

/// Audits the items asked for, partner by partner; `on_copy` sees each
/// partner's copy as soon as it has been checked (memory stays flat however
/// many items there are). The summary counts them.
pub async fn audit(
    session: &Session,
    request: AuditRequest,
    cancel: &Cancel,
    mut on_copy: impl FnMut(CopyAudit) + Send,
) -> Result<AuditSummary> {
    if request.cids.is_empty() && !request.all {
        return Err(Error::InvalidInput(
            "Name the items to audit by content ID, or audit every item with --all.".into(),
        ));
    }
    let cids: Vec<String> = request
        .cids
        .iter()
        .map(|c| check_cid(c))
        .collect::<Result<_>>()?;
    let node = session.node()?;
    let cluster = node.cluster.clone();
    let store = session.audits();
    cancellable(cancel, async {
        let members = member_names(&cluster).await?;
        // One gateway client (and its connection pool) a partner, for every
        // copy it is asked for.
        let gateways: HashMap<&str, KuboClient> = members
            .values()
            .map(|name| (name.as_str(), session.config.node(name).kubo()))
            .collect();
        let only = match &request.partner {
            None => None,
            Some(name) => {
                let id = members
                    .iter()
                    .find(|(_, n)| *n == name)
                    .map(|(id, _)| id.clone())
                    .ok_or_else(|| {
                        let names: Vec<&str> = members.values().map(String::as_str).collect();
                        Error::InvalidInput(format!(
                            "\"{name}\" is not a partner in this network; the partners are {}.",
                            names.join(", ")
                        ))
                    })?;
                Some(id)
            }
        };
        // Every item named must be stored before anything is checked.
        let mut named = Vec::new();
        for cid in &cids {
            named.push(super::library::check_stored(&cluster, cid).await?);
        }
        let mut all = if request.all {
            Some(cluster.allocations().await?)
        } else {
            None
        };
        let mut named = named.into_iter();
        let mut summary = AuditSummary::default();
        let mut running = FuturesUnordered::new();
        // A capped audit runs a few checks at a time, so that the cap is
        // kept from one check to the next rather than overshot by 32.
        let in_flight = if request.max_bytes_per_second.is_some() {
            4
        } else {
            CHECKS_IN_FLIGHT
        };
        let mut started = Instant::now();
        let mut bytes_read = 0u64;
        let mut events = Vec::new();
        let mut pause = request.pause.clone();
        loop {
            if let Some(p) = pause.as_mut() {
                // A closed sender (the app is going away) counts as no pause.
                let waiting = Instant::now();
                let _ = p.wait_for(|paused| !*paused).await;
                // Time spent paused is not time the rate was kept.
                started += waiting.elapsed();
            }
            // Keep the checks in flight topped up from the pins, then take
            // whichever finishes first.
            while running.len() < in_flight {
                let pin = match named.next() {
                    Some(p) => p,
                    None => match all.as_mut() {
                        Some(stream) => match stream.next().await {
                            Some(p) => p?,
                            None => break,
                        },
                        None => break,
                    },
                };
                if fixity::is_internal_pin(&pin.metadata) {
                    continue;
                }
                summary.items += 1;
                let checked = request
                    .skip_checked_within
                    .map(|within| (store.item(&pin.cid), within));
                for (id, allocated) in copies_of(&pin, &members, only.as_deref()) {
                    let partner = members.get(&id).cloned().unwrap_or(id);
                    if let Some((rec, within)) = &checked {
                        let recent = rec
                            .copies
                            .get(&partner)
                            .is_some_and(|c| checked_within(&c.checked_at, *within));
                        if recent {
                            continue;
                        }
                    }
                    let pin = pin.clone();
                    let kubo = gateways
                        .get(partner.as_str())
                        .cloned()
                        .unwrap_or_else(|| session.config.node(&partner).kubo());
                    running.push(async move {
                        if allocated {
                            check_partner(&kubo, &pin, &partner, request.mode).await
                        } else {
                            not_allocated(&pin, &partner)
                        }
                    });
                }
            }
            match running.next().await {
                Some(copy) => {
                    summary.count(&copy);
                    // A record that cannot be written costs only "when last
                    // verified"; the finding itself is reported either way.
                    let _ = store.record(&copy, request.mode == AuditMode::Full);
                    if copy.outcome != CopyOutcome::NotAllocated {
                        events.push(fixity_event(&copy, request.mode, session.client));
                    }
                    if events.len() >= BATCH_EVENTS {
                        let batch = std::mem::take(&mut events);
                        if let Some(p) = super::history::record_or_say(session, batch).await {
                            summary.record_problem.get_or_insert(p);
                        }
                    }
                    bytes_read += copy.check.bytes_checked;
                    on_copy(copy);
                    if let Some(cap) = request.max_bytes_per_second.filter(|c| *c > 0) {
                        let due = Duration::from_secs_f64(bytes_read as f64 / cap as f64);
                        if let Some(wait) = due.checked_sub(started.elapsed()) {
                            tokio::time::sleep(wait).await;
                        }
                    }
                }
                None => break,
            }
        }
        if let Some(p) = super::history::record_or_say(session, events).await {
            summary.record_problem.get_or_insert(p);
        }
        Ok(summary)
    })
    .await
}

/// A copy's check as an event of the preservation record.
fn fixity_event(copy: &CopyAudit, mode: AuditMode, software: &str) -> Event {
    let outcome = if copy.outcome == CopyOutcome::Verified {
        EventOutcome::Success
    } else {
        EventOutcome::Failure
    };
    let how = match mode {
        AuditMode::Full => "Full check".to_string(),
        AuditMode::Sample(n) => format!("Sampled check ({n} walks)"),
    };
    let mut e = Event::new(
        EventType::FixityCheck,
        &copy.cid,
        outcome,
        format!("{how}: {}", copy.message),
        software,
    );
    e.at = copy.checked_at.clone();
    e.partner = Some(copy.partner.clone());
    e
}

fn checked_within(at: &str, within: Duration) -> bool {
    humantime::parse_rfc3339_weak(at)
        .ok()
        .and_then(|t| SystemTime::now().duration_since(t).ok())
        .is_some_and(|age| age < within)
}

/// The partners whose copy of `pin` to check, each with whether it is
/// allocated; with `only`, that partner alone.
fn copies_of(
    pin: &Pin,
    members: &BTreeMap<String, String>,
    only: Option<&str>,
) -> Vec<(String, bool)> {
    // No allocations: every member keeps a copy (replication -1).
    let allocated: Vec<String> = if pin.allocations.is_empty() {
        members.keys().cloned().collect()
    } else {
        pin.allocations.clone()
    };
    match only {
        Some(id) => vec![(id.to_string(), allocated.iter().any(|a| a == id))],
        None => allocated.into_iter().map(|id| (id, true)).collect(),
    }
}

fn not_allocated(pin: &Pin, partner: &str) -> CopyAudit {
    CopyAudit {
        cid: pin.cid.clone(),
        name: pin.name.clone(),
        partner: partner.to_string(),
        outcome: CopyOutcome::NotAllocated,
        manifest: ManifestUse::NotUsed,
        check: CopyCheck::default(),
        message: format!("{partner} is not asked to keep a copy of this item; nothing to check."),
        checked_at: provenance::now_rfc3339(),
    }
}

/// Reads the item's manifest from the partner's own copy of it.
async fn read_manifest(
    kubo: &crate::net::kubo::KuboClient,
    manifest_cid: &str,
    item: &str,
) -> Result<std::result::Result<Manifest, String>> {
    let stream = match kubo.fetch(manifest_cid, GatewayFormat::File).await {
        Ok(s) => s,
        Err(Error::NotFound { .. }) => {
            return Ok(Err(
                "its copy of the item's fixity manifest is missing".into()
            ));
        }
        Err(e) => return Err(e),
    };
    let mut stream = std::pin::pin!(stream);
    let mut doc = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk?;
        if doc.len() + chunk.len() > MANIFEST_MAX_BYTES {
            return Ok(Err(
                "the item's fixity manifest is too large to be one".into()
            ));
        }
        doc.extend_from_slice(&chunk);
    }
    Ok(Manifest::read(doc.as_slice(), item))
}

async fn check_partner(kubo: &KuboClient, pin: &Pin, partner: &str, mode: AuditMode) -> CopyAudit {
    let mut result = CopyAudit {
        cid: pin.cid.clone(),
        name: pin.name.clone(),
        partner: partner.to_string(),
        outcome: CopyOutcome::Verified,
        manifest: ManifestUse::NotUsed,
        check: CopyCheck::default(),
        message: String::new(),
        checked_at: provenance::now_rfc3339(),
    };
    let unreachable = |mut r: CopyAudit, e: &Error| {
        r.outcome = CopyOutcome::Unreachable;
        r.message = format!(
            "{partner} could not be asked for its copy ({}), so it is not verified. Audit it again when it is back online.",
            e.to_string().trim_end_matches('.')
        );
        r
    };
    let root = match parse_cid(&pin.cid) {
        Ok(c) => c,
        Err(e) => return unreachable(result, &e),
    };
    let mut manifest_problem = None;
    let manifest = match (mode, pin.metadata.get(fixity::ITEM_KEY)) {
        (AuditMode::Sample(_), _) => None,
        (AuditMode::Full, None) => {
            result.manifest = ManifestUse::NoManifest;
            None
        }
        (AuditMode::Full, Some(m)) => match read_manifest(kubo, m, &pin.cid).await {
            Ok(Ok(m)) => {
                result.manifest = ManifestUse::Checked;
                Some(m)
            }
            Ok(Err(why)) => {
                result.manifest = ManifestUse::Unusable;
                manifest_problem = Some(why);
                None
            }
            Err(e) => return unreachable(result, &e),
        },
    };
    match check_copy(kubo, &root, mode, manifest.as_ref()).await {
        Ok(check) => result.check = check,
        Err(e) => return unreachable(result, &e),
    }
    if let Some(why) = manifest_problem {
        result.check.manifest_mismatches.insert(0, why);
    }
    result.message = message(&result, mode);
    if !result.check.is_clean() {
        result.outcome = CopyOutcome::Problems;
    }
    result
}

/// The sentence for a checked copy: what was found and what to do.
fn message(r: &CopyAudit, mode: AuditMode) -> String {
    let c = &r.check;
    let p = &r.partner;
    if c.is_clean() {
        let what = match (mode, r.manifest) {
            (AuditMode::Sample(_), _) => format!(
                "{} sampled block(s) match their content IDs",
                c.blocks_checked
            ),
            (AuditMode::Full, ManifestUse::Checked) => format!(
                "all {} blocks match, and all {} files match their checksums from when they were added",
                c.blocks_checked, c.files_checked
            ),
            (AuditMode::Full, _) => format!(
                "all {} blocks match (the item has no ingest manifest, so its files' checksums were not compared)",
                c.blocks_checked
            ),
        };
        return format!("{p}'s copy is verified: {what}.");
    }
    let mut faults: HashMap<BlockFault, Vec<&str>> = HashMap::new();
    for b in &c.bad_blocks {
        faults.entry(b.fault).or_default().push(&b.file);
    }
    let files = |list: &Vec<&str>| {
        let mut names: Vec<String> = list
            .iter()
            .map(|f| {
                if f.is_empty() {
                    "the item itself".to_string()
                } else {
                    format!("\"{f}\"")
                }
            })
            .collect();
        names.dedup();
        names.truncate(5);
        names.join(", ")
    };
    let mut parts = Vec::new();
    if let Some(list) = faults.get(&BlockFault::Missing) {
        parts.push(format!(
            "{p} is missing {} block(s) of {}: {p}'s operator should run `ccs node check --repair` on {p}'s own computer, which fetches them again from the other partners, then audit again",
            list.len(),
            files(list)
        ));
    }
    if let Some(list) = faults.get(&BlockFault::Damaged) {
        parts.push(format!(
            "{p} holds {} damaged block(s) of {}: {p}'s operator should run `ccs node check --repair` on {p}'s own computer, then audit again",
            list.len(),
            files(list)
        ));
    }
    if !c.manifest_mismatches.is_empty() {
        parts.push(format!(
            "the copy does not match the item's fixity manifest ({}): tell the network's administrator",
            c.manifest_mismatches
                .iter()
                .take(3)
                .cloned()
                .collect::<Vec<_>>()
                .join("; ")
        ));
    }
    let mut text = parts.join("; and ");
    text.push('.');
    text
}

/// Walks per copy in a scheduled pass.
pub const SCHEDULED_SAMPLES: u32 = 4;
/// How often a scheduled pass starts (each takes only the copies that are due).
pub const PASS_EVERY: Duration = Duration::from_secs(3600);
/// The first pass waits this long after the app starts.
pub const FIRST_PASS_AFTER: Duration = Duration::from_secs(60);

/// What the scheduled audits report.
#[derive(Debug)]
pub enum ScheduledEvent {
    Copy(CopyAudit),
    PassDone(AuditSummary),
    /// A pass could not run (node unreachable, settings unreadable); the next
    /// one tries again.
    PassFailed(Error),
}

/// The app's audits in the background, until `cancel`: every
/// [`PASS_EVERY`], a sampled audit of every copy that this computer has not
/// checked within the settings' interval, at the settings' rate, paused
/// while `pause` holds `true`. The settings are read anew for every pass
/// (`load`); nothing runs while no node is set. Each copy's finding is kept
/// as it comes ([`crate::local::audits`]), so a pass cut short by the app
/// closing resumes with the copies it had not reached.
pub async fn scheduled(
    load: impl Fn() -> Result<Session> + Send,
    first_after: Duration,
    pause: watch::Receiver<bool>,
    cancel: &Cancel,
    mut on_event: impl FnMut(ScheduledEvent) + Send,
) {
    let mut wait = first_after;
    loop {
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = cancel.cancelled() => return,
        }
        wait = PASS_EVERY;
        let session = match load() {
            Ok(s) if s.node_name().is_ok() => s,
            Ok(_) => continue,
            Err(e) => {
                on_event(ScheduledEvent::PassFailed(e));
                continue;
            }
        };
        let settings = &session.config.audits;
        let mut request = AuditRequest::new(Vec::new(), AuditMode::Sample(SCHEDULED_SAMPLES));
        request.skip_checked_within = Some(Duration::from_secs(
            u64::from(settings.interval_days.max(1)) * 24 * 3600,
        ));
        request.max_bytes_per_second = (settings.max_mb_per_second > 0)
            .then(|| u64::from(settings.max_mb_per_second) * 1_000_000);
        request.pause = Some(pause.clone());
        match audit(&session, request, cancel, |c| {
            on_event(ScheduledEvent::Copy(c))
        })
        .await
        {
            Ok(summary) => on_event(ScheduledEvent::PassDone(summary)),
            Err(Error::Cancelled) => return,
            Err(e) => on_event(ScheduledEvent::PassFailed(e)),
        }
    }
}
