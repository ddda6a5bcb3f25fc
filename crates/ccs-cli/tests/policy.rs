//! Sites and the network policy on a real 4-peer testnet on two sites
//! (issue #16): every partner shows its organisation and site; items stored
//! with two copies get one on each site; the policy is one document every
//! member reads, changed by `ccs policy set` (checked against the network,
//! recorded in the preservation record) and followed by `ccs add`; bad
//! settings get one sentence and change nothing.

// Needs the real daemons (or root, or system services): `./scripts/test.sh` turns it on.
#![cfg(feature = "real-daemons")]
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::{Duration, Instant};

use ccs_core::deploy::place::Place;
use ccs_core::net::cluster::ClusterClient;
use ccs_tests::{Run, ccs_command, pseudo_random, start_testnet_with};
use serde_json::Value;

fn ccs(config: &Path, args: &[&str]) -> Run {
    Run::of(ccs_command(env!("CARGO_BIN_EXE_ccs"), config).args(args))
}

const LEEDS: (&str, &str) = ("Leeds Community Archive", "Leeds, UK");
const BRISTOL: (&str, &str) = ("Bristol Archives: Records", "Bristol, UK");

fn place((org, site): (&str, &str)) -> Place {
    Place::new(Some(org), Some(site)).unwrap()
}

