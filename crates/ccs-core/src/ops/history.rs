//! The preservation record (see [`crate::content::history`] for its design):
//! `record` appends this computer's events as batches in the network, `read`
//! gathers every writer's batches, checks each chain and returns the events.
//!
//! This computer keeps, beside the job journal (`history/`), each program's
//! writer id, its newest batch, and the newest batch of every other writer
//! it has read (for `seen`). Losing that folder loses nothing of the record:
//! the program then starts a new writer.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::Session;
use crate::content::history::{
    BATCH_EVENTS, Batch, BatchPin, Event, EventType, FORMAT, KIND_BATCH, RecordProblem, SEQ_KEY,
    WRITER_KEY, check_chains,
};
use crate::content::{fixity, retrieve};
use crate::error::{Error, Result};
use crate::net::cluster::{AddOptions, ClusterClient};

/// This program's place in the record, on this computer.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct WriterState {
    writer: String,
    seq: u64,
    head: Option<String>,
}

fn history_dir(session: &Session) -> PathBuf {
    session
        .journal_dir
        .parent()
        .map(|p| p.join("history"))
        .unwrap_or_else(|| PathBuf::from("history"))
}

/// The program's name without its version (`ccs-app`, `community-cloud-storage`).
fn program(session: &Session) -> &str {
    session.client.split('/').next().unwrap_or("ccs")
}

/// Holds this program's writer file for one append (a second process of the
/// same program waits, so that two batches never claim the same place).
struct WriterLock(PathBuf);

impl WriterLock {
    async fn take(path: PathBuf) -> Result<Self> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Ok(_) => return Ok(Self(path)),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    // A lock older than a minute was left by a process that died.
                    let stale = std::fs::metadata(&path)
                        .and_then(|m| m.modified())
                        .ok()
                        .and_then(|t| t.elapsed().ok())
                        .is_some_and(|age| age.as_secs() > 60);
                    if stale || std::time::Instant::now() > deadline {
                        let _ = std::fs::remove_file(&path);
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
                Err(e) => {
                    return Err(Error::Write {
                        path: path.clone(),
                        source: e,
                    });
                }
            }
        }
    }
}

impl Drop for WriterLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Appends `events` to the record, as one or more batches pinned on every
/// member. Returns the batches' CIDs.
pub async fn record(session: &Session, events: Vec<Event>) -> Result<Vec<String>> {
    if events.is_empty() {
        return Ok(Vec::new());
    }
    let cluster = session.node()?.cluster;
    let dir = history_dir(session);
    let write_err = |e: std::io::Error| Error::Write {
        path: dir.clone(),
        source: e,
    };
    std::fs::create_dir_all(&dir).map_err(write_err)?;
    let state_file = dir.join(format!("writer-{}.json", program(session)));
    let _lock = WriterLock::take(dir.join(format!("writer-{}.lock", program(session)))).await?;
    let mut state: WriterState = std::fs::read(&state_file)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default();
    if state.writer.is_empty() {
        state = WriterState {
            writer: format!(
                "{}-{}",
                program(session),
                hex::encode(crate::deploy::node_config::random_bytes::<6>())
            ),
            seq: 0,
            head: None,
        };
    }
    let seen: BTreeMap<String, String> = std::fs::read(dir.join("seen.json"))
        .ok()
        .and_then(|b| serde_json::from_slice::<BTreeMap<String, String>>(&b).ok())
        .unwrap_or_default()
        .into_iter()
        .filter(|(w, _)| *w != state.writer)
        .collect();
    let mut cids = Vec::new();
    let mut events = events.into_iter().peekable();
    while events.peek().is_some() {
        let chunk: Vec<Event> = events.by_ref().take(BATCH_EVENTS).collect();
        let batch = Batch {
            format: FORMAT.into(),
            writer: state.writer.clone(),
            writer_name: format!("{} ({})", crate::content::provenance::who(), session.client),
            seq: state.seq + 1,
            prev: state.head.clone(),
            seen: seen.clone(),
            events: chunk,
        };
        let cid = add_batch(&cluster, &batch).await?;
        state.seq = batch.seq;
        state.head = Some(cid.clone());
        let text = serde_json::to_vec(&state)
            .map_err(|e| Error::InvalidInput(format!("The record could not be kept ({e}).")))?;
        crate::local::settings::write_private(&state_file, &text)?;
        cids.push(cid);
    }
    Ok(cids)
}

