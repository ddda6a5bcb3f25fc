//! `audit`: `ops::audit` with a line per partner's copy as it is checked
//! (JSON: the copies streamed into one document, then the totals); `node
//! check`: `ops::node::check` with a line per finding; `history`:
//! `ops::history::read`, the record's problems first, then its events;
//! `history --premis`: `ops::history::premis`, the problems on stderr and the
//! PREMIS document on stdout or in a file.

use std::io::Write;

use ccs_core::content::audit::{AuditMode, runs_for_coverage};
use ccs_core::ops::Session;
use ccs_core::ops::audit::{self, AuditRequest, CopyOutcome};

use super::cancel_on_ctrl_c;
use crate::args::{AuditArgs, HistoryArgs, HistoryType, NodeAction};
use crate::context::Context;
use crate::out;
use crate::{CliError, CliResult};

/// Samples per copy when `--all` is given without `--sample` or `--full`.
const DEFAULT_SAMPLES: u32 = 4;
/// Blocks of a 1 GiB item, for the coverage sentence.
const GIB_BLOCKS: u64 = 4096;

pub async fn run(ctx: &Context, a: AuditArgs) -> CliResult {
    let mode = match (a.full, a.sample) {
        (_, Some(n)) => AuditMode::Sample(n),
        (true, None) => AuditMode::Full,
        (false, None) if a.all => AuditMode::Sample(DEFAULT_SAMPLES),
        (false, None) => AuditMode::Full,
    };
    let mut request = AuditRequest::new(a.cids, mode);
    request.all = a.all;
    request.partner = a.partner;
    let json = ctx.json;
    // Every item: a line for each copy that is not verified, and a running
    // count on the terminal; named items: a line for every copy.
    let quiet_verified = a.all;
    let bar = out::bar(json, None, "{spinner} {msg}");
    let (mut checked, mut verified) = (0u64, 0u64);
    let mut first = true;
    let stdout = std::io::stdout();
    if json {
        print!("{{\"copies\":[");
    }
    let summary = audit::audit(&ctx.session, request, &cancel_on_ctrl_c(), |copy| {
        checked += 1;
        if copy.outcome == CopyOutcome::Verified {
            verified += 1;
        }
        bar.set_message(format!(
            "Checked {checked} copies: {verified} verified, {} not",
            checked - verified
        ));
        if json {
            let sep = if first { "" } else { "," };
            first = false;
            match serde_json::to_string(&copy) {
                Ok(s) => print!("{sep}\n{s}"),
                Err(e) => eprintln!("Could not write JSON ({e})."),
            }
            let _ = stdout.lock().flush();
            return;
        }
        let word = match copy.outcome {
            CopyOutcome::Verified => out::status_word(&out::cell("verified", 13)),
            CopyOutcome::Problems => console::style(out::cell("problems", 13)).red().to_string(),
            CopyOutcome::Unreachable => console::style(out::cell("not reached", 13))
                .red()
                .to_string(),
            CopyOutcome::NotAllocated => console::style(out::cell("not allocated", 13))
                .dim()
                .to_string(),
        };
        if quiet_verified && copy.outcome == CopyOutcome::Verified {
            return;
        }
        bar.suspend(|| {
            println!(
                "{word} {} {} ({})",
                out::cell(&copy.partner, 16),
                copy.name,
                copy.cid
            );
            if copy.outcome != CopyOutcome::Verified {
                println!("              {}", copy.message);
                for b in copy.check.bad_blocks.iter().take(10) {
                    let file = if b.file.is_empty() {
                        "the item"
                    } else {
                        &b.file
                    };
                    println!("              {:?} block {} ({file})", b.fault, b.cid);
                }
            }
        });
    })
    .await;
    bar.finish_and_clear();
    let summary = match summary {
        Ok(s) => s,
        Err(e) => {
            if json {
                println!("]}}");
            }
            return Err(e.into());
        }
    };
    if json {
        let totals = serde_json::to_string(&summary).unwrap_or_else(|_| "{}".into());
        println!("\n],\"summary\":{totals}}}");
    } else {
        println!(
            "Audited {} item(s): {} cop{} verified, {} with problems, {} could not be asked.",
            summary.items,
            summary.verified,
            if summary.verified == 1 { "y" } else { "ies" },
            summary.problems,
            summary.unreachable
        );
        if let AuditMode::Sample(n) = mode {
            println!(
                "A sampled audit checks {n} block(s) of each copy, chosen anew on each run: a bad block in a 1 GiB item is found within {} runs in 99 cases of 100 (use --full to check every block).",
                runs_for_coverage(GIB_BLOCKS, n, 0.99)
            );
        }
    }
    if let Some(p) = &summary.record_problem {
        eprintln!("{} {p}", out::warning_label());
    }
    if summary.problems > 0 {
        return Err(CliError::Exit(1, String::new()));
    }
    if summary.unreachable > 0 {
        return Err(CliError::Exit(
            3,
            format!(
                "{} cop{} could not be checked because the partner could not be reached; audit again when it is back online.",
                summary.unreachable,
                if summary.unreachable == 1 { "y" } else { "ies" }
            ),
        ));
    }
    Ok(())
}

