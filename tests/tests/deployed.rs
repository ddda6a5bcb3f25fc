//! The compose files we generate, run as deployed: a bootstrap and two clones
//! (one a clone of a clone) on separate hosts (network namespaces with their
//! own tailnet-range addresses and host names), each running the real daemons
//! with exactly the environment and start scripts its file gives. Proves that
//! they form one network and that they are private. Needs root.

// Needs the real daemons (or root, or system services): `./scripts/test.sh` turns it on.
#![cfg(feature = "real-daemons")]
#![allow(clippy::unwrap_used)]

#[path = "support/connections.rs"]
mod connections;

use std::collections::BTreeSet;
use std::process::Command;
use std::time::Duration;

use ccs_core::deploy::compose::{BootstrapPeer, NodeFile};
use ccs_core::net::cluster::{AddOptions, ClusterClient};
use ccs_testnet::{Testnet, TestnetOptions};
use ccs_tests::{pseudo_random, read_back, wait_status, write_node_file};

/// Every id a member's kubo is connected to must be a member's.
async fn assert_members_only(net: &Testnet, members: &BTreeSet<String>) {
    for i in 0..members.len() {
        for peer in net.kubo_swarm_peers(i).await.unwrap() {
            assert!(
                members.contains(&peer),
                "{} is connected to non-member {peer}",
                net.peer(i).name
            );
        }
    }
}

