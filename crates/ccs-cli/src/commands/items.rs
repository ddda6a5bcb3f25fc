//! `status`, `ls`, `rm`: the library as the user sees it.

use std::io::Write;

use ccs_core::Error;
use ccs_core::content::library::{Health, Item};
use ccs_core::local::audits::{FixityState, ItemFixity};
use ccs_core::ops::audit::CopyOutcome;
use ccs_core::ops::library::{self, LibraryFilter};

use super::{cancel_on_ctrl_c, check_cid};
use crate::args::{LsArgs, SortKey, StateFilter};
use crate::context::Context;
use crate::out;
use crate::{CliError, CliResult};

fn not_stored(cid: &str, url: &str) -> CliError {
    CliError::Core(Error::NotFound {
        url: url.to_string(),
        what: format!("The item {cid}"),
    })
}

/// "verified 2026-12-01 10:00", "problems found", … for the library.
fn fixity_words(f: &ItemFixity) -> String {
    let since = f
        .last_verified_at
        .as_deref()
        .map(|t| format!(" (last verified {})", out::when(Some(t))))
        .unwrap_or_default();
    match f.state {
        FixityState::Verified => format!("{}{since}", console::style("verified").green()),
        FixityState::Problems => format!("{}{since}", console::style("problems found").red()),
        FixityState::Unreachable => format!(
            "{}{since}",
            console::style("a partner was not reached").yellow()
        ),
        FixityState::Overdue => format!("{}{since}", console::style("overdue").yellow()),
        FixityState::Unchecked => "not audited yet".to_string(),
    }
}

fn print_item_detail(item: &Item) {
    let name = if item.name.is_empty() {
        "(no name)"
    } else {
        &item.name
    };
    println!("{} {}", console::style(name).bold(), item.cid);
    println!(
        "  copies {} of {} ({}){}",
        item.copies,
        item.target,
        out::status_word(item.health.as_str()),
        item.size
            .map(|s| format!(" · {}", out::size(s)))
            .unwrap_or_default()
    );
    if item.added_by.is_some() || item.added_at.is_some() {
        println!(
            "  added  {} by {}",
            out::when(item.added_at.as_deref()),
            item.added_by.as_deref().unwrap_or("-")
        );
    }
    if let Some(f) = &item.fixity {
        println!("  fixity {}", fixity_words(f));
    }
    for p in &item.partners {
        let err = if p.error.is_empty() {
            String::new()
        } else {
            format!("  {}", p.error)
        };
        let audit = p
            .audit
            .as_ref()
            .map(|a| {
                let verified = a
                    .last_verified_at
                    .as_deref()
                    .map(|t| format!("last verified {}", out::when(Some(t))))
                    .unwrap_or_else(|| "never verified".into());
                let last = match a.outcome {
                    CopyOutcome::Verified => String::new(),
                    CopyOutcome::Problems => {
                        format!(", problems found {}", out::when(Some(&a.checked_at)))
                    }
                    CopyOutcome::Unreachable => {
                        format!(", not reached {}", out::when(Some(&a.checked_at)))
                    }
                    CopyOutcome::NotAllocated => String::new(),
                };
                format!("  {verified}{last}")
            })
            .unwrap_or_default();
        println!(
            "  {} {}{}{}",
            out::cell(&p.peername, 16),
            out::status_word(&format!("{:<9}", p.status.as_str())),
            audit,
            err
        );
    }
}

