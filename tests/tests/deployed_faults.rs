//! The bootstrap host gone for good, as deployed: a bootstrap and two clones
//! of its file run as separate hosts (network namespaces, tailnet-range
//! addresses and names) from the compose files we generate. The bootstrap host
//! dies and never comes back; the two others keep serving reads and taking
//! adds, and a partner invited afterwards through one of them (its file a
//! `clone` of that member's, so that member is its bootstrap) joins and pins
//! everything. Every member's traffic is recorded for the whole run. Needs root.

// Needs the real daemons (or root, or system services): `./scripts/test.sh` turns it on.
#![cfg(feature = "real-daemons")]
#![allow(clippy::unwrap_used)]

#[path = "support/connections.rs"]
mod connections;

use std::path::Path;
use std::time::{Duration, Instant};

use ccs_core::deploy::compose::NodeFile;
use ccs_core::net::cluster::{AddOptions, GlobalPinInfo, TrackerStatus};
use ccs_testnet::{Testnet, TestnetOptions};
use ccs_tests::{pseudo_random, wait_status, write_node_file};

fn pinned_on(st: &GlobalPinInfo, peers: &[&str]) -> bool {
    peers
        .iter()
        .all(|p| st.peer_map.get(*p).map(|i| i.status) == Some(TrackerStatus::Pinned))
}

async fn add(net: &Testnet, via: usize, dir: &Path, name: &str, seed: u64) -> (String, Vec<u8>) {
    let data = pseudo_random(seed, 2 * 1024 * 1024 + seed as usize);
    let file = dir.join(name);
    std::fs::write(&file, &data).unwrap();
    let cid = net
        .peer(via)
        .cluster()
        .add(&[file], &AddOptions::default(), |_| {})
        .await
        .unwrap()
        .cid;
    (cid, data)
}

async fn read_back(net: &Testnet, i: usize, cid: &str, data: &[u8], dir: &Path) {
    let out = dir.join(format!("back-{i}-{cid}"));
    ccs_tests::read_back(net.peer(i).kubo(), cid, &out)
        .await
        .unwrap();
    assert!(
        std::fs::read(&out).unwrap() == data,
        "{} served other bytes",
        net.peer(i).name
    );
    std::fs::remove_file(out).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bootstrap_gone_for_good_members_go_on_and_a_new_partner_joins() {
    // SAFETY: geteuid has no preconditions.
    assert_eq!(
        unsafe { libc::geteuid() },
        0,
        "separate test hosts (network namespaces) need root"
    );
    let started = Instant::now();
    let work = tempfile::tempdir().unwrap();
    let boot = NodeFile::create("bootstrap").unwrap();
    let acme = boot.clone_for("acme", "bootstrap").unwrap();
    let beta = boot.clone_for("beta", "bootstrap").unwrap();
    let acme_file = write_node_file(work.path(), "acme", &acme);
    // The recovery setting the fault suites' bounds rest on is in the files.
    assert!(
        boot.render().contains(&format!(
            "CLUSTER_PINRECOVERINTERVAL: {}s",
            ccs_core::deploy::node_config::PIN_RECOVER_INTERVAL_SECS
        )),
        "the generated file does not set the pin recovery interval"
    );
    let files = vec![
        write_node_file(work.path(), "bootstrap", &boot),
        acme_file.clone(),
        write_node_file(work.path(), "beta", &beta),
    ];
    let mut opts = TestnetOptions::new(3, work.path().join("net"));
    opts.compose_files = files;
    opts.record_connections = true;
    let mut net = Testnet::start(opts)
        .await
        .unwrap_or_else(|e| panic!("deployed testnet failed: {e}"));
    let (acme_id, beta_id) = (
        acme.cluster_identity.peer_id.clone(),
        beta.cluster_identity.peer_id.clone(),
    );

    // Something stored while all three run.
    let (old_cid, old_data) = add(&net, 1, work.path(), "1921-minutes.pdf", 1).await;
    wait_status(
        &net.peer(1).cluster(),
        &old_cid,
        Duration::from_secs(180),
        |s| s.pinned_count() == 3,
    )
    .await;

    // The bootstrap host dies for good.
    net.kill_host(0).unwrap();
    let t = Instant::now();

    // Reads: the others serve what was stored.
    for i in [1, 2] {
        read_back(&net, i, &old_cid, &old_data, work.path()).await;
    }
    // Adds: through either survivor, pinned on both.
    let (new_cid, new_data) = add(&net, 2, work.path(), "1922-minutes.pdf", 2).await;
    let st = wait_status(
        &net.peer(1).cluster(),
        &new_cid,
        Duration::from_secs(180),
        |s| pinned_on(s, &[&acme_id, &beta_id]),
    )
    .await;
    eprintln!(
        "deployed faults: bootstrap gone: read from both survivors and a new item pinned on both in {:.1} s; the bootstrap shows as {:?}",
        t.elapsed().as_secs_f32(),
        st.peer_map
            .get(&boot.cluster_identity.peer_id)
            .map(|p| p.status)
    );
    read_back(&net, 1, &new_cid, &new_data, work.path()).await;

    // A partner invited afterwards through acme: its file is a clone of
    // acme's, so acme is its bootstrap. It starts as a new host and joins.
    let gamma = NodeFile::parse(&std::fs::read_to_string(&acme_file).unwrap())
        .unwrap()
        .clone_for("gamma", "acme")
        .unwrap();
    assert_eq!(
        gamma.bootstrap.as_ref().map(|b| b.host.as_str()),
        Some("acme")
    );
    let gamma_file = write_node_file(work.path(), "gamma", &gamma);
    let t = Instant::now();
    let g = net.start_member(&gamma_file).await.unwrap();
    let gamma_id = gamma.cluster_identity.peer_id.clone();
    let gamma_api = net.peer(g).cluster();
    // It sees the cluster...
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let id = gamma_api.id().await.unwrap();
        if id.cluster_peers.contains(&acme_id) && id.cluster_peers.contains(&beta_id) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "gamma does not see acme and beta: {:?}",
            id.cluster_peers
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    // ...pins what was stored before it came, old and new...
    for cid in [&old_cid, &new_cid] {
        wait_status(&gamma_api, cid, Duration::from_secs(240), |s| {
            pinned_on(s, &[&gamma_id])
        })
        .await;
    }
    let joined = t.elapsed();
    // ...and what it adds is pinned by the others.
    let (its_cid, its_data) = add(&net, g, work.path(), "1923-minutes.pdf", 3).await;
    wait_status(&gamma_api, &its_cid, Duration::from_secs(180), |s| {
        pinned_on(s, &[&acme_id, &beta_id, &gamma_id])
    })
    .await;
    read_back(&net, 2, &its_cid, &its_data, work.path()).await;
    read_back(&net, g, &old_cid, &old_data, work.path()).await;
    eprintln!(
        "deployed faults: a partner invited through acme joined and pinned the old and new items {:.1} s after its host started",
        joined.as_secs_f32()
    );

    // Whole run: members talked only to members.
    for line in connections::assert_whole_run_private(&net) {
        eprintln!("deployed faults, connections over the whole run: {line}");
    }
    eprintln!(
        "deployed faults: whole test {} s",
        started.elapsed().as_secs()
    );
}
