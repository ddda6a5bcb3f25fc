//! `get`: translates an `ops::retrieve` request (verified block by block,
//! falling back to another partner) into a progress bar and a report.

use std::path::Path;

use ccs_core::content::retrieve::ContentKind;
use ccs_core::ops::retrieve::{self, RetrieveEvent, RetrieveRequest};

use super::{already_exists, cancel_on_ctrl_c};
use crate::context::Context;
use crate::out;
use crate::{CliError, CliResult};

pub async fn run(ctx: &Context, cid: &str, output: &Path, force: bool) -> CliResult {
    super::check_cid(cid)?;
    let request = RetrieveRequest {
        cid: cid.to_string(),
        destination: output.to_path_buf(),
        replace: force,
        job_id: None,
    };
    let json = ctx.json;
    let mut bar = out::bar(json, None, "{spinner} {bytes} · {msg} · {bytes_per_sec}");
    let mut known_total = false;
    let cancel = cancel_on_ctrl_c();
    let result = retrieve::retrieve(&ctx.session, request, &cancel, |ev| match ev {
        RetrieveEvent::Started { .. } => {}
        RetrieveEvent::ClusterUnreachable { message } => {
            if !json {
                bar.suspend(|| eprintln!("{message} Trying its gateway directly."));
            }
        }
        RetrieveEvent::Size { bytes } => {
            bar = out::bar(
                json,
                Some(bytes),
                "{spinner} [{wide_bar}] {bytes}/{total_bytes} · {msg} · {bytes_per_sec} · ETA {eta}",
            );
            known_total = true;
        }
        RetrieveEvent::Trying { source } => bar.set_message(format!("from {source}")),
        RetrieveEvent::Progress(p) => {
            if let (false, Some(t)) = (known_total, p.total_bytes) {
                if t > 0 {
                    bar.set_length(t);
                }
            }
            bar.set_position(p.bytes);
            bar.set_message(format!("{} files · {} blocks verified", p.files, p.blocks));
        }
        RetrieveEvent::SourceFailed {
            source,
            damaged,
            message,
            ..
        } => {
            bar.set_position(0);
            if !json {
                let why = match damaged {
                    Some(detail) => format!("its copy does not match its content ID ({detail})."),
                    None => message,
                };
                bar.suspend(|| {
                    eprintln!("Could not get it from {source}: {why} Trying another partner.")
                });
            }
        }
    })
    .await;
    bar.finish_and_clear();
    let got = match result {
        Ok(g) => g.retrieved,
        Err(ccs_core::Error::Cancelled) => {
            return Err(CliError::Exit(130, "Cancelled; nothing was saved.".into()));
        }
        Err(e) => {
            return Err(already_exists(
                e,
                "Choose another --output, or add --force to replace it.",
            ));
        }
    };
    if ctx.json {
        out::print_json(&got);
    } else {
        let what = match got.kind {
            ContentKind::Folder => format!(
                "folder, {} file{}, {}",
                got.files,
                if got.files == 1 { "" } else { "s" },
                out::size(got.bytes)
            ),
            ContentKind::File => format!("file, {}", out::size(got.bytes)),
            ContentKind::Symlink => "link".into(),
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
