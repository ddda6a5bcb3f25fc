//! `withdraw`, `withdraw --confirm`, `keep` and `withdrawn`: removal that one
//! command cannot make final (`ops::withdraw`; the rules are the policy's).

use ccs_core::ops::withdraw::{self, WithdrawalState};

use super::check_cid;
use crate::CliResult;
use crate::context::Context;
use crate::out;

pub async fn withdraw(ctx: &Context, cids: &[String], confirm: bool) -> CliResult {
    for c in cids {
        check_cid(c)?;
    }
    let mut outcomes = Vec::new();
    for cid in cids {
        let outcome = if confirm {
            withdraw::confirm(&ctx.session, cid).await?
        } else {
            withdraw::withdraw(&ctx.session, cid).await?
        };
        if !ctx.json {
            println!("{}", outcome.summary);
            if let Some(w) = &outcome.withdrawal {
                if w.state == WithdrawalState::AwaitingConfirmation {
                    println!("  Another member confirms with: ccs withdraw --confirm {cid}");
                }
                println!("  To keep it: ccs keep {cid}");
            }
        }
        if let Some(p) = &outcome.record_problem {
            eprintln!("{} {p}", out::warning_label());
        }
        outcomes.push(outcome);
    }
    if ctx.json {
        out::print_json(&outcomes);
    }
    Ok(())
}

pub async fn keep(ctx: &Context, cid: &str) -> CliResult {
    check_cid(cid)?;
    let outcome = withdraw::keep(&ctx.session, cid).await?;
    if ctx.json {
        out::print_json(&outcome);
    } else {
        println!("{}", outcome.summary);
    }
    if let Some(p) = &outcome.record_problem {
        eprintln!("{} {p}", out::warning_label());
    }
    Ok(())
}

pub async fn list(ctx: &Context) -> CliResult {
    let all = withdraw::list(&ctx.session).await?;
    if ctx.json {
        out::print_json(&all);
        return Ok(());
    }
    if all.is_empty() {
        println!("Nothing is withdrawn.");
        return Ok(());
    }
    for w in &all {
        let when = match (w.state, &w.removes_at) {
            (WithdrawalState::AwaitingConfirmation, _) => {
                "waits for a second member to confirm".to_string()
            }
            (_, Some(at)) => format!("removed on {at}"),
            (_, None) => "confirmed".to_string(),
        };
        println!(
            "{}  {}  withdrawn by {} on {}; {when}",
            w.cid,
            if w.name.is_empty() {
                "(no name)"
            } else {
                &w.name
            },
            w.by,
            w.at
        );
    }
    Ok(())
}
