//! Add: files and folders stored as one item, with the scan, the item's name,
//! provenance, progress, the job journal and, when asked, the wait until every
//! copy is in place.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde::Serialize;

use super::jobs::Recorded;
use super::{Cancel, Session, cancellable};
use crate::content::fixity;
use crate::content::history::{Event, EventOutcome, EventType};
use crate::content::ingest::{self, MultipartUpload, Problem};
use crate::content::library::{Health, Item};
use crate::content::provenance;
use crate::error::{Error, Result};
use crate::local::journal::{JobInputs, JobKind};
use crate::local::upload_rates::UploadRates;
use crate::net::cluster::{AddOptions, AddTally, ClusterClient, TrackerStatus};

/// An item's name made from its file names is cut to this many characters.
pub const NAME_MAX_CHARS: usize = 120;
/// The item's metadata key counting the files left out because they could
/// not be read (named in its fixity manifest).
pub const SKIPPED_KEY: &str = "skipped-files";
/// How long a wait for copies tolerates a partner that cannot be reached.
pub const PARTNER_GRACE: Duration = Duration::from_secs(30);

/// What to store and how.
#[derive(Debug, Clone, Default)]
pub struct AddRequest {
    pub paths: Vec<PathBuf>,
    /// The item's name; empty: made from the file names ([`item_name`]).
    pub title: String,
    pub collection: String,
    pub description: String,
    /// Further metadata (`KEY=VALUE` on the command line).
    pub metadata: BTreeMap<String, String>,
    /// Copies wanted; `None` or 0: the network's default, -1: every partner.
    pub replication_min: Option<i32>,
    pub replication_max: Option<i32>,
    /// Store on the receiving node first; the partners copy after.
    pub local: bool,
    /// The job's id in the journal (the app's job id); `None`: a new one.
    pub job_id: Option<String>,
    /// Store a BagIt bag that does not check out as it is (it is refused
    /// otherwise; see [`super::bag::check_before_add`]).
    pub store_invalid_bag: bool,
    /// Store what can be read and leave out (naming them in the item's
    /// fixity manifest) the files that cannot; otherwise one such file
    /// stops the add before anything is sent.
    pub skip_unreadable: bool,
}

/// What an add reports while it runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddEvent {
    /// The job is recorded in the journal under this id.
    Started { job: String },
    /// Looking at what was chosen; `files` so far.
    Scanning { files: u64 },
    /// A file or folder that cannot be stored (then nothing is stored).
    Problem(Problem),
    /// A file or folder that cannot be read and is left out, as the request
    /// asked ([`AddRequest::skip_unreadable`]).
    LeftOut(Problem),
    /// The scan is complete and the upload starts.
    Uploading {
        name: String,
        node: String,
        files_total: u64,
        bytes_total: u64,
    },
    /// Sent so far.
    Progress { files: u64, bytes: u64 },
}

/// What was stored.
#[derive(Debug, Clone, Serialize)]
pub struct AddOutcome {
    pub cid: String,
    pub name: String,
    /// The node that received it.
    pub node: String,
    pub files: u64,
    pub folders: u64,
    pub bytes: u64,
    /// The size of the stored DAG, as the cluster reports it.
    pub dag_size: u64,
    pub entries: u64,
    /// The partners it was allocated to (empty: every partner).
    pub allocations: Vec<String>,
    pub metadata: BTreeMap<String, String>,
    /// The CID of the item's fixity manifest.
    pub manifest: String,
    /// Files left out because they could not be read (named in the manifest).
    pub skipped: u64,
    /// Why the preservation record could not take the ingestion (the item
    /// is stored all the same).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record_problem: Option<String>,
    /// Its id in the job journal (absent when the journal could not be written).
    #[serde(skip)]
    pub job: Option<String>,
}

/// Keys a person may give: letters, digits, `-`, `_`, `.` (they travel in a
/// query string and must not collide with the provenance's own).
pub fn check_metadata_key(key: &str) -> Result<()> {
    let ok = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidInput(format!(
            "Metadata keys may use letters, digits, '-', '_' and '.' only (got \"{key}\"). Choose another key."
        )))
    }
}

