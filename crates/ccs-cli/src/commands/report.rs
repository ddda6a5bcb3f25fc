//! `report`: translates `ops::report` (the inventory, streamed) into standard
//! output or a file, a count on standard error, and the exit code.

use std::path::Path;

use ccs_core::ops::report::{self, InventoryFormat};

use super::{already_exists, cancel_on_ctrl_c};
use crate::context::Context;
use crate::out;
use crate::{CliError, CliResult};

pub async fn run(ctx: &Context, csv: bool, output: Option<&Path>, force: bool) -> CliResult {
    if csv && ctx.json {
        return Err(CliError::Usage(
            "Choose one format: --csv or --json.".into(),
        ));
    }
    let format = if ctx.json {
        InventoryFormat::Json
    } else {
        InventoryFormat::Csv
    };
    let cancel = cancel_on_ctrl_c();
    // On standard error (shown only on a terminal), apart from the inventory.
    let bar = out::bar(false, None, "{spinner} {pos} items listed");
    let progress = |n: u64| bar.set_position(n);
    let result = match output {
        Some(path) => report::export(&ctx.session, format, path, force, &cancel, progress).await,
        None => report::write(&ctx.session, format, std::io::stdout(), &cancel, progress).await,
    };
    bar.finish_and_clear();
    let summary = match result {
        Ok(s) => s,
        Err(ccs_core::Error::Cancelled) => {
            return Err(CliError::Exit(
                130,
                "Cancelled; no inventory file was written.".into(),
            ));
        }
        Err(e) => {
            return Err(already_exists(
                e,
                "Choose another --output, or add --force to replace it.",
            ));
        }
    };
    if let Some(path) = &summary.path {
        eprintln!(
            "Wrote the inventory of {} item{} to {path}.",
            summary.items,
            if summary.items == 1 { "" } else { "s" }
        );
    }
    if summary.record_problems.is_empty() {
        return Ok(());
    }
    for p in &summary.record_problems {
        eprintln!(
            "{} The preservation record is damaged: {p}.",
            out::warning_label()
        );
    }
    Err(CliError::Incomplete(
        "The inventory is complete, but its last events may be missing some: the preservation record is damaged (see above).".into(),
    ))
}
