//! Retrieve: an item saved to disk from a partner holding it, every block
//! checked against its CID, falling back to the next partner, recorded in the
//! job journal.

use std::path::PathBuf;

use serde::Serialize;

use super::jobs::Recorded;
use super::{Cancel, Session, cancellable};
use crate::content::history::{Event as HistoryEvent, EventOutcome, EventType};
use crate::content::provenance;
use crate::content::retrieve::{self, ContentKind, Event, Progress, Retrieved, Source};
use crate::error::{Error, ErrorCode, Result};
use crate::local::journal::{JobInputs, JobKind};
use crate::local::settings::Config;
use crate::net::cluster::{GlobalPinInfo, TrackerStatus};

#[derive(Debug, Clone, Default)]
pub struct RetrieveRequest {
    pub cid: String,
    /// One file or folder inside the item (`/`-separated, as its Contents
    /// list names it) to save instead of the whole item.
    pub path: Option<String>,
    pub destination: PathBuf,
    /// Replace an existing file or folder at `destination`.
    pub replace: bool,
    /// The job's id in the journal (the app's job id); `None`: a new one.
    pub job_id: Option<String>,
}

/// What a retrieval reports while it runs.
#[derive(Debug, Clone)]
pub enum RetrieveEvent {
    /// The job is recorded in the journal under this id.
    Started {
        job: String,
    },
    /// The cluster API could not be reached; the node's own gateway is tried
    /// (`message` says why).
    ClusterUnreachable {
        message: String,
    },
    /// The item's size, when known (from its provenance).
    Size {
        bytes: u64,
    },
    /// Trying this partner now.
    Trying {
        source: String,
    },
    Progress(Progress),
    /// This partner's copy could not be used; the next one is tried.
    SourceFailed {
        source: String,
        code: ErrorCode,
        /// Its copy does not match the CID: which block, and how.
        damaged: Option<String>,
        message: String,
    },
}

/// What was saved, and from whom.
#[derive(Debug, Clone, Serialize)]
pub struct RetrieveOutcome {
    #[serde(flatten)]
    pub retrieved: Retrieved,
    /// Why the preservation record could not take this save, if it could not
    /// (the save itself succeeded).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record_problem: Option<String>,
    /// Its id in the job journal (absent when the journal could not be written).
    #[serde(skip)]
    pub job: Option<String>,
}

/// Where a retrieval can come from, in the order to try them: every partner
/// holding a complete copy, then those still receiving one (right after an
/// add their gateway may already have every block, and each block is
/// verified anyway); within each, the connected `node` first. Each is resolved
/// through the settings' node table (else `http://NAME:8080` for its gateway).
/// Empty when no partner holds or is receiving a copy: see
/// [`crate::content::retrieve::no_copy_error`].
pub fn retrieval_sources(status: &GlobalPinInfo, config: &Config, node: &str) -> Vec<Source> {
    let holders = |wanted: fn(TrackerStatus) -> bool| {
        let mut names: Vec<&str> = status
            .peer_map
            .values()
            .filter(|p| wanted(p.status))
            .map(|p| p.peername.as_str())
            .collect();
        names.sort_by_key(|h| *h != node);
        names
    };
    let mut names = holders(|s| s == TrackerStatus::Pinned);
    names.extend(holders(|s| {
        matches!(
            s,
            TrackerStatus::Pinning | TrackerStatus::PinQueued | TrackerStatus::Queued
        )
    }));
    let mut seen = std::collections::HashSet::new();
    names
        .into_iter()
        .filter(|h| seen.insert(*h))
        .map(|h| Source {
            name: h.to_string(),
            kubo: config.node(h).kubo(),
        })
        .collect()
}

/// Saves `request.cid` (or `request.path` inside it) at
/// `request.destination` from a partner holding it, and records the save.
pub async fn retrieve(
    session: &Session,
    request: RetrieveRequest,
    cancel: &Cancel,
    on_event: impl FnMut(RetrieveEvent) + Send,
) -> Result<RetrieveOutcome> {
    let got = retrieve_unrecorded(session, request, cancel, on_event).await?;
    let mut events = vec![saved_event(
        &got.retrieved,
        got.inside.as_deref(),
        session.client,
    )];
    events.extend(damaged_copy_events(&got.retrieved, session.client));
    let record_problem = super::history::record_or_say(session, events).await;
    Ok(RetrieveOutcome {
        retrieved: got.retrieved,
        record_problem,
        job: got.job,
    })
}

