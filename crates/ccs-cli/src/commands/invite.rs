//! `invite`: a partner's node file (as `clone` writes it), a checklist for the
//! person who installs it, and optionally the file sealed with a passphrase.
//! `invite open`: the reverse of sealing. Nothing is written unless the whole
//! job succeeded.

use std::io::{IsTerminal, Write};
use std::path::Path;

use ccs_core::Error;
use ccs_core::deploy::compose::NodeFile;
use ccs_core::deploy::invite;

use crate::args::{InviteArgs, InviteCommand};
use crate::{CliError, CliResult};

/// Where a script or test gives the passphrase instead of typing it.
const PASSPHRASE_ENV: &str = "CCS_INVITE_PASSPHRASE";

pub fn run(peername: Option<&str>, args: &InviteArgs) -> CliResult {
    if let Some(InviteCommand::Open { file, output }) = &args.open {
        return open(file, output.as_deref());
    }
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
    super::refuse_existing(Some(output))?;

    let source = NodeFile::parse(&read_text(input)?)?;
    let partner = source.clone_for(name, host)?;
    if args.check_host {
        invite::check_host_resolves(host)?;
    }
    let text = partner.render();
    let contents = if args.encrypt {
        invite::seal(&text, &passphrase(true)?)?
    } else {
        text
    };
    ccs_core::local::settings::write_private(output, contents.as_bytes())?;
    let file_name = output
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| output.display().to_string());
    print_out(&invite::checklist(&partner, &file_name, args.encrypt))?;
    eprintln!("Wrote {} for \"{name}\".", output.display());
    Ok(())
}

fn open(file: &Path, output: Option<&Path>) -> CliResult {
    super::refuse_existing(output)?;
    let sealed = std::fs::read(file).map_err(|e| read_error(file, e))?;
    if !invite::is_sealed(&sealed) {
        return Err(Error::InvalidInput(format!(
            "\"{}\" is not a sealed invitation; if it is a plain node file, use it as it is.",
            file.display()
        ))
        .into());
    }
    let text = invite::open(&sealed, &passphrase(false)?)?;
    match output {
        Some(path) => {
            ccs_core::local::settings::write_private(path, text.as_bytes())?;
            eprintln!(
                "Wrote {}. It holds the network's secrets: keep it private.",
                path.display()
            );
            Ok(())
        }
        None => print_out(&text),
    }
}

pub(super) fn read_text(path: &Path) -> CliResult<String> {
    let bytes = std::fs::read(path).map_err(|e| read_error(path, e))?;
    if invite::is_sealed(&bytes) {
        return Err(Error::InvalidInput(format!(
            "\"{}\" is sealed: open it first with `community-cloud-storage invite open {}`.",
            path.display(),
            path.display()
        ))
        .into());
    }
    String::from_utf8(bytes).map_err(|_| {
        Error::InvalidInput(format!(
            "\"{}\" is not a node file (it is not text); use the file made by `create`, `clone` or `invite`.",
            path.display()
        ))
        .into()
    })
}

fn read_error(path: &Path, e: std::io::Error) -> CliError {
    if e.kind() == std::io::ErrorKind::NotFound {
        Error::PathNotFound {
            path: path.to_path_buf(),
        }
        .into()
    } else {
        Error::Read {
            path: path.to_path_buf(),
            source: e,
        }
        .into()
    }
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
