//! Shared by the command tests: the app built by the real `ccs_app::builder`
//! with the real context (so the capabilities apply) on the mock runtime.

#![allow(dead_code, clippy::unwrap_used)]

use std::path::Path;
use std::sync::{Arc, Mutex};

use ccs_app::AppState;
use serde_json::Value;
use tauri::ipc::{CallbackFn, Channel, InvokeBody, InvokeResponseBody};
use tauri::test::{INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder};
use tauri::webview::InvokeRequest;
use tauri::{App, WebviewWindow, WebviewWindowBuilder};

/// The app with its job journal next to the settings file (`jobs/`).
pub fn app(config: &Path) -> (App<MockRuntime>, WebviewWindow<MockRuntime>) {
    let journal = config.with_file_name("jobs");
    app_with_journal(config, &journal)
}

pub fn app_with_journal(
    config: &Path,
    journal: &Path,
) -> (App<MockRuntime>, WebviewWindow<MockRuntime>) {
    let app = ccs_app::builder(mock_builder())
        .manage(AppState::with_journal(
            config.to_path_buf(),
            journal.to_path_buf(),
        ))
        .build(tauri::generate_context!())
        .unwrap();
    let window = WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .unwrap();
    (app, window)
}

/// One call as the frontend makes it: Ok(value) or Err({code, message}).
pub fn call(w: &WebviewWindow<MockRuntime>, cmd: &str, args: Value) -> Result<Value, Value> {
    get_ipc_response(
        w,
        InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            // On Linux the webview URL must be this one.
            url: "tauri://localhost".parse().unwrap(),
            body: InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
    .map(|b| b.deserialize::<Value>().unwrap())
}

pub fn capture<T>() -> (Channel<T>, Arc<Mutex<Vec<T>>>)
where
    T: serde::de::DeserializeOwned + serde::Serialize + Send + 'static,
{
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    let ch = Channel::new(move |body: InvokeResponseBody| {
        sink.lock().unwrap().push(body.deserialize::<T>().unwrap());
        Ok(())
    });
    (ch, seen)
}