fn check_request(r: &AddRequest) -> Result<()> {
    if r.paths.is_empty() {
        return Err(Error::InvalidInput(
            "Choose at least one file or folder to store.".into(),
        ));
    }
    for key in r.metadata.keys() {
        check_metadata_key(key)?;
    }
    for (what, v) in [
        ("minimum", r.replication_min),
        ("maximum", r.replication_max),
    ] {
        if v.is_some_and(|v| v < -1) {
            return Err(Error::InvalidInput(format!(
                "The {what} number of copies must be -1 (every partner), 0 (the network's default) or a number of copies (--replication-{}). Choose one of those.",
                &what[..3]
            )));
        }
    }
    if let (Some(min), Some(max)) = (r.replication_min, r.replication_max) {
        if max != -1 && max != 0 && (min > max || min == -1) {
            return Err(Error::InvalidInput(
                "The minimum number of copies (--replication-min) cannot be more than the maximum. Choose a smaller minimum.".into(),
            ));
        }
    }
    Ok(())
}

/// The item's name: the title when given, else the chosen files' names joined
/// (cut to [`NAME_MAX_CHARS`] with "…").
pub fn item_name(paths: &[PathBuf], title: &str) -> Result<String> {
    let title = title.trim();
    if !title.is_empty() {
        return Ok(title.to_string());
    }
    let names: Vec<String> = paths
        .iter()
        .map(|p| ingest::upload_name(p))
        .collect::<Result<_>>()?;
    let mut name = names.join(", ");
    if name.chars().count() > NAME_MAX_CHARS {
        name = name.chars().take(NAME_MAX_CHARS - 1).collect::<String>() + "…";
    }
    Ok(name)
}

/// The copies an item asks for: what the person chose, else the network
/// policy's (`copies-min`, `copies-target`) when one is set, else the
/// cluster's own default (absent or 0 = "the network's default"). A policy
/// that cannot be read leaves the cluster's default, so that it never stops
/// an add.
async fn copies(
    cluster: &ClusterClient,
    min: Option<i32>,
    max: Option<i32>,
) -> (Option<i32>, Option<i32>) {
    let default = |r: Option<i32>| r.is_none_or(|n| n == 0);
    if !(default(min) && default(max)) {
        return (min, max);
    }
    match super::policy::stored_document(cluster).await {
        Ok(Some(doc)) => (
            Some(doc.policy.copies_min as i32),
            Some(doc.policy.copies_target as i32),
        ),
        _ => (min, max),
    }
}

/// What an add would send, found before anything is sent: what the add's
/// preview shows.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AddPreview {
    /// The item's name (the title when given, else the file names).
    pub name: String,
    /// What can be stored.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub files: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub folders: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub bytes: u64,
    /// What cannot (the first [`ingest::PROBLEMS_KEPT`]), and how many.
    pub problems: Vec<Problem>,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub problem_count: u64,
    /// How long sending would take at the rate earlier adds from this
    /// computer reached the node; `None` until one was measured.
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub estimated_seconds: Option<u64>,
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub bytes_per_second: Option<u64>,
}

/// Looks at `paths` as an add would (every file opened, nothing read or
/// sent) and estimates the time from the measured upload rate.
pub async fn preview(
    session: &Session,
    paths: Vec<PathBuf>,
    title: &str,
    cancel: &Cancel,
) -> Result<AddPreview> {
    check_request(&AddRequest {
        paths: paths.clone(),
        ..Default::default()
    })?;
    // Without a node there is nothing to estimate from, but still a preview.
    let node = session.node_name().ok();
    let chosen = paths.clone();
    let survey = cancellable(cancel, async move {
        tokio::task::spawn_blocking(move || ingest::survey(&chosen, |_| {}))
            .await
            .map_err(|e| {
                Error::InvalidInput(format!(
                    "The folder scan stopped unexpectedly ({e}). Try again."
                ))
            })
    })
    .await?;
    let name = item_name(&paths, title).unwrap_or_default();
    let rates = UploadRates::in_journal(&session.journal_dir);
    let rate = node.as_deref().and_then(|n| rates.rate(n));
    Ok(AddPreview {
        name,
        files: survey.scan.files,
        folders: survey.scan.folders,
        bytes: survey.scan.bytes,
        problems: survey.problems,
        problem_count: survey.problem_count,
        estimated_seconds: rate.map(|r| (survey.scan.bytes as f64 / r).ceil() as u64),
        bytes_per_second: rate.map(|r| r as u64),
    })
}

