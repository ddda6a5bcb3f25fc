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
pub mod desktop;
pub mod dto;
pub mod memory;
pub mod state;
pub mod throttle;
pub mod updates;

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
        // Signed updates of the app (see updates.rs); the key and the feed
        // are in tauri.conf.json › plugins.updater. Here, not in `run`: the
        // update commands need it wherever they are handled.
        .plugin(tauri_plugin_updater::Builder::new().build())
        .invoke_handler(with_commands!(handler))
}

pub fn run() {
    memory::before_webview();
    // One instance: a second launch (a double-clicked invitation while the
    // app runs, on Windows and Linux) hands its arguments to this one and
    // ends. First, as the plugin asks.
    let one = tauri::Builder::default().plugin(tauri_plugin_single_instance::init(second_launch));
    let app = builder(one)
        // Managed before anything runs: a window's focus, or macOS's
        // "opened with" event, can come before setup.
        .manage(AppState::new(
            ccs_core::ops::session::default_settings_path(),
        ))
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_autostart::init(
            tauri_plugin_autostart::MacosLauncher::LaunchAgent,
            Some(vec![STARTED_AT_LOGIN]),
        ))
        // The window's size and place, kept from the last run; never its
        // visibility (a window hidden in the tray must open shown).
        .plugin(
            tauri_plugin_window_state::Builder::default()
                .with_state_flags(
                    tauri_plugin_window_state::StateFlags::all()
                        - tauri_plugin_window_state::StateFlags::VISIBLE,
                )
                .build(),
        )
        .on_window_event(|window, event| {
            if let tauri::WindowEvent::Focused(true) = event {
                window.state::<AppState>().tell(desktop::Notice::Seen)
            }
        })
        .setup(|app| {
            // Previews of an earlier run are not kept.
            let _ = std::fs::remove_dir_all(ccs_core::ops::contents::previews_dir());
            if let Some(w) = app.get_webview_window("main") {
                memory::tune_webview(&w);
            }
            desktop::start(app.handle());
            // Windows and Linux open a double-clicked invitation, or a join
            // link, as an argument.
            match opened_with(std::env::args_os().skip(1)) {
                Some(Opened::Invitation(path)) => {
                    app.state::<AppState>().set_opened_invitation(path)
                }
                Some(Opened::NodeFile(path)) => app.state::<AppState>().set_opened_node_file(path),
                Some(Opened::RefusedLink(why)) => app
                    .state::<AppState>()
                    .tell(desktop::Notice::LinkRefused(why)),
                None => {}
            }
            // Started at login: in the tray, with no window, when there is a tray.
            if std::env::args_os().any(|a| a == STARTED_AT_LOGIN)
                && app.state::<AppState>().has_tray()
            {
                if let Some(w) = app.get_webview_window("main") {
                    let _ = w.hide();
                }
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
        // macOS opens a double-clicked invitation, or a join link, as an
        // event, also while the app runs: kept for the page, and told to it.
        #[cfg(any(target_os = "macos", target_os = "ios"))]
        if let tauri::RunEvent::Opened { urls } = &_event {
            if let Some(opened) = opened_with(urls.iter().map(|u| u.as_str())) {
                open(_handle, opened);
            }
        }
        // macOS: a click on the Dock icon while the window is closed to the
        // tray brings it back, as Mac apps do.
        #[cfg(target_os = "macos")]
        if let tauri::RunEvent::Reopen {
            has_visible_windows: false,
            ..
        } = &_event
        {
            desktop::show_window(_handle);
        }
    });
}

/// The argument the app is started with at login.
pub const STARTED_AT_LOGIN: &str = "--started-at-login";

/// A second launch of the app: the window comes forward, and an invitation
/// or join link it was opened with goes to the page (a file is named
/// relative to the second launch's own working folder).
fn second_launch<R: Runtime>(app: &tauri::AppHandle<R>, args: Vec<String>, cwd: String) {
    desktop::show_window(app);
    let cwd = std::path::PathBuf::from(cwd);
    let args = args.into_iter().skip(1).map(|a| {
        if ccs_core::ops::join::is_link(&a) || a.starts_with("file:") {
            std::path::PathBuf::from(a)
        } else {
            cwd.join(a)
        }
    });
    if let Some(opened) = opened_with(args) {
        open(app, opened);
    }
}

