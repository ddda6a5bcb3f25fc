//! The verified file stream (`ccs_core::content::retrieve::file_stream`) against a
//! real kubo: every layout kubo can store a file in is read through the plain
//! file response, checked, and written byte for byte; folders are left to the
//! CAR path; a damaged leaf or inner block is refused.

// Needs the real daemons (or root, or system services): `./scripts/test.sh` turns it on.
#![cfg(feature = "real-daemons")]
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::Command;

use ccs_core::content::retrieve::file_stream::{Outcome, retrieve_file};
use ccs_core::content::retrieve::{Progress, parse_cid};
use ccs_core::error::Error;
use ccs_core::net::kubo::KuboClient;
use ccs_testnet::PeerInfo;
use ccs_tests::{TempNet, pseudo_random, start_testnet};

/// Runs the `ipfs` command against `peer`'s running kubo.
fn ipfs(net: &TempNet, peer: &PeerInfo, args: &[&str]) -> String {
    let out = Command::new(&net.bins().ipfs)
        .args(args)
        .env("IPFS_PATH", peer.dir.join("kubo"))
        .output()
        .unwrap();
    assert!(out.status.success(), "ipfs {args:?}: {out:?}");
    String::from_utf8(out.stdout).unwrap()
}

/// Adds `path` straight into kubo with `options`; returns the CID.
fn add(net: &TempNet, peer: &PeerInfo, path: &Path, options: &[&str]) -> String {
    let mut args = vec!["add", "-Q", "--pin=false"];
    args.extend_from_slice(options);
    args.push(path.to_str().unwrap());
    ipfs(net, peer, &args).trim().to_string()
}

/// Every block of the DAG under `cid`, the root included, as kubo counts them.
fn block_count(net: &TempNet, peer: &PeerInfo, cid: &str) -> u64 {
    1 + ipfs(net, peer, &["refs", "-r", cid]).lines().count() as u64
}

