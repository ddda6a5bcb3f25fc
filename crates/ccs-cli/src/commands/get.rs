//! `get`: save stored content to disk from a partner that holds it, verified
//! block by block, falling back to another partner when one fails.

use std::path::Path;

use ccs_core::Error;
use ccs_core::content::retrieve::{self, Event, Source};
use ccs_core::ops::sources;

use super::cancellable;
use crate::context::Context;
use crate::out;
use crate::{CliError, CliResult};

pub async fn run(ctx: &Context, cid: &str, output: &Path, force: bool) -> CliResult {
    super::check_cid(cid)?;
    if !force && std::fs::symlink_metadata(output).is_ok() {
        return Err(CliError::Plain {
            code: "already_exists",
            exit: 8,
            message: format!(
                "\"{}\" already exists. Choose another --output, or add --force to replace it.",
                output.display()
            ),
        });
    }
    let (node, profile) = ctx.node()?;
    let cluster = profile.cluster()?;

    // Who to read from: the core's rule, shared with the app (complete copies
    // first, then partners still receiving one; the named node first in each).
    let (sources, total): (Vec<Source>, Option<u64>) = match cluster.status(cid).await {
        Ok(st) => {
            let sources = sources::retrieval_sources(&st, &ctx.config, &node);
            if sources.is_empty() {
                return Err(retrieve::no_copy_error(&st, cluster.base_url()).into());
            }
            let total = st
                .metadata
                .get(ccs_core::content::provenance::BYTES)
                .and_then(|v| v.parse().ok());
            (sources, total)
        }
        // The cluster API is down but the node's gateway may still serve it.
        Err(e @ (Error::Unreachable { .. } | Error::TimedOut { .. })) => {
            if !ctx.json {
                eprintln!("{e} Trying its gateway directly.");
            }
            let own = Source {
                name: node.clone(),
                kubo: profile.kubo(),
            };
            (vec![own], None)
        }
        Err(e) => return Err(e.into()),
    };

    let bar = out::bar(
        ctx.json,
        total,
        if total.is_some() {
            "{spinner} [{wide_bar}] {bytes}/{total_bytes} · {msg} · {bytes_per_sec} · ETA {eta}"
        } else {
            "{spinner} {bytes} · {msg} · {bytes_per_sec}"
        },
    );
    let json = ctx.json;
    let result = cancellable(retrieve::retrieve(
        &sources,
        cid,
        output,
        force,
        |ev| match ev {
            Event::Trying { source } => bar.set_message(format!("from {source}")),
            Event::Progress(p) => {
                if let (None, Some(t)) = (total, p.total_bytes) {
                    if t > 0 {
                        bar.set_length(t);
                    }
                }
                bar.set_position(p.bytes);
                bar.set_message(format!("{} files · {} blocks verified", p.files, p.blocks));
            }
            Event::SourceFailed { source, error } => {
                bar.set_position(0);
                if !json {
                    let why = match error {
                        Error::VerificationFailed { detail, .. } => {
                            format!("its copy does not match its content ID ({detail}).")
                        }
                        e => e.to_string(),
                    };
                    bar.suspend(|| {
                        eprintln!("Could not get it from {source}: {why} Trying another partner.")
                    });
                }
            }
        },
    ))
    .await;
    bar.finish_and_clear();
    let got = match result {
        Ok(g) => g,
        Err(CliError::Core(Error::Cancelled)) => {
            return Err(CliError::Exit(130, "Cancelled; nothing was saved.".into()));
        }
        Err(e) => return Err(e),
    };
    if ctx.json {
        out::print_json(&got);
    } else {
        let what = match got.kind {
            retrieve::ContentKind::Folder => format!(
                "folder, {} file{}, {}",
                got.files,
                if got.files == 1 { "" } else { "s" },
                out::size(got.bytes)
            ),
            retrieve::ContentKind::File => format!("file, {}", out::size(got.bytes)),
            retrieve::ContentKind::Symlink => "link".into(),
        };
        eprintln!(
            "Saved {} ({what}) from {}; all {} blocks matched {}.",
            got.path.display(),
            got.source,
            got.blocks,
            got.cid
        );
    }
    // A damaged copy on a partner is worth telling even when the save worked
    // (the JSON carries it in `failed_sources`).
    if !ctx.json {
        for notice in got.damage_notices() {
            eprintln!("{} {notice}", out::warning_label());
        }
    }
    Ok(())
}
