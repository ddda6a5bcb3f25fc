//! BagIt (RFC 8493) out and in.
//!
//! Out, [`export`]: an item retrieved (verified, through
//! `super::retrieve::retrieve_unrecorded`: the package, not the save, is
//! recorded, once it is in place, and a refusal as a failed check) into the
//! payload of a bag built in a temporary sibling of the destination, its
//! payload hashed once (SHA-256 and SHA-512 in one pass) into the manifests,
//! every file checked against the item's ingest fixity manifest, bag-info.txt
//! from the item's metadata and provenance, its history as PREMIS XML, then
//! the tag manifests; renamed into place only when all of it is written, so
//! an interrupted or failed export never leaves a complete-looking bag.
//!
//! In, [`check_before_add`]: a folder that is a bag is checked completely
//! before anything is sent (a read of its own: the upload cannot be held back
//! until its own read ends), then [`CheckedBag::check_ingest`] compares what
//! the upload read (the ingest manifest) with what the check read, so a bag
//! changed between the two is not kept. The whole bag is stored (tag files
//! included), so it can be exported again as the bag it was.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use serde::Serialize;

use super::add::AddEvent;
use super::retrieve::{RetrieveEvent, RetrieveRequest};
use super::{Cancel, Session, cancellable};
use crate::content::bagit::{self, BagCheck};
use crate::content::fixity::{self, Manifest};
use crate::content::history::{Event as HistoryEvent, EventOutcome, EventType, RecordProblem};
use crate::content::ingest::{PROBLEMS_KEPT, Problem};
use crate::content::provenance;
use crate::content::retrieve::{ContentKind, FailedSource};
use crate::error::{Error, Result};
use crate::net::kubo::PartialPath;

/// The item's metadata key saying it came in as a bag, and whether it
/// checked out (`1.0, valid`, or `0.97, not valid (3 problems), stored as it was`).
pub const BAGIT_KEY: &str = "bagit";

/// Sets a flag when dropped: a blocking check or hash stops when the
/// operation that started it is cancelled (its future dropped).
struct StopOnDrop(Arc<AtomicBool>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

fn stop_flag() -> (Arc<AtomicBool>, StopOnDrop) {
    let flag = Arc::new(AtomicBool::new(false));
    (flag.clone(), StopOnDrop(flag))
}

fn thread_lost(e: tokio::task::JoinError) -> Error {
    Error::InvalidInput(format!(
        "The bag's files could not be read to the end ({e}). Try again."
    ))
}

// ---------------------------------------------------------------------------
// Out

#[derive(Debug, Clone, Default)]
pub struct BagRequest {
    pub cid: String,
    /// The bag's folder, which must not exist unless `replace`.
    pub destination: PathBuf,
    pub replace: bool,
    /// The retrieval's job id in the journal; `None`: a new one.
    pub job_id: Option<String>,
}

/// What an export reports while it runs.
#[derive(Debug, Clone)]
pub enum BagEvent {
    /// The verified retrieval of the item.
    Retrieve(RetrieveEvent),
    /// The payload being hashed into the manifests.
    Hashing { bytes: u64, total: u64 },
}

/// Whether the export checked the payload against the ingest manifest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FixityUse {
    /// Every payload file matched the checksums taken when it was added.
    Checked,
    /// The item has no ingest manifest (added before they were taken, or by
    /// another program): the CID's verification is the only check.
    NoManifest,
}

/// A bag written.
#[derive(Debug, Clone, Serialize)]
pub struct BagOutcome {
    pub cid: String,
    pub path: PathBuf,
    pub files: u64,
    pub bytes: u64,
    /// The partner that sent the item.
    pub source: String,
    pub failed_sources: Vec<FailedSource>,
    pub fixity: FixityUse,
    /// The item was stored as a bag: its own other tag files are kept.
    pub repackaged: bool,
    /// How many events of the item's history the PREMIS tag file holds
    /// (`None`: no history could be read, see `premis_problem`).
    pub premis_events: Option<usize>,
    /// Why the bag holds no history, when it does not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub premis_problem: Option<String>,
    /// What is wrong with the preservation record the history was read from
    /// (a removed or altered batch): to be said, never dropped.
    pub record_problems: Vec<RecordProblem>,
    /// Why the retrieval could not be recorded in the history, if so.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record_problem: Option<String>,
}

