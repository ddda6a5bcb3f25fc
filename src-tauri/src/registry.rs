//! The app's commands, as build.rs read them from the `#[tauri::command]`
//! functions of commands.rs: nothing lists them by hand.
//!
//! `with_commands!($then)` calls `$then! { … }` with every command the page
//! may call, one a line: `name(argument: Type, …) -> Return;`, the arguments
//! as the page passes them (not `State` or `AppHandle`; `Channel<T>` for a
//! stream), `Return` the `T` of `AppResult<T>` (or the bare return type), each
//! after its function's `///` lines (which become the TypeScript wrapper's
//! doc). From it come [`crate::builder`]'s `generate_handler!` and
//! ui/src/generated/commands.ts (`UPDATE_BINDINGS=1 cargo test -p ccs-app
//! bindings`); build.rs gives each an `allow-<name>` permission, which
//! capabilities/default.json grants.

include!(concat!(env!("OUT_DIR"), "/commands.rs"));

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
