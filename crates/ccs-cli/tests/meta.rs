//! Metadata after upload on a real 3-peer testnet: `ccs meta set` changes an
//! item's title, collection and Dublin Core fields, and every partner's
//! shared state then holds the same pin with nothing else changed (the
//! allocations of a 2-of-3 item, replication, the fixity-manifest pointer,
//! the provenance, every other option) and the copies stay where they were;
//! the preservation record holds one event per changed key with its old and
//! new values; bad input changes nothing.

// Needs the real daemons (or root, or system services): `./scripts/test.sh` turns it on.
#![cfg(feature = "real-daemons")]
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::{Duration, Instant};

use ccs_core::net::cluster::{AddOptions, ClusterClient, Pin, TrackerStatus};
use ccs_core::ops::Session;
use ccs_tests::{Run, ccs_command, pseudo_random, start_testnet, wait_for_free_space};
use serde_json::Value;

const PROVENANCE: [&str; 7] = [
    "added-by",
    "added-at",
    "source",
    "files",
    "bytes",
    "client",
    "cid-settings",
];

fn ccs(config: &Path, args: &[&str]) -> Run {
    Run::of(ccs_command(env!("CARGO_BIN_EXE_ccs"), config).args(args))
}

async fn pin_of(cluster: &ClusterClient, cid: &str) -> Pin {
    cluster.allocation(cid).await.unwrap().unwrap()
}

/// Each peer's own shared state, once it holds a pin that `done` accepts
/// (the pinset reaches the other peers a moment after the re-pin).
async fn on_every_peer(
    clusters: &[ClusterClient],
    cid: &str,
    done: impl Fn(&Pin) -> bool,
) -> Vec<Pin> {
    let mut pins = Vec::new();
    for (i, c) in clusters.iter().enumerate() {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let p = pin_of(c, cid).await;
            if done(&p) {
                pins.push(p);
                break;
            }
            assert!(
                Instant::now() < deadline,
                "peer {} never saw the change: {p:#?}",
                i + 1
            );
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    }
    pins
}