/// Writes the item `request.cid` as a bag at `request.destination`.
pub async fn export(
    session: &Session,
    request: BagRequest,
    cancel: &Cancel,
    mut on_event: impl FnMut(BagEvent) + Send,
) -> Result<BagOutcome> {
    let cid = super::check_cid(&request.cid)?;
    let dest = request.destination.clone();
    crate::local::files::refuse_existing(&dest, request.replace)?;
    if let Some(parent) = dest.parent().filter(|p| !p.as_os_str().is_empty()) {
        if !parent.is_dir() {
            return Err(Error::Write {
                path: dest.clone(),
                source: std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    format!("the folder \"{}\" does not exist", parent.display()),
                ),
            });
        }
    }
    cancellable(
        cancel,
        export_inner(session, request, &cid, cancel, &mut on_event),
    )
    .await
}

async fn export_inner(
    session: &Session,
    request: BagRequest,
    cid: &str,
    cancel: &Cancel,
    on_event: &mut (impl FnMut(BagEvent) + Send),
) -> Result<BagOutcome> {
    let node = session.node()?;
    let pin = node
        .cluster
        .allocation(cid)
        .await?
        .ok_or_else(|| Error::NotFound {
            url: node.cluster.base_url().to_string(),
            what: format!("The item {cid}"),
        })?;
    // The bag is built beside its destination and renamed at the end; the
    // partial folder goes when this is dropped (an error, a cancel).
    let bag = PartialPath::new_replacing(&request.destination, request.replace)?;
    let root = bag.path().to_path_buf();
    std::fs::create_dir(&root).map_err(|e| Error::Write {
        path: root.clone(),
        source: e,
    })?;
    // Retrieved one level down, under the bag's own name (the journal's
    // name for the job), so laying it out never renames onto itself.
    let name = request
        .destination
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_else(|| "item".into());
    let staging = root.join(".retrieved");
    std::fs::create_dir(&staging).map_err(|e| Error::Write {
        path: staging.clone(),
        source: e,
    })?;
    let fetched = staging.join(&name);
    let got = super::retrieve::retrieve_unrecorded(
        session,
        RetrieveRequest {
            cid: cid.to_string(),
            path: None,
            destination: fetched.clone(),
            replace: false,
            job_id: request.job_id.clone(),
        },
        cancel,
        |e| on_event(BagEvent::Retrieve(e)),
    )
    .await?;
    // The record says what became of the package, not that a copy was saved:
    // a damaged partner's copy met on the way is a finding whatever follows;
    // the package is recorded once it is in place, a refusal as a failed check.
    let mut events = super::retrieve::damaged_copy_events(&got.retrieved, session.client);
    let packaged = package(
        session,
        Packaging {
            request,
            cid,
            node,
            pin,
            bag,
            root,
            staging,
            fetched,
        },
        got.retrieved,
        &mut events,
        on_event,
    )
    .await;
    if matches!(packaged, Err(Error::Cancelled)) {
        return packaged;
    }
    let record_problem = super::history::record_or_say(session, events).await;
    let mut made = packaged?;
    made.record_problem = record_problem;
    Ok(made)
}

/// What [`package`] lays out: the request, the item's pin, and the partial
/// bag with the retrieved copy in its staging folder.
struct Packaging<'a> {
    request: BagRequest,
    cid: &'a str,
    node: super::Node,
    pin: crate::net::cluster::Pin,
    bag: PartialPath,
    root: PathBuf,
    staging: PathBuf,
    fetched: PathBuf,
}

