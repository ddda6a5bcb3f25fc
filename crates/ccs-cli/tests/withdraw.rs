//! Withdrawal instead of deletion on a real 3-peer testnet (issue #16): a
//! withdrawn item stays stored and retrievable through a short grace period,
//! `keep` restores it with its allocations, name and metadata, and otherwise
//! it is unpinned on every partner when the grace period ends (its manifest
//! with it); two-person removal: the member who withdrew cannot confirm, a
//! second can; confirming what is not withdrawn or already gone gets one
//! sentence; `rm` withdraws, `rm --now` needs the policy's leave and the
//! item's title typed; every step is a deaccession event.

// Needs the real daemons (or root, or system services): `./scripts/test.sh` turns it on.
#![cfg(feature = "real-daemons")]
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::time::{Duration, Instant};

use ccs_core::net::cluster::ClusterClient;
use ccs_tests::{Run, ccs_command, pseudo_random, start_testnet, wait_for_free_space};
use serde_json::Value;

fn ccs_as(config: &Path, user: &str, args: &[&str]) -> Run {
    Run::of(
        ccs_command(env!("CARGO_BIN_EXE_ccs"), config)
            .env("USER", user)
            .args(args),
    )
}

fn add(cfg: &Path, dir: &Path, name: &str, seed: u64) -> String {
    let file = dir.join(name);
    std::fs::write(&file, pseudo_random(seed, 200_000)).unwrap();
    let r = ccs_as(
        cfg,
        "alice",
        &["add", "--wait", "--json", file.to_str().unwrap()],
    );
    assert_eq!(r.code, 0, "{r:?}");
    r.json()["cid"].as_str().unwrap().to_string()
}

