//! The preservation record on a real testnet: adds, audits and removals
//! leave events in the network, another member's computer with none of the
//! writer's local state reads them whole, and a removed or forged batch is
//! named.

// Needs the real daemons (or root, or system services): `./scripts/test.sh` turns it on.
#![cfg(feature = "real-daemons")]
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::time::{Duration, Instant};

use ccs_core::net::cluster::AddOptions;
use ccs_tests::{Run, ccs_command, isolate_ccs, pseudo_random, start_testnet};
use serde_json::Value;

fn ccs(config: &Path, args: &[&str]) -> Run {
    Run::of(ccs_command(env!("CARGO_BIN_EXE_ccs"), config).args(args))
}

/// `ccs` on another computer: its own journal and record state.
fn ccs_elsewhere(config: &Path, journal: &Path, args: &[&str]) -> Run {
    let cmd = std::process::Command::new(env!("CARGO_BIN_EXE_ccs"));
    Run::of(isolate_ccs(cmd, config, journal).args(args))
}

fn events(r: &Run) -> Vec<Value> {
    r.json()["events"].as_array().unwrap().clone()
}

fn types(r: &Run) -> Vec<String> {
    events(r)
        .iter()
        .map(|e| e["type"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_record_survives_its_writer_and_names_a_removed_or_forged_batch() {
    let started = Instant::now();
    let net = start_testnet(3).await;
    let cfg = net.config_path();
    let work = tempfile::tempdir().unwrap();
    let file = work.path().join("minutes 1921.pdf");
    std::fs::write(&file, pseudo_random(9, 300_000)).unwrap();

    // An add, an audit and a removal, each recorded.
    let r = ccs(&cfg, &["add", "--wait", file.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(!r.stderr.contains("preservation record"), "{r:?}");
    let cid = r.stdout.trim().to_string();
    let r = ccs(&cfg, &["audit", &cid]);
    assert_eq!(r.code, 0, "{r:?}");
    let r = ccs(&cfg, &["history", "--json", &cid]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(
        types(&r),
        ["fixity_check", "fixity_check", "fixity_check", "ingestion"],
        "{r:?}"
    );
    let ingestion = &events(&r)[3];
    assert_eq!(ingestion["item"], cid.as_str());
    assert_eq!(ingestion["outcome"], "success");
    assert!(
        ingestion["software"]
            .as_str()
            .unwrap()
            .starts_with("community-cloud-storage/"),
        "{ingestion}"
    );
    assert!(ingestion["person"].as_str().unwrap().contains('@'));
    assert!(
        ingestion["detail"]
            .as_str()
            .unwrap()
            .contains("minutes 1921.pdf"),
        "{ingestion}"
    );
    let all = events(&r);
    let partners: Vec<&str> = all[..3]
        .iter()
        .map(|e| e["partner"].as_str().unwrap())
        .collect();
    for p in ["peer1", "peer2", "peer3"] {
        assert!(partners.contains(&p), "{partners:?}");
    }
    // A save to disk is a dissemination, naming the partner that sent it.
    let saved = work.path().join("saved.pdf");
    let r = ccs(&cfg, &["get", &cid, "-o", saved.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{r:?}");
    let r = ccs(
        &cfg,
        &["history", "--json", "--type", "dissemination", &cid],
    );
    assert_eq!(r.code, 0, "{r:?}");
    let saves = events(&r);
    assert_eq!(saves.len(), 1, "{r:?}");
    assert_eq!(saves[0]["outcome"], "success");
    assert!(
        ["peer1", "peer2", "peer3"].contains(&saves[0]["partner"].as_str().unwrap()),
        "{r:?}"
    );
    assert_eq!(r.json()["names"][&cid], "minutes 1921.pdf", "{r:?}");
    // The record's batches are not items.
    let ls = ccs(&cfg, &["ls", "--json"]);
    assert_eq!(ls.json().as_array().unwrap().len(), 1, "{ls:?}");

    // The writing computer is gone: another member's computer, with none of
    // its state, reads the same record through another node.
    // A policy without a grace period: `rm` removes at once (else it withdraws).
    let r = ccs(&cfg, &["policy", "set", "removal-grace=0"]);
    assert_eq!(r.code, 0, "{r:?}");
    let r = ccs(&cfg, &["rm", "--yes", &cid]);
    assert_eq!(r.code, 0, "{r:?}");
    let gone = cfg.with_file_name("history");
    assert!(gone.join("writer-community-cloud-storage.json").exists());
    std::fs::remove_dir_all(&gone).unwrap();
    let elsewhere = work.path().join("other-computer").join("jobs");
    // The pinset reaches peer3 a moment after the removal's batch is added
    // through peer1 (the cluster's shared state is eventually consistent):
    // ask until it has every batch.
    let deadline = Instant::now() + Duration::from_secs(30);
    let r = loop {
        let r = ccs_elsewhere(
            &cfg,
            &elsewhere,
            &["--cluster-peername", "peer3", "history", "--json", &cid],
        );
        if r.code != 0 || r.json()["batches"] == 5 || Instant::now() > deadline {
            break r;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(
        types(&r),
        [
            "deletion",
            "dissemination",
            "fixity_check",
            "fixity_check",
            "fixity_check",
            "ingestion"
        ],
        "{r:?}"
    );
    assert_eq!(r.json()["writers"], 1);
    // (The fifth is the policy change's.)
    assert_eq!(r.json()["batches"], 5);
    // Removed, the item is still named: by the record's own events.
    assert_eq!(r.json()["names"][&cid], "minutes 1921.pdf", "{r:?}");
    // Filtered by kind and by partner.
    let r = ccs(
        &cfg,
        &[
            "history",
            "--json",
            "--type",
            "fixity-check",
            "--partner",
            "peer2",
        ],
    );
    assert_eq!(events(&r).len(), 1, "{r:?}");

    // A batch removed from the network: named, and the history fails.
    let cluster = net.peer(0).cluster();
    let mut batches = Vec::new();
    let mut pins = cluster.allocations().await.unwrap();
    while let Some(p) = pins.next().await {
        let p = p.unwrap();
        if p.metadata.get("ccs-kind").map(String::as_str) == Some("history-batch") {
            batches.push((
                p.metadata["ccs-seq"].clone(),
                p.cid,
                p.metadata["ccs-writer"].clone(),
            ));
        }
    }
    batches.sort();
    assert_eq!(batches.len(), 5, "{batches:?}");
    let writer = batches[0].2.clone();
    cluster.unpin(&batches[1].1).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let r = loop {
        let r = ccs(&cfg, &["history"]);
        if r.code != 0 || Instant::now() > deadline {
            break r;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.stderr.contains(&format!(
            "The record is damaged: batch 2 of {writer} is missing from the network: it was removed"
        )),
        "{r:?}"
    );

    // A forged batch claiming another's place.
    let forged = work.path().join("history-batch.json");
    std::fs::write(
        &forged,
        format!(
            r#"{{"format":"ccs-history/1","writer":"{writer}","writer_name":"x","seq":1,"prev":null,"events":[]}}"#
        ),
    )
    .unwrap();
    let mut options = AddOptions::default();
    options
        .pin
        .metadata
        .insert("ccs-kind".into(), "history-batch".into());
    options
        .pin
        .metadata
        .insert("ccs-writer".into(), writer.clone());
    options.pin.metadata.insert("ccs-seq".into(), "1".into());
    cluster.add(&[forged], &options, |_| {}).await.unwrap();
    let r = ccs(&cfg, &["history"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.stderr.contains(&format!(
            "2 different batches claim to be batch 1 of {writer}"
        )),
        "{r:?}"
    );
    eprintln!("history suite: {:?}", started.elapsed());
}