async fn add_batch(cluster: &ClusterClient, batch: &Batch) -> Result<String> {
    let tmp = tempfile::tempdir().map_err(|e| Error::Write {
        path: std::env::temp_dir(),
        source: e,
    })?;
    let path = tmp.path().join("history-batch.json");
    let text = serde_json::to_vec_pretty(batch)
        .map_err(|e| Error::InvalidInput(format!("The record could not be written ({e}).")))?;
    std::fs::write(&path, text).map_err(|e| Error::Write {
        path: path.clone(),
        source: e,
    })?;
    let mut options = AddOptions::default();
    options.pin.name = Some(format!(
        "Preservation record: {} batch {}",
        batch.writer, batch.seq
    ));
    // Every member keeps the whole record.
    options.pin.replication_min = Some(-1);
    options.pin.replication_max = Some(-1);
    options.pin.metadata = BTreeMap::from([
        (fixity::KIND_KEY.to_string(), KIND_BATCH.to_string()),
        (WRITER_KEY.to_string(), batch.writer.clone()),
        (SEQ_KEY.to_string(), batch.seq.to_string()),
    ]);
    Ok(cluster.add(&[path], &options, |_| {}).await?.cid)
}

/// Records `events` and says in a sentence why not when it fails (the
/// operation itself succeeded: its outcome carries the sentence).
pub async fn record_or_say(session: &Session, events: Vec<Event>) -> Option<String> {
    match record(session, events).await {
        Ok(_) => None,
        Err(e) => Some(format!(
            "This was done, but the preservation record could not be written ({}).",
            e.to_string().trim_end_matches('.')
        )),
    }
}

/// True for the pin of a record batch.
pub fn is_batch_pin(metadata: &BTreeMap<String, String>) -> bool {
    metadata.get(fixity::KIND_KEY).map(String::as_str) == Some(KIND_BATCH)
}

/// Items whose current title a read asks the cluster for, at most.
const NAMES_ASKED: usize = 1000;

/// Which events to return.
#[derive(Debug, Clone, Default)]
pub struct HistoryFilter {
    /// One item's events only.
    pub item: Option<String>,
    pub event_type: Option<EventType>,
    /// Only events by this person (`user@host`).
    pub person: Option<String>,
    /// Only events about this partner.
    pub partner: Option<String>,
    /// The newest this many events at most (all: `None`).
    pub limit: Option<usize>,
}

/// The record as read: its events (newest first) and what is wrong with it.
#[derive(Debug, Clone, Default, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct HistoryReport {
    pub events: Vec<Event>,
    /// How many events the filter kept before the limit.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub total: u64,
    /// The title of each item the events name: as stored now, else as the
    /// record last named it (an item removed since).
    pub names: BTreeMap<String, String>,
    /// Everyone and every partner the record names (for the item asked
    /// for, when one was), sorted: the choices of a filter.
    pub people: Vec<String>,
    pub partners: Vec<String>,
    pub problems: Vec<RecordProblem>,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub batches: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub writers: u64,
}

/// What a pass over the whole record found about the record itself.
#[derive(Debug, Clone, Default)]
pub struct RecordPass {
    pub problems: Vec<RecordProblem>,
    pub batches: u64,
    pub writers: u64,
}

/// Where an event stands in its writer's record (for a stable order).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct EventPlace {
    pub writer: String,
    pub seq: u64,
    pub index: usize,
}

