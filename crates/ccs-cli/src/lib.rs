//! The `community-cloud-storage` command (alias `ccs`). Every command is a thin
//! layer over `ccs-core`: it parses flags, calls the core, and renders the
//! result as text (with progress on a terminal) or JSON.

#![cfg_attr(test, allow(clippy::unwrap_used))]

mod args;
mod commands;
mod context;
mod out;

use std::process::ExitCode;

use ccs_core::ErrorCode;
use clap::Parser;

pub use args::Cli;

/// A failure the command reports: a core error (with its code), or one of the
/// command line's own.
#[derive(Debug)]
pub enum CliError {
    Core(ccs_core::Error),
    /// Wrong use of the command line: exit 2.
    Usage(String),
    /// The command ran but not everything is well (exit 1); already reported.
    Incomplete(String),
    /// An explicit exit code with a message (health).
    Exit(u8, String),
    /// A core failure worded for the command line (its flags named).
    Plain {
        code: ErrorCode,
        message: String,
    },
}

impl From<ccs_core::Error> for CliError {
    fn from(e: ccs_core::Error) -> Self {
        CliError::Core(e)
    }
}

impl CliError {
    pub fn code(&self) -> ErrorCode {
        match self {
            CliError::Core(e) => e.code(),
            CliError::Usage(_) => ErrorCode::Usage,
            CliError::Incomplete(_) => ErrorCode::Incomplete,
            CliError::Exit(..) => ErrorCode::Unhealthy,
            CliError::Plain { code, .. } => *code,
        }
    }

    pub fn message(&self) -> String {
        match self {
            CliError::Core(e) => e.to_string(),
            CliError::Usage(m) | CliError::Incomplete(m) | CliError::Exit(_, m) => m.clone(),
            CliError::Plain { message, .. } => message.clone(),
        }
    }

    /// The documented exit code (see `args::EXIT_CODES`).
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Exit(c, _) => *c,
            e => exit_code(e.code()),
        }
    }
}

/// Every code's exit code. No wildcard: a new code does not compile until it
/// has one here (and in `args::EXIT_CODES`, which a test checks).
pub fn exit_code(code: ErrorCode) -> u8 {
    match code {
        ErrorCode::Incomplete | ErrorCode::Unhealthy | ErrorCode::Internal => 1,
        ErrorCode::Usage
        | ErrorCode::InvalidInput
        | ErrorCode::InvalidBag
        | ErrorCode::NotConnected => 2,
        ErrorCode::Unreachable | ErrorCode::TimedOut => 3,
        ErrorCode::Unauthorized | ErrorCode::WrongPassphrase => 4,
        ErrorCode::NotFound | ErrorCode::PathNotFound => 5,
        ErrorCode::NodeError
        | ErrorCode::StreamFailed
        | ErrorCode::Interrupted
        | ErrorCode::BadResponse
        | ErrorCode::Unavailable => 6,
        ErrorCode::VerificationFailed => 7,
        ErrorCode::ReadFailed
        | ErrorCode::WriteFailed
        | ErrorCode::UnsupportedFile
        | ErrorCode::AlreadyExists
        | ErrorCode::OpenFailed => 8,
        ErrorCode::Config => 9,
        ErrorCode::Cancelled => 130,
    }
}

pub type CliResult<T = ()> = Result<T, CliError>;

/// Entry point of both binaries.
pub fn main() -> ExitCode {
    std::panic::set_hook(Box::new(|info| {
        let what = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        eprintln!(
            "Something went wrong inside this program ({what}). Please report it to the project, with the command you ran."
        );
    }));
    // `ccs ls | head` closes the pipe early: end quietly like other tools,
    // instead of failing on the next write.
    #[cfg(unix)]
    // SAFETY: restoring the default SIGPIPE action before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    if no_color {
        console::set_colors_enabled(false);
        console::set_colors_enabled_stderr(false);
    }
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(match e.kind() {
                clap::error::ErrorKind::DisplayHelp
                | clap::error::ErrorKind::DisplayVersion
                | clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => 0,
                _ => 2,
            });
        }
    };
    let json = cli.global.json;
    // One runtime thread: the heavy work has threads of its own (reading an
    // upload's files, checking a download's hashes), and the daemons on the
    // same machine need the cores more than a second worker waking the first.
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!(
                "Could not start ({e}). Check that the system has free memory and try again."
            );
            return ExitCode::from(1);
        }
    };
    let result = runtime.block_on(commands::run(cli));
    // Do not wait for stray background reads (a cancelled upload) at exit.
    runtime.shutdown_background();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let reported = matches!(e, CliError::Incomplete(_) | CliError::Exit(..));
            if json && !reported {
                let payload =
                    serde_json::json!({"error": {"code": e.code(), "message": e.message()}});
                println!("{payload}");
            }
            let msg = e.message();
            if !msg.is_empty() {
                if reported {
                    eprintln!("{msg}");
                } else {
                    eprintln!("{} {msg}", out::error_label());
                }
            }
            ExitCode::from(e.exit_code())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ccs_core::Error;

    #[test]
    fn each_error_class_has_its_documented_exit_code() {
        let url = || "http://a:9094".to_string();
        let cases: Vec<(CliError, u8)> = vec![
            (Error::InvalidInput("x".into()).into(), 2),
            (
                Error::InvalidBag {
                    root: "bag".into(),
                    summary: "1 missing file".into(),
                }
                .into(),
                2,
            ),
            (
                Error::Unreachable {
                    url: url(),
                    detail: "refused".into(),
                }
                .into(),
                3,
            ),
            (Error::TimedOut { url: url() }.into(), 3),
            (Error::Unauthorized { url: url() }.into(), 4),
            (
                Error::NotFound {
                    url: url(),
                    what: "x".into(),
                }
                .into(),
                5,
            ),
            (Error::PathNotFound { path: "x".into() }.into(), 5),
            (
                Error::StreamFailed {
                    url: url(),
                    message: "m".into(),
                }
                .into(),
                6,
            ),
            (
                Error::Interrupted {
                    url: url(),
                    detail: "d".into(),
                }
                .into(),
                6,
            ),
            (
                Error::Unavailable {
                    cid: "c".into(),
                    detail: "d".into(),
                }
                .into(),
                6,
            ),
            (
                Error::VerificationFailed {
                    cid: "c".into(),
                    source_url: url(),
                    detail: "d".into(),
                }
                .into(),
                7,
            ),
            (Error::AlreadyExists { path: "x".into() }.into(), 8),
            (
                Error::Config {
                    path: "x".into(),
                    detail: "d".into(),
                }
                .into(),
                9,
            ),
            (Error::Cancelled.into(), 130),
            (CliError::Usage("u".into()), 2),
            (CliError::Incomplete("i".into()), 1),
        ];
        for code in ErrorCode::ALL {
            let text = format!("  {} ", exit_code(code));
            assert!(
                args::EXIT_CODES.contains(&text),
                "the exit code of {code} is not documented"
            );
        }
        for (e, code) in cases {
            assert_eq!(e.exit_code(), code, "{}", e.code());
            let text = format!("  {code} ");
            assert!(
                args::EXIT_CODES.contains(&text),
                "exit code {code} is not documented"
            );
        }
    }
}