/// What the app was opened with, from outside.
#[derive(Debug, PartialEq, Eq)]
pub enum Opened {
    /// An invitation file, or a join link that passed the strict check
    /// (kept as it came, for the page's join form; nothing is opened,
    /// written or connected until the person types the passphrase and joins).
    Invitation(std::path::PathBuf),
    /// A `ccs:` link that is not a join link: why, in one sentence.
    RefusedLink(String),
    /// A `.yml`/`.yaml` file opened with the app ("Open with"): perhaps a
    /// member's compose file, to invite a partner from. Only read, and only
    /// once the page asks ([`commands::check_node_file`]).
    NodeFile(std::path::PathBuf),
}

/// An invitation or link opened while the app runs: kept for the page, and
/// told to it; a refused link is said.
fn open<R: Runtime>(app: &tauri::AppHandle<R>, opened: Opened) {
    use tauri::Emitter;
    match opened {
        Opened::Invitation(path) => {
            let _ = app.emit(INVITATION_OPENED_EVENT, path.display().to_string());
            app.state::<AppState>().set_opened_invitation(path);
        }
        Opened::RefusedLink(why) => {
            let _ = app.emit(INVITATION_REFUSED_EVENT, &why);
            app.state::<AppState>()
                .tell(desktop::Notice::LinkRefused(why));
        }
        Opened::NodeFile(path) => {
            let _ = app.emit(NODE_FILE_OPENED_EVENT, path.display().to_string());
            app.state::<AppState>().set_opened_node_file(path);
        }
    }
}

/// The event a compose file opened while the app runs is sent as (its path).
pub const NODE_FILE_OPENED_EVENT: &str = "node-file-opened";

/// The event an invitation opened while the app runs is sent as (its path,
/// or the join link).
pub const INVITATION_OPENED_EVENT: &str = "invitation-opened";
/// The event a refused link is sent as (why, one sentence).
pub const INVITATION_REFUSED_EVENT: &str = "invitation-refused";