/// Reads the whole record from the network, one batch at a time (each
/// verified, the connected node first, then every member), passing each
/// event to `on_event` in no particular order, and checks every writer's
/// chain. Only the chains' links are kept, not the events: memory grows with
/// the number of batches, not of events.
pub async fn each_event(
    session: &Session,
    mut on_event: impl FnMut(Event, EventPlace) + Send,
) -> Result<RecordPass> {
    let node = session.node()?;
    let cluster = node.cluster.clone();
    // Every member holds every batch: the connected node first, then the others.
    let mut sources = vec![retrieve::Source {
        name: node.name.clone(),
        kubo: node.profile.kubo(),
    }];
    let mut peers = cluster.peers().await?;
    while let Some(p) = peers.next().await {
        let p = p?;
        if !p.peername.is_empty() && p.peername != node.name {
            sources.push(retrieve::Source {
                kubo: session.config.node(&p.peername).kubo(),
                name: p.peername,
            });
        }
    }
    let mut pins = Vec::new();
    let mut all = cluster.allocations().await?;
    while let Some(pin) = all.next().await {
        let pin = pin?;
        if !is_batch_pin(&pin.metadata) {
            continue;
        }
        let writer = pin.metadata.get(WRITER_KEY).cloned().unwrap_or_default();
        let seq = pin
            .metadata
            .get(SEQ_KEY)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        pins.push(BatchPin {
            cid: pin.cid,
            writer,
            seq,
        });
    }
    let tmp = tempfile::tempdir().map_err(|e| Error::Write {
        path: std::env::temp_dir(),
        source: e,
    })?;
    // The documents without their events: what the chain check needs.
    let mut links = BTreeMap::new();
    let mut unreadable = BTreeMap::new();
    for (n, pin) in pins.iter().enumerate() {
        let dest = tmp.path().join(format!("batch-{n}.json"));
        // Verified: every block against its CID, so a document is what its
        // CID names, whoever sent it.
        match retrieve::retrieve(&sources, &pin.cid, &dest, false, |_| {}).await {
            Ok(_) => match std::fs::read(&dest)
                .ok()
                .and_then(|b| serde_json::from_slice::<Batch>(&b).ok())
            {
                Some(mut doc) => {
                    for (index, e) in std::mem::take(&mut doc.events).into_iter().enumerate() {
                        let place = EventPlace {
                            writer: doc.writer.clone(),
                            seq: doc.seq,
                            index,
                        };
                        on_event(e, place);
                    }
                    links.insert(pin.cid.clone(), doc);
                }
                None => {
                    unreadable.insert(pin.cid.clone(), "is not a record batch".to_string());
                }
            },
            Err(e) => {
                unreadable.insert(
                    pin.cid.clone(),
                    format!(
                        "could not be read ({})",
                        e.to_string().trim_end_matches('.')
                    ),
                );
            }
        }
        let _ = std::fs::remove_file(&dest);
    }
    let problems = check_chains(&pins, &links, &unreadable);
    // What this computer has now seen, for its next batches' `seen`.
    let mut heads: BTreeMap<String, (u64, String)> = BTreeMap::new();
    for p in &pins {
        let e = heads.entry(p.writer.clone()).or_insert((0, String::new()));
        if p.seq > e.0 {
            *e = (p.seq, p.cid.clone());
        }
    }
    let seen: BTreeMap<String, String> = heads.into_iter().map(|(w, (_, c))| (w, c)).collect();
    if let Ok(text) = serde_json::to_vec(&seen) {
        let _ = crate::local::settings::write_private_unsynced(
            &history_dir(session).join("seen.json"),
            &text,
        );
    }
    let writers = links
        .values()
        .map(|d| d.writer.as_str())
        .collect::<std::collections::HashSet<_>>()
        .len() as u64;
    Ok(RecordPass {
        problems,
        batches: pins.len() as u64,
        writers,
    })
}