/// True when a TCP connection to `addr` succeeds from inside namespace `ns`.
fn connects_from(ns: &str, addr: &str, port: u16) -> bool {
    Command::new("ip")
        .args(["netns", "exec", ns, "bash", "-c"])
        .arg(format!("exec 3<>/dev/tcp/{addr}/{port}"))
        .output()
        .unwrap()
        .status
        .success()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generated_files_form_a_private_network_as_deployed() {
    // SAFETY: geteuid has no preconditions.
    assert_eq!(
        unsafe { libc::geteuid() },
        0,
        "separate test hosts (network namespaces) need root"
    );
    let work = tempfile::tempdir().unwrap();

    // The files a community would make: create, clone, and a clone of the clone.
    let boot = NodeFile::create("bootstrap").unwrap();
    let acme = boot.clone_for("acme", "bootstrap").unwrap();
    let acme_file = write_node_file(work.path(), "acme", &acme);
    let beta = NodeFile::parse(&std::fs::read_to_string(&acme_file).unwrap())
        .unwrap()
        .clone_for("beta", "acme")
        .unwrap();
    let files = vec![
        write_node_file(work.path(), "bootstrap", &boot),
        acme_file,
        write_node_file(work.path(), "beta", &beta),
    ];
    use std::os::unix::fs::PermissionsExt;
    for f in &files {
        assert_eq!(
            std::fs::metadata(f).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }

    let mut opts = TestnetOptions::new(3, work.path().join("net"));
    opts.compose_files = files;
    // Every member's traffic, from before its daemons start to the end.
    opts.record_connections = true;
    let mut net = Testnet::start(opts)
        .await
        .unwrap_or_else(|e| panic!("deployed testnet failed: {e}"));

    // They form one cluster, with the identities generated offline in the files.
    let members: BTreeSet<String> = [&boot, &acme, &beta]
        .iter()
        .map(|n| n.kubo_identity.peer_id.clone())
        .collect();
    for (i, node) in [&boot, &acme, &beta].iter().enumerate() {
        let id = net.peer(i).cluster().id().await.unwrap();
        assert_eq!(id.id, node.cluster_identity.peer_id);
        assert_eq!(id.ipfs.id, node.kubo_identity.peer_id);
        assert_eq!(id.peername, node.peername);
        assert_eq!(id.cluster_peers.len(), 3);
    }
    assert_members_only(&net, &members).await;

    // A file added on one host (a partner invited later) is pinned on all three
    // and retrievable from any.
    let data = pseudo_random(7, 3 * 1024 * 1024 + 5);
    let file = work.path().join("minutes-1921.pdf");
    std::fs::write(&file, &data).unwrap();
    let beta_api = net.peer(2).cluster();
    let added = beta_api
        .add(&[file], &AddOptions::default(), |_| {})
        .await
        .unwrap();
    wait_status(&beta_api, &added.cid, Duration::from_secs(180), |s| {
        s.pinned_count() == 3
    })
    .await;
    for i in 0..3 {
        let out = work.path().join(format!("back-{i}.pdf"));
        read_back(net.peer(i).kubo(), &added.cid, &out)
            .await
            .unwrap();
        assert!(
            std::fs::read(&out).unwrap() == data,
            "{} served other bytes",
            net.peer(i).name
        );
    }

    // An outsider: a node of another network (other swarm key and secrets) that
    // knows the bootstrap's address and ids. It gets no connection and no block.
    let mut outsider = NodeFile::create("outsider").unwrap();
    outsider.bootstrap = Some(BootstrapPeer {
        host: "bootstrap".into(),
        kubo_peer_id: boot.kubo_identity.peer_id.clone(),
        cluster_peer_id: boot.cluster_identity.peer_id.clone(),
    });
    let outsider_file = write_node_file(work.path(), "outsider", &outsider);
    let o = net.start_outsider(&outsider_file).await.unwrap();
    let ns = net.namespace(o).unwrap().to_string();
    let ipfs = net.bins().ipfs.clone();
    let fetch = Command::new("ip")
        .args(["netns", "exec", &ns, "timeout", "20"])
        .arg(&ipfs)
        .args([
            "--api",
            "/ip4/127.0.0.1/tcp/5001",
            "block",
            "get",
            &added.cid,
        ])
        .env("IPFS_PATH", net.peer(o).dir.join("ipfs"))
        .output()
        .unwrap();
    assert!(
        !fetch.status.success(),
        "the outsider fetched a member's block"
    );
    // `timeout` stops the command; the ipfs CLI may then print its own
    // "Received interrupt…" notices on stdout. Nothing else may come out.
    let stdout = String::from_utf8_lossy(&fetch.stdout);
    assert!(
        stdout
            .lines()
            .all(|l| l.trim().is_empty() || l.starts_with("Received ") && l.contains("interrupt")),
        "outsider got: {stdout:?}"
    );
    assert!(
        net.kubo_swarm_peers(o).await.unwrap().is_empty(),
        "the outsider got a connection"
    );
    assert_members_only(&net, &members).await;

    // Each gateway serves only the blocks its own node holds (the generated
    // file's `Gateway.NoFetch`), so an audit meets a partner's missing block
    // as missing: a block put on the bootstrap host alone is served there and
    // not by a partner's gateway, which would otherwise fetch it from the member.
    let boot_ns = net.namespace(0).unwrap().to_string();
    let lone = work.path().join("lone-block");
    std::fs::write(&lone, pseudo_random(8, 1000)).unwrap();
    let put = Command::new("ip")
        .args(["netns", "exec", &boot_ns])
        .arg(&ipfs)
        .args(["--api", "/ip4/127.0.0.1/tcp/5001", "block", "put"])
        .args(["--cid-codec", "raw"])
        .arg(&lone)
        .output()
        .unwrap();
    assert!(put.status.success(), "{put:?}");
    let lone_cid = String::from_utf8_lossy(&put.stdout).trim().to_string();
    net.peer(0)
        .kubo()
        .fetch_block(&lone_cid)
        .await
        .expect("the holder's gateway serves its own block");
    let asked = std::time::Instant::now();
    let fetched = net.peer(1).kubo().fetch_block(&lone_cid).await;
    assert!(
        fetched.is_err(),
        "a partner's gateway fetched a block it does not hold from another member"
    );
    assert!(
        asked.elapsed() < Duration::from_secs(10),
        "a missing block should be refused at once, not searched for"
    );
    eprintln!(
        "deployed: a gateway asked for a block it lacks answers: {}",
        fetched.unwrap_err()
    );

    // And an outsider with no network key at all (a public-mode kubo): same.
    let mut nokey = NodeFile::create("nokey").unwrap();
    nokey.bootstrap = outsider.bootstrap.clone();
    let text = nokey
        .render()
        .replace("LIBP2P_FORCE_PNET: '1'", "LIBP2P_FORCE_PNET: '0'")
        .replace(
            "printf '/key/swarm/psk/1.0.0/\\n/base16/\\n%s\\n' \"$$CCS_SWARM_KEY\" > \"$$IPFS_PATH/swarm.key\"",
            "rm -f \"$$IPFS_PATH/swarm.key\"",
        );
    assert!(
        text.contains("rm -f"),
        "the swarm key step was not found to remove"
    );
    let nokey_file = work.path().join("nokey.yml");
    std::fs::write(&nokey_file, text).unwrap();
    let n = net.start_outsider(&nokey_file).await.unwrap();
    assert!(!net.peer(n).dir.join("ipfs/swarm.key").exists());
    tokio::time::sleep(Duration::from_secs(10)).await;
    assert!(
        net.kubo_swarm_peers(n).await.unwrap().is_empty(),
        "a keyless node got a connection"
    );
    assert_members_only(&net, &members).await;

    // Exposure: the kubo RPC API (admin), the cluster's IPFS proxy and the
    // pinning-service API are unreachable from other hosts; the REST API and the
    // gateway are reachable; the REST API refuses requests without credentials.
    let other_ns = net.namespace(1).unwrap().to_string();
    let boot_addr = net.host_addr(0).unwrap().to_string();
    for port in [5001, 9095, 9097] {
        assert!(
            !connects_from(&other_ns, &boot_addr, port),
            "port {port} is reachable from another host"
        );
        assert!(
            std::net::TcpStream::connect_timeout(
                &format!("{boot_addr}:{port}").parse().unwrap(),
                Duration::from_secs(3)
            )
            .is_err(),
            "port {port} is reachable from this machine"
        );
    }
    for port in [4001, 8080, 9094, 9096] {
        assert!(
            connects_from(&other_ns, &boot_addr, port),
            "port {port} should serve members"
        );
    }
    let anonymous = ClusterClient::new(&net.peer(0).cluster_api, None).unwrap();
    assert_eq!(anonymous.id().await.unwrap_err().code(), "unauthorized");
    let anonymous_add = anonymous
        .add(
            &[work.path().join("bootstrap.yml")],
            &AddOptions::default(),
            |_| {},
        )
        .await
        .unwrap_err();
    assert_eq!(anonymous_add.code(), "unauthorized");

    // Private on every start, not only the first: settings changed by hand
    // while the node was down are put back when it starts again.
    use ccs_testnet::DaemonKind;
    net.kill(0, DaemonKind::Kubo).unwrap();
    let boot_ns = net.namespace(0).unwrap().to_string();
    let repo = net.peer(0).dir.join("ipfs");
    let ipfs_cfg = |args: &[&str]| {
        let out = Command::new("ip")
            .args(["netns", "exec", &boot_ns])
            .arg(&ipfs)
            .arg("config")
            .args(args)
            .env("IPFS_PATH", &repo)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    ipfs_cfg(&[
        "--json",
        "Bootstrap",
        r#"["/dnsaddr/bootstrap.libp2p.io/p2p/QmNnooDu7bfjPFoTZYxMNLWUQJyrVwtbZg5gBMjTezGAJN"]"#,
    ]);
    ipfs_cfg(&["--json", "Discovery.MDNS.Enabled", "true"]);
    ipfs_cfg(&["--json", "Addresses.API", r#""/ip4/0.0.0.0/tcp/5001""#]);
    net.restart(0, DaemonKind::Kubo).await.unwrap();
    assert_eq!(
        ipfs_cfg(&["Bootstrap"]).trim(),
        "[]",
        "the bootstrap node has no members to bootstrap from"
    );
    assert_eq!(ipfs_cfg(&["Discovery.MDNS.Enabled"]).trim(), "false");
    assert_eq!(
        ipfs_cfg(&["Addresses.API"]).trim(),
        "/ip4/127.0.0.1/tcp/5001"
    );
    assert!(!connects_from(&other_ns, &boot_addr, 5001));

    // Still members only at the end.
    assert_members_only(&net, &members).await;
    net.kill(o, DaemonKind::Kubo).unwrap();
    net.kill(n, DaemonKind::Kubo).unwrap();

    // Whole run, not samples: no member ever sent a DNS query, opened a
    // connection to a non-member or used IPv6; the outsiders' attempts were
    // seen (so the record works) and got no more than a refused handshake.
    for line in connections::assert_whole_run_private(&net) {
        eprintln!("deployed, connections over the whole run: {line}");
    }
    let boot_rec = net.connection_record(0).unwrap();
    assert!(
        boot_rec["new_in_nonmember"].packets > 0,
        "the outsiders' connection attempts to the bootstrap were not recorded: {boot_rec:#?}"
    );

    // No secret ever reaches a daemon's log.
    let secrets: Vec<String> = [&boot, &acme, &beta]
        .iter()
        .flat_map(|f| {
            [
                f.secrets.cluster_secret.clone(),
                f.secrets.swarm_key.clone(),
                f.secrets.rest_api.password.clone(),
                f.kubo_identity.private_key.clone(),
                f.cluster_identity.private_key.clone(),
            ]
        })
        .collect();
    for i in 0..3 {
        for log in ["kubo.log", "cluster.log"] {
            let text = std::fs::read_to_string(net.peer(i).dir.join(log)).unwrap();
            assert!(!text.is_empty(), "{log} of {} is empty", net.peer(i).name);
            for secret in &secrets {
                assert!(
                    !text.contains(secret.as_str()),
                    "a secret appears in {}'s {log}",
                    net.peer(i).name
                );
            }
        }
    }
}
