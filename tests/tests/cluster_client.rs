//! The core's cluster and kubo clients against a real private 3-peer testnet.

// Needs the real daemons (or root, or system services): `./scripts/test.sh` turns it on.
#![cfg(feature = "real-daemons")]
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::time::Duration;

use ccs_core::Credentials;
use ccs_core::net::cluster::{AddOptions, ClusterClient, TrackerStatus};
use ccs_testnet::DaemonKind;
use ccs_tests::{
    assert_same_tree, make_folder, pseudo_random, read_back, start_testnet, wait_status,
};

const SETTLE: Duration = Duration::from_secs(180);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn add_file_and_folder_pin_everywhere_read_back_and_unpin() {
    let net = start_testnet(3).await;
    let work = tempfile::tempdir().unwrap();
    let peer1 = net.peer(0).cluster();
    let peer3 = net.peer(2);

    // Identity, version and membership as the API reports them.
    let id = peer1.id().await.unwrap();
    assert_eq!(id.id, net.peer(0).cluster_peer_id);
    assert_eq!(id.peername, "peer1");
    assert_eq!(id.cluster_peers.len(), 3);
    assert_eq!(id.ipfs.id, net.peer(0).ipfs_peer_id);
    assert!(peer1.version().await.unwrap().version.starts_with("1.1.6"));
    let peers = peer1.peers().await.unwrap().collect_vec().await.unwrap();
    let mut names: Vec<_> = peers.iter().map(|p| p.peername.clone()).collect();
    names.sort();
    assert_eq!(names, ["peer1", "peer2", "peer3"]);

    // One file (5 MiB, several chunks) through peer 1.
    let file_bytes = pseudo_random(42, 5 * 1024 * 1024 + 123);
    let file = work.path().join("report 1923.pdf");
    std::fs::write(&file, &file_bytes).unwrap();
    let mut progress_lines = 0;
    let added_file = peer1
        .add(std::slice::from_ref(&file), &AddOptions::default(), |o| {
            if o.cid.is_none() {
                progress_lines += 1;
            }
        })
        .await
        .unwrap();
    assert_eq!(added_file.name, "report 1923.pdf");
    assert!(added_file.cid.starts_with("Qm"), "{}", added_file.cid);
    assert!(progress_lines > 0, "no progress reported");

    // A folder of 1,000 files through peer 1, with pin options.
    let folder = make_folder(work.path(), "parish records", 1000);
    let mut opts = AddOptions::default();
    opts.pin.name = Some("Parish records".into());
    opts.pin
        .metadata
        .insert("collection".into(), "parish".into());
    let added_folder = peer1
        .add(std::slice::from_ref(&folder), &opts, |_| {})
        .await
        .unwrap();
    assert_eq!(added_folder.name, "parish records");
    // 1,000 files + 10 boxes + the empty folder + the root.
    assert_eq!(added_folder.entries, 1012);

    // Both end up pinned on every peer.
    for cid in [&added_file.cid, &added_folder.cid] {
        let st = wait_status(&peer1, cid, SETTLE, |s| s.pinned_count() == 3).await;
        assert_eq!(st.peer_map.len(), 3);
    }
    let pin = peer1.allocation(&added_folder.cid).await.unwrap().unwrap();
    assert_eq!(pin.name, "Parish records");
    assert_eq!(
        pin.metadata.get("collection").map(String::as_str),
        Some("parish")
    );
    let all = peer1
        .allocations()
        .await
        .unwrap()
        .collect_vec()
        .await
        .unwrap();
    assert!(all.iter().any(|p| p.cid == added_file.cid));
    let statuses = peer1
        .status_all(None)
        .await
        .unwrap()
        .collect_vec()
        .await
        .unwrap();
    assert_eq!(statuses.len(), 2);
    assert!(statuses.iter().all(|s| {
        s.peer_map
            .values()
            .all(|p| p.status == TrackerStatus::Pinned)
    }));
    let errors = peer1
        .status_all(Some("pin_error"))
        .await
        .unwrap()
        .collect_vec()
        .await
        .unwrap();
    assert!(errors.is_empty());
    // Each peer publishes its free space periodically; all three arrive within a minute.
    let mut free = peer1.freespace().await.unwrap();
    for _ in 0..120 {
        if free.len() == 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        free = peer1.freespace().await.unwrap();
    }
    assert_eq!(free.len(), 3, "{free:?}");
    assert!(free.iter().all(|m| m.value.parse::<u64>().unwrap() > 0));
    assert!(peer1.alerts().await.unwrap().is_empty());

    // Read both back through peer 3's gateway, byte-identical.
    let kubo3 = peer3.kubo();
    let out = work.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let got_file = out.join("report.pdf");
    let got = read_back(kubo3.clone(), &added_file.cid, &got_file)
        .await
        .unwrap();
    assert_eq!(got.bytes, file_bytes.len() as u64);
    assert!(std::fs::read(&got_file).unwrap() == file_bytes);
    let got_folder = out.join("records");
    let got = read_back(kubo3.clone(), &added_folder.cid, &got_folder)
        .await
        .unwrap();
    assert_eq!(got.files, 1000);
    assert_same_tree(&folder, &got_folder);
    // Nothing temporary is left next to the results.
    let leftovers: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".partial-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    // An existing destination is never replaced without leave.
    let wrong = read_back(kubo3.clone(), &added_folder.cid, &got_folder)
        .await
        .unwrap_err();
    assert_eq!(wrong.code(), "already_exists", "{wrong}");

    // Unpin, and status shows it gone everywhere.
    peer1.unpin(&added_folder.cid).await.unwrap();
    wait_status(&peer1, &added_folder.cid, SETTLE, |s| s.is_gone()).await;
    assert!(peer1.allocation(&added_folder.cid).await.unwrap().is_none());
    let again = peer1.unpin(&added_folder.cid).await.unwrap_err();
    assert_eq!(again.code(), "not_found", "{again}");

    // Wrong credentials give a clear authentication error.
    let wrong_creds = ClusterClient::new(
        &net.peer(1).cluster_api,
        Some(Credentials {
            username: net.peer(1).username.clone(),
            password: "not-the-password".into(),
        }),
    )
    .unwrap();
    let err = wrong_creds.id().await.unwrap_err();
    assert_eq!(err.code(), "unauthorized");
    assert!(
        err.to_string()
            .contains("refused the user name or password"),
        "{err}"
    );
    assert!(!err.to_string().contains("not-the-password"));
    let no_creds = ClusterClient::new(&net.peer(1).cluster_api, None).unwrap();
    assert_eq!(no_creds.id().await.unwrap_err().code(), "unauthorized");
    let err = wrong_creds
        .add(std::slice::from_ref(&file), &AddOptions::default(), |_| {})
        .await
        .unwrap_err();
    assert_eq!(err.code(), "unauthorized");

    // Several paths are wrapped in one folder and pinned as one root.
    let second = work.path().join("second.txt");
    std::fs::write(&second, b"second").unwrap();
    let wrapped = peer1
        .add(
            &[file.clone(), second.clone()],
            &AddOptions::default(),
            |_| {},
        )
        .await
        .unwrap();
    assert_eq!(wrapped.name, "");
    let got_wrap = out.join("wrapped");
    assert_eq!(
        read_back(kubo3.clone(), &wrapped.cid, &got_wrap)
            .await
            .unwrap()
            .files,
        2
    );
    assert!(std::fs::read(got_wrap.join("second.txt")).unwrap() == b"second");
}

