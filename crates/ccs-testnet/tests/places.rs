//! Organisations and sites on real daemons: each peer publishes its own as
//! IPFS Cluster informer tags (`deploy::place`), every peer sees them, and
//! the allocator puts an item's copies at different sites first.

// Needs the real daemons (or root, or system services): `./scripts/test.sh` turns it on.
#![cfg(feature = "real-daemons")]
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use ccs_core::deploy::place::{self, ORGANISATION_TAG, Place, SITE_TAG};
use ccs_core::net::cluster::{AddOptions, ClusterClient, PinOptions};
use ccs_testnet::{Testnet, TestnetOptions};

/// How long every peer's metrics may take to reach peer 1 (pubsub).
const METRICS_DEADLINE: Duration = Duration::from_secs(90);

async fn start(places: Vec<Place>, dir: &std::path::Path) -> Testnet {
    let mut opts = TestnetOptions::new(places.len(), dir.join("net"));
    opts.places = places;
    Testnet::start(opts).await.unwrap()
}

/// Each peer's place as peer 1 reads it from the tag metrics, once every
/// peer has published both tags (an untagged organisation has no `org`
/// metric, so `with_org` says which peers must have one).
async fn places_seen(
    cluster: &ClusterClient,
    peers: usize,
    with_org: usize,
) -> BTreeMap<String, Place> {
    let deadline = Instant::now() + METRICS_DEADLINE;
    loop {
        let sites = cluster.metrics(&format!("tag:{SITE_TAG}")).await.unwrap();
        let orgs = cluster
            .metrics(&format!("tag:{ORGANISATION_TAG}"))
            .await
            .unwrap();
        if sites.len() == peers && orgs.len() == with_org {
            let mut seen: BTreeMap<String, Place> = BTreeMap::new();
            for m in &sites {
                assert_eq!(m.name, "tag:group");
                seen.entry(m.peer.clone()).or_default().site = place::site_from_tag(&m.value);
            }
            for m in &orgs {
                assert_eq!(m.name, "tag:org");
                seen.entry(m.peer.clone()).or_default().organisation =
                    place::name_from_tag(&m.value);
            }
            return seen;
        }
        assert!(
            Instant::now() < deadline,
            "peer 1 did not see every peer's tags within {METRICS_DEADLINE:?}: sites {sites:?}, organisations {orgs:?}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

#[tokio::test]
async fn each_peer_publishes_its_own_site_and_organisation() {
    let tmp = tempfile::tempdir().unwrap();
    let places = vec![
        // A comma, a colon, a `%` and non-ASCII letters: all encoded in the tag.
        Place::new(Some("Archiv Zürich: 100% Gemeinde"), Some("Leeds, UK")).unwrap(),
        // An organisation without a site keeps the default group.
        Place::new(Some("Bristol Archives"), None).unwrap(),
    ];
    let net = start(places.clone(), tmp.path()).await;
    let seen = places_seen(&net.peer(0).cluster(), 2, 2).await;
    for (i, expected) in places.iter().enumerate() {
        let peer = net.peer(i);
        assert_eq!(&peer.place, expected, "the manifest records it");
        assert_eq!(
            seen.get(&peer.cluster_peer_id),
            Some(expected),
            "{}: {seen:?}",
            peer.name
        );
    }
    // The raw value as published: encoded for envconfig, `default` when unset.
    let raw: BTreeMap<String, String> = net
        .peer(0)
        .cluster()
        .metrics("tag:group")
        .await
        .unwrap()
        .into_iter()
        .map(|m| (m.peer, m.value))
        .collect();
    assert_eq!(raw[&net.peer(0).cluster_peer_id], "Leeds%2C UK");
    assert_eq!(raw[&net.peer(1).cluster_peer_id], "default");
}

/// `len` bytes that no other content shares (no block is deduplicated).
fn noise(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

#[tokio::test]
async fn copies_go_to_different_sites_first() {
    let tmp = tempfile::tempdir().unwrap();
    let leeds = Place::new(Some("Leeds Community Archive"), Some("Leeds, UK")).unwrap();
    let bristol = Place::new(Some("Bristol Archives"), Some("Bristol, UK")).unwrap();
    let net = start(vec![leeds.clone(), bristol, leeds], tmp.path()).await;
    let cluster = net.peer(0).cluster();
    // The allocator leaves out a peer whose metrics it lacks: wait for all.
    places_seen(&cluster, 3, 3).await;
    let in_bristol = net.peer(1).cluster_peer_id.clone();
    let files = tmp.path().join("files");
    std::fs::create_dir(&files).unwrap();
    let copies = |n: i32, on: Vec<String>| AddOptions {
        pin: PinOptions {
            replication_min: Some(n),
            replication_max: Some(n),
            user_allocations: on,
            ..PinOptions::default()
        },
        ..AddOptions::default()
    };

    // First the Bristol peer is made the one with the least free space, so
    // that by free space alone both copies would go to Leeds.
    let ballast = files.join("ballast.bin");
    std::fs::write(&ballast, noise(7, 4 << 20)).unwrap();
    cluster
        .add(&[ballast], &copies(1, vec![in_bristol.clone()]), |_| {})
        .await
        .unwrap();
    let deadline = Instant::now() + METRICS_DEADLINE;
    loop {
        let free: BTreeMap<String, u64> = cluster
            .freespace()
            .await
            .unwrap()
            .into_iter()
            .filter_map(|m| Some((m.peer, m.value.parse().ok()?)))
            .collect();
        let least = free.iter().min_by_key(|(_, f)| **f).map(|(p, _)| p);
        if free.len() == 3 && least == Some(&in_bristol) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the Bristol peer's free-space metric did not drop: {free:?}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }

    // Two copies of each item: one in Leeds, one in Bristol, every time.
    for i in 0..6 {
        let file = files.join(format!("item-{i}.txt"));
        std::fs::write(&file, format!("item {i} of the places test\n")).unwrap();
        let added = cluster
            .add(&[file], &copies(2, Vec::new()), |_| {})
            .await
            .unwrap();
        let pin = cluster.allocation(&added.cid).await.unwrap().unwrap();
        assert_eq!(pin.allocations.len(), 2, "{pin:?}");
        assert!(
            pin.allocations.contains(&in_bristol),
            "item {i}: both copies in Leeds: {:?}",
            pin.allocations
        );
    }
}