/// Peers holding a pinned copy, once exactly `allocations` do (and the
/// others report `remote`).
async fn pinned_on(cluster: &ClusterClient, cid: &str, allocations: &[String]) -> BTreeSet<String> {
    let want: BTreeSet<String> = allocations.iter().cloned().collect();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let st = cluster.status(cid).await.unwrap();
        let pinned: BTreeSet<String> = st
            .peer_map
            .iter()
            .filter(|(_, p)| p.status == TrackerStatus::Pinned)
            .map(|(id, _)| id.clone())
            .collect();
        let others_remote = st
            .peer_map
            .iter()
            .filter(|(id, _)| !want.contains(*id))
            .all(|(_, p)| p.status == TrackerStatus::Remote);
        if pinned == want && others_remote {
            return pinned;
        }
        assert!(
            Instant::now() < deadline,
            "copies not where they were: {st:#?}"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

fn history(cfg: &Path, cid: &str) -> Vec<Value> {
    let r = ccs(
        cfg,
        &["history", "--json", "--type", "metadata-modification", cid],
    );
    assert_eq!(r.code, 0, "{r:?}");
    r.json()["events"].as_array().unwrap().clone()
}

/// Refused with `exit` and `code`, one line on stderr, nothing changed.
async fn refused(
    cfg: &Path,
    cluster: &ClusterClient,
    args: &[&str],
    exit: i32,
    code: &str,
    cid: &str,
    words: &str,
) {
    let before = pin_of(cluster, cid).await;
    let mut all = vec!["--json", "meta", "set"];
    all.extend_from_slice(args);
    let r = ccs(cfg, &all);
    assert_eq!(r.code, exit, "{args:?}: {r:?}");
    assert_eq!(r.json()["error"]["code"], code, "{args:?}: {r:?}");
    assert!(r.stderr.contains(words), "{args:?}: {r:?}");
    assert_eq!(r.stderr.trim().lines().count(), 1, "{r:?}");
    assert_eq!(
        pin_of(cluster, cid).await,
        before,
        "{args:?} changed the pin"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metadata_changes_in_place_on_every_partner_and_is_recorded() {
    let started = Instant::now();
    let net = start_testnet(3).await;
    let cfg = net.config_path();
    let work = tempfile::tempdir().unwrap();
    let clusters: Vec<ClusterClient> = (0..3).map(|i| net.peer(i).cluster()).collect();
    let cluster = &clusters[0];

    // Each peer publishes its free space periodically: the allocator (and
    // the change's partner check) need all three.
    wait_for_free_space(cluster, 3).await;

    // A 2-of-3 item, so its allocations are a choice the cluster made.
    let file = work.path().join("minutes 1921.pdf");
    std::fs::write(&file, pseudo_random(21, 400_000)).unwrap();
    let r = ccs(
        &cfg,
        &[
            "add",
            "--wait",
            "--replication-min",
            "2",
            "--replication-max",
            "2",
            "--metadata",
            "collection=Parish",
            "--metadata",
            "note=draft",
            file.to_str().unwrap(),
        ],
    );
    assert_eq!(r.code, 0, "{r:?}");
    let cid = r.stdout.trim().to_string();
    let before = pin_of(cluster, &cid).await;
    assert_eq!(before.allocations.len(), 2, "{before:#?}");
    assert_eq!(before.name, "minutes 1921.pdf");
    let manifest = before.metadata["fixity-manifest"].clone();

    // Title, collection, a Dublin Core key set anew, a key removed, and a
    // key given the value it has (no change).
    let r = ccs(
        &cfg,
        &[
            "--json",
            "meta",
            "set",
            &cid,
            "title=Minutes of the parish council, 1921",
            "Collection=Parish council",
            "dc.creator=Parish clerk",
            "dc.identifier=ACC-1921/07",
            "note=",
            "dc.rights=",
        ],
    );
    assert_eq!(r.code, 0, "{r:?}");
    let out = r.json();
    let changed: Vec<&str> = out["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["key"].as_str().unwrap())
        .collect();
    assert_eq!(
        changed,
        ["collection", "dc.creator", "dc.identifier", "note", "title"],
        "{r:?}"
    );
    assert_eq!(out["record_problem"], Value::Null, "{r:?}");
    assert_eq!(out["warning"], Value::Null, "{r:?}");

    // Every partner's shared state: the new title and metadata, and nothing
    // else changed.
    let mut want = before.metadata.clone();
    want.insert("collection".into(), "Parish council".into());
    want.insert("dc.creator".into(), "Parish clerk".into());
    want.insert("dc.identifier".into(), "ACC-1921/07".into());
    want.remove("note");
    let title = "Minutes of the parish council, 1921";
    let pins = on_every_peer(&clusters, &cid, |p| p.name == title && p.metadata == want).await;
    for (i, p) in pins.iter().enumerate() {
        let peer = i + 1;
        assert_eq!(p.allocations, before.allocations, "peer {peer}");
        assert_eq!(
            (p.replication_factor_min, p.replication_factor_max),
            (2, 2),
            "peer {peer}"
        );
        assert_eq!(p.metadata["fixity-manifest"], manifest, "peer {peer}");
        for key in PROVENANCE {
            assert_eq!(
                p.metadata.get(key),
                before.metadata.get(key),
                "peer {peer}: {key}"
            );
        }
        // Every other option as it was; only the timestamp is the re-pin's.
        let same = Pin {
            name: before.name.clone(),
            metadata: before.metadata.clone(),
            timestamp: before.timestamp.clone(),
            ..p.clone()
        };
        assert_eq!(same, before, "peer {peer}");
    }
    let pinned = pinned_on(cluster, &cid, &before.allocations).await;
    assert_eq!(pinned.len(), 2);

    // The record: one event per changed key, with old and new values.
    let events = history(&cfg, &cid);
    assert_eq!(events.len(), 5, "{events:#?}");
    let details: BTreeSet<&str> = events
        .iter()
        .map(|e| e["detail"].as_str().unwrap())
        .collect();
    for want in [
        format!("Changed title of \"{title}\" from \"minutes 1921.pdf\" to \"{title}\"."),
        format!("Changed collection of \"{title}\" from \"Parish\" to \"Parish council\"."),
        format!("Set dc.creator of \"{title}\" to \"Parish clerk\" (it had none)."),
        format!("Set dc.identifier of \"{title}\" to \"ACC-1921/07\" (it had none)."),
        format!("Removed note of \"{title}\" (it was \"draft\")."),
    ] {
        assert!(
            details.contains(want.as_str()),
            "{want} not in {details:#?}"
        );
    }
    for e in &events {
        assert_eq!(e["type"], "metadata_modification");
        assert_eq!(e["item"], cid.as_str());
        assert_eq!(e["outcome"], "success");
    }

    // The same values again: nothing sent, nothing recorded.
    let after = pin_of(cluster, &cid).await;
    let r = ccs(
        &cfg,
        &["meta", "set", &cid, &format!("title={title}"), "note="],
    );
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("Nothing changed"), "{r:?}");
    assert_eq!(pin_of(cluster, &cid).await, after, "a no-op re-pinned");
    assert_eq!(history(&cfg, &cid).len(), 5);

    // `meta show`: what may be changed, and what the program recorded.
    let r = ccs(&cfg, &["--json", "meta", "show", &cid]);
    assert_eq!(r.code, 0, "{r:?}");
    let shown = r.json();
    assert_eq!(shown["title"], title);
    assert_eq!(shown["metadata"]["dc.creator"], "Parish clerk");
    assert_eq!(shown["system"]["fixity-manifest"], manifest.as_str());
    assert!(shown["metadata"].get("added-by").is_none(), "{shown}");

    // Bad input: refused, nothing changed.
    let unknown = "QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG";
    refused(
        &cfg,
        cluster,
        &[unknown, "title=x"],
        5,
        "not_found",
        &cid,
        "was not found",
    )
    .await;
    refused(
        &cfg,
        cluster,
        &[&cid, "=x"],
        2,
        "invalid_input",
        &cid,
        "key is empty",
    )
    .await;
    for reserved in ["added-by=me", "fixity-manifest=x", "ccs-kind=x", "Source=x"] {
        refused(
            &cfg,
            cluster,
            &[&cid, reserved],
            2,
            "invalid_input",
            &cid,
            "cannot be changed",
        )
        .await;
    }
    refused(
        &cfg,
        cluster,
        &[&cid, "title"],
        2,
        "usage",
        &cid,
        "is not KEY=VALUE",
    )
    .await;
    refused(
        &cfg,
        cluster,
        &[&cid, "box number=4"],
        2,
        "invalid_input",
        &cid,
        "is not a metadata key",
    )
    .await;
    refused(
        &cfg,
        cluster,
        &[&cid, "title="],
        2,
        "invalid_input",
        &cid,
        "needs a title",
    )
    .await;
    refused(
        &cfg,
        cluster,
        &[&cid, "a=1", "a=2"],
        2,
        "invalid_input",
        &cid,
        "given twice",
    )
    .await;
    refused(
        &cfg,
        cluster,
        &["not-a-cid", "title=x"],
        2,
        "invalid_input",
        &cid,
        "not a content ID",
    )
    .await;
    // This program's own pins are not items.
    refused(
        &cfg,
        cluster,
        &[&manifest, "title=x"],
        2,
        "invalid_input",
        &manifest,
        "not an item",
    )
    .await;
    assert_eq!(history(&cfg, &cid).len(), 5);

    // Values as long as the network takes: the query budget holds against
    // the real cluster, and what passes it is refused before any request.
    let long = format!("description={}", "x".repeat(4800));
    let r = ccs(&cfg, &["meta", "set", &cid, &long]);
    assert_eq!(r.code, 0, "{r:?}");
    let too_long = format!("description={}", "é".repeat(1000));
    refused(
        &cfg,
        cluster,
        &[&cid, &too_long],
        2,
        "invalid_input",
        &cid,
        "too long",
    )
    .await;
    let r = ccs(&cfg, &["meta", "set", &cid, "description="]);
    assert_eq!(r.code, 0, "{r:?}");

    // Collections in use, for the app's add form: merged without regard to
    // case, the spelling most items use.
    for (i, c) in ["parish council", "parish council", "Mills"]
        .iter()
        .enumerate()
    {
        let f = work.path().join(format!("extra-{i}.txt"));
        std::fs::write(&f, pseudo_random(100 + i as u64, 1000)).unwrap();
        let mut o = AddOptions::default();
        o.pin.metadata = BTreeMap::from([("collection".to_string(), c.to_string())]);
        cluster.add(&[f], &o, |_| {}).await.unwrap();
    }
    let mut session = Session::load(&cfg, true, "ccs-tests/0").unwrap();
    session.journal_dir = work.path().join("jobs");
    let collections = ccs_core::ops::meta::collections(&session).await.unwrap();
    assert_eq!(collections, ["Mills", "parish council"]);

    assert_eq!(
        history(&cfg, &cid).len(),
        7,
        "the description set and removed"
    );

    // Why the change sends every option back in the query: the cluster
    // never reads a request body, so a re-pin with the options as JSON
    // keeps neither the name nor the metadata nor the replication.
    let f = work.path().join("bare.txt");
    std::fs::write(&f, pseudo_random(7, 1000)).unwrap();
    let mut o = AddOptions::default();
    o.pin.name = Some("bare".into());
    o.pin.replication_min = Some(2);
    o.pin.replication_max = Some(2);
    o.pin.metadata = BTreeMap::from([("note".to_string(), "kept?".to_string())]);
    let bare = cluster.add(&[f], &o, |_| {}).await.unwrap().cid;
    let peer = net.peer(0);
    let body = r#"{"name":"bare","replication_factor_min":2,"replication_factor_max":2,"metadata":{"note":"kept?"}}"#;
    let resp = reqwest::Client::new()
        .post(format!("{}/pins/{bare}", peer.cluster_api))
        .basic_auth(&peer.username, Some(&peer.password))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "{resp:?}");
    let p = pin_of(cluster, &bare).await;
    assert_eq!(p.name, "", "{p:#?}");
    assert!(p.metadata.is_empty(), "{p:#?}");
    assert_ne!(
        (p.replication_factor_min, p.replication_factor_max),
        (2, 2),
        "{p:#?}"
    );
    eprintln!("meta suite: {:?}", started.elapsed());
}