/// The retrieved copy made into a bag: laid out, hashed and compared with
/// the ingest manifest, its tag files written, renamed into place. Pushes the
/// events to record onto `events`: the package once it is in place (its
/// PREMIS file already holds it), or a failed fixity check when the copy
/// does not match the checksums taken when the item was added.
async fn package(
    session: &Session,
    p: Packaging<'_>,
    retrieved: crate::content::retrieve::Retrieved,
    events: &mut Vec<HistoryEvent>,
    on_event: &mut (impl FnMut(BagEvent) + Send),
) -> Result<BagOutcome> {
    let Packaging {
        request,
        cid,
        node,
        pin,
        bag,
        root,
        staging,
        fetched,
    } = p;
    let manifest = match pin.metadata.get(fixity::ITEM_KEY) {
        Some(m) => Some(
            super::contents::ingest_manifest(session, &node, m, cid, "so no bag was written")
                .await?,
        ),
        None => None,
    };

    // Lay the payload out: a stored bag is the bag again (its data/ and its
    // other tag files); a folder becomes data/; a file data/<its name>.
    let (prefix, repackaged) = match retrieved.kind {
        ContentKind::Symlink => {
            return Err(Error::InvalidInput(format!(
                "{cid} is a link, which a bag cannot hold, so no bag was written. Save it with `ccs get` instead."
            )));
        }
        ContentKind::Folder if bagit::is_bag(&fetched) && fetched.join(bagit::DATA).is_dir() => {
            unwrap_stored_bag(&root, &fetched)?;
            ("data/", true)
        }
        ContentKind::Folder => {
            rename(&fetched, &root.join(bagit::DATA))?;
            ("", false)
        }
        ContentKind::File => {
            let data = root.join(bagit::DATA);
            std::fs::create_dir(&data).map_err(|e| Error::Write {
                path: data.clone(),
                source: e,
            })?;
            let file_name = single_file_name(manifest.as_ref(), &pin.name, cid);
            rename(&fetched, &data.join(file_name))?;
            ("", false)
        }
    };
    std::fs::remove_dir(&staging).map_err(|e| Error::Write {
        path: staging.clone(),
        source: e,
    })?;

    // One pass over the payload: both manifests written and every file
    // compared with the ingest manifest.
    let total = retrieved.bytes;
    let (stop, _stop_on_drop) = stop_flag();
    let (tx, mut rx) = tokio::sync::watch::channel(0u64);
    let hashing = {
        let root = root.clone();
        let prefix = prefix.to_string();
        tokio::task::spawn_blocking(move || {
            let mut expected = manifest.map(|m| m.files);
            let mut differ = Differences::default();
            let mut done = 0u64;
            let oxum = bagit::write_payload_manifests(
                &root,
                &stop,
                |n| {
                    done += n;
                    let _ = tx.send(done);
                },
                |f| {
                    if let Some(expected) = expected.as_mut() {
                        let key = format!("{prefix}{}", bagit::shown(f.path));
                        match expected.remove(&key) {
                            Some((size, sha)) if size == f.size && sha == f.sha256 => {}
                            Some(_) => differ.add(&key, "differs"),
                            None => differ.add(&key, "was not there when it was added"),
                        }
                    }
                },
            )?;
            if let Some(left) = expected {
                let mut left: Vec<String> = left
                    .into_keys()
                    .filter(|k| k.starts_with(&prefix))
                    .collect();
                left.sort();
                for key in left {
                    differ.add(&key, "is missing");
                }
            }
            Ok::<_, Error>((oxum, differ))
        })
    };
    tokio::pin!(hashing);
    let (oxum, differ) = loop {
        tokio::select! {
            done = &mut hashing => break done.map_err(thread_lost)??,
            changed = rx.changed() => {
                if changed.is_ok() {
                    let bytes = *rx.borrow_and_update();
                    on_event(BagEvent::Hashing { bytes, total });
                }
            }
        }
    };
    if differ.count > 0 {
        // The copy matched its CID block by block, so what disagrees is the
        // item with its own ingest manifest: no one partner's copy.
        events.push(
            HistoryEvent::new(
                EventType::FixityCheck,
                cid,
                EventOutcome::Failure,
                format!(
                    "No archival package was made: the copy {} sent matched its content ID, but not the checksums taken when it was added ({}).",
                    retrieved.source,
                    differ.describe()
                ),
                session.client,
            )
            .named(&pin.name),
        );
        return Err(Error::InvalidInput(format!(
            "The retrieved copy of {cid} does not match the checksums taken when it was added ({}), so no bag was written. Run `ccs audit {cid}`, and tell the network's operators.",
            differ.describe()
        )));
    }
    let fixity = if pin.metadata.contains_key(fixity::ITEM_KEY) {
        FixityUse::Checked
    } else {
        FixityUse::NoManifest
    };
    let mut made = HistoryEvent::new(
        EventType::Dissemination,
        cid,
        EventOutcome::Success,
        format!(
            "Saved to a computer as an archival package (BagIt, {}); all {} blocks matched{}.",
            super::retrieve::saved_words(&retrieved),
            retrieved.blocks,
            match fixity {
                FixityUse::Checked =>
                    ", and every file matched the checksums taken when it was added",
                FixityUse::NoManifest => " (the item has no checksums from when it was added)",
            }
        ),
        session.client,
    )
    .named(&pin.name);
    made.partner = Some(retrieved.source.clone());

    // The item's history, with this package as its newest event.
    let (premis, premis_events, premis_problem, record_problems) =
        match super::history::premis(session, cid, std::slice::from_ref(&made)).await {
            Ok(doc) => (Some(doc.xml), Some(doc.events), None, doc.problems),
            Err(e @ (Error::Cancelled | Error::Write { .. })) => return Err(e),
            Err(e) => (None, None, Some(e.to_string()), Vec::new()),
        };

    let now = provenance::now_rfc3339();
    let info = bagit::export_info(
        &bagit::ExportInfo {
            cid,
            organization: &organization(&pin.metadata),
            date: now.get(..10).unwrap_or(&now),
            oxum,
            agent: session.client,
            metadata: &pin.metadata,
        },
        &[BAGIT_KEY],
    );
    let extra: Vec<(&str, &[u8])> = premis
        .as_deref()
        .map(|xml| (bagit::PREMIS_PATH, xml.as_bytes()))
        .into_iter()
        .collect();
    bagit::write_tag_files(&root, &info, &extra)?;
    bag.commit()?;
    events.push(made);
    Ok(BagOutcome {
        cid: cid.to_string(),
        path: request.destination,
        files: oxum.files,
        bytes: oxum.bytes,
        source: retrieved.source,
        failed_sources: retrieved.failed_sources,
        fixity,
        repackaged,
        premis_events,
        premis_problem,
        record_problems,
        // Set by the caller, once the record has been written.
        record_problem: None,
    })
}

