//! `invite`: a partner's node file (as `clone` writes it), a checklist for the
//! person who installs it, and optionally the file sealed with a passphrase.
//! `invite open`: the reverse of sealing. Nothing is written unless the whole
//! job succeeded.

use std::io::{IsTerminal, Write};
use std::path::Path;

use ccs_core::Error;
use ccs_core::local::files::refuse_existing;
use ccs_core::ops::join::{self, PersonInviteRequest};
use ccs_core::ops::network;
use ccs_core::ops::network::{Destination, InviteRequest};

use crate::args::{InviteArgs, InviteCommand};
use crate::context::Context;
use crate::{CliError, CliResult};

/// Where a script or test gives the passphrase instead of typing it.
const PASSPHRASE_ENV: &str = "CCS_INVITE_PASSPHRASE";

const OUTPUT_EXISTS: &str = "Choose another --output, or move the old file away first.";
const FORCE_OR_MOVE: &str =
    "Choose another --output, add --force to replace it, or move the old file away first.";

pub fn run(peername: Option<&str>, args: &InviteArgs) -> CliResult {
    if let Some(InviteCommand::Open { file, output }) = &args.open {
        return open(file, output.as_deref());
    }
    // `invite person` needs the settings (commands::run sends it to `person`).
    let usage = |what: &str| CliError::Usage(format!("`invite` needs {what}."));
    let name =
        peername.ok_or_else(|| usage("the partner's tailnet name: add --cluster-peername NAME"))?;
    let input = args
        .input
        .as_deref()
        .ok_or_else(|| usage("a member's node file: add --input FILE"))?;
    let host = args
        .bootstrap_host
        .as_deref()
        .ok_or_else(|| usage("the member to join through: add --bootstrap-host HOST"))?;
    let output = args
        .output
        .as_deref()
        .ok_or_else(|| usage("a file to write the invitation to: add --output FILE"))?;
    let place = super::setup::place(&args.place)?;
    let to = Destination {
        path: Some(output.to_path_buf()),
        replace: false,
    };
    ccs_core::local::files::refuse_existing(output, false)
        .map_err(|e| super::already_exists(e, OUTPUT_EXISTS))?;
    let request = InviteRequest {
        network_file: input.to_path_buf(),
        partner: name.to_string(),
        bootstrap_host: host.to_string(),
        passphrase: if args.encrypt {
            Some(passphrase(true)?)
        } else {
            None
        },
        check_host: args.check_host,
        place,
    };
    let outcome =
        network::invite(&request, &to).map_err(|e| super::already_exists(e, OUTPUT_EXISTS))?;
    print_out(&outcome.checklist)?;
    eprintln!("Wrote {} for \"{name}\".", output.display());
    Ok(())
}

fn open(file: &Path, output: Option<&Path>) -> CliResult {
    let to = Destination {
        path: output.map(Path::to_path_buf),
        replace: false,
    };
    if let Some(o) = output {
        ccs_core::local::files::refuse_existing(o, false)
            .map_err(|e| super::already_exists(e, OUTPUT_EXISTS))?;
    }
    let written = network::open_invitation(file, &passphrase(false)?, &to)?;
    match (written.path, written.text) {
        (Some(path), _) => {
            eprintln!(
                "Wrote {}. It holds the network's secrets: keep it private.",
                path.display()
            );
            Ok(())
        }
        (None, text) => print_out(&text.unwrap_or_default()),
    }
}

/// `invite person`: a sealed invitation for a colleague to the network this
/// computer is connected to.
pub async fn person(
    ctx: &Context,
    output: &Path,
    for_person: Option<String>,
    more_nodes: Vec<String>,
    force: bool,
    link: bool,
) -> CliResult {
    refuse_existing(output, force).map_err(|e| super::already_exists(e, FORCE_OR_MOVE))?;
    let request = PersonInviteRequest {
        for_person,
        more_nodes,
        passphrase: passphrase(true)?,
    };
    let outcome = join::invite_person(&ctx.session, &request, output, force)
        .await
        .map_err(|e| super::already_exists(e, FORCE_OR_MOVE))?;
    if ctx.json {
        crate::out::print_json(&outcome);
    } else {
        println!("Wrote {}.", outcome.path);
        println!("{}", outcome.summary);
        if link {
            println!(
                "Or send this link instead of the file (the same passphrase opens it):\n{}",
                outcome.link
            );
        }
    }
    Ok(())
}

/// `join FILE_OR_LINK`: this computer joins the network of an invitation.
pub async fn join(mut ctx: Context, file: &Path) -> CliResult {
    let outcome = join::join(&mut ctx.session, file, &passphrase(false)?).await?;
    if ctx.json {
        crate::out::print_json(&outcome);
    } else {
        let c = &outcome.connection;
        println!(
            "Joined{}: connected to {} ({} members), now this computer's node. Invited by {}.",
            outcome
                .for_person
                .as_deref()
                .map(|p| format!(" as {p}"))
                .unwrap_or_default(),
            c.node,
            c.members,
            outcome.invited_by
        );
    }
    Ok(())
}

/// The passphrase from the environment, else asked for on the terminal
/// (twice when sealing, so a typo cannot lock the partner out).
fn passphrase(confirm: bool) -> CliResult<String> {
    if let Ok(p) = std::env::var(PASSPHRASE_ENV) {
        return Ok(p);
    }
    if !std::io::stdin().is_terminal() {
        return Err(CliError::Usage(format!(
            "A passphrase is needed: run this in a terminal to type it, or set {PASSPHRASE_ENV}."
        )));
    }
    let ask = |prompt: &str| {
        rpassword::prompt_password(prompt).map_err(|e| {
            CliError::Core(Error::Read {
                path: "the terminal".into(),
                source: e,
            })
        })
    };
    let first = ask("Passphrase: ")?;
    if confirm && ask("Passphrase again: ")? != first {
        return Err(CliError::Usage(
            "The two passphrases differ; nothing was written. Try again.".into(),
        ));
    }
    Ok(first)
}

fn print_out(text: &str) -> CliResult {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|_| out.flush())
        .map_err(|e| {
            CliError::Core(Error::Write {
                path: "standard output".into(),
                source: e,
            })
        })
}