async fn fetch(
    kubo: &KuboClient,
    cid: &str,
    out: &Path,
) -> (Result<Outcome, Error>, Vec<Progress>) {
    let mut seen = Vec::new();
    let r = retrieve_file(kubo, &parse_cid(cid).unwrap(), out, "peer1", |p| {
        seen.push(p.clone())
    })
    .await;
    (r, seen)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_kubo_file_layout_is_read_through_the_file_stream_and_checked() {
    let net = start_testnet(1).await;
    let peer = net.peer(0).clone();
    let kubo = peer.kubo();
    let work = tempfile::tempdir().unwrap();
    // (what, size, kubo add options)
    let cases: &[(&str, usize, &[&str])] = &[
        (
            "our settings: CIDv0, dag-pb leaves",
            3 << 20,
            &["--cid-version=0"],
        ),
        ("CIDv1, raw leaves", 3 << 20, &["--cid-version=1"]),
        (
            "two levels of inner nodes, dag-pb leaves",
            400 << 10,
            &["--cid-version=0", "--chunker=size-1024"],
        ),
        (
            "two levels of inner nodes, raw leaves",
            400 << 10,
            &["--cid-version=1", "--chunker=size-1024"],
        ),
        (
            "trickle layout (leaves at many depths)",
            400 << 10,
            &["--trickle", "--chunker=size-1024"],
        ),
        (
            "another hash function (leaves fetched as blocks)",
            300 << 10,
            &[
                "--cid-version=1",
                "--hash=blake2b-256",
                "--chunker=size-65536",
            ],
        ),
        (
            "inlined leaves (identity CIDs)",
            2000,
            &[
                "--cid-version=1",
                "--inline",
                "--inline-limit=64",
                "--chunker=size-32",
            ],
        ),
        ("one raw block", 1000, &["--cid-version=1"]),
        ("one dag-pb block", 1000, &["--cid-version=0"]),
        ("an empty file", 0, &["--cid-version=0"]),
    ];
    for (i, (what, size, options)) in cases.iter().enumerate() {
        let content = pseudo_random(7000 + i as u64, *size);
        let src = work.path().join(format!("src-{i}"));
        std::fs::write(&src, &content).unwrap();
        let cid = add(&net, &peer, &src, options);
        let out = work.path().join(format!("out-{i}"));
        let (r, seen) = fetch(&kubo, &cid, &out).await;
        let progress = match r {
            Ok(Outcome::Done(p)) => p,
            Ok(Outcome::NotHandled) => panic!("{what}: left to the CAR path"),
            Err(e) => panic!("{what}: {e}"),
        };
        assert!(
            std::fs::read(&out).unwrap() == content,
            "{what}: not byte-identical"
        );
        assert_eq!(progress.bytes, *size as u64, "{what}");
        assert_eq!(progress.total_bytes, Some(*size as u64), "{what}");
        assert_eq!(progress.files, 1, "{what}");
        assert_eq!(
            progress.blocks,
            block_count(&net, &peer, &cid),
            "{what}: every block checked once"
        );
        assert!(
            seen.windows(2).all(|w| w[0].bytes <= w[1].bytes),
            "{what}: progress went back"
        );
        assert_eq!(seen.last(), Some(&progress), "{what}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_folder_is_left_to_the_car_path_untouched() {
    let net = start_testnet(1).await;
    let peer = net.peer(0).clone();
    let work = tempfile::tempdir().unwrap();
    let folder = work.path().join("letters");
    std::fs::create_dir(&folder).unwrap();
    std::fs::write(folder.join("a.txt"), b"dear archive").unwrap();
    let cid = add(&net, &peer, &folder, &["-r"]);
    let out = work.path().join("out");
    let (r, _) = fetch(&peer.kubo(), &cid, &out).await;
    assert!(matches!(r, Ok(Outcome::NotHandled)), "{:?}", r.err());
    assert!(!out.exists(), "nothing is written for a folder");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_damaged_leaf_or_inner_block_is_refused() {
    let net = start_testnet(1).await;
    let peer = net.peer(0).clone();
    let kubo = peer.kubo();
    let work = tempfile::tempdir().unwrap();
    let check_refused = |r: Result<Outcome, Error>, what: &str| match r {
        Err(Error::VerificationFailed { detail, .. }) => {
            assert!(detail.contains("has the wrong hash"), "{what}: {detail}")
        }
        Err(e) => panic!("{what}: wrong error {e}"),
        Ok(_) => panic!("{what}: a damaged copy was accepted"),
    };

    // A damaged leaf: its bytes arrive in the file stream and fail its hash.
    let content = pseudo_random(91, 400 << 10);
    let src = work.path().join("leaf.bin");
    std::fs::write(&src, &content).unwrap();
    let cid = add(
        &net,
        &peer,
        &src,
        &["--cid-version=0", "--chunker=size-1024"],
    );
    peer.damage_block(&content[100_000..100_064], 10);
    let (r, _) = fetch(&kubo, &cid, &work.path().join("out-leaf")).await;
    check_refused(r, "damaged leaf");

    // A damaged inner node: fetched as a block, it fails its own CID. The
    // marker is a leaf's hash, which only its parent node holds.
    let content = pseudo_random(92, 400 << 10);
    let src = work.path().join("inner.bin");
    std::fs::write(&src, &content).unwrap();
    let cid = add(
        &net,
        &peer,
        &src,
        &["--cid-version=1", "--chunker=size-1024"],
    );
    let inner = ipfs(&net, &peer, &["refs", &cid]);
    let inner = inner.lines().nth(1).unwrap();
    let leaf = ipfs(&net, &peer, &["refs", inner]);
    let leaf = parse_cid(leaf.lines().next().unwrap()).unwrap();
    let marker = leaf.hash().to_bytes();
    peer.damage_block(&marker, marker.len() + 2);
    let (r, _) = fetch(&kubo, &cid, &work.path().join("out-inner")).await;
    check_refused(r, "damaged inner node");
}
