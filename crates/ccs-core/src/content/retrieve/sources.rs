//! Trying each partner in turn: the first whose copy verifies is used, and
//! every partner that failed is reported, a damaged copy by name.

use std::path::Path;

use cid::Cid;
use futures_util::TryStreamExt;

use super::car::{ErrorBox, Unpacked, unpack_dag};
use super::{ContentKind, Event, Retrieved, file_stream, parse_cid};
use crate::error::{Error, Result};
use crate::net::kubo::{GatewayFormat, KuboClient, PartialPath};

/// A partner whose copy could not be used during a retrieval, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FailedSource {
    /// The partner's name.
    pub source: String,
    /// The error's stable code (`verification_failed` for a damaged copy).
    pub code: crate::error::ErrorCode,
    /// True when the partner sent blocks that do not match their content IDs:
    /// its copy is damaged. False when it was only unreachable or broke off.
    pub damaged: bool,
    /// What went wrong, one plain sentence.
    pub message: String,
}

/// A partner to retrieve from: a name for messages and its gateway client.
#[derive(Debug, Clone)]
pub struct Source {
    pub name: String,
    pub kubo: KuboClient,
}

/// The error when no partner holds a copy it can send, from the item's
/// cluster status: `not_found` when no partner has it at all (never stored,
/// or removed), else `unavailable` with each partner's state (stored, but
/// every copy is in error or its daemon is down), so nobody is told to check
/// their typing for an item that exists.
pub fn no_copy_error(status: &crate::net::cluster::GlobalPinInfo, cluster_url: &str) -> Error {
    use crate::net::cluster::TrackerStatus;
    let mut states: Vec<String> = status
        .peer_map
        .values()
        .filter(|p| !matches!(p.status, TrackerStatus::Unpinned | TrackerStatus::Undefined))
        .map(|p| format!("{}: {}", p.peername, p.status.as_str()))
        .collect();
    if states.is_empty() {
        return Error::NotFound {
            url: cluster_url.to_string(),
            what: format!("A copy of {}", status.cid),
        };
    }
    states.sort();
    Error::Unavailable {
        cid: status.cid.clone(),
        detail: format!("none holds a copy it can send now; {}", states.join(", ")),
    }
}

/// Writes `cid` to `dest`, trying each source in turn until one sends a copy
/// that verifies. `dest` must not exist unless `replace` is set.
pub async fn retrieve(
    sources: &[Source],
    cid: &str,
    dest: &Path,
    replace: bool,
    mut on_event: impl FnMut(Event<'_>),
) -> Result<Retrieved> {
    let root = parse_cid(cid)?;
    crate::local::files::refuse_existing(dest, replace)?;
    // Name the user's path, not the temporary sibling a write would fail on.
    if let Some(parent) = dest.parent().filter(|p| !p.as_os_str().is_empty()) {
        if !parent.is_dir() {
            return Err(Error::Write {
                path: dest.to_path_buf(),
                source: std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    format!("the folder \"{}\" does not exist", parent.display()),
                ),
            });
        }
    }
    if sources.is_empty() {
        return Err(Error::Unavailable {
            cid: cid.to_string(),
            detail: "no partner holds a copy".into(),
        });
    }
    let mut failures: Vec<(String, Error)> = Vec::new();
    for source in sources {
        on_event(Event::Trying {
            source: &source.name,
        });
        match retrieve_from(source, &root, cid, dest, replace, &mut on_event).await {
            Ok(mut r) => {
                r.failed_sources = failures
                    .iter()
                    .map(|(name, e)| FailedSource {
                        source: name.clone(),
                        code: e.code(),
                        damaged: matches!(e, Error::VerificationFailed { .. }),
                        message: e.to_string(),
                    })
                    .collect();
                return Ok(r);
            }
            // Disk problems are not the partner's fault: trying others will not help.
            Err(e @ (Error::Write { .. } | Error::AlreadyExists { .. })) => return Err(e),
            Err(e) => {
                // Name the partner, not only its gateway address.
                let e = match e {
                    Error::VerificationFailed {
                        cid,
                        source_url,
                        detail,
                    } => Error::VerificationFailed {
                        cid,
                        source_url: format!("{} ({source_url})", source.name),
                        detail,
                    },
                    e => e,
                };
                on_event(Event::SourceFailed {
                    source: &source.name,
                    error: &e,
                });
                failures.push((source.name.clone(), e));
            }
        }
    }
    if failures.len() == 1 {
        if let Some((_, e)) = failures.pop() {
            return Err(e);
        }
    }
    if failures
        .iter()
        .all(|(_, e)| matches!(e, Error::VerificationFailed { .. }))
    {
        // Every copy is damaged: name every partner, not only the last.
        let names: Vec<&str> = failures.iter().map(|(n, _)| n.as_str()).collect();
        let every = format!("every partner ({})", names.join(", "));
        if let Some((_, Error::VerificationFailed { cid, detail, .. })) = failures.pop() {
            return Err(Error::VerificationFailed {
                cid,
                source_url: every,
                detail,
            });
        }
    }
    let detail = failures
        .iter()
        .map(|(name, e)| format!("{name}: {}", e.code()))
        .collect::<Vec<_>>()
        .join(", ");
    Err(Error::Unavailable {
        cid: cid.to_string(),
        detail,
    })
}

async fn retrieve_from(
    source: &Source,
    root: &Cid,
    cid: &str,
    dest: &Path,
    replace: bool,
    on_event: &mut impl FnMut(Event<'_>),
) -> Result<Retrieved> {
    let open = |c: Cid| {
        let kubo = source.kubo.clone();
        async move {
            let stream = kubo.fetch(&c.to_string(), GatewayFormat::Car).await?;
            Ok(tokio_util::io::StreamReader::new(
                stream.map_err(|e| std::io::Error::other(ErrorBox(e))),
            ))
        }
    };
    let source_url = source.kubo.gateway().unwrap_or_default().to_string();
    let tmp = PartialPath::new_replacing(dest, replace)?;
    let fast = file_stream::retrieve_file(&source.kubo, root, tmp.path(), &source_url, |p| {
        on_event(Event::Progress(p))
    })
    .await;
    let out = match fast {
        Ok(file_stream::Outcome::Done(progress)) => Unpacked {
            kind: ContentKind::File,
            progress,
        },
        // Disk trouble, or a partner that cannot be reached or has no copy:
        // the CAR path would meet the same.
        Err(
            e @ (Error::Write { .. }
            | Error::Unreachable { .. }
            | Error::TimedOut { .. }
            | Error::Unauthorized { .. }
            | Error::NotFound { .. }
            | Error::InvalidInput(_)),
        ) => return Err(e),
        // A folder, or bytes that did not check out: the CAR path checks
        // block by block and names a damaged block exactly.
        Ok(file_stream::Outcome::NotHandled) | Err(_) => {
            tmp.clear();
            let reader = open(*root).await?;
            unpack_dag(reader, root, tmp.path(), &source_url, Some(open), |p| {
                on_event(Event::Progress(p))
            })
            .await?
        }
    };
    tmp.commit()?;
    Ok(Retrieved {
        cid: cid.to_string(),
        path: dest.to_path_buf(),
        kind: out.kind,
        bytes: out.progress.bytes,
        files: out.progress.files,
        blocks: out.progress.blocks,
        source: source.name.clone(),
        failed_sources: Vec::new(),
    })
}
