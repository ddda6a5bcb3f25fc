//! `watch add|list|remove|pause|resume|run`: watched folders (`ops::watch`;
//! what is an entry, when it is complete and what was stored are the core's).

use ccs_core::ops::watch::{
    self, ItemRule, RunOptions, WaitReason, WatchEvent, WatchFolderRequest, WatchedFolderView,
};

use crate::args::{WatchAction, WatchEach};
use crate::context::Context;
use crate::out;
use crate::{CliError, CliResult};

pub async fn run(ctx: &Context, action: WatchAction) -> CliResult {
    match action {
        WatchAction::Add {
            dir,
            each,
            collection,
            description,
            settle,
            poll,
        } => {
            let view = watch::add_folder(
                &ctx.session,
                WatchFolderRequest {
                    path: dir,
                    each: match each {
                        WatchEach::Folder => ItemRule::EachFolder,
                        WatchEach::File => ItemRule::EachFile,
                    },
                    collection,
                    description,
                    poll,
                    settle_seconds: Some(settle.as_secs().max(u64::from(!settle.is_zero()))),
                },
            )?;
            if ctx.json {
                out::print_json(&view);
            } else {
                print_folder(&view);
                println!(
                    "It is watched while `ccs watch run` or the app runs; what is in it now is stored the first time."
                );
            }
            Ok(())
        }
        WatchAction::List => {
            let folders = watch::list(&ctx.session)?;
            if ctx.json {
                out::print_json(&folders);
            } else if folders.is_empty() {
                println!("No folder is watched. Add one with `ccs watch add FOLDER`.");
            } else {
                folders.iter().for_each(print_folder);
            }
            Ok(())
        }
        WatchAction::Remove { dir } => {
            let removed = watch::remove_folder(&ctx.session, &dir)?;
            if ctx.json {
                out::print_json(&removed);
            } else {
                println!(
                    "\"{}\" is no longer watched; what it stored stays stored.",
                    removed.path.display()
                );
            }
            Ok(())
        }
        WatchAction::Pause { dir } => paused(ctx, dir, true),
        WatchAction::Resume { dir } => paused(ctx, dir, false),
        WatchAction::Run { once } => run_watcher(ctx, once).await,
    }
}

fn paused(ctx: &Context, dir: Option<std::path::PathBuf>, pause: bool) -> CliResult {
    let folders = watch::set_paused(&ctx.session, dir.as_deref(), pause)?;
    if ctx.json {
        out::print_json(&folders);
    } else {
        folders.iter().for_each(print_folder);
    }
    Ok(())
}

fn print_folder(view: &WatchedFolderView) {
    let f = &view.folder;
    let each = match f.each {
        ItemRule::EachFolder => "each sub-folder is an item",
        ItemRule::EachFile => "each file is an item",
    };
    let state = if view.missing {
        "not found (a disconnected drive?)".to_string()
    } else if f.paused {
        "paused".to_string()
    } else if view.polled {
        format!("looked at every {} s (a network drive)", view.poll_seconds)
    } else {
        "watched".to_string()
    };
    println!("{}", f.path.display());
    println!(
        "  {each}; stored once unchanged for {} s; {state}; {} stored so far",
        f.settle_seconds, view.stored
    );
    if !f.collection.is_empty() {
        println!("  collection: {}", f.collection);
    }
}

/// One line an event (one JSON object a line with --json), until Ctrl-C,
/// or with --once until nothing is left waiting.
async fn run_watcher(ctx: &Context, once: bool) -> CliResult {
    let json = ctx.json;
    let summary = watch::run(
        &ctx.session,
        RunOptions { once },
        &super::cancel_on_ctrl_c(),
        |event| {
            if json {
                if let Ok(line) = serde_json::to_string(&event) {
                    println!("{line}");
                }
            } else if let Some(line) = describe(&event) {
                println!("{line}");
            }
        },
    )
    .await?;
    if !json {
        println!(
            "{} stored, {} renamed or moved (nothing sent again), {} could not be stored.",
            summary.stored, summary.moved, summary.failed
        );
    }
    if summary.failed > 0 {
        return Err(CliError::Incomplete(format!(
            "{} of the new entries could not be stored (the reason is on its line above); they are tried again on the next run.",
            summary.failed
        )));
    }
    Ok(())
}

fn describe(event: &WatchEvent) -> Option<String> {
    Some(match event {
        WatchEvent::Watching {
            folder,
            polled,
            poll_seconds,
            network_share,
        } => match (polled, network_share) {
            (true, Some(kind)) => format!(
                "Watching \"{}\": a network drive ({kind}), looked at every {poll_seconds} s.",
                folder.display()
            ),
            (true, None) => format!(
                "Watching \"{}\", looked at every {poll_seconds} s.",
                folder.display()
            ),
            _ => format!("Watching \"{}\".", folder.display()),
        },
        WatchEvent::FolderMissing { folder } => format!(
            "{} \"{}\" is not there (a disconnected drive?); it is looked for again.",
            out::warning_label(),
            folder.display()
        ),
        WatchEvent::Waiting { entry, reason, .. } => match reason {
            WaitReason::Settling => format!("  {entry}: new, waiting until it stops changing"),
            WaitReason::BeingWritten => {
                format!("  {entry}: a program is still writing it; waiting")
            }
            WaitReason::WillRetry => return None,
        },
        WatchEvent::Ignored { entry, .. } => {
            format!("  {entry}: left alone (it does not fit the folder's rule)")
        }
        WatchEvent::Storing { entry, .. } => format!("  {entry}: storing"),
        WatchEvent::Progress { .. } => return None,
        WatchEvent::Stored { entry, cid, .. } => format!("  {entry}: stored as {cid}"),
        WatchEvent::Moved { from, to, .. } => {
            format!("  {to}: renamed from {from}, already stored; nothing sent")
        }
        WatchEvent::Failed { entry, message, .. } => {
            format!("{} {entry}: {message}", out::error_label())
        }
        WatchEvent::Halted { message, .. } => format!("{} {message}", out::error_label()),
    })
}
