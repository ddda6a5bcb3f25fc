//! `jobs`: the recent adds and retrievals of this computer (the command line's
//! and the app's), from the shared job journal. A job whose program stopped
//! while it ran shows as interrupted, with the command that starts it again.

use ccs_core::local::journal::{JobKind, JobRecord, JobState, Journal};

use crate::CliResult;
use crate::out;

/// How many jobs the plain listing shows (`--json` gives every kept job).
const SHOWN: usize = 20;

fn state_word(s: JobState) -> &'static str {
    match s {
        JobState::Running => "running",
        JobState::Done => "done",
        JobState::Failed => "failed",
        JobState::Cancelled => "cancelled",
        JobState::Interrupted => "interrupted",
    }
}

/// Quotes a word for a POSIX shell when it needs it.
fn shell_word(w: &str) -> String {
    if !w.is_empty()
        && w.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:@,+".contains(c))
    {
        w.to_string()
    } else {
        format!("'{}'", w.replace('\'', r"'\''"))
    }
}

/// The command that does the job again (adds only; a retrieval names its CID).
pub fn again(r: &JobRecord) -> String {
    match r.kind {
        JobKind::Add => {
            let mut cmd = vec!["ccs".to_string(), "add".to_string()];
            cmd.extend(r.inputs.paths.iter().map(|p| shell_word(p)));
            if !r.inputs.title.is_empty() {
                cmd.push("--name".into());
                cmd.push(shell_word(&r.inputs.title));
            }
            let meta = [
                ("collection", &r.inputs.collection),
                ("description", &r.inputs.description),
            ];
            for (k, v) in meta
                .into_iter()
                .filter(|(_, v)| !v.is_empty())
                .chain(r.inputs.metadata.iter().map(|(k, v)| (k.as_str(), v)))
            {
                cmd.push("--metadata".into());
                cmd.push(shell_word(&format!("{k}={v}")));
            }
            cmd.join(" ")
        }
        JobKind::Retrieve => format!(
            "ccs get {} --output {}",
            r.inputs.cid,
            shell_word(&r.inputs.destination)
        ),
    }
}

pub fn run(json: bool) -> CliResult {
    let jobs = Journal::open_default().list();
    if json {
        let list: Vec<serde_json::Value> = jobs
            .iter()
            .map(|r| {
                let mut v = serde_json::to_value(r).unwrap_or_default();
                if r.state == JobState::Interrupted {
                    v["again"] = again(r).into();
                }
                v
            })
            .collect();
        out::print_json(&list);
        return Ok(());
    }
    if jobs.is_empty() {
        println!("No adds or retrievals recorded on this computer yet.");
        return Ok(());
    }
    for r in jobs.iter().take(SHOWN) {
        let what = match r.kind {
            JobKind::Add => {
                let name = if r.inputs.title.is_empty() {
                    r.inputs.paths.join(", ")
                } else {
                    r.inputs.title.clone()
                };
                format!("add \"{name}\"")
            }
            JobKind::Retrieve => format!("save {} to {}", r.inputs.cid, r.inputs.destination),
        };
        println!(
            "{:<12} {:<16} {what}",
            state_word(r.state),
            out::when(Some(&r.started_at))
        );
        match r.state {
            JobState::Done => {
                if let Some(res) = &r.result {
                    println!("             → {res}");
                }
            }
            JobState::Failed => {
                if let Some(m) = &r.message {
                    println!("             {m}");
                }
                for p in &r.problems {
                    println!("               {}: {}", p.path, p.reason);
                }
            }
            JobState::Interrupted => {
                println!(
                    "             It stopped before finishing; nothing was stored. Run it again with:"
                );
                println!("             {}", again(r));
            }
            JobState::Running | JobState::Cancelled => {}
        }
    }
    if jobs.len() > SHOWN {
        println!(
            "({} older jobs not shown; --json lists them all.)",
            jobs.len() - SHOWN
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ccs_core::local::journal::JobInputs;

    #[test]
    fn the_command_again_quotes_what_needs_quoting() {
        let r = JobRecord {
            id: "x".into(),
            kind: JobKind::Add,
            client: "t".into(),
            inputs: JobInputs {
                paths: vec!["/scans/Letters 1901".into(), "/a/b.tif".into()],
                title: "Parish's letters".into(),
                collection: "Parish".into(),
                ..Default::default()
            },
            pid: 1,
            started_at: String::new(),
            ended_at: None,
            state: JobState::Interrupted,
            result: None,
            message: None,
            problems: Vec::new(),
        };
        assert_eq!(
            again(&r),
            r"ccs add '/scans/Letters 1901' /a/b.tif --name 'Parish'\''s letters' --metadata collection=Parish"
        );
    }
}
