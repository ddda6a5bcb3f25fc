//! Fixity: `ccs audit` asks each partner for its own copy, block by block,
//! and compares every file with the checksums taken when it was added. The
//! faults are real: a block deleted from peer2's repository and a block
//! damaged in peer3's, on a real testnet whose gateways serve only what they
//! hold (`Gateway.NoFetch`, as the generated nodes).

// Needs the real daemons (or root, or system services): `./scripts/test.sh` turns it on.
#![cfg(feature = "real-daemons")]
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::time::{Duration, Instant};

use ccs_core::content::audit::runs_for_coverage;
use ccs_core::net::cluster::{AddOptions, PinOptions};
use ccs_testnet::DaemonKind;
use ccs_tests::{Run, ccs_command, pseudo_random, start_testnet};
use serde_json::Value;

fn ccs(config: &Path, args: &[&str]) -> Run {
    Run::of(ccs_command(env!("CARGO_BIN_EXE_ccs"), config).args(args))
}

/// The copies of an audit's JSON, by partner.
fn copies(r: &Run) -> std::collections::BTreeMap<String, Value> {
    r.json()["copies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["partner"].as_str().unwrap().to_string(), c.clone()))
        .collect()
}

async fn wait_copies(cfg: &Path, cid: &str, want: u64) {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let r = ccs(cfg, &["status", "--json", cid]);
        if r.code == 0 && r.json()[0]["copies"] == want {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{cid} not on every partner: {r:?}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audits_find_a_missing_and_a_damaged_block_and_name_their_partners_and_files() {
    let started = Instant::now();
    let mut net = start_testnet(3).await;
    let cfg = net.config_path();
    let work = tempfile::tempdir().unwrap();
    let w = work.path();

    // A folder: a 2 MiB scan (eight 256 KiB blocks) and a small note.
    let scan = pseudo_random(77, 2 * 1024 * 1024);
    let folder = w.join("parish box");
    std::fs::create_dir_all(folder.join("notes")).unwrap();
    std::fs::write(folder.join("scan-1.tif"), &scan).unwrap();
    std::fs::write(folder.join("notes/readme.txt"), b"Baptisms 1850-1870\n").unwrap();
    let r = ccs(&cfg, &["add", "--wait", folder.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{r:?}");
    let cid = r.stdout.trim().to_string();
    wait_copies(&cfg, &cid, 3).await;

    // The manifest is pinned beside the item and the library leaves it out.
    let status = ccs(&cfg, &["status", "--json", &cid]).json();
    let manifest = status[0]["metadata"]["fixity-manifest"]
        .as_str()
        .unwrap()
        .to_string();
    let ls = ccs(&cfg, &["ls", "--json"]);
    assert_eq!(ls.code, 0, "{ls:?}");
    let listed = ls.stdout.matches("\"cid\"").count();
    assert_eq!(listed, 1, "the manifest is not an item: {}", ls.stdout);

    // Every copy verified, block by block and file by file.
    let r = ccs(&cfg, &["audit", "--json", &cid]);
    assert_eq!(r.code, 0, "{r:?}");
    let c = copies(&r);
    assert_eq!(c.len(), 3, "{r:?}");
    for (partner, copy) in &c {
        assert_eq!(copy["outcome"], "verified", "{partner}: {copy}");
        assert_eq!(copy["manifest"], "checked", "{partner}: {copy}");
        assert_eq!(copy["files_checked"], 2, "{partner}: {copy}");
        // Folder, notes folder, note, scan root, eight leaves.
        assert_eq!(copy["blocks_checked"], 12, "{partner}: {copy}");
    }

    // peer2 loses a block of the scan; peer3 has another one damaged.
    let lost_marker = &scan[300_000..300_064];
    let hit = net.peer(1).blocks_holding(lost_marker);
    assert_eq!(hit.len(), 1);
    std::fs::remove_file(&hit[0].file).unwrap();
    let damaged_marker = &scan[1_500_000..1_500_064];
    net.peer(2).damage_block(damaged_marker, 5);

    let r = ccs(&cfg, &["audit", "--full", "--json", &cid]);
    assert_eq!(r.code, 1, "{r:?}");
    let c = copies(&r);
    assert_eq!(c["peer1"]["outcome"], "verified", "{r:?}");
    for (partner, fault) in [("peer2", "missing"), ("peer3", "damaged")] {
        let copy = &c[partner];
        assert_eq!(copy["outcome"], "problems", "{copy}");
        let bad = copy["bad_blocks"].as_array().unwrap();
        assert_eq!(bad.len(), 1, "{copy}");
        assert_eq!(bad[0]["fault"], fault, "{copy}");
        assert_eq!(bad[0]["file"], "scan-1.tif", "{copy}");
        let msg = copy["message"].as_str().unwrap();
        assert!(msg.starts_with(partner), "{msg}");
        assert!(msg.contains("\"scan-1.tif\""), "{msg}");
        assert!(msg.contains("ccs node check --repair"), "{msg}");
        // The note's file still checks against its checksum.
        assert_eq!(copy["files_checked"], 1, "{copy}");
    }
    // In words: the partner, the file, what to do.
    let r = ccs(&cfg, &["audit", &cid]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.stdout
            .contains("peer2 is missing 1 block(s) of \"scan-1.tif\""),
        "{r:?}"
    );
    assert!(
        r.stdout
            .contains("peer3 holds 1 damaged block(s) of \"scan-1.tif\""),
        "{r:?}"
    );
    assert!(
        r.stdout.contains("1 copy verified, 2 with problems"),
        "{r:?}"
    );

    // The findings are kept: the library, the item and the partners show them.
    let r = ccs(&cfg, &["ls", "--needs-attention"]);
    assert!(
        r.stdout.contains("parish box") && r.stdout.contains("problems found"),
        "{r:?}"
    );
    let r = ccs(&cfg, &["status", &cid]);
    assert!(
        r.stdout.contains("fixity problems found (last verified "),
        "{r:?}"
    );
    let r = ccs(&cfg, &["status", "--json", &cid]);
    let item = &r.json()[0];
    assert_eq!(item["fixity"]["state"], "problems", "{item}");
    let peer1 = item["partners"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["peername"] == "peer1")
        .unwrap();
    assert_eq!(peer1["audit"]["outcome"], "verified", "{peer1}");
    assert_eq!(peer1["audit"]["mode"], "full", "{peer1}");
    let r = ccs(&cfg, &["peers"]);
    let line = |p: &str| {
        r.stdout
            .lines()
            .find(|l| l.starts_with(p))
            .unwrap()
            .to_string()
    };
    assert!(line("peer1").contains("1 of 1 copies passed"), "{r:?}");
    assert!(line("peer2").contains("0 of 1 copies passed"), "{r:?}");

    // Sampled audits find both within the stated number of runs: each walk
    // reaches a given one of the eight equal leaves with probability 1/8, so
    // this many runs miss it once in a million.
    let runs = runs_for_coverage(8, 4, 0.999_999);
    let mut found = std::collections::BTreeSet::new();
    let mut used = 0;
    for run in 1..=runs {
        let r = ccs(&cfg, &["audit", "--sample", "4", "--json", &cid]);
        assert!(r.code == 0 || r.code == 1, "{r:?}");
        for (partner, copy) in copies(&r) {
            if copy["outcome"] == "problems" {
                assert_ne!(partner, "peer1", "{copy}");
                found.insert(partner);
            }
        }
        used = run;
        if found.len() == 2 {
            break;
        }
    }
    assert_eq!(found.len(), 2, "after {runs} sampled runs: {found:?}");
    eprintln!("sampled audits found both faults in {used} of at most {runs} runs");

    // The operators' tool, on each node's own RPC: it finds the fault
    // without changing anything, then repairs it, and the audit passes.
    for (i, found) in [(1, "1 item(s) lack blocks"), (2, "1 of ")] {
        let api = net.peer(i).ipfs_api.clone();
        // On a computer without settings it still checks, and says that
        // nothing was recorded.
        let nowhere = w.join("no-such-settings.toml");
        let r = ccs(&nowhere, &["node", "check", "--ipfs-api", &api]);
        assert_eq!(r.code, 1, "{r:?}");
        assert!(r.stdout.contains(found), "{r:?}");
        assert!(
            r.stderr
                .contains("was not written into the preservation record"),
            "{r:?}"
        );
        let r = ccs(&cfg, &["node", "check", "--ipfs-api", &api]);
        assert_eq!(r.code, 1, "{r:?}");
        assert!(r.stdout.contains(found), "{r:?}");
        assert!(r.stdout.contains("ccs node check --repair"), "{r:?}");
        let r = ccs(
            &cfg,
            &["node", "check", "--repair", "--json", "--ipfs-api", &api],
        );
        assert_eq!(r.code, 0, "{r:?}");
        let report = r.json();
        if i == 1 {
            assert_eq!(report["fetched_again"][0], cid.as_str(), "{report}");
        } else {
            assert_eq!(report["damaged"], 1, "{report}");
            assert_eq!(report["damaged_healed"], 1, "{report}");
        }
        assert_eq!(report["items_recorded"], 1, "{report}");
        assert!(report.get("record_problem").is_none(), "{report}");
    }
    // Both the findings and the repairs are in the preservation record, each
    // naming the partner whose copy it was: the damaged block traced to the
    // item it belongs to.
    let history = |kind: &str| {
        let r = ccs(&cfg, &["history", "--json", "--type", kind, &cid]);
        assert_eq!(r.code, 0, "{r:?}");
        r.json()["events"].as_array().unwrap().clone()
    };
    let repairs = history("recovery");
    let mut repaired: Vec<(&str, &str)> = repairs
        .iter()
        .map(|e| {
            assert_eq!(e["outcome"], "success", "{e}");
            assert!(e["detail"].as_str().unwrap().contains("whole again"), "{e}");
            (
                e["partner"].as_str().unwrap(),
                e["detail"].as_str().unwrap(),
            )
        })
        .collect();
    repaired.sort();
    assert_eq!(repaired.len(), 2, "{repairs:?}");
    assert_eq!(repaired[0].0, "peer2");
    assert!(repaired[0].1.contains("(blocks missing)"), "{repaired:?}");
    assert_eq!(repaired[1].0, "peer3");
    assert!(repaired[1].1.contains("(1 damaged block)"), "{repaired:?}");
    let own_checks: Vec<String> = history("fixity-check")
        .iter()
        .filter(|e| {
            e["detail"]
                .as_str()
                .unwrap()
                .starts_with("The node's own check")
        })
        .map(|e| e["partner"].as_str().unwrap().to_string())
        .collect();
    // A check and a repair on each: two findings each.
    assert_eq!(
        own_checks.iter().filter(|p| *p == "peer2").count(),
        2,
        "{own_checks:?}"
    );
    assert_eq!(
        own_checks.iter().filter(|p| *p == "peer3").count(),
        2,
        "{own_checks:?}"
    );
    let r = ccs(&cfg, &["audit", "--json", &cid]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        copies(&r).values().all(|c| c["outcome"] == "verified"),
        "{r:?}"
    );
    let r = ccs(&cfg, &["ls", "--needs-attention", "--json"]);
    assert_eq!(r.json(), serde_json::json!([]), "{r:?}");
    // Every item: only what is not verified gets a line, then the totals.
    let r = ccs(&cfg, &["audit", "--all"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(!r.stdout.contains("verified      peer"), "{r:?}");
    assert!(
        r.stdout
            .contains("Audited 1 item(s): 3 copies verified, 0 with problems"),
        "{r:?}"
    );

    // A partner that cannot be asked is "unreachable", never "verified".
    net.kill(0, DaemonKind::Kubo).unwrap();
    let r = ccs(&cfg, &["audit", "--partner", "peer1", "--json", &cid]);
    assert_eq!(r.code, 3, "{r:?}");
    let c = copies(&r);
    assert_eq!(c["peer1"]["outcome"], "unreachable", "{r:?}");
    let r = ccs(&cfg, &["audit", "--partner", "peer1", &cid]);
    assert!(
        r.stderr.contains("could not be reached; audit again"),
        "{r:?}"
    );
    net.restart(0, DaemonKind::Kubo).await.unwrap();

    // An item added before manifests existed: blocks only, said so.
    let old = w.join("old-minutes.txt");
    std::fs::write(&old, pseudo_random(5, 10_000)).unwrap();
    let cluster = net.peer(0).cluster();
    let added = cluster
        .add(&[old], &AddOptions::default(), |_| {})
        .await
        .unwrap();
    wait_copies(&cfg, &added.cid, 3).await;
    let r = ccs(&cfg, &["audit", "--json", &added.cid]);
    assert_eq!(r.code, 0, "{r:?}");
    for copy in copies(&r).values() {
        assert_eq!(copy["manifest"], "no_manifest", "{copy}");
        assert_eq!(copy["outcome"], "verified", "{copy}");
        assert!(
            copy["message"]
                .as_str()
                .unwrap()
                .contains("no ingest manifest"),
            "{copy}"
        );
    }

    // A manifest that does not belong to its item is a problem of its own.
    let mut wrong = PinOptions::default();
    wrong
        .metadata
        .insert("fixity-manifest".into(), manifest.clone());
    cluster.pin(&added.cid, &wrong).await.unwrap();
    let r = ccs(&cfg, &["audit", "--json", "--partner", "peer1", &added.cid]);
    assert_eq!(r.code, 1, "{r:?}");
    let copy = &copies(&r)["peer1"];
    assert_eq!(copy["manifest"], "unusable", "{copy}");
    assert!(
        copy["message"]
            .as_str()
            .unwrap()
            .contains("describes another item"),
        "{copy}"
    );

    // Bad input: a partner not in the network, an item not stored.
    let r = ccs(&cfg, &["audit", "--partner", "nobody", &cid]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("\"nobody\" is not a partner"), "{r:?}");
    let r = ccs(
        &cfg,
        &["audit", "QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG"],
    );
    assert_eq!(r.code, 5, "{r:?}");
    let r = ccs(&cfg, &["audit", "not-a-cid"]);
    assert_eq!(r.code, 2, "{r:?}");
    eprintln!("audit suite: {:?}", started.elapsed());
}