/// Files that do not match the ingest manifest: counted, the first named.
#[derive(Debug, Default)]
struct Differences {
    count: u64,
    named: Vec<String>,
}

impl Differences {
    fn add(&mut self, path: &str, what: &str) {
        self.count += 1;
        if self.named.len() < 5 {
            self.named.push(format!("\"{path}\" {what}"));
        }
    }

    fn describe(&self) -> String {
        let more = self.count.saturating_sub(self.named.len() as u64);
        let mut text = self.named.join(", ");
        if more > 0 {
            text.push_str(&format!(" and {more} more"));
        }
        text
    }
}

fn rename(from: &Path, to: &Path) -> Result<()> {
    std::fs::rename(from, to).map_err(|e| Error::Write {
        path: to.to_path_buf(),
        source: e,
    })
}

/// Moves a stored bag's content up into the bag being built, leaving out
/// the tag files the export writes afresh.
fn unwrap_stored_bag(root: &Path, fetched: &Path) -> Result<()> {
    let entries =
        std::fs::read_dir(fetched).map_err(|e| crate::local::files::read_error(fetched, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| crate::local::files::read_error(fetched, e))?;
        let name = entry.file_name();
        if bagit::is_regenerated(&name.to_string_lossy()) {
            continue;
        }
        rename(&entry.path(), &root.join(&name))?;
    }
    std::fs::remove_dir_all(fetched).map_err(|e| Error::Write {
        path: fetched.to_path_buf(),
        source: e,
    })
}

/// A one-file item's name in data/: the name its ingest manifest recorded,
/// else the item's name, else its CID; always one plain name.
fn single_file_name(manifest: Option<&Manifest>, item_name: &str, cid: &str) -> String {
    let recorded = manifest
        .filter(|m| m.files.len() == 1)
        .and_then(|m| m.files.keys().next().cloned());
    let name = recorded.unwrap_or_else(|| item_name.to_string());
    let name: String = name
        .chars()
        .map(|c| {
            if matches!(c, '/' | '\\' | '\0') {
                '_'
            } else {
                c
            }
        })
        .collect();
    if name.trim().is_empty() || name == "." || name == ".." {
        cid.to_string()
    } else {
        name
    }
}

/// Source-Organization: the organisation the item records (a bag's own, or
/// metadata a person gave), else the host part of who added it, else this
/// computer's.
fn organization(metadata: &BTreeMap<String, String>) -> String {
    for key in ["source-organization", "organization", "organisation"] {
        if let Some(v) = metadata.get(key).filter(|v| !v.trim().is_empty()) {
            return v.clone();
        }
    }
    let who = metadata
        .get(provenance::ADDED_BY)
        .cloned()
        .unwrap_or_else(provenance::who);
    match who.rsplit_once('@') {
        Some((_, host)) if !host.is_empty() => host.to_string(),
        _ => who,
    }
}

// ---------------------------------------------------------------------------
// In

/// A folder that is a bag, checked before it is sent.
#[derive(Debug)]
pub struct CheckedBag {
    pub root: PathBuf,
    pub check: BagCheck,
}

/// Keys the bag-info may not set: those a person may not change
/// ([`super::meta::is_reserved`]) and [`BAGIT_KEY`]. A label that would is
/// stored as `bag-KEY`.
fn reserved(key: &str) -> bool {
    super::meta::is_reserved(key) || key == BAGIT_KEY
}

