//! The desktop app's shell: commands that call ccs-core, registered in one
//! place ([`builder`]) so the tests exercise the real registration.

#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod bindings;
pub mod commands;
pub mod dto;
pub mod memory;
pub mod state;
pub mod throttle;

use tauri::{Manager, Runtime};

pub use state::AppState;

/// Plugins and every command the frontend may call (the same list is in
/// build.rs, one permission each, and in capabilities/default.json). Shared by
/// the app and the tests; the caller adds the [`AppState`].
pub fn builder<R: Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    use commands::*;
    builder
        .plugin(tauri_plugin_dialog::init())
        .invoke_handler(tauri::generate_handler![
            settings,
            test_connection,
            save_connection,
            list_library,
            item_detail,
            list_partners,
            add_items,
            cancel_job,
            retrieve_item,
            repair_item,
            remove_item,
            create_network,
            export_invite,
            pick,
            list_jobs,
            forget_job,
            show_in_folder,
        ])
}

pub fn run() {
    memory::before_webview();
    let app = builder(tauri::Builder::default())
        .setup(|app| {
            app.manage(AppState::new(
                ccs_core::ops::session::default_settings_path(),
            ));
            if let Some(w) = app.get_webview_window("main") {
                memory::tune_webview(&w);
            }
            Ok(())
        })
        .run(tauri::generate_context!());
    if let Err(e) = app {
        eprintln!("The app could not start: {e}");
        std::process::exit(1);
    }
}
