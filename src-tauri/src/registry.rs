// The one list of the app's commands (module docs in lib.rs: build.rs
// `include!`s this file, which therefore holds no inner attributes and names
// no crate item outside `#[cfg(test)]`).

/// Calls `$then! { … }` with every command the page may call, one a line:
/// `name(argument: Type, …) -> Return;`, the arguments as the page passes
/// them (not `State` or `AppHandle`; `Channel<T>` for a stream), `Return` the
/// `T` of `AppResult<T>` (or the bare return type). `///` lines become the
/// TypeScript wrapper's doc.
///
/// From it come [`crate::builder`]'s `generate_handler!`, build.rs's
/// permissions, capabilities/default.json's grants and
/// ui/src/generated/commands.ts (`UPDATE_BINDINGS=1 cargo test -p ccs-app
/// bindings`); a test checks it against the signatures in commands.rs.
macro_rules! with_commands {
    ($then:ident) => {
        $then! {
            settings() -> Settings;
            test_connection(input: ConnectInput) -> ConnectionReport;
            save_connection(input: ConnectInput) -> ConnectionReport;
            /// Streams the library: the pinset first, then the same items with every partner's state. Resolves to the item count.
            list_library(on_batch: Channel<LibraryBatch>) -> usize;
            item_detail(cid: String) -> LibraryItem;
            list_partners() -> Vec<Partner>;
            add_items(job: String, paths: Vec<String>, details: AddDetails, on_progress: Channel<AddProgress>) -> AddOutcome;
            cancel_job(job: String) -> bool;
            retrieve_item(job: String, cid: String, destination: String, on_progress: Channel<RetrieveProgress>) -> RetrieveOutcome;
            repair_item(cid: String) -> LibraryItem;
            /// Checks every partner's copy of the item now, every block and every file.
            audit_item(cid: String) -> Vec<CopyAudit>;
            remove_item(cid: String) -> ();
            /// `replace`: true only for a path from the save dialog (which asked before replacing).
            create_network(peername: String, destination: String, replace: Option<bool>) -> ();
            export_invite(input: InviteInput) -> InviteOutcome;
            /// A native picker; null when cancelled.
            pick(request: PickRequest) -> Option<Vec<String>>;
            /// The job journal (this app's and the command line's jobs, newest first).
            list_jobs() -> Vec<JobEntry>;
            forget_job(job: String) -> bool;
            /// Opens the system file manager at a saved file or folder.
            show_in_folder(path: String) -> ();
        }
    };
}

/// `with_commands!(command_names)`: the names alone.
macro_rules! command_names {
    ($($(#[doc = $doc:literal])* $name:ident $args:tt -> $ret:ty;)*) => {
        &[$(stringify!($name)),*]
    };
}

/// Every command's name, in the list's order (build.rs makes one
/// `allow-<name>` permission of each).
pub const COMMANDS: &[&str] = with_commands!(command_names);

#[cfg(test)]
mod tests {
    use super::*;

    /// The `#[tauri::command]` functions in commands.rs: name, the arguments
    /// the page passes (`name: Type`, spaces removed) and the return type
    /// (`AppResult`'s `T`), read from the source text.
    fn declared() -> Vec<(String, Vec<String>, String)> {
        let src = include_str!("commands.rs");
        let mut out = Vec::new();
        for chunk in src.split("#[tauri::command]").skip(1) {
            let sig = &chunk[..chunk.find('{').unwrap()];
            let sig: String = sig.split_whitespace().collect();
            let after_fn = &sig[sig.find("fn").unwrap() + 2..];
            let name_end = after_fn.find(['<', '(']).unwrap();
            let name = after_fn[..name_end].to_string();
            let open = after_fn.find('(').unwrap();
            let (params, ret) = split_params(&after_fn[open + 1..]);
            let args = params
                .into_iter()
                .filter(|p| {
                    let ty = &p[p.find(':').unwrap() + 1..];
                    !(ty.starts_with("State<") || ty.starts_with("AppHandle<"))
                })
                .collect();
            let ret = ret.strip_prefix("->").unwrap_or("()");
            let ret = ret
                .strip_prefix("AppResult<")
                .and_then(|r| r.strip_suffix('>'))
                .unwrap_or(ret);
            out.push((name, args, ret.to_string()));
        }
        out
    }

    /// `a:A,b:B<C,D>)rest` -> (["a:A", "b:B<C,D>"], "rest").
    fn split_params(s: &str) -> (Vec<String>, &str) {
        let (mut depth, mut start, mut params) = (0, 0, Vec::new());
        for (i, c) in s.char_indices() {
            match c {
                '<' | '(' => depth += 1,
                '>' if depth > 0 && !s[..i].ends_with('-') => depth -= 1,
                ')' if depth > 0 => depth -= 1,
                ',' | ')' if depth == 0 => {
                    if i > start {
                        params.push(s[start..i].to_string());
                    }
                    if c == ')' {
                        return (params, &s[i + 1..]);
                    }
                    start = i + 1;
                }
                _ => {}
            }
        }
        panic!("unclosed parameter list: {s}")
    }

    macro_rules! registered {
        ($($(#[doc = $doc:literal])* $name:ident ($($arg:ident : $ty:ty),*) -> $ret:ty;)*) => {
            vec![$((
                stringify!($name).to_string(),
                vec![$(format!("{}:{}", stringify!($arg), stringify!($ty)).replace(' ', "")),*],
                stringify!($ret).replace(' ', ""),
            )),*]
        };
    }

    #[test]
    fn registry_matches_commands_rs() {
        let mut want = declared();
        let mut have: Vec<(String, Vec<String>, String)> = with_commands!(registered);
        assert!(
            !want.is_empty(),
            "no #[tauri::command] found in commands.rs"
        );
        want.sort();
        have.sort();
        assert_eq!(
            have, want,
            "src-tauri/src/registry.rs must list every #[tauri::command] of commands.rs with its \
             arguments (without State/AppHandle) and the T of its AppResult<T>"
        );
    }

    #[test]
    fn names_are_unique_snake_case() {
        let mut names = COMMANDS.to_vec();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), COMMANDS.len(), "a command is listed twice");
        for n in COMMANDS {
            assert!(
                n.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
                "{n}: command names are snake_case"
            );
        }
    }
}