/// Adds `file` through peer 1 and SIGKILLs peer 1's kubo at the first progress line.
async fn add_killing_kubo(
    net: &ccs_tests::TempNet,
    file: &std::path::Path,
    opts: &AddOptions,
) -> ccs_core::Result<ccs_core::net::cluster::AddResult> {
    let kubo_pid = net.peer(0).pids[0] as i32;
    let mut killed = false;
    let result = net
        .peer(0)
        .cluster()
        .add(&[file.to_path_buf()], opts, |o| {
            if !killed && o.bytes > 0 {
                // SAFETY: SIGKILL to the kubo daemon this test started.
                unsafe { libc::kill(kubo_pid, libc::SIGKILL) };
                killed = true;
            }
        })
        .await;
    assert!(
        killed,
        "the upload finished before any progress was reported"
    );
    result
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_add_whose_kubo_dies_mid_upload_fails_or_is_complete_elsewhere() {
    let mut net = start_testnet(3).await;
    let work = tempfile::tempdir().unwrap();
    // Big enough that the upload is still running when kubo dies.
    let file = work.path().join("big.bin");
    {
        use std::io::Write;
        let mut f = std::fs::File::create(&file).unwrap();
        for i in 0..48 {
            f.write_all(&pseudo_random(1000 + i, 4 * 1024 * 1024))
                .unwrap();
        }
    }

    // Blocks go only to the receiving peer's kubo (`local`): its death must
    // fail the add, and the failure (sent in the stream trailer) must surface.
    let local = AddOptions {
        local: true,
        ..AddOptions::default()
    };
    let err = add_killing_kubo(&net, &file, &local)
        .await
        .expect_err("an add whose only kubo died must not return a CID");
    assert!(
        matches!(
            err.code().as_str(),
            "stream_failed" | "interrupted" | "node_error"
        ),
        "unexpected error class {}: {err}",
        err.code()
    );
    assert!(!err.to_string().contains('\n'));
    eprintln!("local add, kubo killed: {err}");

    // Default add: the cluster streams every block to all allocated peers and
    // succeeds while at least one destination takes them. Then the content must
    // really be complete on a survivor; otherwise the add must have failed.
    net.kill(0, DaemonKind::Kubo).unwrap();
    net.restart(0, DaemonKind::Kubo).await.unwrap();
    match add_killing_kubo(&net, &file, &AddOptions::default()).await {
        Ok(added) => {
            let got = work.path().join("back.bin");
            read_back(net.peer(2).kubo(), &added.cid, &got)
                .await
                .unwrap();
            assert!(std::fs::read(&got).unwrap() == std::fs::read(&file).unwrap());
            eprintln!("replicated add survived its kubo's death, content verified on peer3");
        }
        Err(e) => {
            assert!(
                matches!(
                    e.code().as_str(),
                    "stream_failed" | "interrupted" | "node_error"
                ),
                "{e}"
            );
        }
    }
}

#[tokio::test]
async fn an_unreachable_peer_gives_a_clear_connection_error() {
    // A port nobody listens on: bind, note it, release.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = ClusterClient::new(&format!("http://127.0.0.1:{port}"), None).unwrap();
    let err = client.id().await.unwrap_err();
    assert_eq!(err.code(), "unreachable", "{err}");
    assert!(err.to_string().contains(&format!("127.0.0.1:{port}")));
    assert!(err.to_string().contains("Check that the node is running"));
    let err = client
        .add(
            &[PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml")],
            &AddOptions::default(),
            |_| {},
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), "unreachable", "{err}");

    // Bad addresses and bad CIDs are refused before any request.
    assert_eq!(
        ClusterClient::new("ftp://x", None).unwrap_err().code(),
        "invalid_input"
    );
    assert_eq!(
        client.status("not a cid/../x").await.unwrap_err().code(),
        "invalid_input"
    );
}
