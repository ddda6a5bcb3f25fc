//! `get`: translates an `ops::retrieve` request (verified block by block,
//! falling back to another partner) into a progress bar and a report; with
//! `--bag`, an `ops::bag::export` (the same retrieval, made into a BagIt bag).

use std::path::Path;

use ccs_core::content::retrieve::ContentKind;
use ccs_core::ops::bag::{self, BagEvent, BagRequest, FixityUse};
use ccs_core::ops::retrieve::{self, RetrieveEvent, RetrieveRequest};

use super::{already_exists, cancel_on_ctrl_c};
use crate::context::Context;
use crate::out;
use crate::{CliError, CliResult};

pub async fn run(
    ctx: &Context,
    cid: &str,
    path: Option<String>,
    output: &Path,
    force: bool,
) -> CliResult {
    super::check_cid(cid)?;
    let request = RetrieveRequest {
        cid: cid.to_string(),
        path,
        destination: output.to_path_buf(),
        replace: force,
        job_id: None,
    };
    let mut shown = Shown::new(ctx.json);
    let cancel = cancel_on_ctrl_c();
    let result = retrieve::retrieve(&ctx.session, request, &cancel, |ev| shown.retrieve(ev)).await;
    shown.bar.finish_and_clear();
    let (got, record_problem) = match result {
        Ok(g) => (g.retrieved, g.record_problem),
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
    if let Some(p) = &record_problem {
        eprintln!("{} {p}", out::warning_label());
    }
    Ok(())
}

/// `get --bag DIR`: the item as a BagIt bag (`ops::bag::export`).
pub async fn bag(ctx: &Context, cid: &str, dir: &Path, force: bool) -> CliResult {
    super::check_cid(cid)?;
    let request = BagRequest {
        cid: cid.to_string(),
        destination: dir.to_path_buf(),
        replace: force,
        job_id: None,
    };
    let mut shown = Shown::new(ctx.json);
    let mut hashing = false;
    let cancel = cancel_on_ctrl_c();
    let result = bag::export(&ctx.session, request, &cancel, |ev| match ev {
        BagEvent::Retrieve(ev) => shown.retrieve(ev),
        BagEvent::Hashing { bytes, total } => {
            if !hashing {
                shown.bar.finish_and_clear();
                shown.bar = out::bar(
                    ctx.json,
                    Some(total),
                    "{spinner} [{wide_bar}] {decimal_bytes}/{decimal_total_bytes} · checksums for the bag · ETA {eta}",
                );
                hashing = true;
            }
            shown.bar.set_position(bytes);
        }
    })
    .await;
    shown.bar.finish_and_clear();
    let made = match result {
        Ok(made) => made,
        Err(ccs_core::Error::Cancelled) => {
            return Err(CliError::Exit(130, "Cancelled; no bag was written.".into()));
        }
        Err(e) => {
            return Err(already_exists(
                e,
                "Choose another --bag folder, or add --force to replace it.",
            ));
        }
    };
    if ctx.json {
        out::print_json(&made);
    } else {
        let checked = match made.fixity {
            FixityUse::Checked => "every file matched the checksums taken when it was added",
            FixityUse::NoManifest => {
                "the item has no checksums from when it was added, so its content ID was the only check"
            }
        };
        eprintln!(
            "Wrote the bag {} ({} file{}, {}) from {}; {checked}.",
            made.path.display(),
            made.files,
            if made.files == 1 { "" } else { "s" },
            out::size(made.bytes),
            made.source,
        );
        match (made.premis_events, &made.premis_problem) {
            (Some(n), _) => eprintln!(
                "Its history ({n} event{}) is in {}.",
                if n == 1 { "" } else { "s" },
                ccs_core::content::bagit::PREMIS_PATH
            ),
            (None, Some(why)) => {
                eprintln!("{} The bag holds no history: {why}", out::warning_label())
            }
            (None, None) => {}
        }
        for f in made.failed_sources.iter().filter(|f| f.damaged) {
            eprintln!(
                "{} {}'s copy is damaged ({}); the bag was made from {}'s.",
                out::warning_label(),
                f.source,
                f.message,
                made.source
            );
        }
    }
    if let Some(p) = &made.record_problem {
        eprintln!("{} {p}", out::warning_label());
    }
    // The history was read from a damaged record: the bag is written, but
    // this must be said and not pass as all well.
    if !made.record_problems.is_empty() {
        for p in &made.record_problems {
            eprintln!("{} {}", out::warning_label(), p.message);
        }
        return Err(CliError::Incomplete(
            "The bag is written, but the preservation record its history came from has problems (listed above); run `ccs history` to see them.".into(),
        ));
    }
    Ok(())
}

/// A retrieval's progress on the terminal (hidden in JSON mode).
struct Shown {
    bar: indicatif::ProgressBar,
    known_total: bool,
    json: bool,
}

impl Shown {
    fn new(json: bool) -> Self {
        Self {
            bar: out::bar(
                json,
                None,
                "{spinner} {decimal_bytes} · {msg} · {decimal_bytes_per_sec}",
            ),
            known_total: false,
            json,
        }
    }

    fn retrieve(&mut self, ev: RetrieveEvent) {
        match ev {
            RetrieveEvent::Started { .. } => {}
            RetrieveEvent::ClusterUnreachable { message } => {
                if !self.json {
                    self.bar
                        .suspend(|| eprintln!("{message} Trying its gateway directly."));
                }
            }
            RetrieveEvent::Size { bytes } => {
                self.bar = out::bar(
                    self.json,
                    Some(bytes),
                    "{spinner} [{wide_bar}] {decimal_bytes}/{decimal_total_bytes} · {msg} · {decimal_bytes_per_sec} · ETA {eta}",
                );
                self.known_total = true;
            }
            RetrieveEvent::Trying { source } => self.bar.set_message(format!("from {source}")),
            RetrieveEvent::Progress(p) => {
                if let (false, Some(t)) = (self.known_total, p.total_bytes) {
                    if t > 0 {
                        self.bar.set_length(t);
                    }
                }
                self.bar.set_position(p.bytes);
                self.bar
                    .set_message(format!("{} files · {} blocks verified", p.files, p.blocks));
            }
            RetrieveEvent::SourceFailed {
                source,
                damaged,
                message,
                ..
            } => {
                self.bar.set_position(0);
                if !self.json {
                    let why = match damaged {
                        Some(detail) => {
                            format!("its copy does not match its content ID ({detail}).")
                        }
                        None => message,
                    };
                    self.bar.suspend(|| {
                        eprintln!("Could not get it from {source}: {why} Trying another partner.")
                    });
                }
            }
        }
    }
}

/// `contents CID`: every file of the item with its size, and what was left out.
pub async fn contents(ctx: &Context, cid: &str) -> CliResult {
    super::check_cid(cid)?;
    let listed = ccs_core::ops::contents::contents(&ctx.session, cid).await?;
    if ctx.json {
        out::print_json(&listed);
        return Ok(());
    }
    for f in &listed.files {
        println!("{:>10}  {}", out::size(f.size), f.path);
    }
    eprintln!(
        "{} file{}, {}{}.",
        listed.files.len(),
        if listed.files.len() == 1 { "" } else { "s" },
        out::size(listed.bytes),
        if listed.single_file {
            " (the item is this one file)"
        } else {
            ""
        }
    );
    if listed.skipped > 0 {
        eprintln!(
            "Left out when it was added, because {} could not be read:",
            if listed.skipped == 1 { "it" } else { "they" }
        );
        for f in &listed.skipped_files {
            eprintln!("  {}: {}", f.path, f.reason);
        }
        let more = listed.skipped - listed.skipped_files.len() as u64;
        if more > 0 {
            eprintln!("  … and {more} more");
        }
    }
    Ok(())
}
