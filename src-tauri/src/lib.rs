//! The desktop app's shell: commands that call ccs-core, registered in one
//! place ([`builder`]) so the tests exercise the real registration.

#![cfg_attr(test, allow(clippy::unwrap_used))]

/// The list of the commands (`with_commands!`, which build.rs writes from
/// commands.rs), from which come the handler, the permissions and the
/// TypeScript wrappers. First, so that its macros are in scope below.
#[macro_use]
pub mod registry;

pub mod bindings;
pub mod commands;
pub mod dto;
pub mod memory;
pub mod state;
pub mod throttle;

use tauri::{Manager, Runtime};

pub use state::AppState;

/// Plugins and every command the frontend may call (those of
/// [`registry`]'s list: every `#[tauri::command]` of commands.rs, each with
/// its permission, granted in capabilities/default.json). Shared by the app
/// and the tests; the caller adds the [`AppState`].
pub fn builder<R: Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    macro_rules! handler {
        ($($(#[doc = $doc:literal])* $name:ident $args:tt -> $ret:ty;)*) => {
            tauri::generate_handler![$(commands::$name),*]
        };
    }
    builder
        .plugin(tauri_plugin_dialog::init())
        .invoke_handler(with_commands!(handler))
}

pub fn run() {
    memory::before_webview();
    // One instance: a second launch (a double-clicked invitation while the
    // app runs, on Windows and Linux) hands its arguments to this one and
    // ends. First, as the plugin asks.
    let one = tauri::Builder::default().plugin(tauri_plugin_single_instance::init(second_launch));
    let app = builder(one)
        .setup(|app| {
            // Previews of an earlier run are not kept.
            let _ = std::fs::remove_dir_all(ccs_core::ops::contents::previews_dir());
            let state = AppState::new(ccs_core::ops::session::default_settings_path());
            // Windows and Linux open a double-clicked invitation as an argument.
            if let Some(path) = invitation_in(std::env::args_os().skip(1)) {
                state.set_opened_invitation(path);
            }
            app.manage(state);
            if let Some(w) = app.get_webview_window("main") {
                memory::tune_webview(&w);
            }
            start_scheduled_audits(app.handle().clone());
            start_watched_folders(app.handle().clone());
            Ok(())
        })
        .build(tauri::generate_context!());
    let app = match app {
        Ok(app) => app,
        Err(e) => {
            eprintln!("The app could not start: {e}");
            std::process::exit(1);
        }
    };
    app.run(|_handle, _event| {
        // macOS opens a double-clicked invitation as an event, also while
        // the app runs: kept for the page, and told to it.
        #[cfg(any(target_os = "macos", target_os = "ios"))]
        if let tauri::RunEvent::Opened { urls } = &_event {
            let paths = urls.iter().filter_map(|u| u.to_file_path().ok());
            if let Some(path) = invitation_in(paths) {
                invitation_opened(_handle, path);
            }
        }
    });
}

/// A second launch of the app: the window comes forward, and an invitation
/// it was opened with goes to the page (its arguments are relative to its
/// own working folder).
fn second_launch<R: Runtime>(app: &tauri::AppHandle<R>, args: Vec<String>, cwd: String) {
    if let Some(w) = app.get_webview_window("main") {
        let _ = w.unminimize();
        let _ = w.show();
        let _ = w.set_focus();
    }
    let cwd = std::path::PathBuf::from(cwd);
    if let Some(path) = invitation_in(args.into_iter().skip(1).map(|a| cwd.join(a))) {
        invitation_opened(app, path);
    }
}

/// An invitation opened while the app runs: kept for the page, and told to it.
fn invitation_opened<R: Runtime>(app: &tauri::AppHandle<R>, path: std::path::PathBuf) {
    use tauri::Emitter;
    let _ = app.emit(INVITATION_OPENED_EVENT, path.display().to_string());
    app.state::<AppState>().set_opened_invitation(path);
}

/// The event an invitation opened while the app runs is sent as (its path).
pub const INVITATION_OPENED_EVENT: &str = "invitation-opened";

/// The first of `args` that is an invitation file (`.ccsinvite`, any case)
/// that exists.
pub fn invitation_in(
    args: impl IntoIterator<Item = impl Into<std::path::PathBuf>>,
) -> Option<std::path::PathBuf> {
    args.into_iter().map(Into::into).find(|p| {
        p.extension()
            .is_some_and(|e| e.eq_ignore_ascii_case(ccs_core::ops::join::EXTENSION))
            && p.is_file()
    })
}

/// The name of the event each scheduled audit finding is sent as (a
/// [`dto::CopyAudit`]), so the library can show it at once.
pub const AUDIT_FINDING_EVENT: &str = "audit-finding";

/// The core's scheduled audits for as long as the app runs, paused while a
/// job runs; each finding goes to the page.
fn start_scheduled_audits<R: Runtime>(app: tauri::AppHandle<R>) {
    tauri::async_runtime::spawn(async move {
        use tauri::Emitter;
        let state = app.state::<AppState>();
        ccs_core::ops::audit::scheduled(
            || state.core_session(),
            ccs_core::ops::audit::FIRST_PASS_AFTER,
            state.busy(),
            &ccs_core::ops::Cancel::new(),
            |event| {
                if let ccs_core::ops::audit::ScheduledEvent::Copy(copy) = event {
                    let _ = app.emit(AUDIT_FINDING_EVENT, &copy);
                }
            },
        )
        .await;
    });
}

/// The event each watched-folder event is sent as (a [`dto::WatchEvent`]).
pub const WATCH_EVENT: &str = "watch-event";
/// How long the watcher waits before starting again after it stopped (not
/// connected yet, a folder the system would not watch).
const WATCH_AGAIN_AFTER: std::time::Duration = std::time::Duration::from_secs(10);

/// The core's watcher (`ops::watch::run`, the same as `ccs watch run`) for as
/// long as the app runs: it follows the list of folders as the page changes
/// it; when it stops, the page is told why and it starts again later with
/// the settings as they are then.
fn start_watched_folders<R: Runtime>(app: tauri::AppHandle<R>) {
    tauri::async_runtime::spawn(async move {
        use ccs_core::ops::watch::{RunOptions, WatchEvent};
        use tauri::Emitter;
        let state = app.state::<AppState>();
        let cancel = ccs_core::ops::Cancel::new();
        let mut last_halt = None;
        loop {
            let ran = match state.core_session() {
                Ok(session) => {
                    ccs_core::ops::watch::run(&session, RunOptions::default(), &cancel, |event| {
                        let _ = app.emit(WATCH_EVENT, &event);
                    })
                    .await
                }
                Err(e) => Err(e),
            };
            if let Err(e) = ran {
                // Said once, not every ten seconds.
                let said = e.to_string();
                if last_halt.as_ref() != Some(&said) {
                    let _ = app.emit(
                        WATCH_EVENT,
                        &WatchEvent::Halted {
                            code: e.code(),
                            message: said.clone(),
                        },
                    );
                    last_halt = Some(said);
                }
            }
            tokio::time::sleep(WATCH_AGAIN_AFTER).await;
        }
    });
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};
    use tauri::WebviewWindowBuilder;
    use tauri::ipc::{CallbackFn, InvokeBody};
    use tauri::test::{INVOKE_KEY, get_ipc_response, mock_builder};
    use tauri::webview::InvokeRequest;

    /// Only an existing `.ccsinvite` file among the arguments is an invitation.
    #[test]
    fn an_invitation_is_found_among_the_arguments() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("Ann.CCSINVITE");
        std::fs::write(&file, "x").unwrap();
        let missing = dir.path().join("gone.ccsinvite");
        let other = dir.path().join("notes.txt");
        std::fs::write(&other, "x").unwrap();
        assert_eq!(
            crate::invitation_in([other.clone(), missing.clone(), file.clone()]),
            Some(file)
        );
        assert_eq!(crate::invitation_in([other, missing]), None);
        assert_eq!(crate::invitation_in(Vec::<std::path::PathBuf>::new()), None);
    }

    /// Every command of the registry reaches its function through the real
    /// builder, context and capabilities: called with no arguments, one that
    /// takes some is refused for the missing one (not as unknown or not
    /// allowed), one that takes none runs (here without settings).
    #[test]
    fn every_registered_command_is_handled_and_allowed() {
        let dir = tempfile::tempdir().unwrap();
        let app = crate::builder(mock_builder())
            .manage(crate::AppState::with_journal(
                dir.path().join("config.toml"),
                dir.path().join("jobs"),
            ))
            .build(tauri::generate_context!())
            .unwrap();
        let w = WebviewWindowBuilder::new(&app, "main", Default::default())
            .build()
            .unwrap();
        for name in crate::registry::COMMANDS {
            let got = get_ipc_response(
                &w,
                InvokeRequest {
                    cmd: name.to_string(),
                    callback: CallbackFn(0),
                    error: CallbackFn(1),
                    url: "tauri://localhost".parse().unwrap(),
                    body: InvokeBody::Json(json!({})),
                    headers: Default::default(),
                    invoke_key: INVOKE_KEY.to_string(),
                },
            );
            match got {
                Ok(_) => {}
                // The command ran and failed: an AppError.
                Err(Value::Object(e)) if e.contains_key("code") => {}
                Err(Value::String(e)) if e.contains("missing required key") => {}
                Err(e) => panic!("{name}: not handled or not allowed: {e}"),
            }
        }
    }
}
