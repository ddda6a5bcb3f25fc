//! `ccs ensure` on a real 4-peer testnet on two sites (issue #16): an item
//! below the policy's target is brought back (its dry run changes nothing);
//! a partner whose identity changed (a disk swap) leaves allocations that
//! ensure moves; a partner that is offline keeps its copies until it has
//! been offline longer than the policy's offline-grace; every re-pin keeps
//! the names and metadata of 1,000 items.

// Needs the real daemons (or root, or system services): `./scripts/test.sh` turns it on.
#![cfg(feature = "real-daemons")]
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::{Duration, Instant};

use ccs_core::deploy::place::Place;
use ccs_core::net::cluster::{ClusterClient, Pin, PinOptions, TrackerStatus};
use ccs_testnet::DaemonKind;
use ccs_tests::{Run, ccs_command, pseudo_random, start_testnet_with};
use serde_json::Value;

fn ccs(config: &Path, args: &[&str]) -> Run {
    Run::of(ccs_command(env!("CARGO_BIN_EXE_ccs"), config).args(args))
}

const ITEMS: usize = 1000;

/// An identity CID per test item: its bytes are inline, so 1,000 items need
/// no upload and every partner "holds" them at once.
fn inline_cid(n: usize) -> String {
    ccs_core::content::policy::inline_cid(format!("ensure test item {n}").as_bytes()).unwrap()
}

/// What a re-pin must keep of an item.
fn kept(p: &Pin) -> (String, BTreeMap<String, String>, String) {
    (p.name.clone(), p.metadata.clone(), format!("{:?}", p.mode))
}

async fn all_pins(cluster: &ClusterClient) -> BTreeMap<String, Pin> {
    let mut pins = BTreeMap::new();
    let mut s = cluster.allocations().await.unwrap();
    while let Some(p) = s.next().await {
        let p = p.unwrap();
        pins.insert(p.cid.clone(), p);
    }
    pins
}

