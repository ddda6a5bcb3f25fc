//! What the page is bound to, generated from Rust:
//!
//! - `ui/src/bindings.ts`: the TypeScript declarations of every type in
//!   [`crate::dto`] (ts-rs);
//! - `ui/src/generated/commands.ts`: one typed wrapper per command of
//!   [`crate::registry`]'s list;
//! - `capabilities/default.json`'s permissions: `allow-<name>` for each of
//!   those commands plus [`OTHER_PERMISSIONS`].
//!
//! A test fails when a file is stale; `UPDATE_BINDINGS=1 cargo test -p ccs-app
//! bindings` rewrites them.

use std::collections::BTreeSet;

use ts_rs::TS;

use crate::dto::*;

pub const HEADER: &str = "// Generated from src-tauri/src/dto.rs (and the ccs-core types it names) by src-tauri/src/bindings.rs. Do not edit.\n";

pub const COMMANDS_HEADER: &str = "// Generated from src-tauri/src/registry.rs (the command list; types from bindings.ts) by src-tauri/src/bindings.rs. Do not edit.\n";

/// Every exported type: its TypeScript name and declaration.
macro_rules! declarations {
    ($($t:ty),* $(,)?) => {
        vec![$((<$t as TS>::ident(), <$t as TS>::decl())),*]
    };
}

fn declarations() -> Vec<(String, String)> {
    declarations![
        AppError,
        DesktopPreferences,
        UpdateOffer,
        UpdateProgress,
        NodeFileSummary,
        FileProblem,
        Settings,
        ConnectionInfo,
        ConnectInput,
        ConnectionReport,
        ErrorCode,
        PasswordSource,
        TrackerStatus,
        ContentKind,
        JobKind,
        JobState,
        ItemHealth,
        PartnerStatus,
        LibraryItem,
        LibraryPhase,
        LibraryBatch,
        Partner,
        Place,
        NetworkPlaces,
        Policy,
        PolicyDocument,
        PolicySetting,
        PolicyView,
        Dropped,
        PlacementChange,
        PlacementProblem,
        PartnerCopies,
        EnsureReport,
        WithdrawalState,
        Withdrawal,
        WithdrawalOutcome,
        RiskCount,
        RiskSummary,
        AddPreview,
        SkippedFile,
        ContentsEntry,
        ItemContents,
        PreviewKind,
        FilePreview,
        AddDetails,
        AddPhase,
        AddProgress,
        AddOutcome,
        RetrieveProgress,
        RetrieveOutcome,
        FailedSource,
        InviteInput,
        InviteOutcome,
        PersonInviteInput,
        PersonInviteOutcome,
        JoinOutcome,
        PickRequest,
        JobInputs,
        JobEntry,
        CopyRecord,
        CopyOutcome,
        ItemFixity,
        FixityState,
        CopyAudit,
        ManifestUse,
        BadBlock,
        BlockFault,
        MetaRequest,
        MetaChange,
        MetaOutcome,
        RepairedItem,
        ItemCheck,
        ActivityFilter,
        HistoryReport,
        HistoryEvent,
        EventType,
        EventOutcome,
        RecordProblem,
        InventoryFormat,
        InventorySummary,
        BagSaved,
        ItemRule,
        WatchedFolder,
        WatchedFolderView,
        WatchFolderRequest,
        WaitReason,
        WatchEvent,
    ]
}

/// The whole of `ui/src/bindings.ts`.
pub fn typescript() -> String {
    let mut out = String::from(HEADER);
    for (_, d) in declarations() {
        out.push_str("\nexport ");
        out.push_str(&d);
        out.push('\n');
    }
    out
}

/// One command as the page calls it.
#[derive(Debug)]
pub struct Command {
    /// The Rust (and IPC) name, snake_case.
    pub name: &'static str,
    /// The registry's `///` lines.
    pub doc: Vec<&'static str>,
    pub params: Vec<Param>,
    /// The TypeScript type the promise resolves to.
    pub returns: String,
}

/// One argument of a [`Command`].
#[derive(Debug)]
pub struct Param {
    /// The Rust name, snake_case (Tauri expects it camelCase in the args).
    pub name: &'static str,
    /// Its TypeScript type; for a Channel, the type of one message.
    pub ts: String,
    pub channel: bool,
}

/// A type as TypeScript sees it once serde_json has sent it: ts-rs's name,
/// with 64-bit integers as `number` (JSON numbers, as the dto fields say
/// with `#[ts(type = "number")]`).
fn ts_type<T: TS>() -> String {
    let name = T::name();
    let mut out = String::new();
    let mut word = String::new();
    for c in name.chars().chain(std::iter::once(' ')) {
        if c.is_ascii_alphanumeric() || c == '_' || c == '$' {
            word.push(c);
            continue;
        }
        out.push_str(if word == "bigint" { "number" } else { &word });
        word.clear();
        out.push(c);
    }
    out.pop();
    out
}

