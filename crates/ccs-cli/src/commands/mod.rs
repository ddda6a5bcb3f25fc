//! One function per command.

mod add;
mod audit;
mod get;
mod invite;
mod items;
mod jobs;
mod meta;
mod network;
mod policy;
mod report;
mod setup;
mod watch;
mod withdraw;

use ccs_core::ErrorCode;
use ccs_core::ops::Cancel;

use crate::args::{Cli, Command, InviteCommand, MetaAction, PolicyAction};
use crate::context::Context;
use crate::{CliError, CliResult};

pub async fn run(cli: Cli) -> CliResult {
    // Commands that need no settings file.
    match &cli.command {
        Command::Completions { shell } => return setup::completions(*shell),
        Command::Invite(a) if !matches!(a.open, Some(InviteCommand::Person { .. })) => {
            return invite::run(cli.global.cluster_peername.as_deref(), a);
        }
        Command::Jobs => return jobs::run(cli.global.json),
        Command::Node { action } => {
            // Run on a node's own computer, which may have no settings: the
            // check runs anyway, and says when it could not record.
            let ctx = Context::new(&cli.global).ok();
            let session = ctx.as_ref().map(|c| &c.session);
            return audit::node(action, session, cli.global.json).await;
        }
        Command::Create { output, place } => {
            return setup::create(
                cli.global.cluster_peername.as_deref(),
                output.as_deref(),
                place,
            );
        }
        Command::Clone {
            input,
            bootstrap_host,
            output,
            place,
        } => {
            return setup::clone(
                cli.global.cluster_peername.as_deref(),
                input,
                bootstrap_host,
                output.as_deref(),
                place,
            );
        }
        Command::Join { file } => {
            return invite::join(Context::for_new_settings(&cli.global)?, file).await;
        }
        _ => {}
    }
    let ctx = Context::new(&cli.global)?;
    match cli.command {
        Command::Add(a) => add::run(&ctx, a).await,
        Command::Status { cids, all } => items::status(&ctx, &cids, all).await,
        Command::Get {
            cid,
            output,
            bag,
            path,
            force,
        } => match (bag, output) {
            (Some(dir), _) => get::bag(&ctx, &cid, &dir, force).await,
            (None, Some(output)) => get::run(&ctx, &cid, path, &output, force).await,
            (None, None) => Err(CliError::Usage(
                "Say where to save it: --output PATH, or --bag DIR for a BagIt bag.".into(),
            )),
        },
        Command::Rm {
            cids,
            yes,
            now,
            title,
        } => items::rm(&ctx, &cids, yes, now.then_some(title)).await,
        Command::Ls(a) => items::ls(&ctx, a).await,
        Command::Peers => network::peers(&ctx).await,
        Command::Health => network::health(&ctx).await,
        Command::Repair { timeout } => network::repair(&ctx, timeout).await,
        Command::Audit(a) => audit::run(&ctx, a).await,
        Command::History(a) => audit::history(&ctx, a).await,
        Command::Contents { cid } => get::contents(&ctx, &cid).await,
        Command::Meta { action } => match action {
            MetaAction::Set { cid, changes } => meta::set(&ctx, &cid, &changes).await,
            MetaAction::Show { cid } => meta::show(&ctx, &cid).await,
        },
        Command::Policy { action } => match action {
            PolicyAction::Show => policy::show(&ctx).await,
            PolicyAction::Set { changes } => policy::set(&ctx, &changes).await,
        },
        Command::Ensure { dry_run } => policy::ensure(&ctx, dry_run).await,
        Command::Withdraw { cids, confirm } => withdraw::withdraw(&ctx, &cids, confirm).await,
        Command::Keep { cid } => withdraw::keep(&ctx, &cid).await,
        Command::Withdrawn => withdraw::list(&ctx).await,
        Command::Report { csv, output, force } => {
            report::run(&ctx, csv, output.as_deref(), force).await
        }
        Command::Watch { action } => watch::run(&ctx, action).await,
        Command::Config { action } => setup::config(ctx, action),
        Command::Invite(a) => match a.open {
            Some(InviteCommand::Person {
                output,
                for_person,
                more_nodes,
                force,
                link,
            }) => invite::person(&ctx, &output, for_person, more_nodes, force, link).await,
            _ => Ok(()),
        },
        Command::Completions { .. }
        | Command::Create { .. }
        | Command::Clone { .. }
        | Command::Node { .. }
        | Command::Join { .. }
        | Command::Jobs => Ok(()),
    }
}

/// A cancellation token that Ctrl-C fires (the operation then drops its
/// transfer: connections close, temporary files go).
pub fn cancel_on_ctrl_c() -> Cancel {
    let cancel = Cancel::new();
    let fire = cancel.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            fire.cancel();
        }
    });
    cancel
}

/// Refuses text that is not a CID, before any request (the core's check,
/// worded with the command that lists what is stored).
pub fn check_cid(cid: &str) -> CliResult {
    ccs_core::ops::check_cid(cid).map_err(|_| CliError::Plain {
        code: ErrorCode::InvalidInput,
        message: format!(
            "\"{cid}\" is not a content ID (they look like Qm... or bafy...). Check it for typing errors, or run `ccs ls` to list what is stored."
        ),
    })?;
    Ok(())
}

/// The core's refusal to overwrite, worded with the flag that allows it.
pub fn already_exists(e: ccs_core::Error, flag: &str) -> CliError {
    match e {
        ccs_core::Error::AlreadyExists { path } => CliError::Plain {
            code: ErrorCode::AlreadyExists,
            message: format!(
                "\"{}\" already exists, so nothing was written (it may hold someone's work or a network's secrets). {flag}",
                path.display()
            ),
        },
        e => e.into(),
    }
}
