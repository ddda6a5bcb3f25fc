//! Shared by the command tests: the app built by the real `ccs_app::builder`
//! with the real context (so the capabilities apply) on the mock runtime.

#![allow(dead_code, clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use ccs_app::AppState;
use ccs_app::dto::{
    AddDetails, AddOutcome, AddProgress, AppResult, RetrieveOutcome, RetrieveProgress,
};
use ccs_core::local::settings::Config;
use serde_json::Value;
use tauri::ipc::{CallbackFn, Channel, InvokeBody, InvokeResponseBody};
use tauri::test::{INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder};
use tauri::webview::InvokeRequest;
use tauri::{App, WebviewWindow, WebviewWindowBuilder};

/// The testnet's settings (every peer, with its gateway), changed by `edit`
/// (which node is connected, which passwords stay in the file), saved as
/// `dir/config.toml`. Returns that path.
pub fn save_settings(
    net: &ccs_tests::TempNet,
    dir: &Path,
    edit: impl FnOnce(&mut Config),
) -> PathBuf {
    let mut table = Config::load(&net.net.config_path()).unwrap();
    edit(&mut table);
    let config = dir.join("config.toml");
    table.save(&config).unwrap();
    config
}

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

/// A Channel argument as the frontend sends it over IPC (its messages go to
/// the mock webview, which drops them): for calls whose answer is the point.
pub const IGNORED_CHANNEL: &str = "__CHANNEL__:1";

/// The library as the frontend assembles it from `list_library`'s batches:
/// the pinset's items, each replaced by its version with partners' states.
/// Also checks the batching contract: the pinset comes first and complete
/// (its last batch marked), then the states (their last batch marked).
pub async fn library(app: &App<MockRuntime>) -> Result<Vec<Value>, Value> {
    use tauri::Manager;
    let seen = Arc::new(Mutex::new(Vec::<Value>::new()));
    let sink = seen.clone();
    let ch = Channel::<ccs_app::dto::LibraryBatch>::new(move |body: InvokeResponseBody| {
        sink.lock()
            .unwrap()
            .push(body.deserialize::<Value>().unwrap());
        Ok(())
    });
    let listed = ccs_app::commands::list_library(app.state::<AppState>(), ch)
        .await
        .map_err(|e| serde_json::to_value(e).unwrap())?;
    let batches = seen.lock().unwrap().clone();
    let phases: Vec<(&str, bool)> = batches
        .iter()
        .map(|b| (b["phase"].as_str().unwrap(), b["last"].as_bool().unwrap()))
        .collect();
    let pinset_batches = phases.iter().take_while(|(p, _)| *p == "pinset").count();
    assert!(pinset_batches >= 1, "{phases:?}");
    assert!(
        phases[pinset_batches - 1].1,
        "the pinset ends with its last batch: {phases:?}"
    );
    assert!(
        phases[pinset_batches..].iter().all(|(p, _)| *p == "status"),
        "{phases:?}"
    );
    assert!(
        phases.last().unwrap().1,
        "the states end with their last batch: {phases:?}"
    );
    let mut items: Vec<Value> = Vec::new();
    let mut index = std::collections::HashMap::new();
    for b in &batches {
        for item in b["items"].as_array().unwrap() {
            let cid = item["cid"].as_str().unwrap().to_string();
            if b["phase"] == "pinset" {
                assert_eq!(item["health"], "checking", "{item}");
                index.insert(cid, items.len());
                items.push(item.clone());
            } else if let Some(&at) = index.get(&cid) {
                items[at] = item.clone();
            } else {
                index.insert(cid, items.len());
                items.push(item.clone());
            }
        }
    }
    assert_eq!(
        batches[..pinset_batches]
            .iter()
            .map(|b| b["items"].as_array().unwrap().len())
            .sum::<usize>(),
        listed
    );
    Ok(items)
}

/// `add_items` as the frontend calls it: its outcome and every progress update sent.
pub async fn add(
    app: &App<MockRuntime>,
    job: &str,
    paths: Vec<String>,
    details: AddDetails,
) -> (AppResult<AddOutcome>, Vec<AddProgress>) {
    use tauri::Manager;
    let (ch, seen) = capture::<AddProgress>();
    let out =
        ccs_app::commands::add_items(app.state::<AppState>(), job.into(), paths, details, ch).await;
    let updates = seen.lock().unwrap().clone();
    (out, updates)
}

/// `retrieve_item` as the frontend calls it: its outcome and every progress update sent.
pub async fn retrieve(
    app: &App<MockRuntime>,
    job: &str,
    cid: &str,
    dest: &Path,
) -> (AppResult<RetrieveOutcome>, Vec<RetrieveProgress>) {
    use tauri::Manager;
    let (ch, seen) = capture::<RetrieveProgress>();
    let out = ccs_app::commands::retrieve_item(
        app.state::<AppState>(),
        job.into(),
        cid.into(),
        None,
        dest.display().to_string(),
        ch,
    )
    .await;
    let updates = seen.lock().unwrap().clone();
    (out, updates)
}
