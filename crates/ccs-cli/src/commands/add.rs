//! `add`: pre-scan, upload with progress, provenance, optional wait for copies.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use ccs_core::Error;
use ccs_core::content::library::{Health, Item};
use ccs_core::net::cluster::{AddOptions, AddTally, ClusterClient, TrackerStatus};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::cancellable;
use ccs_core::local::journal::{Ending, JobInputs, JobKind, Journal};

use crate::args::AddArgs;
use crate::context::Context;
use crate::out;
use crate::{CliError, CliResult};

/// How long `--wait` tolerates a partner that cannot be reached.
const PARTNER_GRACE: Duration = Duration::from_secs(30);

pub const CLIENT: &str = concat!("community-cloud-storage/", env!("CARGO_PKG_VERSION"));

fn parse_metadata(items: &[String]) -> CliResult<BTreeMap<String, String>> {
    let mut m = BTreeMap::new();
    for item in items {
        let (k, v) = item.split_once('=').ok_or_else(|| {
            CliError::Usage(format!(
                "--metadata needs KEY=VALUE, e.g. --metadata collection=parish (got \"{item}\")."
            ))
        })?;
        let k = k.trim();
        if k.is_empty()
            || !k
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        {
            return Err(CliError::Usage(format!(
                "Metadata keys may use letters, digits, '-', '_' and '.' only (got \"{k}\")."
            )));
        }
        m.insert(k.to_string(), v.to_string());
    }
    Ok(m)
}

pub async fn run(ctx: &Context, a: AddArgs) -> CliResult {
    let metadata = parse_metadata(&a.metadata)?;
    for (flag, v) in [
        ("--replication-min", a.replication_min),
        ("--replication-max", a.replication_max),
    ] {
        if v.is_some_and(|v| v < -1) {
            return Err(CliError::Usage(format!(
                "{flag} must be -1 (every partner), 0 (the network's default) or a number of copies."
            )));
        }
    }
    if let (Some(min), Some(max)) = (a.replication_min, a.replication_max) {
        if max != -1 && max != 0 && (min > max || min == -1) {
            return Err(CliError::Usage(
                "--replication-min cannot be more than --replication-max.".into(),
            ));
        }
    }
    let journal = Journal::open_default();
    let job = start_job(&journal, &a, &metadata);
    let stored = scan_and_upload(ctx, &a, metadata).await;
    if let Some(id) = &job {
        let ending = match &stored {
            Ok((.., added)) => Ending::Done(added.cid.clone()),
            Err(CliError::Core(e)) => Ending::from_error(e),
            Err(e) => Ending::Failed {
                message: e.message(),
                problems: Vec::new(),
            },
        };
        if let Err(e) = journal.finish(id, ending) {
            eprintln!(
                "{} the job list could not be updated: {e}",
                out::error_label()
            );
        }
    }
    if let Err(CliError::Core(Error::ScanProblems {
        problems, count, ..
    })) = &stored
    {
        for p in problems {
            eprintln!("  {}: {}", p.path, p.reason);
        }
        let more = count.saturating_sub(problems.len() as u64);
        if more > 0 {
            eprintln!("  … and {more} more");
        }
    }
    let (node, cluster, scan, options, added) = stored?;

    let mut report = serde_json::json!({
        "cid": added.cid,
        "name": options.pin.name,
        "node": node,
        "files": scan.files,
        "folders": scan.folders,
        "bytes": scan.bytes,
        "dag_size": added.size,
        "entries": added.entries,
        "allocations": added.allocations,
        "metadata": options.pin.metadata,
    });
    if !ctx.json {
        eprintln!(
            "Stored \"{}\": {} file{}, {}.",
            options.pin.name.as_deref().unwrap_or(""),
            scan.files,
            if scan.files == 1 { "" } else { "s" },
            out::size(scan.bytes)
        );
        println!("{}", added.cid);
    }
    if a.wait {
        let item = wait_for_copies(ctx, &cluster, &added.cid).await;
        match item {
            Ok(item) => {
                report["copies"] = item.copies.into();
                report["target"] = item.target.into();
                if ctx.json {
                    out::print_json(&report);
                }
                if item.health != Health::Ok {
                    let failed: Vec<String> = item
                        .partners
                        .iter()
                        .filter(|p| p.status.is_error())
                        .map(|p| format!("{}: {} {}", p.peername, p.status.as_str(), p.error))
                        .collect();
                    return Err(CliError::Incomplete(format!(
                        "Stored, but only {} of {} copies were made ({}). Run `ccs repair` to retry, or `ccs status {}` to check later.",
                        item.copies,
                        item.target,
                        failed.join("; "),
                        added.cid
                    )));
                }
                if !ctx.json {
                    eprintln!("All {} copies are in place.", item.copies);
                }
            }
            Err(CliError::Core(Error::Cancelled)) => {
                if ctx.json {
                    out::print_json(&report);
                }
                return Err(CliError::Incomplete(format!(
                    "Stopped waiting; {} is stored and copies continue in the background (check with `ccs status {}`).",
                    added.cid, added.cid
                )));
            }
            Err(e) => return Err(e),
        }
    } else if ctx.json {
        out::print_json(&report);
    }
    Ok(())
}