/// A retrieval done and journalled, not yet in the preservation record: for
/// an operation that records what it made of it (an archival package, once
/// it checks out) instead of a plain save.
pub(crate) struct Unrecorded {
    pub retrieved: Retrieved,
    /// The path inside the item that was saved, if not the whole item.
    pub inside: Option<String>,
    pub job: Option<String>,
}

pub(crate) async fn retrieve_unrecorded(
    session: &Session,
    request: RetrieveRequest,
    cancel: &Cancel,
    mut on_event: impl FnMut(RetrieveEvent) + Send,
) -> Result<Unrecorded> {
    let cid = super::check_cid(&request.cid)?;
    crate::local::files::refuse_existing(&request.destination, request.replace)?;
    let node = session.node()?;

    let sources = match cancellable(cancel, node.cluster.status_as_written(&cid)).await {
        Ok(status) => {
            let sources = retrieval_sources(&status, &session.config, &node.name);
            if sources.is_empty() {
                // Never stored (or removed): not_found; stored but no partner
                // can send it now: unavailable, with each partner's state.
                return Err(retrieve::no_copy_error(&status, node.cluster.base_url()));
            }
            // The item's size is the total only when the whole item is saved.
            if let Some(bytes) = status
                .metadata
                .get(provenance::BYTES)
                .and_then(|v| v.parse().ok())
                .filter(|_| request.path.is_none())
            {
                on_event(RetrieveEvent::Size { bytes });
            }
            sources
        }
        // The cluster API is down but the node's gateway may still serve it.
        Err(e @ (Error::Unreachable { .. } | Error::TimedOut { .. })) => {
            on_event(RetrieveEvent::ClusterUnreachable {
                message: e.to_string(),
            });
            vec![Source {
                name: node.name.clone(),
                kubo: node.profile.kubo(),
            }]
        }
        Err(e) => return Err(e),
    };

    let name = request
        .destination
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let inputs = JobInputs {
        name,
        cid: cid.clone(),
        destination: request.destination.display().to_string(),
        ..Default::default()
    };
    let job = Recorded::start(
        session,
        request.job_id.as_deref(),
        JobKind::Retrieve,
        inputs,
    );
    if let Some(id) = &job.id {
        on_event(RetrieveEvent::Started { job: id.clone() });
    }
    let inside = request
        .path
        .as_deref()
        .map(|p| p.trim_matches('/'))
        .filter(|p| !p.is_empty());
    let result = cancellable(cancel, async {
        let wanted = match inside {
            Some(path) => resolve_in_any(&sources, &cid, path).await?,
            None => cid.clone(),
        };
        retrieve::retrieve(
            &sources,
            &wanted,
            &request.destination,
            request.replace,
            |ev| {
                on_event(match ev {
                    Event::Trying { source } => RetrieveEvent::Trying {
                        source: source.to_string(),
                    },
                    Event::Progress(p) => RetrieveEvent::Progress(p.clone()),
                    Event::SourceFailed { source, error } => RetrieveEvent::SourceFailed {
                        source: source.to_string(),
                        code: error.code(),
                        damaged: match error {
                            Error::VerificationFailed { detail, .. } => Some(detail.clone()),
                            _ => None,
                        },
                        message: error.to_string(),
                    },
                })
            },
        )
        .await
    })
    .await;
    job.finish(&result, |got| got.path.display().to_string());
    let mut retrieved = result?;
    // The record is about the item, whichever part of it was saved.
    retrieved.cid = cid;
    Ok(Unrecorded {
        retrieved,
        inside: inside.map(str::to_string),
        job: job.id,
    })
}

/// What was saved, in a few words: "3 files, 1200 bytes".
pub(crate) fn saved_words(got: &Retrieved) -> String {
    match got.kind {
        ContentKind::Folder => format!(
            "{} file{}, {} bytes",
            got.files,
            if got.files == 1 { "" } else { "s" },
            got.bytes
        ),
        ContentKind::File => format!("{} bytes", got.bytes),
        ContentKind::Symlink => "a link".into(),
    }
}