/// True once no peer's shared state has `cid` and no kubo node pins it.
async fn gone_everywhere(net: &ccs_testnet::Testnet, cid: &str) -> bool {
    for i in 0..net.peers().len() {
        if net
            .peer(i)
            .cluster()
            .allocation(cid)
            .await
            .unwrap()
            .is_some()
        {
            return false;
        }
        let mut pins = net.peer(i).kubo().recursive_pins().await.unwrap();
        while let Some(p) = pins.next().await {
            if p.unwrap().cid == cid {
                return false;
            }
        }
    }
    true
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_withdrawal_waits_out_its_grace_period_and_can_be_undone() {
    let started = Instant::now();
    let net = start_testnet(3).await;
    let cfg = net.config_path();
    let work = tempfile::tempdir().unwrap();
    let cluster: ClusterClient = net.peer(0).cluster();

    // The policy's copies (2 to 3) need every peer's free space first.
    wait_for_free_space(&cluster, 3).await;
    let r = ccs_as(&cfg, "alice", &["policy", "set", "removal-grace=6s"]);
    assert_eq!(r.code, 0, "{r:?}");
    let cid = add(&cfg, work.path(), "minutes.pdf", 1);
    let before = cluster.allocation(&cid).await.unwrap().unwrap();
    let manifest = before.metadata["fixity-manifest"].clone();

    // Withdrawn: still stored, listed with who and when, still retrievable.
    let r = ccs_as(&cfg, "alice", &["withdraw", &cid]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stdout.contains("stays stored on every partner until"),
        "{r:?}"
    );
    let listed = ccs_as(&cfg, "alice", &["withdrawn", "--json"]).json();
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed:#}");
    assert_eq!(listed[0]["cid"], cid.as_str());
    assert!(
        listed[0]["by"].as_str().unwrap().starts_with("alice@"),
        "{listed:#}"
    );
    assert_eq!(listed[0]["state"], "confirmed");
    assert!(listed[0]["removes_at"].is_string(), "{listed:#}");
    let r = ccs_as(&cfg, "alice", &["withdraw", &cid]);
    assert_ne!(r.code, 0, "{r:?}");
    assert!(r.stderr.contains("already withdrawn"), "{r:?}");
    let out = work.path().join("back.pdf");
    let r = ccs_as(
        &cfg,
        "alice",
        &["get", &cid, "--output", out.to_str().unwrap()],
    );
    assert_eq!(r.code, 0, "a withdrawn item is still retrievable: {r:?}");
    assert_eq!(std::fs::read(&out).unwrap(), pseudo_random(1, 200_000));
    // Its metadata cannot be forged by `meta set`.
    let r = ccs_as(
        &cfg,
        "alice",
        &["meta", "set", &cid, "ccs-withdrawal=confirmed"],
    );
    assert_ne!(r.code, 0, "{r:?}");

    // Keep it: nothing of the withdrawal left, allocations, name and metadata as before.
    let r = ccs_as(&cfg, "bob", &["keep", &cid]);
    assert_eq!(r.code, 0, "{r:?}");
    let kept = cluster.allocation(&cid).await.unwrap().unwrap();
    assert_eq!(kept.allocations, before.allocations);
    assert_eq!(kept.name, before.name);
    assert_eq!(kept.metadata, before.metadata);
    assert!(
        kept.expire_at.starts_with("0001-01-01") || kept.expire_at.is_empty(),
        "{kept:#?}"
    );
    let m = cluster.allocation(&manifest).await.unwrap().unwrap();
    assert!(
        m.expire_at.starts_with("0001-01-01") || m.expire_at.is_empty(),
        "{m:#?}"
    );
    tokio::time::sleep(Duration::from_secs(8)).await;
    assert!(
        cluster.allocation(&cid).await.unwrap().is_some(),
        "a kept item was removed"
    );
    assert_eq!(
        ccs_as(&cfg, "bob", &["withdrawn", "--json"]).json(),
        Value::Array(vec![])
    );

    // Withdrawn again and left: gone from every partner, manifest too.
    let r = ccs_as(&cfg, "alice", &["withdraw", &cid]);
    assert_eq!(r.code, 0, "{r:?}");
    let deadline = Instant::now() + Duration::from_secs(60);
    while !(gone_everywhere(&net, &cid).await && gone_everywhere(&net, &manifest).await) {
        assert!(
            Instant::now() < deadline,
            "the grace period ended but {cid} is still pinned"
        );
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    // Confirming what has gone, or was never stored: one sentence each.
    for what in [
        cid.as_str(),
        "QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG",
    ] {
        let r = ccs_as(&cfg, "bob", &["withdraw", "--confirm", what]);
        assert_ne!(r.code, 0, "{r:?}");
        assert!(
            r.stderr
                .contains("is not stored (it may have been removed when its grace period ended)"),
            "{r:?}"
        );
        assert_eq!(r.stderr.trim().lines().count(), 1, "{r:?}");
    }

    // No one was there when IPFS Cluster removed it: `ensure` finds it gone
    // and records the removal, once.
    let r = ccs_as(&cfg, "bob", &["ensure", "--json"]);
    assert_eq!(r.json()["removals_recorded"], 1, "{r:?}");
    let r = ccs_as(&cfg, "bob", &["ensure"]);
    assert!(!r.stdout.contains("Recorded the removal"), "{r:?}");
    let r = ccs_as(
        &cfg,
        "bob",
        &["history", "--json", "--type", "deletion", &cid],
    );
    let events = r.json()["events"].as_array().unwrap().clone();
    assert_eq!(events.len(), 1, "{events:#?}");
    assert!(
        events[0]["detail"]
            .as_str()
            .unwrap()
            .contains("when its grace period ended on")
            && events[0]["person"].as_str().unwrap().starts_with("bob@"),
        "{events:#?}"
    );

    // Two-person removal: the clock waits for a second member.
    let r = ccs_as(
        &cfg,
        "alice",
        &[
            "policy",
            "set",
            "removal-confirmation=on",
            "removal-grace=1h",
        ],
    );
    assert_eq!(r.code, 0, "{r:?}");
    let second = add(&cfg, work.path(), "letters.pdf", 2);
    let r = ccs_as(&cfg, "alice", &["withdraw", "--json", &second]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(
        r.json()[0]["withdrawal"]["state"],
        "awaiting_confirmation",
        "{r:?}"
    );
    assert!(
        cluster
            .allocation(&second)
            .await
            .unwrap()
            .unwrap()
            .expire_at
            .starts_with("0001")
    );
    let r = ccs_as(&cfg, "alice", &["withdraw", "--confirm", &second]);
    assert_ne!(r.code, 0, "{r:?}");
    assert!(
        r.stderr
            .contains("You withdrew \"letters.pdf\" yourself; another member must confirm it."),
        "{r:?}"
    );
    let r = ccs_as(&cfg, "bob", &["withdraw", "--confirm", "--json", &second]);
    assert_eq!(r.code, 0, "{r:?}");
    let w = &r.json()[0]["withdrawal"];
    assert_eq!(w["state"], "confirmed", "{w:#}");
    assert!(
        w["confirmed_by"].as_str().unwrap().starts_with("bob@"),
        "{w:#}"
    );
    assert!(w["removes_at"].is_string(), "{w:#}");
    let r = ccs_as(&cfg, "bob", &["withdraw", "--confirm", &second]);
    assert!(
        r.code != 0 && r.stderr.contains("already confirmed"),
        "{r:?}"
    );
    let third = add(&cfg, work.path(), "notes.pdf", 3);
    let r = ccs_as(&cfg, "bob", &["withdraw", "--confirm", &third]);
    assert!(
        r.code != 0 && r.stderr.contains("is not withdrawn"),
        "{r:?}"
    );

    // `rm` withdraws (the policy's grace); `rm --now` only when the policy
    // allows it, and only with the item's title typed.
    let r = ccs_as(&cfg, "carol", &["rm", "--yes", "--json", &third]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(
        r.json()["withdrawn"][0]["state"],
        "awaiting_confirmation",
        "{r:?}"
    );
    let r = ccs_as(&cfg, "carol", &["keep", &third]);
    assert_eq!(r.code, 0, "{r:?}");
    let r = ccs_as(
        &cfg,
        "carol",
        &["rm", "--now", "--title", "notes.pdf", &third],
    );
    assert!(
        r.code != 0 && r.stderr.contains("does not allow removing an item at once"),
        "{r:?}"
    );
    let r = ccs_as(&cfg, "alice", &["policy", "set", "immediate-removal=on"]);
    assert_eq!(r.code, 0, "{r:?}");
    let r = ccs_as(&cfg, "carol", &["rm", "--now", "--title", "notes", &third]);
    assert!(
        r.code != 0
            && r.stderr.contains(
                "\"notes\" is not the item's title (\"notes.pdf\"); nothing was removed."
            ),
        "{r:?}"
    );
    assert!(cluster.allocation(&third).await.unwrap().is_some());
    let mut child = ccs_command(env!("CARGO_BIN_EXE_ccs"), &cfg)
        .args(["rm", "--now", &third])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(b"notes.pdf\n")
            .unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(cluster.allocation(&third).await.unwrap().is_none());

    // Risk at a glance: the withdrawn item is counted; an item kept by one
    // partner only turns the summary red and says what to do.
    let r = ccs_as(&cfg, "bob", &["health", "--json"]);
    assert_eq!(r.code, 0, "{r:?}");
    let risk = r.json()["risk"].clone();
    assert_eq!(risk["withdrawn"]["items"], 1, "{risk:#}");
    assert_eq!(risk["single_copy"]["items"], 0, "{risk:#}");
    assert_eq!(risk["at_risk"], false, "{risk:#}");
    let one = ccs_core::net::cluster::PinOptions {
        name: Some("One copy only".into()),
        replication_min: Some(1),
        replication_max: Some(1),
        ..Default::default()
    };
    cluster.pin("bafkqaaa", &one).await.unwrap();
    let r = ccs_as(&cfg, "bob", &["health", "--json"]);
    let risk = r.json()["risk"].clone();
    assert_eq!(risk["single_copy"]["items"], 1, "{risk:#}");
    assert_eq!(risk["at_risk"], true, "{risk:#}");
    assert!(
        risk["advice"][0].as_str().unwrap().contains("`ccs repair`"),
        "{risk:#}"
    );
    let r = ccs_as(&cfg, "bob", &["health"]);
    assert!(
        r.stdout.contains("At risk (copies counted") && r.stdout.contains("with a single copy"),
        "{r:?}"
    );

    // Every step is in the preservation record.
    let r = ccs_as(&cfg, "bob", &["history", "--json", "--type", "deaccession"]);
    let events = r.json()["events"].as_array().unwrap().clone();
    assert_eq!(events.len(), 7, "{events:#?}");
    assert!(
        events
            .iter()
            .any(|e| e["outcome"] == "failure" && e["detail"].as_str().unwrap().contains("undone")),
        "{events:#?}"
    );
    assert!(
        events
            .iter()
            .any(|e| e["detail"].as_str().unwrap().contains("confirmed by bob@")),
        "{events:#?}"
    );
    eprintln!("withdrawal: {:.1}s", started.elapsed().as_secs_f64());
}
