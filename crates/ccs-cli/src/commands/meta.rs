//! `meta set` and `meta show`: an item's title and description after it is
//! stored (`ops::meta`; the keys and their checks are the core's).

use std::collections::BTreeMap;

use ccs_core::ErrorCode;
use ccs_core::ops::meta::{self, MetaRequest};

use super::check_cid;
use crate::context::Context;
use crate::out;
use crate::{CliError, CliResult};

/// `KEY=VALUE` words into the request's changes (an empty VALUE removes the
/// key); the keys themselves are checked by the core.
pub(crate) fn parse_pairs(pairs: &[String]) -> CliResult<BTreeMap<String, String>> {
    let mut changes = BTreeMap::new();
    for pair in pairs {
        let (key, value) = pair.split_once('=').ok_or_else(|| {
            CliError::Usage(format!(
                "{pair:?} is not KEY=VALUE: write each change like dc.creator=\"Parish council\" (an empty value, like dc.rights=, removes the key)."
            ))
        })?;
        let key = key.trim();
        if changes.insert(key.to_string(), value.to_string()).is_some() {
            return Err(CliError::Plain {
                code: ErrorCode::InvalidInput,
                message: format!("\"{key}\" is given twice; give each key once."),
            });
        }
    }
    Ok(changes)
}

fn shown(v: &Option<String>) -> String {
    v.as_deref()
        .map(|v| format!("{v:?}"))
        .unwrap_or_else(|| "(none)".into())
}

pub async fn set(ctx: &Context, cid: &str, pairs: &[String]) -> CliResult {
    check_cid(cid)?;
    let request = MetaRequest {
        cid: cid.to_string(),
        changes: parse_pairs(pairs)?,
    };
    let outcome = meta::set(&ctx.session, request).await?;
    if ctx.json {
        out::print_json(&outcome);
    } else {
        for c in &outcome.changes {
            println!(
                "  {} {} -> {}",
                out::cell(&c.key, 14),
                shown(&c.old),
                shown(&c.new)
            );
        }
        println!("{}", outcome.summary);
    }
    for w in [&outcome.warning, &outcome.record_problem]
        .into_iter()
        .flatten()
    {
        eprintln!("{} {w}", out::warning_label());
    }
    Ok(())
}

pub async fn show(ctx: &Context, cid: &str) -> CliResult {
    check_cid(cid)?;
    let item = meta::show(&ctx.session, cid).await?;
    if ctx.json {
        out::print_json(&item);
        return Ok(());
    }
    println!("{} {}", console::style(&item.title).bold(), item.cid);
    println!("  {} {}", out::cell(meta::TITLE, 16), item.title);
    for (k, v) in &item.metadata {
        println!("  {} {v}", out::cell(k, 16));
    }
    if !item.system.is_empty() {
        println!("Recorded by this program (not changeable):");
        for (k, v) in &item.system {
            println!("  {} {v}", out::cell(k, 16));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_are_key_equals_value_each_key_once() {
        let m = parse_pairs(&[
            "title=Minutes 1921".into(),
            "dc.rights=".into(),
            "note=a=b".into(),
        ])
        .unwrap();
        assert_eq!(m["title"], "Minutes 1921");
        assert_eq!(m["dc.rights"], "");
        assert_eq!(m["note"], "a=b");
        let e = parse_pairs(&["novalue".into()]).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        let e = parse_pairs(&["a=1".into(), "a=2".into()]).unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidInput);
    }
}