/// Reads the whole record from the network, checks every writer's chain,
/// and returns the events `filter` keeps.
pub async fn read(session: &Session, filter: &HistoryFilter) -> Result<HistoryReport> {
    if let Some(cid) = &filter.item {
        super::check_cid(cid)?;
    }
    let cluster = session.node()?.cluster;
    let mut people = std::collections::BTreeSet::new();
    let mut partners = std::collections::BTreeSet::new();
    let mut recorded_names: BTreeMap<String, (String, String)> = BTreeMap::new();
    let mut events: Vec<(EventPlace, Event)> = Vec::new();
    let pass = each_event(session, |e, place| {
        if filter.item.as_ref().is_some_and(|c| e.item != *c) {
            return;
        }
        people.insert(e.person.clone());
        if let Some(p) = &e.partner {
            partners.insert(p.clone());
        }
        if let Some(n) = &e.name {
            let newest = recorded_names.entry(e.item.clone()).or_default();
            if e.at >= newest.0 {
                *newest = (e.at.clone(), n.clone());
            }
        }
        let kept = filter.event_type.is_none_or(|t| e.event_type == t)
            && filter.person.as_ref().is_none_or(|p| e.person == *p)
            && filter
                .partner
                .as_ref()
                .is_none_or(|p| e.partner.as_deref() == Some(p.as_str()));
        if kept {
            events.push((place, e));
        }
    })
    .await?;
    // Newest first; within a second, later in a writer's record first.
    events.sort_by(|(pa, a), (pb, b)| {
        b.at.cmp(&a.at)
            .then_with(|| pa.writer.cmp(&pb.writer))
            .then_with(|| pb.seq.cmp(&pa.seq))
            .then_with(|| pb.index.cmp(&pa.index))
    });
    let total = events.len() as u64;
    let events: Vec<Event> = events
        .into_iter()
        .take(filter.limit.unwrap_or(usize::MAX))
        .map(|(_, e)| e)
        .collect();
    // One question to the cluster an item, for the first NAMES_ASKED items;
    // past those the record's own names serve (a long unfiltered listing).
    let mut names = BTreeMap::new();
    let mut asked = 0;
    for e in &events {
        if names.contains_key(&e.item) {
            continue;
        }
        let stored = if asked < NAMES_ASKED {
            asked += 1;
            match cluster.allocation(&e.item).await {
                Ok(Some(pin)) if !pin.name.is_empty() => Some(pin.name),
                _ => None,
            }
        } else {
            None
        };
        if let Some(n) = stored.or_else(|| recorded_names.get(&e.item).map(|(_, n)| n.clone())) {
            names.insert(e.item.clone(), n);
        }
    }
    Ok(HistoryReport {
        events,
        total,
        names,
        people: people.into_iter().collect(),
        partners: partners.into_iter().collect(),
        problems: pass.problems,
        batches: pass.batches,
        writers: pass.writers,
    })
}

/// One item's history as a PREMIS 3 XML document (see
/// [`crate::content::premis`]), with what is wrong with the record.
#[derive(Debug, Clone)]
pub struct PremisDocument {
    /// The document: UTF-8, one `premis` root (version 3.0), the item as an
    /// object, its events oldest first, their agents.
    pub xml: String,
    /// What is wrong with the record (a removed or altered batch). The
    /// document holds every event that could be read; the caller must say
    /// these, never drop them (the command line prints them and exits 1).
    pub problems: Vec<RecordProblem>,
    /// How many events the document holds.
    pub events: usize,
}

/// Reads the record (every writer's chain checked, as [`read`] does) and
/// renders the item's history as PREMIS 3. An item no longer stored is
/// exported from its record. No event for `cid`: `not_found` (unknown, or
/// stored but never recorded) unless the record is damaged, in which case
/// the document (the object alone) comes back with the problems.
///
/// `pending`: events of this item not yet recorded, put after the recorded
/// ones (an archival package's own creation, recorded once the package is
/// in place).
pub async fn premis(session: &Session, cid: &str, pending: &[Event]) -> Result<PremisDocument> {
    let cid = super::check_cid(cid)?;
    let filter = HistoryFilter {
        item: Some(cid.clone()),
        ..HistoryFilter::default()
    };
    let report = read(session, &filter).await?;
    if report.events.is_empty() && report.problems.is_empty() && pending.is_empty() {
        let cluster = session.node()?.cluster;
        let what = match cluster.allocation(&cid).await? {
            Some(_) => format!(
                "A preservation record of the item {cid}, which is stored but has no recorded event yet (it was added before the record began, or by another program; an audit of it starts its record),"
            ),
            None => format!("The item {cid} (neither stored nor named in the preservation record)"),
        };
        return Err(Error::NotFound {
            url: cluster.base_url().to_string(),
            what,
        });
    }
    // `read` gives the newest first; a history reads oldest first.
    let events: Vec<Event> = report
        .events
        .into_iter()
        .rev()
        .chain(pending.iter().filter(|e| e.item == cid).cloned())
        .collect();
    let name = report.names.get(&cid).map(String::as_str);
    let failed = |e: String| {
        Error::InvalidInput(format!(
            "The history of {cid} could not be written as PREMIS ({e}). Please report it to the project."
        ))
    };
    let bytes = crate::content::premis::write_document(Vec::new(), &cid, name, &events)
        .map_err(|e| failed(e.to_string()))?;
    let xml = String::from_utf8(bytes).map_err(|e| failed(e.to_string()))?;
    Ok(PremisDocument {
        xml,
        problems: report.problems,
        events: events.len(),
    })
}
