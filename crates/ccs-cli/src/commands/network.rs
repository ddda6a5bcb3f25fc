//! `peers`, `health`, `repair`: the partners and the state of the network.

use std::time::Duration;

use ccs_core::net::cluster::TrackerStatus;
use ccs_core::ops::health::{self, HealthStatus, RepairEvent, RepairReport};

use super::cancel_on_ctrl_c;
use crate::context::Context;
use crate::out;
use crate::{CliError, CliResult};

pub async fn peers(ctx: &Context) -> CliResult {
    let rows = ccs_core::ops::partners::list(&ctx.session, &cancel_on_ctrl_c()).await?;
    if ctx.json {
        out::print_json(&rows);
        return Ok(());
    }
    println!(
        "{} {} {} {} {:>10} {:>7}  AUDITED HERE",
        out::cell("PARTNER", 16),
        out::cell("STATE", 28),
        out::cell("CLUSTER", 9),
        out::cell("KUBO", 9),
        "FREE",
        "PINS"
    );
    for r in &rows {
        let state = if r.online {
            out::status_word(&out::cell("online", 28))
        } else {
            let seen = r
                .last_seen
                .as_deref()
                .map(|s| format!(", last seen {}", out::when(Some(s))))
                .unwrap_or_default();
            console::style(out::cell(&format!("offline{seen}"), 28))
                .red()
                .to_string()
        };
        let audited = match &r.last_audited {
            Some(t) => format!(
                "{} of {} copies passed, last {}",
                r.copies_verified,
                r.copies_audited,
                out::when(Some(t))
            ),
            None => "never".into(),
        };
        println!(
            "{} {} {} {} {:>10} {:>7}  {audited}",
            out::cell(&r.name, 16),
            state,
            out::cell(r.cluster_version.as_deref().unwrap_or("-"), 9),
            out::cell(r.kubo_version.as_deref().unwrap_or("-"), 9),
            r.free_space.map(out::size).unwrap_or_else(|| "-".into()),
            r.pins
        );
        if let Some(place) = out::place(&r.place) {
            println!("  {}", console::style(place).dim());
        }
    }
    Ok(())
}

pub async fn health(ctx: &Context) -> CliResult {
    let cancel = cancel_on_ctrl_c();
    let report = health::health(&ctx.session, &cancel).await?;
    // Risk at a glance, when the node answers (its own failure is said, not fatal).
    let risk = match report.status {
        HealthStatus::Error => None,
        _ => Some(ccs_core::ops::risk::summary(&ctx.session, &cancel).await),
    };
    if let Some(Err(ccs_core::Error::Cancelled)) = &risk {
        return Err(ccs_core::Error::Cancelled.into());
    }
    if ctx.json {
        let mut v = serde_json::to_value(&report).unwrap_or_default();
        if let (Some(Ok(r)), Some(obj)) = (&risk, v.as_object_mut()) {
            obj.insert("risk".into(), serde_json::to_value(r).unwrap_or_default());
        }
        out::print_json(&v);
    }
    let said = match report.status {
        HealthStatus::Error => Err(CliError::Exit(
            2,
            format!("Network error: {}", report.summary),
        )),
        HealthStatus::Ok => {
            if !ctx.json {
                println!("{}: {}.", out::status_word("ok"), report.summary);
            }
            Ok(())
        }
        HealthStatus::Degraded => {
            if !ctx.json {
                println!(
                    "{}: {}.",
                    console::style("degraded").yellow(),
                    report.summary
                );
            }
            Err(CliError::Exit(1, String::new()))
        }
    };
    if !ctx.json {
        match &risk {
            Some(Ok(r)) => print_risk(r),
            Some(Err(e)) => eprintln!(
                "{} The risk summary could not be made: {e}",
                out::warning_label()
            ),
            None => {}
        }
    }
    said
}

pub async fn repair(ctx: &Context, timeout: u64) -> CliResult {
    let json = ctx.json;
    let report = health::repair_all(
        &ctx.session,
        Duration::from_secs(timeout),
        &cancel_on_ctrl_c(),
        |e| match e {
            RepairEvent::Retrying { items } => {
                if !json {
                    eprintln!(
                        "Retrying {items} item{}…",
                        if items == 1 { "" } else { "s" }
                    );
                }
            }
        },
    )
    .await?;
    let RepairReport {
        fixed,
        missing,
        record_problem,
    } = &report;
    if let (Some(p), false) = (record_problem, ctx.json) {
        eprintln!("{} {p}", out::warning_label());
    }
    if ctx.json {
        out::print_json(&report);
    } else if fixed.is_empty() && missing.is_empty() {
        println!("Nothing needs repair: no partner reports a failed copy.");
        return Ok(());
    } else {
        for c in fixed {
            println!("fixed    {c}");
        }
        for i in missing {
            let why: Vec<String> = i
                .partners
                .iter()
                .filter(|p| {
                    p.status.is_error()
                        || p.status != TrackerStatus::Pinned && p.status != TrackerStatus::Remote
                })
                .map(|p| {
                    format!(
                        "{}: {}{}",
                        p.peername,
                        p.status.as_str(),
                        if p.error.is_empty() {
                            String::new()
                        } else {
                            format!(" ({})", p.error)
                        }
                    )
                })
                .collect();
            println!(
                "missing  {} {} of {} copies; {}",
                i.cid,
                i.copies,
                i.target,
                why.join(", ")
            );
        }
    }
    if missing.is_empty() {
        if !ctx.json {
            eprintln!(
                "Repaired {} item{}.",
                fixed.len(),
                if fixed.len() == 1 { "" } else { "s" }
            );
        }
        Ok(())
    } else {
        Err(CliError::Incomplete(format!(
            "{} item{} still {} copies; check that every partner is online, then run repair again.",
            missing.len(),
            if missing.len() == 1 { "" } else { "s" },
            if missing.len() == 1 { "misses" } else { "miss" }
        )))
    }
}

/// The risk summary: a line per risk, red when something is at risk.
fn print_risk(r: &ccs_core::ops::risk::RiskSummary) {
    let line = |what: &str, c: ccs_core::ops::risk::RiskCount| {
        format!(
            "  {} {:>7} items {:>10}",
            out::cell(what, 34),
            c.items,
            out::size(c.bytes)
        )
    };
    let head = if r.at_risk {
        console::style("At risk").red().bold().to_string()
    } else {
        console::style("Risk").bold().to_string()
    };
    println!(
        "{head} (copies counted {}; oldest verification {}):",
        r.copies_as_of,
        r.oldest_verification.as_deref().unwrap_or("none yet")
    );
    println!("{}", line("stored", r.stored));
    // The last field: whether the line is one of those that turn it red.
    for (what, c, reddens) in [
        ("with a single copy", r.single_copy, true),
        ("below the policy's minimum", r.below_min, true),
        ("below the policy's target", r.below_target, false),
        ("with every copy on one site", r.single_site, false),
        ("withdrawn", r.withdrawn, false),
        ("not verified within the interval", r.unverified, false),
    ] {
        let text = line(what, c);
        if reddens && c.items > 0 {
            println!("{}", console::style(text).red());
        } else {
            println!("{text}");
        }
    }
    for a in &r.advice {
        println!("  {a}");
    }
}