/// Records the add in the job journal (shared with the app); `None` (with a
/// warning) when the journal cannot be written: the add itself goes ahead.
fn start_job(
    journal: &Journal,
    a: &AddArgs,
    metadata: &BTreeMap<String, String>,
) -> Option<String> {
    let mut metadata = metadata.clone();
    let inputs = JobInputs {
        paths: ccs_core::content::provenance::absolute_paths(&a.paths),
        title: a.name.clone().unwrap_or_default(),
        collection: metadata.remove("collection").unwrap_or_default(),
        description: metadata.remove("description").unwrap_or_default(),
        metadata,
        ..Default::default()
    };
    match journal.start(None, JobKind::Add, CLIENT, inputs) {
        Ok(r) => Some(r.id),
        Err(e) => {
            eprintln!(
                "{} this add is not recorded in the job list: {e}",
                out::error_label()
            );
            None
        }
    }
}

type Stored = (
    String,
    ClusterClient,
    ccs_core::content::ingest::Scan,
    AddOptions,
    ccs_core::net::cluster::AddResult,
);

/// Pre-scan (every problem listed; nothing is sent when there is one), then
/// the upload with progress.
async fn scan_and_upload(
    ctx: &Context,
    a: &AddArgs,
    metadata: BTreeMap<String, String>,
) -> CliResult<Stored> {
    let (node, cluster) = ctx.cluster()?;

    // Pre-scan: what is about to be stored.
    let spinner = out::bar(ctx.json, None, "{spinner} Scanning… {msg}");
    let paths = a.paths.clone();
    let sp = spinner.clone();
    let scan = tokio::task::spawn_blocking(move || {
        ccs_core::content::ingest::scan(&paths, |s| sp.set_message(format!("{} files", s.files)))
    })
    .await
    .map_err(|e| {
        CliError::Core(Error::InvalidInput(format!(
            "The folder scan stopped unexpectedly ({e})."
        )))
    })??;
    spinner.finish_and_clear();

    let mut options = AddOptions {
        local: a.local,
        ..AddOptions::default()
    };
    options.pin.name = Some(match &a.name {
        Some(n) => n.clone(),
        None => {
            let names: Result<Vec<String>, Error> = a
                .paths
                .iter()
                .map(|p| ccs_core::content::ingest::upload_name(p))
                .collect();
            let mut n = names?.join(", ");
            if n.chars().count() > 120 {
                n = n.chars().take(119).collect::<String>() + "…";
            }
            n
        }
    });
    options.pin.replication_min = a.replication_min;
    options.pin.replication_max = a.replication_max;
    options.pin.metadata = metadata;
    ccs_core::content::provenance::record(&mut options, &a.paths, &scan, CLIENT);

    if !ctx.json {
        eprintln!(
            "Adding {} file{} ({}) to {node}…",
            scan.files,
            if scan.files == 1 { "" } else { "s" },
            out::size(scan.bytes)
        );
    }
    let bar = out::bar(
        ctx.json,
        Some(scan.bytes),
        "{spinner} [{wide_bar}] {bytes}/{total_bytes} · {msg} · {bytes_per_sec} · ETA {eta}",
    );
    let mut tally = AddTally::default();
    let total_files = scan.files;
    let added = cancellable(cluster.add(&a.paths, &options, |o| {
        tally.update(o);
        bar.set_position(tally.bytes().min(scan.bytes));
        bar.set_message(format!(
            "{}/{} files",
            tally.entries().min(total_files),
            total_files
        ));
    }))
    .await;
    bar.finish_and_clear();
    let added = match added {
        Ok(a) => a,
        Err(CliError::Core(Error::Cancelled)) => {
            return Err(CliError::Core(Error::Cancelled));
        }
        Err(e) => return Err(e),
    };

    Ok((node, cluster, scan, options, added))
}

/// Polls the status until the target number of copies is pinned, or a
/// partner reports an error, with a live line per partner.
pub async fn wait_for_copies(ctx: &Context, cluster: &ClusterClient, cid: &str) -> CliResult<Item> {
    let multi = MultiProgress::new();
    if !out::progress_enabled(ctx.json) {
        multi.set_draw_target(ProgressDrawTarget::hidden());
    }
    let style = ProgressStyle::with_template("  {spinner} {prefix:<16} {msg}")
        .unwrap_or_else(|_| ProgressStyle::default_spinner());
    let mut lines: BTreeMap<String, (ProgressBar, String)> = BTreeMap::new();
    let plain = !ctx.json && !out::progress_enabled(ctx.json);
    let mut error_since: Option<Instant> = None;
    let poll = async {
        loop {
            let item = Item::from_status(cluster.status(cid).await?);
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
            if item.health == Health::Ok {
                return Ok::<Item, Error>(item);
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
    };
    let r = cancellable(poll).await;
    for (pb, _) in lines.values() {
        pb.finish();
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_must_be_key_equals_value() {
        let m = parse_metadata(&["collection=parish".into(), "note=a=b".into()]).unwrap();
        assert_eq!(m["note"], "a=b");
        assert!(parse_metadata(&["novalue".into()]).is_err());
        assert!(parse_metadata(&["bad key=x".into()]).is_err());
        assert!(parse_metadata(&["=x".into()]).is_err());
    }
}
