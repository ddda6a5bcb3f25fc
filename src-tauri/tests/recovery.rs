//! What the app does after things went wrong, through the mock runtime (real
//! builder, real context) against a real private 2-peer testnet:
//! - the password saved in Settings goes to the OS keychain (a real
//!   gnome-keyring Secret Service in a private D-Bus session), not the
//!   settings file, and a later start of the app loads the library with it;
//! - an add interrupted in an earlier run (its process gone) is listed as
//!   interrupted, never done, and starts again with the same paths and details;
//! - adds and retrievals are recorded in the journal; "Show in folder" refuses
//!   a path that is gone with a plain sentence;
//! - an item really broken on one partner (its kubo's pin removed and the
//!   blocks garbage-collected) is repaired: pinned everywhere again.

// Needs the real daemons (or root, or system services): `./scripts/test.sh` turns it on.
#![cfg(feature = "real-daemons")]
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use ccs_app::commands;
use ccs_app::dto::AddDetails;
use ccs_core::local::journal::{JobInputs, JobKind, JobRecord, JobState};
use ccs_tests::{assert_same_tree, make_folder, start_testnet};
use serde_json::{Value, json};

use common::{add, app_with_journal, call, library, retrieve, save_settings};

const INSIDE: &str = "CCS_TEST_INSIDE_DBUS";

/// Runs the real test inside `dbus-run-session` with an unlocked gnome-keyring
/// (as crates/ccs-cli/tests/keychain.rs does), with its own `$HOME`.
#[test]
fn keychain_journal_show_in_folder_and_repair() {
    if std::env::var_os(INSIDE).is_some() {
        return tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
            .block_on(inside());
    }
    let home = tempfile::tempdir().unwrap();
    // The keyring lives under the temporary $HOME; the built daemons stay
    // where they are cached.
    let daemons = std::env::var_os("CCS_DAEMON_CACHE").unwrap_or_else(|| {
        let real_home = std::env::var_os("HOME").unwrap_or_default();
        Path::new(&real_home)
            .join(".cache/ccs/daemons")
            .into_os_string()
    });
    let status = Command::new("dbus-run-session")
        .args(["--", "sh", "-c"])
        .arg(ccs_tests::UNLOCKED_KEYRING_SH)
        .arg("sh")
        .arg(std::env::current_exe().unwrap())
        .args([
            "keychain_journal_show_in_folder_and_repair",
            "--exact",
            "--nocapture",
        ])
        .env(INSIDE, "1")
        .env("HOME", home.path())
        .env("CCS_DAEMON_CACHE", daemons)
        .env_remove("CCS_NO_KEYCHAIN")
        .env_remove("CCS_CONFIG")
        .env_remove("CCS_JOURNAL_DIR")
        .status()
        .expect("dbus-run-session and gnome-keyring must be installed");
    assert!(status.success(), "the test inside the D-Bus session failed");
}