/// `([] a: A, b: Channel<B>)`: a `Vec` of each argument's [`Param`].
macro_rules! params {
    ([$($done:expr,)*]) => { vec![$($done),*] };
    ([$($done:expr,)*] $arg:ident : Channel<$t:ty> $(, $($rest:tt)*)?) => {
        params!([$($done,)* Param { name: stringify!($arg), ts: ts_type::<$t>(), channel: true },] $($($rest)*)?)
    };
    ([$($done:expr,)*] $arg:ident : $t:ty $(, $($rest:tt)*)?) => {
        params!([$($done,)* Param { name: stringify!($arg), ts: ts_type::<$t>(), channel: false },] $($($rest)*)?)
    };
}

macro_rules! command_list {
    ($($(#[doc = $doc:literal])* $name:ident ($($args:tt)*) -> $ret:ty;)*) => {
        vec![$(Command {
            name: stringify!($name),
            doc: vec![$($doc),*],
            params: params!([] $($args)*),
            returns: ts_type::<$ret>(),
        }),*]
    };
}

/// Every command of the registry, typed for the page.
pub fn commands() -> Vec<Command> {
    with_commands!(command_list)
}

/// `list_library` -> `listLibrary` (what Tauri does to argument names too).
fn camel(snake: &str) -> String {
    let mut out = String::new();
    for (i, part) in snake.split('_').filter(|p| !p.is_empty()).enumerate() {
        let mut chars = part.chars();
        match chars.next() {
            Some(first) if i > 0 => {
                out.extend(first.to_uppercase());
                out.push_str(chars.as_str());
            }
            _ => out.push_str(part),
        }
    }
    out
}

/// The declared types a TypeScript type names (lowercase words are
/// TypeScript's own: `string`, `number`, `null`…).
fn named_types(ts: &str) -> impl Iterator<Item = &str> {
    ts.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '$'))
        .filter(|w| w.starts_with(|c: char| c.is_ascii_uppercase()))
        .filter(|w| !matches!(*w, "Array" | "Record" | "Partial"))
}

/// The whole of `ui/src/generated/commands.ts`. Panics when a command names a
/// type that `ui/src/bindings.ts` does not declare.
pub fn commands_typescript() -> String {
    let commands = commands();
    let declared: BTreeSet<String> = declarations().into_iter().map(|(n, _)| n).collect();
    let mut imports = BTreeSet::new();
    for c in &commands {
        let types = c.params.iter().map(|p| p.ts.as_str());
        for t in types.chain([c.returns.as_str()]).flat_map(named_types) {
            assert!(
                declared.contains(t),
                "command {} names the type {t}, which ui/src/bindings.ts does not declare: \
                 add it to bindings::declarations",
                c.name
            );
            imports.insert(t);
        }
    }
    let any_channel = commands.iter().any(|c| c.params.iter().any(|p| p.channel));

    let mut out = String::from(COMMANDS_HEADER);
    out.push('\n');
    if any_channel {
        out.push_str("import { Channel, invoke } from \"@tauri-apps/api/core\";\n");
    } else {
        out.push_str("import { invoke } from \"@tauri-apps/api/core\";\n");
    }
    if !imports.is_empty() {
        let list: Vec<&str> = imports.into_iter().collect();
        out.push_str(&format!(
            "import type {{ {} }} from \"../bindings\";\n",
            list.join(", ")
        ));
    }
    out.push_str("import { toApiError } from \"../errors\";\n");
    out.push_str(
        "
/** Runs a command; a failure throws an ApiError. */
async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (e) {
    throw toApiError(e);
  }
}
",
    );
    if any_channel {
        out.push_str(
            "
/** A Channel that hands each message to `onMessage`. */
function channel<T>(onMessage: (m: T) => void): Channel<T> {
  const c = new Channel<T>();
  c.onmessage = onMessage;
  return c;
}
",
        );
    }
    for c in &commands {
        out.push('\n');
        let doc: Vec<&str> = c
            .doc
            .iter()
            .map(|l| l.strip_prefix(' ').unwrap_or(l).trim_end())
            .collect();
        match doc.as_slice() {
            [] => {}
            [one] => out.push_str(&format!("/** {} */\n", one.replace("*/", "*\\/"))),
            lines => {
                out.push_str("/**\n");
                for l in lines {
                    out.push_str(
                        &format!(" * {}\n", l.replace("*/", "*\\/")).replace(" * \n", " *\n"),
                    );
                }
                out.push_str(" */\n");
            }
        }
        let params: Vec<String> = c
            .params
            .iter()
            .map(|p| {
                let ts = if p.channel {
                    format!("(m: {}) => void", p.ts)
                } else {
                    p.ts.clone()
                };
                format!("{}: {ts}", camel(p.name))
            })
            .collect();
        let args: Vec<String> = c
            .params
            .iter()
            .map(|p| {
                let key = camel(p.name);
                if p.channel {
                    format!("{key}: channel({key})")
                } else {
                    key
                }
            })
            .collect();
        let args = if args.is_empty() {
            String::new()
        } else {
            format!(", {{ {} }}", args.join(", "))
        };
        out.push_str(&format!(
            "export function {}({}): Promise<{}> {{\n  return call<{}>(\"{}\"{args});\n}}\n",
            camel(c.name),
            params.join(", "),
            c.returns,
            c.returns,
            c.name,
        ));
    }
    out
}

