//! Rendering helpers: colours (off with NO_COLOR or when not a terminal),
//! sizes, progress bars.

use std::io::IsTerminal;
use std::time::Duration;

use console::style;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

pub fn error_label() -> String {
    style("Error:").red().bold().for_stderr().to_string()
}

pub fn warning_label() -> String {
    style("Warning:").yellow().bold().for_stderr().to_string()
}

/// `1.5 MB`: SI units, as Finder, Explorer and the app show sizes.
pub fn size(bytes: u64) -> String {
    indicatif::DecimalBytes(bytes).to_string()
}

pub fn status_word(s: &str) -> String {
    let st = style(s.to_string());
    match s.trim_end() {
        "pinned" | "ok" => st.green(),
        "pinning" | "pin_queued" | "queued" => st.yellow(),
        "remote" | "unpinned" => st.dim(),
        t if t.contains("error") || t == "unexpectedly_unpinned" || t == "under_replicated" => {
            st.red()
        }
        _ => st,
    }
    .to_string()
}

/// Progress only on a terminal, never in JSON mode.
pub fn progress_enabled(json: bool) -> bool {
    !json && std::io::stderr().is_terminal()
}

pub fn bar(json: bool, total: Option<u64>, template: &str) -> ProgressBar {
    let pb = match total {
        Some(t) => ProgressBar::new(t),
        None => ProgressBar::new_spinner(),
    };
    if !progress_enabled(json) {
        pb.set_draw_target(ProgressDrawTarget::hidden());
    }
    let style = ProgressStyle::with_template(template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
    pb.set_style(style);
    pb.enable_steady_tick(Duration::from_millis(200));
    pb
}

/// A short, fixed-width cell.
pub fn cell(text: &str, width: usize) -> String {
    let count = text.chars().count();
    if count <= width {
        format!("{text:<width$}")
    } else {
        let cut: String = text.chars().take(width.saturating_sub(1)).collect();
        format!("{cut}…")
    }
}

/// `2026-11-25T20:15:06Z` -> `2026-11-25 20:15`.
pub fn when(ts: Option<&str>) -> String {
    match ts {
        Some(t) if t.len() >= 16 && !t.starts_with("0001") => t[..16].replace('T', " "),
        _ => "-".into(),
    }
}

pub fn print_json<T: serde::Serialize>(value: &T) {
    match serde_json::to_string_pretty(value) {
        Ok(s) => println!("{s}"),
        Err(e) => eprintln!("Could not write JSON ({e})."),
    }
}

/// One line from standard input, after showing `prompt` when a person is
/// typing (not when the answer is piped in). The line ending is removed.
pub fn prompt_line(prompt: &str) -> crate::CliResult<String> {
    use std::io::{BufRead, Write};
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("{prompt}");
        let _ = std::io::stderr().flush();
    }
    let mut line = String::new();
    stdin.lock().read_line(&mut line).map_err(|e| {
        crate::CliError::Core(ccs_core::Error::Read {
            path: "standard input".into(),
            source: e,
        })
    })?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

/// A partner's organisation and site in words ("Leeds Community Archive
/// (Leeds, UK)"); `None` when its node publishes neither.
pub fn place(p: &ccs_core::deploy::place::Place) -> Option<String> {
    match (&p.organisation, &p.site) {
        (Some(o), Some(s)) => Some(format!("{o} ({s})")),
        (Some(o), None) => Some(o.clone()),
        (None, Some(s)) => Some(s.clone()),
        (None, None) => None,
    }
}
