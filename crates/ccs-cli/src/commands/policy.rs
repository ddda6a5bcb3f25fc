//! `policy show` and `policy set`: the rules every member follows
//! (`ops::policy`; the settings, their words and their checks are the core's).

use ccs_core::ops::policy::{self, PolicyUpdate, PolicyView};

use super::meta::parse_pairs;
use crate::context::Context;
use crate::out;
use crate::{CliError, CliResult};

fn print_view(view: &PolicyView) {
    let doc = &view.document;
    match (&doc.set_by, &doc.set_at) {
        (Some(by), Some(at)) if view.stored => {
            println!(
                "Network policy, version {} (set by {by}, {at}):",
                doc.version
            )
        }
        _ => println!("Network policy: nobody has set one, so these defaults apply:"),
    }
    for s in &view.settings {
        println!(
            "  {} {}  {}",
            out::cell(&s.key, 21),
            out::cell(&s.value, 16),
            console::style(&s.meaning).dim()
        );
    }
}

pub async fn show(ctx: &Context) -> CliResult {
    let view = policy::show(&ctx.session).await?;
    if ctx.json {
        out::print_json(&view);
    } else {
        print_view(&view);
    }
    Ok(())
}

pub async fn set(ctx: &Context, pairs: &[String]) -> CliResult {
    let words = parse_pairs(pairs)?.into_iter().collect();
    let outcome = policy::set(&ctx.session, PolicyUpdate::Words(words)).await?;
    if let Some(said) = &outcome.replaced_unreadable {
        eprintln!("{} {said}", out::warning_label());
    }
    if ctx.json {
        out::print_json(&outcome);
    } else if outcome.changes.is_empty() && outcome.replaced_unreadable.is_none() {
        println!("The policy already says this; nothing was changed.");
    } else {
        for c in &outcome.changes {
            println!("  {} {} -> {}", out::cell(&c.key, 21), c.old, c.new);
        }
        println!(
            "The network's policy is now version {}; every member follows it.",
            outcome.view.document.version
        );
    }
    if let Some(problem) = &outcome.record_problem {
        eprintln!("{} {problem}", out::warning_label());
    }
    Ok(())
}

/// `ensure [--dry-run]`: every item brought within the policy; a table of
/// each partner's copies before and after, the items changed, waiting or
/// out of reach. Exit 0 nothing to do, 1 changed (or would), 2 errors.
pub async fn ensure(ctx: &Context, dry_run: bool) -> CliResult {
    let pb = out::bar(ctx.json, None, "{spinner} {msg}");
    pb.set_message("Checking every item against the network's policy...");
    let report =
        ccs_core::ops::ensure::ensure(&ctx.session, dry_run, &super::cancel_on_ctrl_c(), |p| {
            pb.set_message(format!(
                "{} items checked, {} to change",
                p.items_checked, p.changes
            ))
        })
        .await;
    pb.finish_and_clear();
    let report = report?;
    if ctx.json {
        out::print_json(&report);
    } else {
        print_ensure(&report);
    }
    if let Some(problem) = &report.record_problem {
        eprintln!("{} {problem}", out::warning_label());
    }
    match report.exit_code() {
        0 => Ok(()),
        code => Err(CliError::Exit(code as u8, String::new())),
    }
}

fn print_ensure(report: &ccs_core::ops::ensure::EnsureReport) {
    let (then, now) = if report.dry_run {
        ("NOW", "AFTER")
    } else {
        ("BEFORE", "AFTER")
    };
    println!(
        "{} {} {:>7} {:>7}",
        out::cell("PARTNER", 16),
        out::cell("ORGANISATION (SITE)", 40),
        then,
        now
    );
    for p in &report.partners {
        let name = if p.online {
            p.name.clone()
        } else {
            format!("{} (offline)", p.name)
        };
        println!(
            "{} {} {:>7} {:>7}",
            out::cell(&name, 16),
            out::cell(&out::place(&p.place).unwrap_or_else(|| "-".into()), 40),
            p.before,
            p.after
        );
    }
    const SHOWN: usize = 20;
    for c in report.changes.iter().take(SHOWN) {
        let gave_up: Vec<String> = c
            .dropped
            .iter()
            .map(|d| format!("{} ({})", d.name, d.reason))
            .collect();
        println!(
            "  {}: {} -> {}{}",
            c.name,
            c.before.join(", "),
            c.after.join(", "),
            if gave_up.is_empty() {
                String::new()
            } else {
                format!("; given up: {}", gave_up.join(", "))
            }
        );
        if let Some(e) = &c.error {
            println!("    {} {e}", out::warning_label());
        }
    }
    if report.changes.len() > SHOWN {
        println!(
            "  ... and {} more (--json lists every one).",
            report.changes.len() - SHOWN
        );
    }
    for w in report.waiting.iter().chain(&report.unmet) {
        for p in &w.problems {
            println!("  {} {}: {p}", out::warning_label(), w.name);
        }
    }
    let n = report.changes.len();
    let failed = report.changes.iter().filter(|c| c.error.is_some()).count();
    let summary = match (n, report.dry_run) {
        (0, _) => format!(
            "All {} items are placed as the policy asks; nothing to do.",
            report.items_checked
        ),
        (n, true) => format!(
            "{n} of {} items would get copies on other partners (a dry run: nothing was changed; run `ccs ensure` to do it).",
            report.items_checked
        ),
        (n, false) => format!(
            "{} of {} items now have their copies where the policy asks.",
            n - failed,
            report.items_checked
        ),
    };
    println!("{summary}");
    if report.removals_recorded > 0 {
        println!(
            "Recorded the removal of {} withdrawn item{} whose grace period had ended.",
            report.removals_recorded,
            if report.removals_recorded == 1 {
                ""
            } else {
                "s"
            }
        );
    }
    if !report.unmet.is_empty() {
        println!(
            "{} items cannot be placed as the policy asks: invite partners on other sites, free space, or change the policy (`ccs policy set`).",
            report.unmet.len()
        );
    }
}