/// The main window's permissions that are not commands (capabilities/default.json
/// grants these and `allow-<name>` for each command, nothing else).
pub const OTHER_PERMISSIONS: &[&str] = &[
    // Channels and the drag-and-drop events.
    "core:event:allow-listen",
    "core:event:allow-unlisten",
    // Closing its own window once the person confirmed (while jobs run).
    "core:window:allow-destroy",
];

/// Every permission the main window has: [`OTHER_PERMISSIONS`], then one per
/// command (`allow-list-library`).
pub fn permissions() -> Vec<String> {
    let commands = crate::registry::COMMANDS
        .iter()
        .map(|c| format!("allow-{}", c.replace('_', "-")));
    OTHER_PERMISSIONS
        .iter()
        .map(|p| p.to_string())
        .chain(commands)
        .collect()
}

/// capabilities/default.json as it should be: `have` (the file's text) with
/// its permissions replaced by [`permissions`]. Panics on a key this does not
/// know (so none is dropped).
pub fn capability(have: &str) -> String {
    let v: serde_json::Value =
        serde_json::from_str(have).expect("capabilities/default.json is JSON");
    let obj = v
        .as_object()
        .expect("capabilities/default.json is an object");
    const KEYS: [&str; 5] = [
        "$schema",
        "identifier",
        "description",
        "windows",
        "permissions",
    ];
    for k in obj.keys() {
        assert!(
            KEYS.contains(&k.as_str()),
            "capabilities/default.json: bindings::capability does not know the key {k:?}"
        );
    }
    let mut out = String::from("{\n");
    for k in &KEYS[..4] {
        if let Some(x) = obj.get(*k) {
            out.push_str(&format!("  {}: {},\n", json(k), x));
        }
    }
    let grants: Vec<String> = permissions()
        .iter()
        .map(|p| format!("    {}", json(p)))
        .collect();
    out.push_str(&format!(
        "  \"permissions\": [\n{}\n  ]\n}}\n",
        grants.join(",\n")
    ));
    out
}

fn json(s: &str) -> String {
    serde_json::Value::from(s).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Compares `path` (from src-tauri) with `want`; rewrites it first under
    /// `UPDATE_BINDINGS`.
    fn check_current(path: &str, want: &str) {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
        if std::env::var_os("UPDATE_BINDINGS").is_some() {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, want).unwrap();
        }
        let have = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            have == want,
            "{} is stale: run UPDATE_BINDINGS=1 cargo test -p ccs-app bindings",
            path.display()
        );
    }

    #[test]
    fn bindings_are_current() {
        check_current("../ui/src/bindings.ts", &typescript());
    }

    #[test]
    fn command_wrappers_are_current() {
        check_current("../ui/src/generated/commands.ts", &commands_typescript());
    }

    #[test]
    fn capabilities_grant_exactly_the_commands() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("capabilities/default.json");
        let have = std::fs::read_to_string(&path).unwrap();
        // Say which grants differ before the whole-text comparison.
        let v: serde_json::Value = serde_json::from_str(&have).unwrap();
        let granted: BTreeSet<&str> = v["permissions"]
            .as_array()
            .map(|a| a.iter().filter_map(|p| p.as_str()).collect())
            .unwrap_or_default();
        let wanted = permissions();
        let wanted: BTreeSet<&str> = wanted.iter().map(String::as_str).collect();
        if std::env::var_os("UPDATE_BINDINGS").is_none() {
            assert!(
                granted == wanted,
                "capabilities/default.json grants {:?} too many and misses {:?}: run \
                 UPDATE_BINDINGS=1 cargo test -p ccs-app bindings",
                granted.difference(&wanted).collect::<Vec<_>>(),
                wanted.difference(&granted).collect::<Vec<_>>(),
            );
        }
        check_current("capabilities/default.json", &capability(&have));
    }

    #[test]
    fn wrappers_use_tauris_argument_names() {
        assert_eq!(camel("list_library"), "listLibrary");
        assert_eq!(camel("on_batch"), "onBatch");
        assert_eq!(camel("cid"), "cid");
        assert_eq!(ts_type::<u64>(), "number");
        assert_eq!(ts_type::<Option<Vec<u64>>>(), "Array<number> | null");
        assert_eq!(ts_type::<usize>(), "number");
        assert_eq!(ts_type::<()>(), "null");
        let all = commands();
        let list = all.iter().find(|c| c.name == "list_library").unwrap();
        assert_eq!(list.params.len(), 1);
        assert!(list.params[0].channel);
        assert_eq!(list.params[0].ts, "LibraryBatch");
        assert_eq!(list.returns, "number");
    }
}