/// The first of `args` that is a join link (checked strictly), an
/// invitation file (`.ccsinvite`, any case, that exists; also as a `file:`
/// URL, as a desktop passes it), or a `.yml`/`.yaml` file that exists.
pub fn opened_with(
    args: impl IntoIterator<Item = impl Into<std::ffi::OsString>>,
) -> Option<Opened> {
    use ccs_core::ops::join;
    args.into_iter().map(Into::into).find_map(|arg| {
        let text = arg.to_str();
        if let Some(link) = text.filter(|t| join::is_link(t)) {
            return Some(match join::sealed_from_link(link) {
                Ok(_) => Opened::Invitation(link.into()),
                Err(e) => Opened::RefusedLink(e.to_string()),
            });
        }
        let path = text
            .filter(|t| t.starts_with("file:"))
            .and_then(|t| tauri::Url::parse(t).ok())
            .and_then(|u| u.to_file_path().ok())
            .unwrap_or_else(|| std::path::PathBuf::from(&arg));
        let is = |ext: &str| {
            path.extension()
                .is_some_and(|e| e.eq_ignore_ascii_case(ext))
        };
        if !path.is_file() {
            None
        } else if is(join::EXTENSION) {
            Some(Opened::Invitation(path))
        } else if is("yml") || is("yaml") {
            Some(Opened::NodeFile(path))
        } else {
            None
        }
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
                    if copy.outcome == ccs_core::ops::audit::CopyOutcome::Problems {
                        state.tell(desktop::Notice::CopyDamaged {
                            item: copy.name.clone(),
                            partner: copy.partner.clone(),
                        });
                    }
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
                        match &event {
                            WatchEvent::Storing { .. } => {
                                state.tell(desktop::Notice::WatcherStoring(true))
                            }
                            WatchEvent::Stored { .. } => {
                                state.tell(desktop::Notice::WatcherStoring(false))
                            }
                            WatchEvent::Failed {
                                folder,
                                entry,
                                message,
                                ..
                            } => {
                                state.tell(desktop::Notice::WatcherStoring(false));
                                state.tell(desktop::Notice::WatchFailed {
                                    entry: entry.clone(),
                                    folder: folder.file_name().map_or_else(
                                        || folder.display().to_string(),
                                        |n| n.to_string_lossy().into_owned(),
                                    ),
                                    message: message.clone(),
                                });
                            }
                            _ => {}
                        }
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

    /// Only an existing `.ccsinvite` file (a path or a `file:` URL) or a
    /// well-formed join link among the arguments is taken; a bad link is
    /// refused in words.
    #[test]
    fn an_invitation_or_a_join_link_is_found_among_the_arguments() {
        use crate::Opened;
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("Ann.CCSINVITE");
        std::fs::write(&file, "x").unwrap();
        let missing = dir.path().join("gone.ccsinvite");
        let other = dir.path().join("notes.txt");
        std::fs::write(&other, "x").unwrap();
        assert_eq!(
            crate::opened_with([other.clone(), missing.clone(), file.clone()]),
            Some(Opened::Invitation(file.clone()))
        );
        let url = tauri::Url::from_file_path(&file).unwrap().to_string();
        assert_eq!(crate::opened_with([url]), Some(Opened::Invitation(file)));
        assert_eq!(crate::opened_with([other.clone(), missing]), None);
        let compose = dir.path().join("compose.YAML");
        std::fs::write(&compose, "services: {}").unwrap();
        assert_eq!(
            crate::opened_with([other, compose.clone()]),
            Some(Opened::NodeFile(compose.clone()))
        );
        assert_eq!(
            crate::opened_with([dir.path().join("gone.yml")]),
            None,
            "a compose file that is not there"
        );
        assert_eq!(crate::opened_with(Vec::<std::path::PathBuf>::new()), None);
        let sealed = ccs_core::deploy::invite::seal("{}", "four words for you").unwrap();
        let link = ccs_core::ops::join::link_for(sealed.as_bytes());
        assert_eq!(
            crate::opened_with([link.clone()]),
            Some(Opened::Invitation(link.clone().into()))
        );
        match crate::opened_with([format!("{link}&node=http://elsewhere:9094")]) {
            Some(Opened::RefusedLink(why)) => {
                assert!(why.starts_with("This link is not an invitation"), "{why}")
            }
            other => panic!("{other:?}"),
        }
    }

    /// Compose files are offered under "Open with", never claimed: an
    /// alternate on macOS, the Windows setup's "Open with" lists, nothing on
    /// Linux (where any program can be chosen); `.ccsinvite` everywhere.
    #[test]
    fn compose_files_are_offered_under_open_with_and_never_claimed() {
        let read = |text: &str| -> Value { serde_json::from_str(text).unwrap() };
        let shared = read(include_str!("../tauri.conf.json"));
        let mac = read(include_str!("../tauri.macos.conf.json"));
        let windows = read(include_str!("../tauri.windows.conf.json"));
        let associations = |conf: &Value| conf["bundle"]["fileAssociations"].clone();
        for conf in [&shared, &mac] {
            // What the bundler reads (a misspelt key or rank fails here).
            serde_json::from_value::<Vec<tauri::utils::config::FileAssociation>>(associations(
                conf,
            ))
            .unwrap();
        }
        let has = |a: &Value, ext: &str| a["ext"].as_array().unwrap().iter().any(|e| e == ext);
        let shared_list = associations(&shared);
        let shared_list = shared_list.as_array().unwrap();
        assert!(
            shared_list
                .iter()
                .all(|a| !has(a, "yml") && !has(a, "yaml"))
        );
        // macOS's list replaces the shared one whole (a JSON merge patch).
        let mac_list = associations(&mac);
        let mac_list = mac_list.as_array().unwrap();
        for a in shared_list {
            assert!(mac_list.contains(a), "macOS lacks {a}");
        }
        let yaml = mac_list
            .iter()
            .find(|a| has(a, "yml") && has(a, "yaml"))
            .unwrap();
        assert_eq!(yaml["rank"], "Alternate");
        assert_eq!(yaml["role"], "Viewer");
        let hooks_path = windows["bundle"]["windows"]["nsis"]["installerHooks"]
            .as_str()
            .unwrap();
        let hooks = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(hooks_path),
        )
        .unwrap();
        for ext in [".yml", ".yaml"] {
            assert!(
                hooks.contains(&format!(r"Classes\{ext}\OpenWithList\")),
                "{ext}"
            );
            assert!(
                !hooks.contains(&format!(r#"Classes\{ext}" "#)),
                "the setup must not make the app {ext}'s default"
            );
        }
        assert!(hooks.contains("!macro NSIS_HOOK_POSTUNINSTALL"));
    }

    /// The app's own context, its update check sent to a closed local port
    /// rather than to the internet.
    fn context_without_internet() -> tauri::Context<tauri::test::MockRuntime> {
        let mut context = tauri::generate_context!();
        let closed = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let updater = context
            .config_mut()
            .plugins
            .0
            .get_mut("updater")
            .expect("tauri.conf.json configures the updater");
        updater["endpoints"] = json!([format!("http://{closed}/latest.json")]);
        context
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
            .build(context_without_internet())
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