async fn wait_until(what: &str, secs: u64, mut ok: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !ok() {
        assert!(Instant::now() < deadline, "{what}: not within {secs} s");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

fn ipfs(net: &ccs_tests::TempNet, peer: usize, args: &[&str]) -> String {
    let o = Command::new(&net.bins().ipfs)
        .args(args)
        .env("IPFS_PATH", net.peer(peer).dir.join("kubo"))
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "ipfs {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn statuses(item: &Value) -> Vec<String> {
    item["partners"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["status"].as_str().unwrap().to_string())
        .collect()
}

async fn inside() {
    let net = start_testnet(2).await;
    let work = tempfile::tempdir().unwrap();
    let journal = work.path().join("jobs");
    let config = save_settings(&net, work.path(), |t| {
        t.default_node = None;
        for p in t.nodes.values_mut() {
            p.password = None;
        }
    });
    let peer1 = net.peer(0).clone();

    // 1. Keychain: saved there, not in the file; a later start uses it.
    {
        let (_app, w) = app_with_journal(&config, &journal);
        let input = json!({"input": {"address": peer1.cluster_api, "username": peer1.username, "password": peer1.password}});
        call(&w, "save_connection", input).unwrap();
        let file = std::fs::read_to_string(&config).unwrap();
        assert!(
            !file.contains(&peer1.password),
            "the password reached the settings file"
        );
        assert_eq!(
            ccs_core::local::keychain::get("peer1").as_deref(),
            Some(peer1.password.as_str())
        );
        let s = call(&w, "settings", json!({})).unwrap();
        assert_eq!(s["password_storage"], "keychain");
        assert_eq!(s["keychain_off"], false);
    }
    let (app, w) = app_with_journal(&config, &journal);
    assert!(library(&app).await.is_ok());
    assert_eq!(
        call(&w, "settings", json!({})).unwrap()["password_storage"],
        "keychain"
    );

    // 2. An add interrupted in an earlier run: its process is gone.
    let folder = make_folder(work.path(), "minutes", 12);
    let mut gone = Command::new("true").spawn().unwrap();
    let dead_pid = gone.id();
    gone.wait().unwrap();
    let earlier = JobRecord {
        id: "add-earlier-run".into(),
        kind: JobKind::Add,
        client: commands::CLIENT.into(),
        inputs: JobInputs {
            paths: vec![folder.display().to_string()],
            title: "Minutes 1950".into(),
            collection: "Council".into(),
            ..Default::default()
        },
        pid: dead_pid,
        started_at: "2026-01-01T10:00:00.000Z".into(),
        ended_at: None,
        state: JobState::Running,
        result: None,
        message: None,
        problems: Vec::new(),
    };
    std::fs::create_dir_all(&journal).unwrap();
    std::fs::write(
        journal.join("add-earlier-run.json"),
        serde_json::to_vec(&earlier).unwrap(),
    )
    .unwrap();
    let jobs = call(&w, "list_jobs", json!({})).unwrap();
    let listed = jobs
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["id"] == "add-earlier-run")
        .unwrap()
        .clone();
    assert_eq!(listed["state"], "interrupted");
    assert_eq!(listed["kind"], "add");
    assert_eq!(listed["this_run"], false);
    assert_eq!(listed["inputs"]["title"], "Minutes 1950");
    // Start again, as the tray does: same paths and details.
    let added = add(
        &app,
        "add-again-1",
        serde_json::from_value(listed["inputs"]["paths"].clone()).unwrap(),
        AddDetails {
            title: listed["inputs"]["title"].as_str().unwrap().into(),
            collection: listed["inputs"]["collection"].as_str().unwrap().into(),
            description: String::new(),
            store_invalid_bag: None,
            skip_unreadable: None,
        },
    )
    .await
    .0
    .unwrap();
    assert_eq!(added.files, 12);
    assert_eq!(
        call(&w, "forget_job", json!({"job": "add-earlier-run"})).unwrap(),
        true
    );
    let jobs = call(&w, "list_jobs", json!({})).unwrap();
    let jobs = jobs.as_array().unwrap();
    assert!(jobs.iter().all(|j| j["id"] != "add-earlier-run"));
    let again = jobs.iter().find(|j| j["id"] == "add-again-1").unwrap();
    assert_eq!(again["state"], "done");
    assert_eq!(again["result"], added.cid.as_str());
    assert_eq!(again["this_run"], true);
    assert_eq!(again["inputs"]["collection"], "Council");

    let cid = added.cid.clone();
    wait_until("both partners hold the item", 120, || {
        let d = call(&w, "item_detail", json!({"cid": cid})).unwrap();
        statuses(&d).iter().all(|s| s == "pinned")
    })
    .await;

    // 3. Retrieval is recorded; "Show in folder" opens the saved folder and
    //    refuses a path that is gone.
    let reveal_log = work.path().join("revealed.txt");
    // SAFETY: this test is the only thread of this process touching the environment.
    unsafe { std::env::set_var(commands::TEST_REVEAL_ENV, &reveal_log) };
    let dest = work.path().join("restored");
    let got = retrieve(&app, "retrieve-1", &added.cid, &dest)
        .await
        .0
        .unwrap();
    assert_same_tree(&folder, &dest);
    let jobs = call(&w, "list_jobs", json!({})).unwrap();
    let r = jobs
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["id"] == "retrieve-1")
        .unwrap()
        .clone();
    assert_eq!(
        (r["kind"].clone(), r["state"].clone()),
        (json!("retrieve"), json!("done"))
    );
    assert_eq!(r["result"], got.path.as_str());
    call(&w, "show_in_folder", json!({"path": got.path})).unwrap();
    assert_eq!(
        std::fs::read_to_string(&reveal_log).unwrap().trim(),
        got.path
    );
    let missing = work.path().join("moved-away");
    let err = call(&w, "show_in_folder", json!({"path": missing})).unwrap_err();
    assert_eq!(err["code"], "path_not_found");
    let msg = err["message"].as_str().unwrap();
    assert!(
        msg.contains("no longer there") && msg.ends_with('.'),
        "{msg}"
    );

    // 4. Break the item on peer 2 for real: unpin in its kubo and collect the blocks.
    ipfs(&net, 1, &["pin", "rm", &cid]);
    ipfs(&net, 1, &["repo", "gc", "--quiet"]);
    assert!(!ipfs(&net, 1, &["pin", "ls", "--type=recursive"]).contains(&cid));
    let broken = call(&w, "item_detail", json!({"cid": cid})).unwrap();
    assert_ne!(broken["health"], "ok", "{broken}");
    assert!(statuses(&broken).iter().any(|s| s != "pinned"), "{broken}");
    // Repair brings it back to pinned everywhere.
    call(&w, "repair_item", json!({"cid": cid})).unwrap();
    wait_until("the repaired item is pinned everywhere", 120, || {
        let d = call(&w, "item_detail", json!({"cid": cid})).unwrap();
        d["health"] == "ok" && statuses(&d).iter().all(|s| s == "pinned")
    })
    .await;
    assert!(ipfs(&net, 1, &["pin", "ls", "--type=recursive"]).contains(&cid));
}