/// When `paths` is one folder holding a `bagit.txt`, checks the whole bag
/// (every file read once) before anything is sent; `None` for anything
/// else. An invalid bag is refused, each problem reported as
/// [`AddEvent::Problem`], unless `store_invalid`.
pub async fn check_before_add(
    paths: &[PathBuf],
    store_invalid: bool,
    on_event: &mut (impl FnMut(AddEvent) + Send),
) -> Result<Option<CheckedBag>> {
    let [root] = paths else {
        return Ok(None);
    };
    if !bagit::is_bag(root) {
        return Ok(None);
    }
    let (stop, _stop_on_drop) = stop_flag();
    let (tx, mut rx) = tokio::sync::watch::channel(0u64);
    let checking = {
        let root = root.clone();
        tokio::task::spawn_blocking(move || {
            bagit::check(&root, &stop, |files, _| {
                let _ = tx.send(files);
            })
        })
    };
    tokio::pin!(checking);
    let check = loop {
        tokio::select! {
            done = &mut checking => break done.map_err(thread_lost)??,
            changed = rx.changed() => {
                if changed.is_ok() {
                    let files = *rx.borrow_and_update();
                    on_event(AddEvent::Scanning { files });
                }
            }
        }
    };
    if !check.is_valid() && !store_invalid {
        for p in check.problems.iter().take(PROBLEMS_KEPT) {
            on_event(AddEvent::Problem(Problem {
                path: p.path.clone(),
                code: p.kind.code(),
                reason: p.reason.clone(),
            }));
        }
        return Err(Error::InvalidBag {
            root: root.clone(),
            summary: check.summary(),
        });
    }
    Ok(Some(CheckedBag {
        root: root.clone(),
        check,
    }))
}

impl CheckedBag {
    /// The bag-info's elements added to `metadata` (keys a person gave win;
    /// reserved keys are never set), and [`BAGIT_KEY`].
    pub fn add_metadata(&self, metadata: &mut BTreeMap<String, String>) {
        for (k, v) in bagit::info_to_metadata(&self.check.info, reserved) {
            metadata.entry(k).or_insert(v);
        }
        let version = self.check.version.as_deref().unwrap_or("unknown version");
        let state = if self.check.is_valid() {
            format!("{version}, valid")
        } else {
            format!(
                "{version}, not valid ({} problem{}), stored as it was",
                self.check.problem_count,
                if self.check.problem_count == 1 {
                    ""
                } else {
                    "s"
                }
            )
        };
        metadata.insert(BAGIT_KEY.into(), state);
    }

    /// Compares the ingest manifest the upload took (the document at `doc`,
    /// for `item`) with what the check read: every payload file with the
    /// same size and SHA-256, none more, none less. A bag changed between
    /// the check and the upload is an error.
    pub fn check_ingest(&self, doc: &Path, item: &str) -> Result<()> {
        let file = std::fs::File::open(doc).map_err(|e| crate::local::files::read_error(doc, e))?;
        let manifest = Manifest::read(std::io::BufReader::new(file), item).map_err(|why| {
            Error::InvalidInput(format!(
                "The file list taken while \"{}\" was sent cannot be read back ({why}), so it was not kept. Add it again.",
                self.root.display()
            ))
        })?;
        let differ = compare(&self.check.payload, &manifest.files);
        if differ.count == 0 {
            return Ok(());
        }
        Err(Error::InvalidInput(format!(
            "The bag \"{}\" changed while it was being stored ({}), so it was not kept. Make sure nothing writes to it, then add it again.",
            self.root.display(),
            differ.describe()
        )))
    }
}