/// Waits until every peer publishes its free space and its site (the
/// allocator needs both for all four).
async fn metrics_from_every_peer(cluster: &ClusterClient, peers: usize) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let free = cluster.freespace().await.unwrap().len();
        let sites = cluster.metrics("tag:group").await.unwrap().len();
        if free >= peers && sites >= peers {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "metrics never came from every peer ({free} free space, {sites} sites)"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn copies_go_to_both_sites_and_every_member_follows_one_policy() {
    let started = Instant::now();
    let net = start_testnet_with(4, |o| {
        o.places = vec![place(LEEDS), place(LEEDS), place(BRISTOL), place(BRISTOL)];
    })
    .await;
    let cfg = net.config_path();
    let work = tempfile::tempdir().unwrap();
    let cluster = net.peer(0).cluster();
    metrics_from_every_peer(&cluster, 4).await;
    let site_of: BTreeMap<String, &str> = (0..4)
        .map(|i| {
            let p = &net.peers()[i];
            (
                p.cluster_peer_id.clone(),
                if i < 2 { LEEDS.1 } else { BRISTOL.1 },
            )
        })
        .collect();

    // Partners show their organisation and site (decoded: the site's comma
    // and the organisation's colon travelled percent-encoded).
    let r = ccs(&cfg, &["peers", "--json"]);
    assert_eq!(r.code, 0, "{r:?}");
    let partners = r.json();
    let partners = partners.as_array().unwrap();
    assert_eq!(partners.len(), 4, "{partners:#?}");
    for p in partners {
        let id = p["cluster_peer_id"].as_str().unwrap();
        let site = site_of[id];
        assert_eq!(p["place"]["site"], site, "{p:#}");
        let org = if site == LEEDS.1 { LEEDS.0 } else { BRISTOL.0 };
        assert_eq!(p["place"]["organisation"], org, "{p:#}");
    }
    let r = ccs(&cfg, &["peers"]);
    assert!(
        r.stdout.contains("Bristol Archives: Records") && r.stdout.contains("Leeds, UK"),
        "{r:?}"
    );

    // Two copies of each of six items: one on each site, every time (by free
    // space alone, two peers of one site would often be chosen).
    for n in 0..6u64 {
        let file = work.path().join(format!("scan-{n}.tif"));
        std::fs::write(&file, pseudo_random(100 + n, 200_000)).unwrap();
        let r = ccs(
            &cfg,
            &[
                "add",
                "--wait",
                "--replication-min",
                "2",
                "--replication-max",
                "2",
                "--json",
                file.to_str().unwrap(),
            ],
        );
        assert_eq!(r.code, 0, "{r:?}");
        let cid = r.json()["cid"].as_str().unwrap().to_string();
        let pin = cluster.allocation(&cid).await.unwrap().unwrap();
        let sites: BTreeSet<&str> = pin.allocations.iter().map(|a| site_of[a]).collect();
        assert_eq!(pin.allocations.len(), 2, "{pin:#?}");
        assert_eq!(
            sites.len(),
            2,
            "item {n}: both copies on one site: {pin:#?}"
        );
    }

    // No policy yet: the defaults, and nothing stored.
    let r = ccs(&cfg, &["policy", "show", "--json"]);
    assert_eq!(r.code, 0, "{r:?}");
    let view = r.json();
    assert_eq!(view["stored"], false, "{view:#}");
    assert_eq!(view["document"]["version"], 0);
    let before = ccs(&cfg, &["policy", "show"]).stdout;
    assert!(before.contains("defaults"), "{before}");

    // Bad settings: one sentence each, non-zero, nothing written.
    for (args, says) in [
        (vec!["min-sites=3"], "2 (Bristol, UK; Leeds, UK)"),
        (vec!["keep-at=York"], "\"York\""),
        (vec!["removal-grace=-1d"], "below zero"),
        (vec!["copies-target=5"], "4 partners"),
        (vec!["copies-min=3", "copies-target=2"], "below copies-min"),
        (vec!["colour=blue"], "not a policy setting"),
        (vec!["copies-min"], "KEY=VALUE"),
    ] {
        let mut all = vec!["policy", "set"];
        all.extend(args.iter());
        let r = ccs(&cfg, &all);
        assert_ne!(r.code, 0, "{args:?} was accepted: {r:?}");
        let line = r.stderr.trim();
        assert!(line.contains(says), "{args:?}: {line}");
        assert_eq!(line.lines().count(), 1, "{args:?}: {line}");
    }
    assert!(
        cluster
            .allocation(&ccs_core::content::policy::anchor_cid())
            .await
            .unwrap()
            .is_none()
    );

    // A policy: checked, written once for everyone, recorded.
    let r = ccs(
        &cfg,
        &[
            "policy",
            "set",
            "copies-min=2",
            "copies-target=2",
            "min-sites=2",
            "keep-at=bristol archives: records",
            "removal-grace=10s",
            "removal-confirmation=on",
        ],
    );
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stdout.contains("copies-target") && r.stdout.contains("3 -> 2"),
        "{r:?}"
    );
    assert!(r.stdout.contains("version 1"), "{r:?}");
    assert!(!r.stderr.contains("record"), "{r:?}");

    // Every member reads the same document (each peer's own shared state).
    for i in 0..4 {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let r = ccs(
                &cfg,
                &[
                    "--cluster-peername",
                    &format!("peer{}", i + 1),
                    "policy",
                    "show",
                    "--json",
                ],
            );
            assert_eq!(r.code, 0, "{r:?}");
            let v = r.json();
            if v["document"]["version"] == 1 {
                let p = &v["document"]["policy"];
                assert_eq!(p["copies_target"], 2, "{v:#}");
                assert_eq!(p["min_sites"], 2, "{v:#}");
                assert_eq!(p["removal_grace_secs"], 10, "{v:#}");
                assert_eq!(p["removal_needs_confirmation"], true, "{v:#}");
                assert_eq!(p["keep_at"][0], "bristol archives: records", "{v:#}");
                assert!(
                    v["document"]["set_by"].as_str().unwrap().contains('@'),
                    "{v:#}"
                );
                break;
            }
            assert!(
                Instant::now() < deadline,
                "peer{} never saw the policy: {v:#}",
                i + 1
            );
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    }
    // The same settings again change nothing.
    let r = ccs(&cfg, &["policy", "set", "copies-target=2", "min-sites=2"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("nothing was changed"), "{r:?}");
    assert_eq!(
        ccs(&cfg, &["policy", "show", "--json"]).json()["document"]["version"],
        1
    );

    // The change is in the preservation record, with old and new values.
    let r = ccs(&cfg, &["history", "--json", "--type", "policy-assignment"]);
    assert_eq!(r.code, 0, "{r:?}");
    let history = r.json();
    let events: Vec<&Value> = history["events"].as_array().unwrap().iter().collect();
    assert_eq!(events.len(), 1, "{history:#}");
    let detail = events[0]["detail"].as_str().unwrap();
    assert!(
        detail.contains("copies-target 3 -> 2")
            && detail.contains("removal-grace 30 days -> 10 seconds"),
        "{detail}"
    );

    // The anchor is not an item: the library does not list it.
    let r = ccs(&cfg, &["ls", "--json"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        !r.stdout.contains(&ccs_core::content::policy::anchor_cid()),
        "{r:?}"
    );

    // An add without a choice of copies follows the policy: two, one a site.
    let file = work.path().join("minutes.pdf");
    std::fs::write(&file, pseudo_random(7, 100_000)).unwrap();
    let r = ccs(&cfg, &["add", "--wait", "--json", file.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{r:?}");
    let cid = r.json()["cid"].as_str().unwrap().to_string();
    let pin = cluster.allocation(&cid).await.unwrap().unwrap();
    assert_eq!(
        (pin.replication_factor_min, pin.replication_factor_max),
        (2, 2),
        "{pin:#?}"
    );
    let sites: BTreeSet<&str> = pin.allocations.iter().map(|a| site_of[a]).collect();
    assert_eq!(sites.len(), 2, "{pin:#?}");

    // A damaged policy: `show` says so; `set` is the way out, replacing it
    // from the defaults, saying so, and counting on from its version.
    let anchor = ccs_core::content::policy::anchor_cid();
    let damaged = ccs_core::net::cluster::PinOptions {
        name: Some(ccs_core::content::policy::ANCHOR_NAME.into()),
        replication_min: Some(-1),
        replication_max: Some(-1),
        metadata: BTreeMap::from([(
            ccs_core::content::policy::POLICY_KEY.to_string(),
            "{\"format\":\"ccs-policy/1\",\"version\":4,\"policy\":{\"copies_target\":\"many\"}}"
                .to_string(),
        )]),
        ..Default::default()
    };
    cluster.pin(&anchor, &damaged).await.unwrap();
    let r = ccs(&cfg, &["policy", "show"]);
    assert_ne!(r.code, 0, "{r:?}");
    assert!(r.stderr.contains("cannot be read"), "{r:?}");
    let r = ccs(&cfg, &["policy", "set", "copies-target=2"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stderr.contains("could not be read, so it was replaced"),
        "{r:?}"
    );
    let v = ccs(&cfg, &["policy", "show", "--json"]).json();
    assert_eq!(v["document"]["version"], 5, "{v:#}");
    assert_eq!(v["document"]["policy"]["copies_target"], 2, "{v:#}");
    assert_eq!(
        v["document"]["policy"]["removal_grace_secs"],
        30 * 86_400,
        "{v:#}"
    );
    // One from a newer program is left alone.
    let newer = ccs_core::net::cluster::PinOptions {
        metadata: BTreeMap::from([(
            ccs_core::content::policy::POLICY_KEY.to_string(),
            "{\"format\":\"ccs-policy/9\",\"version\":7,\"rules\":[]}".to_string(),
        )]),
        ..damaged
    };
    cluster.pin(&anchor, &newer).await.unwrap();
    let r = ccs(&cfg, &["policy", "set", "copies-target=2"]);
    assert_ne!(r.code, 0, "{r:?}");
    assert!(r.stderr.contains("update the program"), "{r:?}");

    eprintln!("sites and policy: {:.1}s", started.elapsed().as_secs_f64());
}