/// Stores `request.paths` as one item on the session's node. Nothing is
/// stored when any chosen file cannot be (each is reported as
/// [`AddEvent::Problem`], then the error lists them).
pub async fn add(
    session: &Session,
    request: AddRequest,
    cancel: &Cancel,
    mut on_event: impl FnMut(AddEvent) + Send,
) -> Result<AddOutcome> {
    check_request(&request)?;
    let node = session.node()?;
    let mut metadata = request.metadata.clone();
    for (key, value) in [
        ("collection", &request.collection),
        ("description", &request.description),
    ] {
        if !value.trim().is_empty() {
            metadata.insert(key.into(), value.trim().into());
        }
    }
    let inputs = JobInputs {
        paths: provenance::absolute_paths(&request.paths),
        title: request.title.trim().into(),
        collection: request.collection.trim().into(),
        description: request.description.trim().into(),
        metadata: request.metadata.clone(),
        ..Default::default()
    };
    let job = Recorded::start(session, request.job_id.as_deref(), JobKind::Add, inputs);
    if let Some(id) = &job.id {
        on_event(AddEvent::Started { job: id.clone() });
    }
    let mut on_event = |e: AddEvent| {
        if let AddEvent::Uploading { name, .. } = &e {
            job.set_name(name);
        }
        on_event(e)
    };
    let result = cancellable(
        cancel,
        scan_and_upload(
            session,
            &node.name,
            &node.cluster,
            request,
            metadata,
            &mut on_event,
        ),
    )
    .await;
    job.finish(&result, |o| o.cid.clone());
    result.map(|mut o| {
        o.job = job.id;
        o
    })
}