/// The checked payload against the ingest manifest's files under data/.
fn compare(
    checked: &HashMap<Vec<u8>, (u64, [u8; 32])>,
    ingested: &HashMap<String, (u64, [u8; 32])>,
) -> Differences {
    let mut differ = Differences::default();
    let mut names: Vec<(String, &(u64, [u8; 32]))> =
        checked.iter().map(|(k, v)| (bagit::shown(k), v)).collect();
    names.sort();
    for (name, (size, sha)) in &names {
        match ingested.get(name) {
            Some((s, d)) if s == size && d == sha => {}
            Some(_) => differ.add(name, "changed"),
            None => differ.add(name, "vanished"),
        }
    }
    let checked_names: std::collections::HashSet<&str> =
        names.iter().map(|(n, _)| n.as_str()).collect();
    let mut appeared: Vec<&String> = ingested
        .keys()
        .filter(|k| k.starts_with("data/") && !checked_names.contains(k.as_str()))
        .collect();
    appeared.sort();
    for name in appeared {
        differ.add(name, "appeared");
    }
    differ
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bag_changed_after_its_check_is_caught() {
        let sha = |b: u8| [b; 32];
        let checked: HashMap<Vec<u8>, (u64, [u8; 32])> = [
            (b"data/a".to_vec(), (1, sha(1))),
            (b"data/b".to_vec(), (2, sha(2))),
            (b"data/c".to_vec(), (3, sha(3))),
        ]
        .into();
        let mut ingested: HashMap<String, (u64, [u8; 32])> = [
            ("data/a".to_string(), (1, sha(1))),
            ("data/b".to_string(), (2, sha(2))),
            ("data/c".to_string(), (3, sha(3))),
            // Tag files are in the ingest manifest too; they are not payload.
            ("bagit.txt".to_string(), (55, sha(9))),
        ]
        .into();
        assert_eq!(compare(&checked, &ingested).count, 0);
        ingested.insert("data/b".into(), (2, sha(7)));
        ingested.remove("data/c");
        ingested.insert("data/new".into(), (1, sha(1)));
        let d = compare(&checked, &ingested);
        assert_eq!(d.count, 3);
        assert_eq!(
            d.describe(),
            "\"data/b\" changed, \"data/c\" vanished, \"data/new\" appeared"
        );
    }

    #[test]
    fn reserved_keys_are_the_provenance_and_ours() {
        for k in [
            "added-by",
            "source",
            "bytes",
            "fixity-manifest",
            "ccs-kind",
            "bagit",
        ] {
            assert!(reserved(k), "{k}");
        }
        for k in ["contact-name", "source-organization", "description"] {
            assert!(!reserved(k), "{k}");
        }
    }

    #[test]
    fn organization_and_single_names() {
        let m: BTreeMap<String, String> =
            [("added-by".to_string(), "ada@parish-office".to_string())].into();
        assert_eq!(organization(&m), "parish-office");
        let mut m2 = m.clone();
        m2.insert("source-organization".into(), "St Mary".into());
        assert_eq!(organization(&m2), "St Mary");
        assert_eq!(single_file_name(None, "a/b", "bafy"), "a_b");
        assert_eq!(single_file_name(None, "..", "bafy"), "bafy");
        assert_eq!(single_file_name(None, " ", "bafy"), "bafy");
    }

    #[test]
    fn invalid_bags_are_refused_before_anything_is_sent_with_each_problem() {
        let dir = tempfile::tempdir().unwrap();
        let bag = dir.path().join("bag");
        std::fs::create_dir_all(bag.join("data")).unwrap();
        std::fs::write(
            bag.join("bagit.txt"),
            "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n",
        )
        .unwrap();
        std::fs::write(bag.join("data/a"), "a").unwrap();
        std::fs::write(
            bag.join("manifest-md5.txt"),
            "00000000000000000000000000000000  data/a\n",
        )
        .unwrap();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let mut events = Vec::new();
        let e = rt
            .block_on(check_before_add(
                std::slice::from_ref(&bag),
                false,
                &mut |e| events.push(e),
            ))
            .unwrap_err();
        assert_eq!(e.code(), "invalid_bag");
        assert!(e.to_string().contains("1 changed"), "{e}");
        assert!(
            events
                .iter()
                .any(|e| matches!(e, AddEvent::Problem(p) if p.path == "data/a")),
            "{events:?}"
        );
        // Stored as it is when asked, marked as such.
        let checked = rt
            .block_on(check_before_add(
                std::slice::from_ref(&bag),
                true,
                &mut |_| {},
            ))
            .unwrap()
            .unwrap();
        let mut m = BTreeMap::new();
        checked.add_metadata(&mut m);
        assert_eq!(m[BAGIT_KEY], "1.0, not valid (1 problem), stored as it was");
        // Not a bag, or several paths: no check.
        let plain = dir.path().join("plain");
        std::fs::create_dir(&plain).unwrap();
        assert!(
            rt.block_on(check_before_add(
                std::slice::from_ref(&plain),
                false,
                &mut |_| {}
            ))
            .unwrap()
            .is_none()
        );
        assert!(
            rt.block_on(check_before_add(&[bag, plain], false, &mut |_| {}))
                .unwrap()
                .is_none()
        );
    }
}