/// Until `cluster` lists `n` partners online with their metrics.
async fn online(cluster: &ClusterClient, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let peers = cluster.peers().await.unwrap().collect_vec().await.unwrap();
        let up = peers.iter().filter(|p| p.error.is_empty()).count();
        let ids: BTreeSet<String> = peers.iter().map(|p| p.id.clone()).collect();
        // Exactly the members' metrics: a peer that left is still counted
        // (and keeps its allocations) until its metrics expire.
        let metric_peers = |m: Vec<ccs_core::net::cluster::Metric>| {
            m.into_iter().map(|m| m.peer).collect::<BTreeSet<_>>()
        };
        let free = metric_peers(cluster.freespace().await.unwrap());
        let sites = metric_peers(cluster.metrics("tag:group").await.unwrap());
        if up == n && peers.len() == n && free == ids && sites == ids {
            return;
        }
        let (free, sites) = (free.len(), sites.len());
        assert!(
            Instant::now() < deadline,
            "never {n} partners online ({up} of {}, {free} free, {sites} sites)",
            peers.len()
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// The site of a peer by its current id ("L" for peers 1-2, "B" for 3-4).
fn site(net: &ccs_testnet::Testnet, p: &str) -> String {
    match net.peers().iter().position(|x| x.cluster_peer_id == p) {
        Some(0 | 1) => "L".into(),
        Some(_) => "B".into(),
        None => format!("gone {p}"),
    }
}

/// Of peers `among`, the one allocated the most items.
async fn busiest(cluster: &ClusterClient, net: &ccs_testnet::Testnet, among: &[usize]) -> usize {
    let pins = all_pins(cluster).await;
    let count = |i: usize| {
        let id = &net.peer(i).cluster_peer_id;
        pins.values().filter(|p| p.allocations.contains(id)).count()
    };
    among.iter().copied().max_by_key(|i| count(*i)).unwrap()
}

fn ensure_json(cfg: &Path, dry: bool) -> (i32, Value) {
    let mut args = vec!["ensure", "--json"];
    if dry {
        args.push("--dry-run");
    }
    let r = ccs(cfg, &args);
    assert!(matches!(r.code, 0..=2), "{r:?}");
    (r.code, r.json())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ensure_brings_items_within_the_policy_and_keeps_their_names() {
    let started = Instant::now();
    let leeds = Place::new(Some("Leeds Community Archive"), Some("Leeds, UK")).unwrap();
    let bristol = Place::new(Some("Bristol Archives"), Some("Bristol, UK")).unwrap();
    let mut net = start_testnet_with(4, |o| {
        o.places = vec![
            leeds.clone(),
            leeds.clone(),
            bristol.clone(),
            bristol.clone(),
        ];
    })
    .await;
    let cfg = net.config_path();
    let work = tempfile::tempdir().unwrap();
    let cluster = net.peer(0).cluster();
    online(&cluster, 4).await;

    let r = ccs(
        &cfg,
        &[
            "policy",
            "set",
            "copies-min=1",
            "copies-target=2",
            "min-sites=2",
        ],
    );
    assert_eq!(r.code, 0, "{r:?}");

    // 1,000 items, one or two copies each (the cluster spreads them over the
    // sites), each with its own name and metadata.
    for n in 0..ITEMS {
        let options = PinOptions {
            name: Some(format!("Box {} / folder {n} — ünïcode", n % 37)),
            replication_min: Some(1),
            replication_max: Some(2),
            metadata: BTreeMap::from([
                ("collection".to_string(), format!("Parish {}", n % 7)),
                ("dc.identifier".to_string(), format!("ACC-{n:05}")),
            ]),
            ..PinOptions::default()
        };
        cluster.pin(&inline_cid(n), &options).await.unwrap();
    }
    let before: BTreeMap<String, Pin> = all_pins(&cluster)
        .await
        .into_iter()
        .filter(|(_, p)| !p.metadata.contains_key("ccs-kind"))
        .collect();
    assert_eq!(before.len(), ITEMS);

    // An item kept on one partner only: below the policy's two copies.
    let file = work.path().join("ledger.pdf");
    std::fs::write(&file, pseudo_random(5, 300_000)).unwrap();
    let r = ccs(
        &cfg,
        &[
            "add",
            "--wait",
            "--json",
            "--replication-min",
            "1",
            "--replication-max",
            "1",
            "--name",
            "Ledger 1890",
            file.to_str().unwrap(),
        ],
    );
    assert_eq!(r.code, 0, "{r:?}");
    let ledger = r.json()["cid"].as_str().unwrap().to_string();
    let ledger_before = cluster.allocation(&ledger).await.unwrap().unwrap();
    assert_eq!(ledger_before.allocations.len(), 1);

    // The dry run says what it would do and changes nothing.
    let (code, dry) = ensure_json(&cfg, true);
    assert_eq!(code, 1, "{dry:#}");
    let changes = dry["changes"].as_array().unwrap();
    let ledger_change = changes
        .iter()
        .find(|c| c["cid"] == ledger.as_str())
        .unwrap_or_else(|| panic!("{dry:#}"));
    assert_eq!(
        ledger_change["after"].as_array().unwrap().len(),
        2,
        "{dry:#}"
    );
    assert_eq!(dry["partners"].as_array().unwrap().len(), 4, "{dry:#}");
    let text = ccs(&cfg, &["ensure", "--dry-run"]);
    assert_eq!(text.code, 1, "{text:?}");
    assert!(
        text.stdout.contains("NOW") && text.stdout.contains("Bristol Archives (Bristol, UK)"),
        "{text:?}"
    );
    assert!(text.stdout.contains("nothing was changed"), "{text:?}");
    assert_eq!(
        cluster
            .allocation(&ledger)
            .await
            .unwrap()
            .unwrap()
            .allocations,
        ledger_before.allocations
    );

    // Carried out: the ledger on both sites, its manifest with it, recorded.
    let (code, done) = ensure_json(&cfg, false);
    assert_eq!(code, 1, "{done:#}");
    assert!(
        done["changes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["error"].is_null()),
        "{done:#}"
    );
    let ledger_now = cluster.allocation(&ledger).await.unwrap().unwrap();
    let sites: BTreeSet<String> = ledger_now
        .allocations
        .iter()
        .map(|a| site(&net, a))
        .collect();
    assert_eq!(sites.len(), 2, "{ledger_now:#?}");
    assert_eq!(kept(&ledger_now), kept(&ledger_before));
    let manifest = ledger_now.metadata["fixity-manifest"].clone();
    let m = cluster.allocation(&manifest).await.unwrap().unwrap();
    assert_eq!(
        m.allocations.iter().collect::<BTreeSet<_>>(),
        ledger_now.allocations.iter().collect::<BTreeSet<_>>()
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let st = cluster.status(&ledger).await.unwrap();
        let pinned = st
            .peer_map
            .values()
            .filter(|p| p.status == TrackerStatus::Pinned)
            .count();
        if pinned == 2 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the new copy never arrived: {st:#?}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let r = ccs(
        &cfg,
        &["history", "--json", "--type", "replication", &ledger],
    );
    let events = r.json()["events"].as_array().unwrap().clone();
    assert_eq!(events.len(), 1, "{r:?}");
    assert!(
        events[0]["detail"].as_str().unwrap().contains("Added:"),
        "{events:#?}"
    );
    assert_eq!(
        ensure_json(&cfg, false).0,
        0,
        "a second run has nothing to do"
    );

    // A disk swap: peer 4's cluster peer comes back with a new identity and
    // an empty state. Its old id stays allocated until ensure moves it.
    // The Bristol partner holding most copies (free space decides which).
    let swapped = busiest(&cluster, &net, &[2, 3]).await;
    let old_id = net.peer(swapped).cluster_peer_id.clone();
    let on_old: Vec<String> = all_pins(&cluster)
        .await
        .into_values()
        .filter(|p| p.allocations.contains(&old_id) && !p.metadata.contains_key("ccs-kind"))
        .map(|p| p.cid)
        .collect();
    assert!(!on_old.is_empty());
    net.replace_cluster_identity(swapped).await.unwrap();
    online(&cluster, 4).await;
    let (code, dry) = ensure_json(&cfg, true);
    assert_eq!(code, 1, "{dry:#}");
    let moved: Vec<&Value> = dry["changes"].as_array().unwrap().iter().collect();
    assert_eq!(moved.len(), on_old.len(), "{dry:#}");
    assert!(
        moved
            .iter()
            .all(|c| c["dropped"][0]["reason"] == "came back under a new identity"),
        "{dry:#}"
    );
    let (code, done) = ensure_json(&cfg, false);
    assert_eq!(code, 1, "{done:#}");
    let after = all_pins(&cluster).await;
    for cid in &on_old {
        let p = &after[cid];
        assert!(!p.allocations.contains(&old_id), "{p:#?}");
        let sites: BTreeSet<String> = p.allocations.iter().map(|a| site(&net, a)).collect();
        assert_eq!(sites.len(), 2, "{p:#?}");
    }

    // A re-pin gets the allocator's choice at that moment: a copy it could
    // not place then (the new identity's metrics not in yet) is placed by a
    // later run (seen once in CI: an item left on 2 of 3). Settle here, as
    // the next step expects nothing else to change.
    let mut settled = false;
    for _ in 0..5 {
        if ensure_json(&cfg, false).0 == 0 {
            settled = true;
            break;
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    assert!(settled, "ensure kept finding changes after the disk swap");

    // A partner goes offline: with a week's grace, nothing moves.
    // (Not peer 1: the test and the CLI talk to the network through it.)
    let gone = busiest(&cluster, &net, &[1, 2, 3]).await;
    let peer2 = net.peer(gone).cluster_peer_id.clone();
    let gone_name = net.peer(gone).name.clone();
    net.kill(gone, DaemonKind::Cluster).unwrap();
    let deadline = Instant::now() + Duration::from_secs(90);
    // Gone from the peer set, and its metrics expired (until then the
    // cluster itself still counts it: the ensure test above shows that case).
    while cluster
        .peers()
        .await
        .unwrap()
        .collect_vec()
        .await
        .unwrap()
        .iter()
        .any(|p| p.id == peer2 && p.error.is_empty())
        || cluster
            .freespace()
            .await
            .unwrap()
            .iter()
            .any(|m| m.peer == peer2)
    {
        assert!(Instant::now() < deadline, "peer 2 never went offline");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let on_peer2: BTreeSet<String> = all_pins(&cluster)
        .await
        .into_values()
        .filter(|p| p.allocations.contains(&peer2) && !p.metadata.contains_key("ccs-kind"))
        .map(|p| p.cid)
        .collect();
    assert!(!on_peer2.is_empty());
    let cids_of = |v: &Value| -> BTreeSet<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|c| c["cid"].as_str().unwrap().to_string())
            .collect()
    };
    // Our nodes repin by themselves (`CLUSTER_DISABLEREPINNING=false`): the
    // cluster may move an allocation of an offline peer (the partner just
    // gone, or the old identity of the disk swap) on its own, a ping TTL
    // later, onto a partner at the same site; ensure then adds the site back
    // (seen in CI). Such a change only adds copies, and never touches an item
    // that waits for the offline partner.
    let moved_by_cluster = |changes: &Value| {
        changes.as_array().unwrap().iter().all(|c| {
            c["dropped"].as_array().unwrap().is_empty()
                && !c["before"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|p| p == gone_name.as_str())
        })
    };
    let (code, held) = ensure_json(&cfg, false);
    let changed = cids_of(&held["changes"]);
    assert_eq!(code, i32::from(!changed.is_empty()), "{held:#}");
    assert!(moved_by_cluster(&held["changes"]), "{held:#}");
    let waiting = cids_of(&held["waiting"]);
    assert!(!waiting.is_empty(), "{held:#}");
    assert!(waiting.is_subset(&on_peer2), "{held:#}");
    assert!(waiting.is_disjoint(&changed), "{held:#}");
    assert!(
        held["waiting"][0]["problems"][0]
            .as_str()
            .unwrap()
            .contains(&format!("{gone_name} is offline (noticed here just now)")),
        "{held:#}"
    );
    // Past a short grace, its copies are made elsewhere.
    let r = ccs(&cfg, &["policy", "set", "offline-grace=2s"]);
    assert_eq!(r.code, 0, "{r:?}");
    tokio::time::sleep(Duration::from_secs(3)).await;
    let (code, done) = ensure_json(&cfg, false);
    assert_eq!(code, 1, "{done:#}");
    // Every item that waited is off the offline partner now.
    let still_waiting: BTreeSet<String> = all_pins(&cluster)
        .await
        .into_values()
        .filter(|p| p.allocations.contains(&peer2) && !p.metadata.contains_key("ccs-kind"))
        .map(|p| p.cid)
        .collect();
    assert!(still_waiting.is_empty(), "{still_waiting:?} {done:#}");

    // Every re-pin kept every item's name and metadata.
    let after = all_pins(&cluster).await;
    for (cid, p) in &before {
        assert_eq!(kept(&after[cid]), kept(p), "{cid}");
        assert!(
            !after[cid].allocations.contains(&peer2),
            "{:#?}",
            after[cid]
        );
    }
    eprintln!("ensure: {:.1}s", started.elapsed().as_secs_f64());
}