async fn scan_and_upload(
    session: &Session,
    node: &str,
    cluster: &ClusterClient,
    request: AddRequest,
    metadata: BTreeMap<String, String>,
    on_event: &mut (impl FnMut(AddEvent) + Send),
) -> Result<AddOutcome> {
    on_event(AddEvent::Scanning { files: 0 });
    let paths = request.paths.clone();
    let skip = request.skip_unreadable;
    // The scan reports from its own thread; the latest count is passed on.
    let (tx, mut rx) = tokio::sync::watch::channel(0u64);
    let scan = tokio::task::spawn_blocking(move || {
        let progress = |s: &ingest::Scan| {
            let _ = tx.send(s.files);
        };
        if skip {
            let survey = ingest::survey(&paths, progress);
            Ok((survey.scan, survey.problems))
        } else {
            ingest::scan(&paths, progress).map(|scan| (scan, Vec::new()))
        }
    });
    tokio::pin!(scan);
    let scan = loop {
        tokio::select! {
            done = &mut scan => break done,
            changed = rx.changed() => {
                if changed.is_ok() {
                    let files = *rx.borrow_and_update();
                    on_event(AddEvent::Scanning { files });
                }
            }
        }
    };
    let scan = match scan {
        Ok(Ok((scan, left_out))) => {
            for p in left_out {
                on_event(AddEvent::LeftOut(p));
            }
            scan
        }
        Ok(Err(e)) => {
            if let Error::ScanProblems { problems, .. } = &e {
                for p in problems {
                    on_event(AddEvent::Problem(p.clone()));
                }
            }
            return Err(e);
        }
        Err(e) => {
            return Err(Error::InvalidInput(format!(
                "The folder scan stopped unexpectedly ({e}). Try again."
            )));
        }
    };
    // A folder that is a BagIt bag is checked whole before anything is sent.
    let bag =
        super::bag::check_before_add(&request.paths, request.store_invalid_bag, on_event).await?;

    let mut options = AddOptions {
        local: request.local,
        ..AddOptions::default()
    };
    let name = item_name(&request.paths, &request.title)?;
    options.pin.name = Some(name.clone());
    (options.pin.replication_min, options.pin.replication_max) =
        copies(cluster, request.replication_min, request.replication_max).await;
    options.pin.metadata = metadata;
    if let Some(bag) = &bag {
        bag.add_metadata(&mut options.pin.metadata);
    }
    provenance::record(&mut options, &request.paths, &scan, session.client);

    on_event(AddEvent::Uploading {
        name,
        node: node.to_string(),
        files_total: scan.files,
        bytes_total: scan.bytes,
    });
    let mut tally = AddTally::default();
    let upload = MultipartUpload::new(&request.paths, true, request.skip_unreadable)?;
    let spool = upload.manifest.clone();
    let sending = Instant::now();
    let added = cluster
        .add_upload(upload, &options, |o| {
            tally.update(o);
            on_event(AddEvent::Progress {
                files: tally.entries().min(scan.files),
                bytes: tally.bytes().min(scan.bytes),
            });
        })
        .await?;
    UploadRates::in_journal(&session.journal_dir).record(node, scan.bytes, sending.elapsed());
    let spool = spool.lock().ok().and_then(|mut s| s.take());
    let skipped = spool.as_ref().map_or(0, |s| s.skipped);
    if skipped > 0 {
        options
            .pin
            .metadata
            .insert(SKIPPED_KEY.into(), skipped.to_string());
    }
    let manifest = store_manifest(cluster, &added, spool, &mut options, bag.as_ref()).await?;
    let left_out = match skipped {
        0 => String::new(),
        n => format!(
            " {n} file{} that could not be read {} left out, as the person chose; the manifest names {}.",
            if n == 1 { "" } else { "s" },
            if n == 1 { "was" } else { "were" },
            if n == 1 { "it" } else { "them" },
        ),
    };
    let event = Event::new(
        EventType::Ingestion,
        &added.cid,
        EventOutcome::Success,
        format!(
            "Stored \"{}\" ({} files, {} bytes) through {node}, with its fixity manifest {manifest}.{left_out}",
            options.pin.name.as_deref().unwrap_or_default(),
            scan.files,
            scan.bytes
        ),
        session.client,
    )
    .named(options.pin.name.as_deref().unwrap_or_default());
    let record_problem = super::history::record_or_say(session, vec![event]).await;
    on_event(AddEvent::Progress {
        files: scan.files,
        bytes: scan.bytes,
    });
    Ok(AddOutcome {
        cid: added.cid,
        name: options.pin.name.unwrap_or_default(),
        node: node.to_string(),
        files: scan.files,
        folders: scan.folders,
        bytes: scan.bytes,
        dag_size: added.size,
        entries: added.entries,
        allocations: added.allocations,
        metadata: options.pin.metadata,
        manifest,
        skipped,
        record_problem,
        job: None,
    })
}

/// Stores the fixity manifest taken during the upload as a document of its
/// own, kept by the same partners as the item, and points the item's
/// metadata at it (a re-pin with the same options: the cluster keeps the
/// item's allocations). Returns the manifest's CID.
///
/// An item whose manifest cannot be stored is reported as a failed add: it is
/// stored, but what the audit would check it against is not.
async fn store_manifest(
    cluster: &ClusterClient,
    added: &crate::net::cluster::AddResult,
    spool: Option<fixity::ManifestSpool>,
    options: &mut AddOptions,
    bag: Option<&super::bag::CheckedBag>,
) -> Result<String> {
    let spool = spool.ok_or_else(|| {
        Error::Incomplete(format!(
            "The item was stored as {}, but its file list with checksums was not taken. Add it again.",
            added.cid
        ))
    })?;
    let dir = tempfile::tempdir().map_err(|e| Error::Write {
        path: std::env::temp_dir(),
        source: e,
    })?;
    let doc = spool.write_document(&added.cid, dir.path())?;
    if let Some(bag) = bag {
        if let Err(e) = bag.check_ingest(&doc, &added.cid) {
            // What was sent is not the bag that was checked: not kept.
            let _ = cluster.unpin(&added.cid).await;
            return Err(e);
        }
    }
    let mut doc_options = AddOptions::default();
    doc_options.pin.name = Some(format!(
        "Fixity manifest of {}",
        options.pin.name.as_deref().unwrap_or(&added.cid)
    ));
    doc_options.pin.replication_min = options.pin.replication_min;
    doc_options.pin.replication_max = options.pin.replication_max;
    doc_options.pin.user_allocations = added.allocations.clone();
    doc_options.pin.metadata = BTreeMap::from([
        (
            fixity::KIND_KEY.to_string(),
            fixity::KIND_MANIFEST.to_string(),
        ),
        (fixity::FOR_KEY.to_string(), added.cid.clone()),
    ]);
    let stored = cluster.add(&[doc], &doc_options, |_| {}).await?;
    options
        .pin
        .metadata
        .insert(fixity::ITEM_KEY.into(), stored.cid.clone());
    cluster.pin(&added.cid, &options.pin).await?;
    Ok(stored.cid)
}