/// `session`: this computer's settings when they can be read; the findings
/// are recorded through them.
pub async fn node(action: &NodeAction, session: Option<&Session>, json: bool) -> CliResult {
    use ccs_core::ops::node::{self, NodeCheckEvent, NodeCheckPhase, NodeCheckRequest};
    let NodeAction::Check { repair, ipfs_api } = action;
    let (repair, ipfs_api) = (*repair, ipfs_api.clone());
    let bar = out::bar(json, None, "{spinner} {msg}");
    let report = node::check(
        NodeCheckRequest { ipfs_api, repair },
        session,
        &cancel_on_ctrl_c(),
        |e| match e {
            NodeCheckEvent::Phase(p) => bar.set_message(match p {
                NodeCheckPhase::VerifyingBlocks => "Re-hashing every stored block…",
                NodeCheckPhase::CheckingPins => "Looking for missing blocks…",
                NodeCheckPhase::Fetching => "Fetching missing blocks from the other partners…",
            }),
            NodeCheckEvent::Blocks(n) => bar.set_message(format!("Re-hashed {n} blocks…")),
            NodeCheckEvent::Damaged(m) => {
                if !json {
                    bar.suspend(|| eprintln!("damaged: {m}"));
                }
            }
            NodeCheckEvent::Incomplete { cid, missing } => {
                if !json {
                    bar.suspend(|| eprintln!("incomplete: {cid} lacks {missing} block(s)"));
                }
            }
        },
    )
    .await;
    bar.finish_and_clear();
    let report = report?;
    if json {
        out::print_json(&report);
    } else {
        println!("{}", report.summary());
        if report.items_recorded > 0 {
            println!(
                "Recorded in the preservation record for {} item{}.",
                report.items_recorded,
                if report.items_recorded == 1 { "" } else { "s" }
            );
        }
    }
    if let Some(problem) = &report.record_problem {
        eprintln!("{problem}");
    }
    if report.healthy() {
        Ok(())
    } else {
        Err(CliError::Exit(1, String::new()))
    }
}