/// A save to a computer as the preservation record holds it: a PREMIS
/// dissemination, naming the partner that sent the copy.
fn saved_event(got: &Retrieved, inside: Option<&str>, software: &str) -> HistoryEvent {
    let what = saved_words(got);
    let mut saved = HistoryEvent::new(
        EventType::Dissemination,
        &got.cid,
        EventOutcome::Success,
        match inside {
            Some(path) => format!(
                "Saved \"{path}\" from it to a computer ({what}); all {} blocks matched.",
                got.blocks
            ),
            None => format!(
                "Saved to a computer ({what}); all {} blocks matched.",
                got.blocks
            ),
        },
        software,
    );
    saved.partner = Some(got.source.clone());
    saved
}

/// A failed fixity check for each partner whose copy turned out damaged on
/// the way: a finding about that copy, recorded whatever became of the save.
pub(crate) fn damaged_copy_events(got: &Retrieved, software: &str) -> Vec<HistoryEvent> {
    got.damaged_copies()
        .map(|bad| {
            let mut e = HistoryEvent::new(
                EventType::FixityCheck,
                &got.cid,
                EventOutcome::Failure,
                format!("Found during a save: {}", bad.message),
                software,
            );
            e.partner = Some(bad.source.clone());
            e
        })
        .collect()
}

/// The CID of `path` inside the item `cid`, from the first partner that can
/// say (each folder block on the way checked against its CID); the last
/// partner's error when none can.
async fn resolve_in_any(sources: &[Source], cid: &str, path: &str) -> Result<String> {
    let root = retrieve::parse_cid(cid)?;
    let mut last = None;
    for source in sources {
        match retrieve::resolve_path(&source.kubo, &root, path).await {
            Ok(found) => return Ok(found.to_string()),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| {
        Error::InvalidInput("No partner could be asked for the item. Try again later.".into())
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::local::settings::NodeProfile;

    #[test]
    fn sources_are_the_holders_connected_node_first() {
        let status: GlobalPinInfo = serde_json::from_str(
            r#"{"cid":"Qm1","peer_map":{
              "a":{"peername":"peer1","status":"pinned"},
              "b":{"peername":"peer2","status":"pinning"},
              "c":{"peername":"peer3","status":"pinned"}}}"#,
        )
        .unwrap();
        let mut config = Config::default();
        config.nodes.insert(
            "peer3".into(),
            NodeProfile {
                cluster_api: "http://127.0.0.1:1".into(),
                gateway: Some("http://127.0.0.1:2".into()),
                ..NodeProfile::default()
            },
        );
        let s = retrieval_sources(&status, &config, "peer3");
        let names: Vec<_> = s.iter().map(|s| s.name.as_str()).collect();
        // Complete copies first (the connected node first), then peer2, still pinning.
        assert_eq!(names, ["peer3", "peer1", "peer2"]);
        assert_eq!(s[0].kubo.gateway(), Some("http://127.0.0.1:2"));
        assert_eq!(s[1].kubo.gateway(), Some("http://peer1:8080"));

        // Only partners still receiving it, one of them the connected node.
        let status: GlobalPinInfo = serde_json::from_str(
            r#"{"cid":"Qm1","peer_map":{
              "a":{"peername":"peer1","status":"pin_queued"},
              "b":{"peername":"peer2","status":"pinning"},
              "c":{"peername":"peer3","status":"pin_error"}}}"#,
        )
        .unwrap();
        let names: Vec<_> = retrieval_sources(&status, &config, "peer2")
            .into_iter()
            .map(|s| s.name)
            .collect();
        assert_eq!(names, ["peer2", "peer1"]);
        // Nobody holding or receiving it: no source (the caller reports why).
        let status: GlobalPinInfo = serde_json::from_str(
            r#"{"cid":"Qm1","peer_map":{"c":{"peername":"peer3","status":"pin_error"}}}"#,
        )
        .unwrap();
        assert!(retrieval_sources(&status, &config, "peer3").is_empty());
    }
}
