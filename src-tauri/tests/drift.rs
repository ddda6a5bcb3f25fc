//! The same requests through the command line and through the app's command
//! layer, against one testnet: both shells must give the same outcome (item
//! name, metadata, partners including an offline one, error codes), since
//! both only translate `ccs_core::ops`.

// Needs the real daemons (or root, or system services): `./scripts/test.sh` turns it on.
#![cfg(feature = "real-daemons")]
#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};

use ccs_app::dto::AddDetails;
use ccs_core::content::provenance;
use ccs_testnet::DaemonKind;
use ccs_tests::{Run, ccs_command, pseudo_random};
use common::{IGNORED_CHANNEL, add, app, call, save_settings};
use serde_json::{Value, json};

/// The `ccs` program built next to this test (`cargo test --workspace` builds it).
fn ccs_bin() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().and_then(Path::parent).unwrap();
    let bin = dir.join(if cfg!(windows) { "ccs.exe" } else { "ccs" });
    assert!(
        bin.exists(),
        "{} is missing: build it with `cargo build -p ccs-cli` (cargo test --workspace does)",
        bin.display()
    );
    bin
}

fn ccs(config: &Path, args: &[&str]) -> Run {
    Run::of(ccs_command(ccs_bin(), config).args(args))
}

/// An item's name and metadata as a person sees them, without what differs
/// by nature between two adds (when, from which folder, with which program).
fn description(item: &Value) -> Value {
    let mut metadata = item["metadata"].as_object().cloned().unwrap_or_default();
    metadata.remove(provenance::ADDED_AT);
    metadata.remove(provenance::CLIENT);
    metadata.remove(provenance::SOURCE);
    // Each item has a fixity manifest of its own (other bytes, other CID).
    let manifest = metadata.remove(ccs_core::content::fixity::ITEM_KEY);
    assert!(
        manifest.is_some_and(|m| m.as_str().is_some_and(|m| m.starts_with("Qm"))),
        "no fixity manifest: {item}"
    );
    json!({ "name": item["name"], "metadata": metadata })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_command_line_and_the_app_give_the_same_outcomes() {
    let mut net = ccs_tests::start_testnet(3).await;
    let work = tempfile::tempdir().unwrap();
    let w = work.path();
    let config = save_settings(&net, w, |t| t.default_node = Some("peer1".into()));
    let (the_app, win) = app(&config);

    // Two files stored as one item, with a collection and a description: the
    // same request through the app and through the command line, each with
    // files of its own (same names and sizes, other bytes), so each shell
    // makes an item of its own.
    let files_in = |dir: &str, seed: u64| -> Vec<String> {
        let d = w.join(dir);
        std::fs::create_dir(&d).unwrap();
        ["minutes 1901.txt", "minutes 1902.txt"]
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let p = d.join(n);
                std::fs::write(&p, pseudo_random(seed + i as u64, 50_000)).unwrap();
                p.display().to_string()
            })
            .collect()
    };
    let app_paths = files_in("from-app", 40);
    let cli_paths = files_in("from-cli", 50);
    let details = AddDetails {
        title: String::new(),
        collection: "Parish council".into(),
        description: "Minutes, two years".into(),
        store_invalid_bag: None,
        skip_unreadable: None,
    };
    let (by_app, _) = add(&the_app, "drift-add", app_paths, details).await;
    let by_app = by_app.unwrap();

    let mut args = vec!["add", "--json"];
    args.extend(cli_paths.iter().map(String::as_str));
    args.extend([
        "--metadata",
        "collection=Parish council",
        "--metadata",
        "description=Minutes, two years",
    ]);
    let r = ccs(&config, &args);
    assert_eq!(r.code, 0, "{r:?}");
    let by_cli = r.json();
    assert_ne!(by_cli["cid"], by_app.cid, "other bytes, another item");
    assert_eq!(by_cli["name"], by_app.name);
    let by_cli_cid = by_cli["cid"].as_str().unwrap().to_string();

    // Right after an add the node may answer for an item before its pin (with
    // the name and metadata) has reached the node's own state: ask until it has.
    let mut app_item = Value::Null;
    let mut cli_item = Value::Null;
    for _ in 0..60 {
        app_item = call(&win, "item_detail", json!({ "cid": by_app.cid })).unwrap();
        let r = ccs(&config, &["status", &by_cli_cid, "--json"]);
        assert_eq!(r.code, 0, "{r:?}");
        cli_item = r.json()[0].clone();
        if app_item["name"] != "" && cli_item["name"] != "" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }

    // The core's naming rule: the files' names joined (not "2 items").
    assert_eq!(by_app.name, "minutes 1901.txt, minutes 1902.txt");
    assert_eq!(description(&app_item), description(&cli_item));
    assert_eq!(app_item["metadata"]["collection"], "Parish council");
    assert_eq!(app_item["metadata"][provenance::FILES], "2");
    let client = |item: &Value| -> String {
        let c = item["metadata"][provenance::CLIENT].as_str().unwrap_or("");
        c.split('/').next().unwrap_or("").to_string()
    };
    assert_eq!(client(&app_item), "ccs-app");
    assert_eq!(client(&cli_item), "community-cloud-storage");

    // Partners, with one offline: both list it by name, as offline.
    net.kill(2, DaemonKind::Cluster).unwrap();
    let offline_seen = |partners: &Value| -> Vec<(String, bool)> {
        let mut v: Vec<(String, bool)> = partners
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p["name"].as_str().unwrap().to_string(),
                    p["online"].as_bool().unwrap(),
                )
            })
            .collect();
        v.sort();
        v
    };
    let want = vec![
        ("peer1".to_string(), true),
        ("peer2".to_string(), true),
        ("peer3".to_string(), false),
    ];
    // The cluster notices a dead peer within a few seconds.
    let mut app_partners = Value::Null;
    for _ in 0..60 {
        app_partners = call(&win, "list_partners", json!({})).unwrap();
        if offline_seen(&app_partners) == want {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    assert_eq!(offline_seen(&app_partners), want, "{app_partners}");
    let r = ccs(&config, &["peers", "--json"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(offline_seen(&r.json()), want, "{r:?}");
    // The same members by id too (free space and alerts move on their own).
    let ids = |v: &Value| -> Vec<String> {
        let mut ids: Vec<String> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["cluster_peer_id"].as_str().unwrap().to_string())
            .collect();
        ids.sort();
        ids
    };
    assert_eq!(ids(&app_partners), ids(&r.json()));

    // Errors: the same code for the same mistake.
    let dest = w.join("saved").display().to_string();
    let app_err = call(
        &win,
        "retrieve_item",
        json!({ "job": "drift-get", "cid": "not-a-cid", "destination": dest, "onProgress": IGNORED_CHANNEL }),
    )
    .unwrap_err();
    let r = ccs(&config, &["get", "not-a-cid", "--output", &dest, "--json"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert_eq!(r.json()["error"]["code"], app_err["code"]);
    assert_eq!(app_err["code"], "invalid_input");

    let missing = w.join("no such folder").display().to_string();
    let app_err = call(
        &win,
        "add_items",
        json!({ "job": "drift-missing", "paths": [missing], "details": { "title": "", "collection": "", "description": "" }, "onProgress": IGNORED_CHANNEL }),
    )
    .unwrap_err();
    let r = ccs(&config, &["add", &missing, "--json"]);
    assert_eq!(r.code, 5, "{r:?}");
    assert_eq!(r.json()["error"]["code"], app_err["code"]);
    assert_eq!(app_err["code"], "path_not_found");

    // Not connected anywhere: the same code from both.
    let empty = w.join("empty.toml");
    std::fs::write(&empty, "").unwrap();
    let (lonely, lonely_win) = app(&empty);
    let app_err = call(&lonely_win, "list_partners", json!({})).unwrap_err();
    let r = ccs(&empty, &["peers", "--json"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert_eq!(r.json()["error"]["code"], app_err["code"]);
    assert_eq!(app_err["code"], "not_connected");
    drop(lonely);
}
