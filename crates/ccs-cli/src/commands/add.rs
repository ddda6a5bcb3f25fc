//! `add`: translates flags into an `ops::add` request and its events into
//! progress bars; `--wait` follows the copies with a line per partner.

use std::collections::BTreeMap;
use std::time::Duration;

use ccs_core::content::library::{Health, Item};
use ccs_core::ops::add::{self, AddEvent, AddRequest};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::cancel_on_ctrl_c;
use crate::args::AddArgs;
use crate::context::Context;
use crate::out;
use crate::{CliError, CliResult};

/// `KEY=VALUE` pairs; the keys are checked by the core.
fn parse_metadata(items: &[String]) -> CliResult<BTreeMap<String, String>> {
    let mut m = BTreeMap::new();
    for item in items {
        let (k, v) = item.split_once('=').ok_or_else(|| {
            CliError::Usage(format!(
                "--metadata needs KEY=VALUE, e.g. --metadata collection=parish (got \"{item}\")."
            ))
        })?;
        m.insert(k.trim().to_string(), v.to_string());
    }
    Ok(m)
}

pub async fn run(ctx: &Context, a: AddArgs) -> CliResult {
    let mut metadata = parse_metadata(&a.metadata)?;
    let request = AddRequest {
        paths: a.paths.clone(),
        title: a.name.clone().unwrap_or_default(),
        collection: metadata.remove("collection").unwrap_or_default(),
        description: metadata.remove("description").unwrap_or_default(),
        metadata,
        replication_min: a.replication_min,
        replication_max: a.replication_max,
        local: a.local,
        job_id: None,
        store_invalid_bag: a.force,
        skip_unreadable: a.skip_unreadable,
    };
    let cancel = cancel_on_ctrl_c();
    let spinner = out::bar(ctx.json, None, "{spinner} Scanning… {msg}");
    let mut bar: Option<ProgressBar> = None;
    let mut files_total_seen = 0;
    let json = ctx.json;
    let added = add::add(&ctx.session, request, &cancel, |e| match e {
        AddEvent::Started { .. } => {}
        AddEvent::Scanning { files } => spinner.set_message(format!("{files} files")),
        AddEvent::Problem(p) => spinner.suspend(|| eprintln!("  {}: {}", p.path, p.reason)),
        AddEvent::LeftOut(p) => {
            spinner.suspend(|| eprintln!("  left out: {}: {}", p.path, p.reason))
        }
        AddEvent::Uploading {
            node,
            files_total,
            bytes_total,
            ..
        } => {
            spinner.finish_and_clear();
            if !json {
                eprintln!(
                    "Adding {files_total} file{} ({}) to {node}…",
                    if files_total == 1 { "" } else { "s" },
                    out::size(bytes_total)
                );
            }
            let b = out::bar(
                json,
                Some(bytes_total),
                "{spinner} [{wide_bar}] {decimal_bytes}/{decimal_total_bytes} · {msg} · {decimal_bytes_per_sec} · ETA {eta}",
            );
            b.set_message(format!("0/{files_total} files"));
            files_total_seen = files_total;
            bar = Some(b);
        }
        AddEvent::Progress { files, bytes } => {
            if let Some(b) = &bar {
                b.set_position(bytes);
                b.set_message(format!("{files}/{files_total_seen} files"));
            }
        }
    })
    .await;
    spinner.finish_and_clear();
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    if let Err(ccs_core::Error::ScanProblems {
        problems, count, ..
    }) = &added
    {
        let more = count.saturating_sub(problems.len() as u64);
        if more > 0 {
            eprintln!("  … and {more} more");
        }
        eprintln!(
            "To store the other files and leave these out, add --skip-unreadable (they are then named in the item's history)."
        );
    }
    let added = added.map_err(|e| match e {
        e @ ccs_core::Error::InvalidBag { .. } => CliError::Plain {
            code: e.code(),
            message: format!("{e} To store it as it is, add --force."),
        },
        e => e.into(),
    })?;

    let mut report = serde_json::to_value(&added).unwrap_or_default();
    if !ctx.json {
        eprintln!(
            "Stored \"{}\": {} file{}, {}.",
            added.name,
            added.files,
            if added.files == 1 { "" } else { "s" },
            out::size(added.bytes)
        );
        println!("{}", added.cid);
        if added.skipped > 0 {
            eprintln!(
                "{} file{} that could not be read {} left out; the item's fixity manifest and history name {}.",
                added.skipped,
                if added.skipped == 1 { "" } else { "s" },
                if added.skipped == 1 { "was" } else { "were" },
                if added.skipped == 1 { "it" } else { "them" },
            );
        }
        if let Some(state) = added.metadata.get(ccs_core::ops::bag::BAGIT_KEY) {
            eprintln!(
                "It is a BagIt bag ({state}); the whole bag is stored and its bag-info.txt became the item's metadata."
            );
        }
    }
    if let Some(p) = &added.record_problem {
        eprintln!("{} {p}", out::warning_label());
    }
    if !a.wait {
        if ctx.json {
            out::print_json(&report);
        }
        return Ok(());
    }
    match wait_for_copies(ctx, &added.cid).await {
        Ok(item) => {
            report["copies"] = item.copies.into();
            report["target"] = item.target.into();
            if ctx.json {
                out::print_json(&report);
            }
            if item.health != Health::Ok {
                return Err(CliError::Incomplete(format!(
                    "{} Check it with `ccs status {}`.",
                    add::incomplete(&item),
                    added.cid
                )));
            }
            if !ctx.json {
                eprintln!("All {} copies are in place.", item.copies);
            }
            Ok(())
        }
        Err(CliError::Core(ccs_core::Error::Cancelled)) => {
            if ctx.json {
                out::print_json(&report);
            }
            Err(CliError::Incomplete(format!(
                "Stopped waiting; {} is stored and copies continue in the background (check with `ccs status {}`).",
                added.cid, added.cid
            )))
        }
        Err(e) => Err(e),
    }
}

