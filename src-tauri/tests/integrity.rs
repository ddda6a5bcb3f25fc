//! Integrity through the app: a block corrupted on disk in the connected
//! partner's kubo repository (its flatfs blockstore) is caught by
//! `retrieve_item`, the item is saved byte for byte from another partner, and
//! the outcome names the damaged partner so the frontend can say whose node
//! needs checking. The mock runtime, the real builder, a real 3-peer testnet.

// Needs the real daemons (or root, or system services): `./scripts/test.sh` turns it on.
#![cfg(feature = "real-daemons")]
#![allow(clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use ccs_app::AppState;
use ccs_app::commands;
use ccs_app::dto::AddDetails;
use ccs_core::net::cluster::TrackerStatus;
use ccs_tests::{pseudo_random, start_testnet, wait_status};
use tauri::Manager;

use common::{add, app, retrieve, save_settings};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_damaged_copy_on_the_connected_partner_is_named_in_the_outcome() {
    let started = Instant::now();
    // SAFETY: the only test in this binary; nothing reads the environment concurrently.
    unsafe { std::env::set_var("CCS_NO_KEYCHAIN", "1") };
    let net = start_testnet(3).await;
    let work = tempfile::tempdir().unwrap();
    let w = work.path();

    // The app connected to peer2 (so peer2 is tried first), with the
    // partners' table (and their gateways).
    let config = save_settings(&net, w, |t| t.default_node = Some("peer2".into()));
    let (the_app, _win) = app(&config);
    let state = the_app.state::<AppState>();

    // 1 MiB of incompressible data: four 256 KiB leaf blocks and a root.
    let original = pseudo_random(777, 1024 * 1024);
    let file = w.join("minutes 1921.pdf");
    std::fs::write(&file, &original).unwrap();
    let added = add(
        &the_app,
        "add",
        vec![file.display().to_string()],
        AddDetails::default(),
    )
    .await
    .0
    .unwrap();
    let peer2 = net.net.peer(1).clone();
    // peer2 and at least one other partner hold a complete copy. (Added
    // through peer2, the testnet's peer3 may not find the blocks: its pin can
    // stay in error with "routing: not found"; one good copy is all we need.)
    let pinned = |s: &ccs_core::net::cluster::GlobalPinInfo| -> Vec<String> {
        s.peer_map
            .values()
            .filter(|p| p.status == TrackerStatus::Pinned)
            .map(|p| p.peername.clone())
            .collect()
    };
    let settled = wait_status(
        &peer2.cluster(),
        &added.cid,
        Duration::from_secs(120),
        |s| {
            let p = pinned(s);
            p.len() >= 2 && p.iter().any(|n| n == "peer2")
        },
    )
    .await;
    let good: Vec<String> = pinned(&settled)
        .into_iter()
        .filter(|n| n != "peer2")
        .collect();

    // A clean retrieval first: from peer2, nothing failed, so no list.
    let clean = retrieve(&the_app, "clean", &added.cid, &w.join("clean.pdf"))
        .await
        .0
        .unwrap();
    assert_eq!(clean.source, "peer2");
    assert!(clean.failed_sources.is_none(), "{clean:?}");
    let v = serde_json::to_value(&clean).unwrap();
    assert!(v.get("failed_sources").is_none(), "{v}");

    // Flip one byte inside the block holding bytes 600,000.. of the file, in
    // peer2's repository only.
    let marker = &original[600_000..600_064];
    peer2.damage_block(marker, 10);
    for name in &good {
        let i = if name == "peer1" { 0 } else { 2 };
        assert_eq!(
            net.net.peer(i).blocks_holding(marker).len(),
            1,
            "{name} lost it"
        );
    }

    // Retrieve: detected, saved from another partner byte for byte, and
    // peer2 named as the damaged copy in the outcome the frontend receives.
    let dest = w.join("saved.pdf");
    let (got, updates) = retrieve(&the_app, "damaged", &added.cid, &dest).await;
    let got = got.unwrap();
    assert!(
        std::fs::read(&dest).unwrap() == original,
        "not byte-identical"
    );
    assert!(
        good.contains(&got.source),
        "saved from {} ({good:?})",
        got.source
    );
    let v = serde_json::to_value(&got).unwrap();
    let failed = v["failed_sources"].as_array().unwrap();
    assert_eq!(failed.len(), 1, "{v}");
    assert_eq!(failed[0]["source"], "peer2", "{v}");
    assert_eq!(failed[0]["damaged"], true, "{v}");
    assert_eq!(failed[0]["code"], "verification_failed", "{v}");
    let message = failed[0]["message"].as_str().unwrap();
    assert!(message.contains("sent by peer2 ("), "{message}");
    assert!(
        !message.contains('\n') && message.ends_with('.'),
        "{message}"
    );
    // The progress named peer2 first, then the partner that sent it.
    let sources: Vec<String> = updates.iter().map(|p| p.source.clone()).collect();
    assert_eq!(
        sources.first().map(String::as_str),
        Some("peer2"),
        "{sources:?}"
    );
    assert_eq!(sources.last(), Some(&got.source), "{sources:?}");
    // Nothing half-written next to it.
    let leftovers: Vec<_> = std::fs::read_dir(w)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".partial"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    // The journal records the job as done, with the saved path.
    let jobs = commands::list_jobs(state.clone()).unwrap();
    let job = jobs.iter().find(|j| j.id == "damaged").unwrap();
    assert_eq!(job.state, ccs_app::dto::JobState::Done);
    assert_eq!(
        job.result.as_deref(),
        Some(dest.display().to_string().as_str())
    );
    eprintln!("app integrity test: {:?}", started.elapsed());
}