pub async fn history(ctx: &Context, a: HistoryArgs) -> CliResult {
    use ccs_core::content::history::{EventOutcome, EventType};
    use ccs_core::ops::history::{self, HistoryFilter};
    if a.premis {
        return premis(ctx, a).await;
    }
    let filter = HistoryFilter {
        item: a.cid,
        event_type: a.event_type.map(|t| match t {
            HistoryType::Ingestion => EventType::Ingestion,
            HistoryType::FixityCheck => EventType::FixityCheck,
            HistoryType::Recovery => EventType::Recovery,
            HistoryType::Dissemination => EventType::Dissemination,
            HistoryType::MetadataModification => EventType::MetadataModification,
            HistoryType::Deletion => EventType::Deletion,
            HistoryType::PolicyAssignment => EventType::PolicyAssignment,
            HistoryType::Replication => EventType::Replication,
            HistoryType::Deaccession => EventType::Deaccession,
        }),
        partner: a.partner,
        person: a.person,
        limit: None,
    };
    let bar = out::bar(ctx.json, None, "{spinner} Reading the preservation record…");
    let report = history::read(&ctx.session, &filter).await;
    bar.finish_and_clear();
    let report = report?;
    if ctx.json {
        out::print_json(&report);
    } else {
        for p in &report.problems {
            eprintln!(
                "{} {}",
                console::style("The record is damaged:").red().bold(),
                p.message
            );
        }
        for e in &report.events {
            let outcome = match e.outcome {
                EventOutcome::Success => console::style("success").green().to_string(),
                EventOutcome::Failure => console::style("failure").red().to_string(),
            };
            let partner = e
                .partner
                .as_deref()
                .map(|p| format!(" [{p}]"))
                .unwrap_or_default();
            println!(
                "{} {} {} {}{} {}",
                out::cell(&out::when(Some(&e.at)), 16),
                out::cell(e.event_type.premis(), 21),
                outcome,
                e.item,
                partner,
                e.person
            );
            println!("                 {}", e.detail);
        }
        eprintln!(
            "{} event(s); the record holds {} batch(es) from {} writer(s){}.",
            report.events.len(),
            report.batches,
            report.writers,
            if report.problems.is_empty() {
                ", every chain whole"
            } else {
                ""
            }
        );
    }
    if report.problems.is_empty() {
        Ok(())
    } else {
        Err(CliError::Exit(1, String::new()))
    }
}

/// `history --premis CID [--output FILE [--force]]`: the record's problems on
/// stderr (exit 1, as `history` does), the document all the same.
async fn premis(ctx: &Context, a: HistoryArgs) -> CliResult {
    let Some(cid) = a.cid else {
        return Err(CliError::Usage(
            "--premis needs the content ID of the item to export: ccs history --premis CID.".into(),
        ));
    };
    super::check_cid(&cid)?;
    if ctx.json && a.output.is_none() {
        return Err(CliError::Usage(
            "With --premis the XML is written to standard output, so --json needs --output FILE."
                .into(),
        ));
    }
    // Refused before the record is read, not after the wait.
    if let Some(path) = &a.output {
        ccs_core::local::files::refuse_existing(path, a.force).map_err(|e| {
            super::already_exists(e, "Choose another --output, or add --force to replace it.")
        })?;
    }
    let bar = out::bar(ctx.json, None, "{spinner} Reading the preservation record…");
    let doc = ccs_core::ops::history::premis(&ctx.session, &cid, &[]).await;
    bar.finish_and_clear();
    let doc = doc?;
    for p in &doc.problems {
        eprintln!(
            "{} {}",
            console::style("The record is damaged:").red().bold(),
            p.message
        );
    }
    match &a.output {
        Some(path) => {
            // A temporary sibling renamed into place: a file at PATH is
            // always a whole document.
            ccs_core::local::settings::write_private(path, doc.xml.as_bytes())?;
            if ctx.json {
                out::print_json(&serde_json::json!({
                    "output": path,
                    "events": doc.events,
                    "problems": doc.problems,
                }));
            } else {
                eprintln!(
                    "Wrote the history of {cid} ({} event(s)) as PREMIS 3 to {}.",
                    doc.events,
                    path.display()
                );
            }
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(doc.xml.as_bytes())
                .and_then(|()| stdout.flush())
                .map_err(|e| ccs_core::Error::Write {
                    path: "standard output".into(),
                    source: e,
                })?;
        }
    }
    if doc.problems.is_empty() {
        Ok(())
    } else {
        Err(CliError::Exit(1, String::new()))
    }
}