/// Follows `cid` until the target number of copies is pinned, a partner
/// reports a pin error, or a partner stays unreachable past
/// [`PARTNER_GRACE`]; `on_state` sees each new state. An item that ends short
/// of its copies is returned as it is: the caller says what is missing.
pub async fn wait_for_copies(
    session: &Session,
    cid: &str,
    cancel: &Cancel,
    mut on_state: impl FnMut(&Item) + Send,
) -> Result<Item> {
    let cid = super::check_cid(cid)?;
    let cluster = session.node()?.cluster;
    let mut error_since: Option<Instant> = None;
    cancellable(cancel, async {
        loop {
            let item = Item::from_status(cluster.status_as_written(&cid).await?);
            on_state(&item);
            if item.health == Health::Ok {
                return Ok(item);
            }
            // A failed pin is final; an unreachable partner (cluster_error)
            // is often a moment's gap right after the add, so give it time.
            let hard = item.partners.iter().any(|p| {
                matches!(
                    p.status,
                    TrackerStatus::PinError | TrackerStatus::Error | TrackerStatus::UnpinError
                )
            });
            if item.health == Health::Error {
                let since = *error_since.get_or_insert_with(Instant::now);
                if hard || since.elapsed() > PARTNER_GRACE {
                    return Ok(item);
                }
            } else {
                error_since = None;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    })
    .await
}

/// The error for an item that ended short of its copies.
pub fn incomplete(item: &Item) -> Error {
    let failed: Vec<String> = item
        .partners
        .iter()
        .filter(|p| p.status.is_error())
        .map(|p| format!("{}: {} {}", p.peername, p.status.as_str(), p.error))
        .collect();
    Error::Incomplete(format!(
        "Stored, but only {} of {} copies were made ({}). Run repair to retry, or check the item's state later.",
        item.copies,
        item.target,
        failed.join("; ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_from_the_title_or_the_file_names() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("letters");
        let b = dir.path().join("photo.tif");
        std::fs::create_dir(&a).unwrap();
        std::fs::write(&b, "x").unwrap();
        assert_eq!(
            item_name(std::slice::from_ref(&a), " Parish ").unwrap(),
            "Parish"
        );
        assert_eq!(item_name(std::slice::from_ref(&a), "").unwrap(), "letters");
        assert_eq!(
            item_name(&[a.clone(), b.clone()], "").unwrap(),
            "letters, photo.tif"
        );
        let many: Vec<PathBuf> = (0..40).map(|_| b.clone()).collect();
        let long = item_name(&many, "").unwrap();
        assert_eq!(long.chars().count(), NAME_MAX_CHARS);
        assert!(long.ends_with('…'));
    }

    #[test]
    fn requests_are_checked_before_anything_is_read() {
        let ok = AddRequest {
            paths: vec![PathBuf::from("x")],
            ..Default::default()
        };
        check_request(&ok).unwrap();
        let bad = [
            AddRequest {
                paths: vec![],
                ..ok.clone()
            },
            AddRequest {
                metadata: [("bad key".to_string(), "v".to_string())].into(),
                ..ok.clone()
            },
            AddRequest {
                replication_min: Some(-2),
                ..ok.clone()
            },
            AddRequest {
                replication_min: Some(3),
                replication_max: Some(2),
                ..ok.clone()
            },
        ];
        for r in bad {
            let e = check_request(&r).unwrap_err();
            assert_eq!(e.code(), "invalid_input", "{r:?}");
        }
    }
}