pub async fn status(ctx: &Context, cids: &[String], all: bool) -> CliResult {
    if all {
        let json = ctx.json;
        // "[" goes out with the first item, so a failure before any item
        // leaves only the error on standard output.
        let mut first = true;
        let shown = library::each_item(
            &ctx.session,
            &LibraryFilter::default(),
            &cancel_on_ctrl_c(),
            |item| {
                if json {
                    let sep = if first { "[\n" } else { ",\n" };
                    print!("{sep}{}", serde_json::to_string(&item).unwrap_or_default());
                } else {
                    print_item_detail(&item);
                }
                first = false;
            },
        )
        .await;
        if json && shown.is_ok() {
            println!("{}]", if first { "[" } else { "\n" });
        }
        if shown? == 0 && !json {
            eprintln!("Nothing is stored yet.");
        }
        return Ok(());
    }
    for c in cids {
        check_cid(c)?;
    }
    let items = library::items(&ctx.session, cids).await?;
    if !ctx.json {
        if let Some(absent) = items.iter().find(|i| i.health == Health::Absent) {
            let url = ctx.node()?.cluster.base_url().to_string();
            return Err(not_stored(&absent.cid, &url));
        }
    }
    if ctx.json {
        out::print_json(&items);
    } else {
        for item in &items {
            print_item_detail(item);
        }
    }
    if items.iter().any(|i| i.health == Health::Absent) {
        return Err(CliError::Exit(5, String::new()));
    }
    Ok(())
}

/// The library's "last verified" cell: the time, or what needs attention.
fn verified_cell(f: &ItemFixity) -> String {
    let when = f.last_verified_at.as_deref().map(|t| out::when(Some(t)));
    match f.state {
        FixityState::Verified => when.unwrap_or_default(),
        FixityState::Unchecked => "-".into(),
        FixityState::Problems => console::style("problems found").red().to_string(),
        FixityState::Unreachable => console::style("partner not reached").yellow().to_string(),
        FixityState::Overdue => console::style(format!(
            "overdue{}",
            when.map(|w| format!(" ({w})")).unwrap_or_default()
        ))
        .yellow()
        .to_string(),
    }
}

struct Table {
    json: bool,
    count: u64,
}

impl Table {
    fn start(json: bool) -> Self {
        if json {
            print!("[");
        } else {
            println!(
                "{} {} {:>10} {} {} {} LAST VERIFIED",
                out::cell("NAME", 28),
                out::cell("CID", 46),
                "SIZE",
                out::cell("ADDED", 16),
                out::cell("BY", 20),
                out::cell("COPIES", 8),
            );
        }
        Self { json, count: 0 }
    }

    fn row(&mut self, item: &Item) {
        if self.json {
            let sep = if self.count == 0 { "\n" } else { ",\n" };
            print!("{sep}{}", serde_json::to_string(item).unwrap_or_default());
        } else {
            let copies = format!("{}/{}", item.copies, item.target);
            let copies = if item.health == Health::Ok {
                copies
            } else {
                format!("{copies} {}", out::status_word(item.health.as_str()))
            };
            println!(
                "{} {} {:>10} {} {} {} {}",
                out::cell(&item.name, 28),
                out::cell(&item.cid, 46),
                item.size.map(out::size).unwrap_or_else(|| "-".into()),
                out::cell(&out::when(item.added_at.as_deref()), 16),
                out::cell(item.added_by.as_deref().unwrap_or("-"), 20),
                out::cell(&copies, 8),
                item.fixity.as_ref().map(verified_cell).unwrap_or_default()
            );
        }
        self.count += 1;
        // Keep the stream moving through pipes (`ccs ls | head`).
        let _ = std::io::stdout().flush();
    }

    fn finish(self) {
        if self.json {
            println!("\n]");
        } else if self.count == 0 {
            eprintln!("No items.");
        }
    }
}

pub async fn ls(ctx: &Context, a: LsArgs) -> CliResult {
    let filter = LibraryFilter {
        name: a.name.clone(),
        state: a.status.map(|s| match s {
            StateFilter::Ok => library::StateFilter::Ok,
            StateFilter::Pinning => library::StateFilter::Pinning,
            StateFilter::UnderReplicated => library::StateFilter::UnderReplicated,
            StateFilter::Error => library::StateFilter::Error,
        }),
        under_replicated: a.under_replicated,
        needs_attention: a.needs_attention,
    };
    // The table starts with the first row, so a failure before any item
    // leaves only the error on standard output (`--json`).
    let json = ctx.json;
    let mut table: Option<Table> = None;
    // Sorting needs every item; otherwise each row is shown as it arrives.
    let mut sorted: Vec<Item> = Vec::new();
    let sorting = a.sort.is_some();
    library::each_item(&ctx.session, &filter, &cancel_on_ctrl_c(), |item| {
        if sorting {
            sorted.push(item);
        } else {
            table.get_or_insert_with(|| Table::start(json)).row(&item);
        }
    })
    .await?;
    let mut table = table.unwrap_or_else(|| Table::start(json));
    if let Some(key) = a.sort {
        let key = match key {
            SortKey::Name => library::SortKey::Name,
            SortKey::Added => library::SortKey::Added,
            SortKey::Size => library::SortKey::Size,
            SortKey::Copies => library::SortKey::Copies,
        };
        library::sort(&mut sorted, key, a.reverse);
        for item in &sorted {
            table.row(item);
        }
    }
    table.finish();
    Ok(())
}

