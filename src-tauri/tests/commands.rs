//! The app's commands through Tauri's mock runtime, registered by the real
//! `ccs_app::builder` with the real context (so the capabilities apply),
//! against a real private 3-peer testnet.

// Needs the real daemons (or root, or system services): `./scripts/test.sh` turns it on.
#![cfg(feature = "real-daemons")]
#![allow(clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use ccs_app::AppState;
use ccs_app::commands;
use ccs_app::dto::{AddDetails, AddPhase, AddProgress, ErrorCode};
use ccs_tests::{assert_same_tree, make_folder, start_testnet};
use serde_json::{Value, json};
use tauri::Manager;

use common::{add, app, call, capture, library, retrieve, save_settings};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_add_list_retrieve_cancel_remove_against_a_real_testnet() {
    // No keychain here (tests/recovery.rs covers it): the password falls back
    // to the 0600 settings file, and Settings says why.
    // SAFETY: the only test in this binary; nothing reads the environment concurrently.
    unsafe { std::env::set_var("CCS_NO_KEYCHAIN", "1") };
    let net = start_testnet(3).await;
    let work = tempfile::tempdir().unwrap();
    // The testnet's settings name every peer (with gateways); the app starts
    // with them but without a chosen node, as after a first install with the
    // partners' table filled in.
    let config = save_settings(&net, work.path(), |t| t.default_node = None);
    let (app, w) = app(&config);
    let peer1 = net.net.peer(0).clone();

    // Not connected yet: a plain error, not a crash.
    assert!(call(&w, "settings", json!({})).unwrap()["connection"].is_null());
    let err = library(&app).await.unwrap_err();
    assert_eq!(err["code"], "not_connected");
    assert!(err["message"].as_str().unwrap().contains("Settings"));

    // Wrong password, unreachable host: clear verdicts, nothing saved.
    let wrong = json!({"input": {"address": peer1.cluster_api, "username": peer1.username, "password": "nope"}});
    assert_eq!(
        call(&w, "test_connection", wrong).unwrap_err()["code"],
        "unauthorized"
    );
    let nobody =
        json!({"input": {"address": "http://127.0.0.1:9", "username": "", "password": ""}});
    assert_eq!(
        call(&w, "test_connection", nobody).unwrap_err()["code"],
        "unreachable"
    );
    let right = json!({"input": {"address": peer1.cluster_api, "username": peer1.username, "password": peer1.password}});
    let report = call(&w, "test_connection", right.clone()).unwrap();
    assert_eq!(report["node"], "peer1");
    assert_eq!(report["members"], 3);
    assert!(call(&w, "settings", json!({})).unwrap()["connection"].is_null());

    // Save and connect: the existing table entry (with its gateway) is chosen.
    call(&w, "save_connection", right).unwrap();
    let settings = call(&w, "settings", json!({})).unwrap();
    assert_eq!(settings["connection"]["node"], "peer1");
    assert_eq!(settings["connection"]["cluster_api"], peer1.cluster_api);
    let saved = ccs_core::local::settings::Config::load(&config).unwrap();
    assert_eq!(saved.default_node.as_deref(), Some("peer1"));
    assert!(saved.nodes["peer1"].gateway.is_some());
    assert_eq!(
        saved.nodes["peer1"].password.as_deref(),
        Some(peer1.password.as_str())
    );
    assert_eq!(settings["password_storage"], "file");
    assert_eq!(settings["keychain_off"], true);

    // Every partner online; free space arrives with each partner's first metric.
    let deadline = Instant::now() + Duration::from_secs(60);
    let partners = loop {
        let partners = call(&w, "list_partners", json!({})).unwrap();
        let list = partners.as_array().unwrap().clone();
        if list
            .iter()
            .all(|p| p["free_space"].as_u64().is_some_and(|f| f > 0))
        {
            break list;
        }
        assert!(
            Instant::now() < deadline,
            "free space never reported: {partners}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    let mut names: Vec<_> = partners
        .iter()
        .map(|p| {
            assert_eq!(p["online"], true, "{p}");
            assert_eq!(p["error"], serde_json::Value::Null, "{p}");
            p["name"].as_str().unwrap().to_string()
        })
        .collect();
    names.sort();
    assert_eq!(names, ["peer1", "peer2", "peer3"]);
    // No partner named its place in this testnet; no rules set: the defaults.
    let places = call(&w, "network_places", json!({})).unwrap();
    assert_eq!(places["partners"], 3, "{places}");
    assert_eq!(places["by_peer"], json!({}), "{places}");
    let policy = call(&w, "network_policy", json!({})).unwrap();
    assert_eq!(policy["stored"], false, "{policy}");
    assert_eq!(policy["document"]["policy"]["copies_target"], 3, "{policy}");
    assert_eq!(policy["settings"].as_array().unwrap().len(), 10, "{policy}");
    // Nothing stored yet: placement has nothing to say but the partners.
    let placement = call(&w, "check_placement", json!({})).unwrap();
    assert_eq!(placement["items_checked"], 0, "{placement}");
    assert_eq!(placement["dry_run"], true, "{placement}");
    assert_eq!(
        placement["partners"].as_array().unwrap().len(),
        3,
        "{placement}"
    );

    // Add a folder of 60 files with a title and collection; progress is
    // throttled, starts with the scan and ends with everything counted.
    let folder = make_folder(work.path(), "letters", 60);
    let state = app.state::<AppState>();
    let details = AddDetails {
        title: "Letters 1901".into(),
        collection: "Parish".into(),
        description: String::new(),
        store_invalid_bag: None,
        skip_unreadable: None,
    };
    let (added, updates) = add(&app, "job-1", vec![folder.display().to_string()], details).await;
    let added = added.unwrap();
    assert_eq!(updates.first().unwrap().phase, AddPhase::Scanning);
    let last = updates.last().unwrap();
    assert_eq!(last.phase, AddPhase::Done);
    assert_eq!((last.files, last.files_total), (60, 60));
    assert_eq!(last.bytes, last.bytes_total);
    assert!(last.bytes > 0);
    assert!(updates.windows(2).all(|w| w[0].bytes <= w[1].bytes));
    assert_eq!(added.files, 60);

    // The library lists it by title, with provenance, until every partner holds it.
    let deadline = Instant::now() + Duration::from_secs(120);
    let item = loop {
        let lib = library(&app).await.unwrap();
        let it = lib
            .iter()
            .find(|i| i["cid"] == added.cid.as_str())
            .cloned()
            .expect("the added item is listed");
        if it["copies"] == 3 || Instant::now() > deadline {
            break it;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    assert_eq!(item["name"], "Letters 1901");
    assert_eq!(
        (item["copies"].clone(), item["target"].clone()),
        (json!(3), json!(3))
    );
    assert_eq!(item["health"], "ok");
    assert_eq!(item["metadata"]["collection"], "Parish");
    assert!(
        item["metadata"]["client"]
            .as_str()
            .unwrap()
            .starts_with("ccs-app/")
    );
    assert_eq!(item["size"], last.bytes_total);
    assert!(
        item["partners"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["status"] == "pinned")
    );
    let detail = call(&w, "item_detail", json!({"cid": added.cid})).unwrap();
    assert_eq!(detail["partners"].as_array().unwrap().len(), 3);
    // Repair on a healthy item changes nothing and says so.
    let repaired = call(&w, "repair_item", json!({"cid": added.cid})).unwrap();
    assert_eq!(repaired["item"]["copies"], 3);
    assert_eq!(repaired["item"]["health"], "ok");
    assert_eq!(repaired["record_problem"], Value::Null, "{repaired}");
    assert_eq!(
        call(&w, "repair_item", json!({"cid": "not a cid"})).unwrap_err()["code"],
        "invalid_input"
    );

    // Retrieve: byte-identical, verified, with a last update marked done.
    let dest = work.path().join("restored");
    let (got, updates) = retrieve(&app, "job-2", &added.cid, &dest).await;
    let got = got.unwrap();
    assert_same_tree(&folder, &dest);
    assert_eq!(got.kind, ccs_app::dto::ContentKind::Folder);
    assert_eq!(got.source, "peer1");
    let last = updates.last().cloned().unwrap();
    assert!(last.done);
    assert_eq!(last.bytes, got.bytes);
    // Never over an existing folder.
    let again = retrieve(&app, "job-3", &added.cid, &dest)
        .await
        .0
        .unwrap_err();
    assert_eq!(again.code, "already_exists");

    // Cancel: a 300 MB upload stopped through the IPC command; nothing is listed.
    let big = work.path().join("big.bin");
    std::fs::write(&big, ccs_tests::pseudo_random(7, 300 * 1024 * 1024)).unwrap();
    let (ch, seen) = capture::<AddProgress>();
    let adding = commands::add_items(
        state.clone(),
        "job-big".into(),
        vec![big.display().to_string()],
        AddDetails::default(),
        ch,
    );
    let cancelling = async {
        let deadline = Instant::now() + Duration::from_secs(60);
        while !seen
            .lock()
            .unwrap()
            .iter()
            .any(|p| p.phase == AddPhase::Uploading)
        {
            assert!(Instant::now() < deadline, "the upload never started");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(
            call(&w, "cancel_job", json!({"job": "job-big"})).unwrap(),
            true
        );
    };
    let (result, ()) = tokio::join!(adding, cancelling);
    let cancelled = result.unwrap_err();
    assert_eq!(cancelled.code, "cancelled");
    assert_eq!(
        call(&w, "cancel_job", json!({"job": "job-big"})).unwrap(),
        false
    );
    assert!(
        seen.lock()
            .unwrap()
            .iter()
            .all(|p| p.phase != AddPhase::Done)
    );
    let lib = library(&app).await.unwrap();
    assert_eq!(lib.len(), 1, "{lib:?}");

    // Remove is a withdrawal: still stored, listed as withdrawn with when it
    // goes; Keep it undoes it.
    let said = call(&w, "remove_item", json!({"cid": added.cid})).unwrap();
    assert_eq!(said["record_problem"], Value::Null, "{said}");
    assert_eq!(said["withdrawal"]["state"], "confirmed", "{said}");
    assert!(said["withdrawal"]["removes_at"].is_string(), "{said}");
    let listed = call(&w, "withdrawn_items", json!({})).unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(
        library(&app).await.unwrap().len(),
        1,
        "a withdrawn item stays stored"
    );
    let kept = call(&w, "keep_item", json!({"cid": added.cid})).unwrap();
    assert_eq!(kept["withdrawal"], Value::Null, "{kept}");
    assert_eq!(call(&w, "withdrawn_items", json!({})).unwrap(), json!([]));
    let refused = call(&w, "confirm_withdrawal", json!({"cid": added.cid})).unwrap_err();
    assert_eq!(refused["code"], "invalid_input", "{refused}");
    // With a policy of no grace period, Remove removes at once: gone from
    // the library, and recorded.
    ccs_core::ops::policy::set(
        &app.state::<AppState>().session().unwrap(),
        ccs_core::ops::policy::PolicyUpdate::Words(vec![("removal-grace".into(), "0".into())]),
    )
    .await
    .unwrap();
    let said = call(&w, "remove_item", json!({"cid": added.cid})).unwrap();
    assert_eq!(said["withdrawal"], Value::Null, "{said}");
    assert_eq!(
        said["record_problem"],
        Value::Null,
        "the record took the removal: {said}"
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let lib = library(&app).await.unwrap();
        if lib.is_empty() {
            break;
        }
        assert!(Instant::now() < deadline, "still listed: {lib:?}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }

    // The item's history and the network's activity, as the app reads them:
    // every action above, newest first, the removed item still named.
    let history = call(&w, "item_history", json!({"cid": added.cid})).unwrap();
    let kinds: Vec<&str> = history["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "deletion",
            "deaccession",
            "deaccession",
            "dissemination",
            "recovery",
            "ingestion"
        ],
        "{history}"
    );
    assert_eq!(history["problems"], json!([]), "{history}");
    assert!(history["names"][&added.cid].is_string(), "{history}");
    let saves = call(
        &w,
        "activity",
        json!({"filter": {"event_type": "dissemination", "person": null, "partner": null, "limit": 10}}),
    )
    .unwrap();
    assert_eq!(saves["events"].as_array().unwrap().len(), 1, "{saves}");
    assert_eq!(saves["total"], 1);
    let none = call(
        &w,
        "activity",
        json!({"filter": {"event_type": null, "person": "nobody@nowhere", "partner": null, "limit": 10}}),
    )
    .unwrap();
    assert_eq!(none["events"], json!([]), "{none}");
    assert!(
        none["people"].as_array().unwrap().len() == 1,
        "the filter's choices stay: {none}"
    );

    // A BagIt bag that does not check out: refused with its own code, then
    // stored as it is when the person chooses "Store it anyway".
    let bag = work.path().join("box 1");
    std::fs::create_dir_all(bag.join("data")).unwrap();
    std::fs::write(bag.join("data/a.txt"), "minutes").unwrap();
    std::fs::write(
        bag.join("bagit.txt"),
        "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n",
    )
    .unwrap();
    std::fs::write(
        bag.join("manifest-sha256.txt"),
        format!("{}  data/a.txt\n", "0".repeat(64)),
    )
    .unwrap();
    let paths = vec![bag.display().to_string()];
    let (refused, _) = add(&app, "job-bag", paths.clone(), AddDetails::default()).await;
    let refused = refused.unwrap_err();
    assert_eq!(refused.code, ErrorCode::InvalidBag, "{refused:?}");
    assert!(
        refused.message.contains("does not check out"),
        "{refused:?}"
    );
    assert!(library(&app).await.unwrap().is_empty());
    let anyway = AddDetails {
        store_invalid_bag: Some(true),
        ..AddDetails::default()
    };
    let (stored, _) = add(&app, "job-bag-2", paths, anyway).await;
    let stored = stored.unwrap();
    let detail = call(&w, "item_detail", json!({"cid": stored.cid})).unwrap();
    assert!(
        detail["metadata"]["bagit"]
            .as_str()
            .unwrap()
            .contains("not valid"),
        "{detail}"
    );
}
