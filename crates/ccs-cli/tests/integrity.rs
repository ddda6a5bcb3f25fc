//! Integrity: a block corrupted on disk in ONE partner's kubo repository (its
//! flatfs blockstore) is caught at retrieval, the content is saved from
//! another partner byte for byte, and the user is told which partner's copy is
//! damaged and what fixes it. kubo serves stored blocks without re-hashing
//! them, so only our verification stands between the damage and the archive.

// Needs the real daemons (or root, or system services): `./scripts/test.sh` turns it on.
#![cfg(feature = "real-daemons")]
#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use ccs_tests::{Run, ccs_command, pseudo_random, start_testnet};

/// `ccs` with the settings `config`; its job journal goes next to them
/// (in the testnet's temporary folder), never into the real home.
fn ccs(config: &Path, args: &[&str]) -> Run {
    Run::of(ccs_command(env!("CARGO_BIN_EXE_ccs"), config).args(args))
}

fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".partial"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_block_corrupted_in_one_partners_repository_is_caught_and_named() {
    let started = Instant::now();
    let net = start_testnet(3).await;
    let cfg = net.config_path();
    let work = tempfile::tempdir().unwrap();
    let w = work.path();

    // 2 MiB of incompressible data: eight 256 KiB leaf blocks plus a root.
    let original = pseudo_random(4242, 2 * 1024 * 1024);
    let file = w.join("register 1850.tif");
    std::fs::write(&file, &original).unwrap();
    // --wait returns once the copies are made; a partner's free-space metric
    // may lag, so wait until all three hold a copy.
    let r = ccs(&cfg, &["add", "--wait", file.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{r:?}");
    let cid = r.stdout.trim().to_string();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let r = ccs(&cfg, &["status", "--json", &cid]);
        if r.code == 0 && r.json()[0]["copies"] == 3 {
            break;
        }
        if Instant::now() > deadline {
            // Fewer copies than partners: pin it everywhere by hand is not our job.
            panic!("{cid} not on every partner: {r:?}");
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }

    // Flip one byte inside the data of the block holding bytes 600,000.. of
    // the file, in peer2's repository only (IPFS_PATH/blocks/XX/KEY.data).
    let peer2 = net.peer(1).clone();
    let marker = &original[600_000..600_064];
    peer2.damage_block(marker, 10);
    // The other partners' copies are intact.
    for i in [0, 2] {
        let found = !net.peer(i).blocks_holding(marker).is_empty();
        assert!(found, "peer{} lost its copy", i + 1);
    }

    // Retrieve through peer2 first: detected, saved from another partner,
    // byte-identical, and peer2 named as the damaged copy.
    let dest = w.join("out");
    std::fs::create_dir(&dest).unwrap();
    let out = dest.join("register.tif");
    // `ccs [FLAGS] get` through peer2 (tried first) into `out`.
    let get_via_peer2 = |flags: &[&str], out: &Path| {
        let mut args = flags.to_vec();
        args.extend(["get", "--cluster-peername", "peer2", &cid, "-o"]);
        args.push(out.to_str().unwrap());
        ccs(&cfg, &args)
    };
    let r = get_via_peer2(&[], &out);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        std::fs::read(&out).unwrap() == original,
        "not byte-identical"
    );
    assert!(
        r.stderr
            .contains("Could not get it from peer2: its copy does not match its content ID"),
        "{r:?}"
    );
    assert!(r.stderr.contains("has the wrong hash"), "{r:?}");
    let good = if r.stderr.contains(" from peer1;") {
        "peer1"
    } else {
        "peer3"
    };
    assert!(r.stderr.contains(&format!(" from {good};")), "{r:?}");
    let notice = format!(
        "Warning: peer2's copy of {cid} is damaged (a block does not match its content ID); it was saved from {good} instead. Ask the person who runs peer2 to run `ipfs repo verify --heal`"
    );
    assert!(r.stderr.contains(&notice), "{r:?}");
    assert!(!r.stderr.contains("panicked"), "{r:?}");
    assert!(leftovers(&dest).is_empty(), "{:?}", leftovers(&dest));

    // The same in JSON: the result lists the damaged copy for scripts and the app.
    let out2 = dest.join("register-2.tif");
    let r = get_via_peer2(&["--json"], &out2);
    assert_eq!(r.code, 0, "{r:?}");
    let v = r.json();
    assert_ne!(v["source"], "peer2", "{v}");
    let failed = v["failed_sources"].as_array().unwrap();
    assert_eq!(failed.len(), 1, "{v}");
    assert_eq!(failed[0]["source"], "peer2");
    assert_eq!(failed[0]["code"], "verification_failed");
    assert_eq!(failed[0]["damaged"], true);
    assert!(
        failed[0]["message"]
            .as_str()
            .unwrap()
            .contains("sent by peer2 (http://127.0.0.1:"),
        "{v}"
    );
    assert!(std::fs::read(&out2).unwrap() == original);

    // Why the notice does not suggest `ccs repair`: the cluster still counts
    // peer2's copy as pinned (kubo does not re-hash what it stores), so
    // IPFS Cluster's recover has nothing to retry.
    let r = ccs(&cfg, &["status", "--json", &cid]);
    assert_eq!(r.json()[0]["copies"], 3, "{r:?}");

    // What the notice suggests does fix it: `ipfs repo verify` finds the
    // damaged block, `--heal` replaces it from the other partners, and peer2
    // then serves a copy that verifies.
    let verify = |extra: &[&str]| {
        Command::new(&net.bins().ipfs)
            .args(["repo", "verify"])
            .args(extra)
            .env("IPFS_PATH", peer2.dir.join("kubo"))
            .output()
            .unwrap()
    };
    let check = verify(&[]);
    assert_eq!(check.status.code(), Some(1), "{check:?}");
    let healed = verify(&["--heal"]);
    assert!(healed.status.success(), "{healed:?}");
    let out3 = dest.join("register-3.tif");
    let r = get_via_peer2(&["--json"], &out3);
    assert_eq!(r.code, 0, "{r:?}");
    let v = r.json();
    assert_eq!(v["source"], "peer2", "{v}");
    assert_eq!(v["failed_sources"], serde_json::json!([]), "{v}");
    assert!(std::fs::read(&out3).unwrap() == original);

    // Every partner's copy damaged: nothing saved, exit 7, every partner named.
    for i in 0..3 {
        net.peer(i).damage_block(marker, 20);
    }
    let out4 = dest.join("register-4.tif");
    let r = ccs(&cfg, &["get", &cid, "-o", out4.to_str().unwrap()]);
    assert_eq!(r.code, 7, "{r:?}");
    let last = r.stderr.lines().last().unwrap();
    assert!(last.starts_with("Error: The copy of"), "{r:?}");
    assert!(
        last.contains("sent by every partner (peer")
            && ["peer1", "peer2", "peer3"].iter().all(|p| last.contains(p)),
        "{r:?}"
    );
    assert!(!out4.exists());
    assert!(leftovers(&dest).is_empty(), "{:?}", leftovers(&dest));
    eprintln!("integrity suite: {:?}", started.elapsed());
    let _ = std::io::stderr().flush();
}