fn confirm(prompt: &str) -> CliResult<bool> {
    let line = out::prompt_line(&format!("{prompt} [y/N] "))?;
    Ok(matches!(line.trim().to_lowercase().as_str(), "y" | "yes"))
}

/// `rm`: a withdrawal (`ops::withdraw`): the items stay stored until the
/// policy's grace period ends. `--now` removes one item at once, when the
/// policy allows it, once its title is typed.
pub async fn rm(
    ctx: &Context,
    cids: &[String],
    yes: bool,
    now: Option<Option<String>>,
) -> CliResult {
    for c in cids {
        check_cid(c)?;
    }
    if let Some(title) = now {
        let [cid] = cids else {
            return Err(CliError::Usage(
                "--now removes one item at a time: name one CID.".into(),
            ));
        };
        let typed = match title {
            Some(t) => t,
            None => out::prompt_line(
                "Removing at once cannot be undone. Type the item's title to remove it from every partner now: ",
            )?,
        };
        if let Some(p) = ccs_core::ops::withdraw::remove_now(&ctx.session, cid, &typed).await? {
            eprintln!("{} {p}", out::warning_label());
        }
        if ctx.json {
            out::print_json(&serde_json::json!({ "removed": [cid] }));
        } else {
            eprintln!("Removed {cid} from every partner.");
        }
        return Ok(());
    }
    let items = library::removal_preview(&ctx.session, cids).await?;
    let policy = ccs_core::ops::policy::current(&ctx.session).await?.policy;
    if !ctx.json || !yes {
        eprintln!(
            "This withdraws from every partner (they keep it for {} more, and `ccs keep` undoes it until then):",
            ccs_core::content::policy::duration_words(policy.removal_grace_secs)
        );
        for i in &items {
            eprintln!(
                "  {} {} · {} · {} of {} copies",
                if i.name.is_empty() {
                    "(no name)"
                } else {
                    &i.name
                },
                i.cid,
                i.size
                    .map(out::size)
                    .unwrap_or_else(|| "size unknown".into()),
                i.copies,
                i.target
            );
        }
    }
    if !yes {
        let n = items.len();
        let ok = confirm(&format!(
            "Withdraw {n} item{}?",
            if n == 1 { "" } else { "s" }
        ))?;
        if !ok {
            return Err(CliError::Incomplete(
                "Nothing was removed (not confirmed). Add --yes to withdraw without asking.".into(),
            ));
        }
    }
    let mut removed = Vec::new();
    let mut withdrawn = Vec::new();
    for i in &items {
        let outcome = ccs_core::ops::withdraw::withdraw(&ctx.session, &i.cid).await?;
        if let Some(p) = &outcome.record_problem {
            eprintln!("{} {p}", out::warning_label());
        }
        if !ctx.json {
            eprintln!("{}", outcome.summary);
            if outcome.withdrawal.is_some() {
                eprintln!("  To keep it: ccs keep {}", i.cid);
            }
        }
        match outcome.withdrawal {
            Some(w) => withdrawn.push(w),
            None => removed.push(i.cid.clone()),
        }
    }
    if ctx.json {
        out::print_json(&serde_json::json!({ "removed": removed, "withdrawn": withdrawn }));
    }
    Ok(())
}