/// Follows the copies with a live line per partner (a plain line per change
/// when not on a terminal).
pub async fn wait_for_copies(ctx: &Context, cid: &str) -> CliResult<Item> {
    let multi = MultiProgress::new();
    if !out::progress_enabled(ctx.json) {
        multi.set_draw_target(ProgressDrawTarget::hidden());
    }
    let style = ProgressStyle::with_template("  {spinner} {prefix:<16} {msg}")
        .unwrap_or_else(|_| ProgressStyle::default_spinner());
    let mut lines: BTreeMap<String, (ProgressBar, String)> = BTreeMap::new();
    let plain = !ctx.json && !out::progress_enabled(ctx.json);
    let cancel = cancel_on_ctrl_c();
    let r = add::wait_for_copies(&ctx.session, cid, &cancel, |item| {
        for p in &item.partners {
            let text = if p.error.is_empty() {
                out::status_word(p.status.as_str())
            } else {
                format!("{} ({})", out::status_word(p.status.as_str()), p.error)
            };
            let entry = lines.entry(p.peer_id.clone()).or_insert_with(|| {
                let pb = multi.add(ProgressBar::new_spinner());
                pb.set_style(style.clone());
                pb.set_prefix(p.peername.clone());
                pb.enable_steady_tick(Duration::from_millis(200));
                (pb, String::new())
            });
            if entry.1 != text {
                entry.0.set_message(text.clone());
                if plain {
                    eprintln!("  {:<16} {text}", p.peername);
                }
                entry.1 = text;
            }
        }
    })
    .await;
    for (pb, _) in lines.values() {
        pb.finish();
    }
    Ok(r?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_must_be_key_equals_value() {
        let m = parse_metadata(&["collection=parish".into(), "note=a=b".into()]).unwrap();
        assert_eq!(m["note"], "a=b");
        assert!(parse_metadata(&["novalue".into()]).is_err());
    }
}
