//! The inventory on a real testnet: `ccs report` lists every stored item
//! (and nothing of the network's own pins) with its copies per partner, the
//! last check of each copy and the last recorded event, as CSV that Python's
//! own `csv` module reads back, or as JSON; a file is written whole or not at
//! all.

// Needs the real daemons (or root, or system services): `./scripts/test.sh` turns it on.
#![cfg(feature = "real-daemons")]
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::time::Instant;

use ccs_testnet::DaemonKind;
use ccs_tests::{Run, ccs_command, pseudo_random, python_tools, start_testnet};
use serde_json::Value;

fn ccs(config: &Path, args: &[&str]) -> Run {
    Run::of(ccs_command(env!("CARGO_BIN_EXE_ccs"), config).args(args))
}

/// The CSV file's rows as Python's `csv.DictReader` reads them.
fn python_rows(csv: &Path) -> Vec<Value> {
    let out = std::process::Command::new(python_tools())
        .args([
            "-c",
            "import csv, json, sys\nwith open(sys.argv[1], newline='', encoding='utf-8') as f:\n    print(json.dumps(list(csv.DictReader(f))))",
        ])
        .arg(csv)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    serde_json::from_slice::<Value>(&out.stdout)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

fn row<'a>(rows: &'a [Value], cid: &str) -> &'a Value {
    rows.iter()
        .find(|r| r["cid"] == cid)
        .unwrap_or_else(|| panic!("{cid} not in {rows:?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_inventory_lists_every_item_with_its_copies_checks_and_last_event() {
    let started = Instant::now();
    let net = start_testnet(3).await;
    let cfg = net.config_path();
    let work = tempfile::tempdir().unwrap();
    let w = work.path();

    // Two items: a folder whose title and collection need quoting, a file.
    let folder = w.join("minutes");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join("1921.pdf"), pseudo_random(1, 300_000)).unwrap();
    std::fs::write(folder.join("1922.pdf"), pseudo_random(2, 200_000)).unwrap();
    let title = "Minutes, \"1921–22\"\nvolume 2";
    let r = ccs(
        &cfg,
        &[
            "add",
            "--wait",
            "--name",
            title,
            "--metadata",
            "collection=Parish, Leeds",
            folder.to_str().unwrap(),
        ],
    );
    assert_eq!(r.code, 0, "{r:?}");
    let minutes = r.stdout.trim().to_string();
    let tape = w.join("tape.wav");
    std::fs::write(&tape, pseudo_random(3, 100_000)).unwrap();
    let r = ccs(&cfg, &["add", "--wait", tape.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{r:?}");
    let tape_cid = r.stdout.trim().to_string();
    // The folder's copies checked; the file saved to disk.
    let r = ccs(&cfg, &["audit", &minutes]);
    assert_eq!(r.code, 0, "{r:?}");
    let r = ccs(
        &cfg,
        &[
            "get",
            &tape_cid,
            "-o",
            w.join("saved.wav").to_str().unwrap(),
        ],
    );
    assert_eq!(r.code, 0, "{r:?}");

    // To a file: written whole, then said.
    let file = w.join("inventory.csv");
    let r = ccs(&cfg, &["report", "--output", file.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stderr.contains("Wrote the inventory of 2 items to"),
        "{r:?}"
    );
    let leftovers: Vec<_> = std::fs::read_dir(w)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .contains(".inventory.partial")
        })
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    let rows = python_rows(&file);
    // The items only: no fixity manifest, no batch of the record.
    assert_eq!(rows.len(), 2, "{rows:?}");
    let m = row(&rows, &minutes);
    assert_eq!(m["title"], title);
    assert_eq!(m["collection"], "Parish, Leeds");
    assert_eq!(m["files"], "2");
    assert_eq!(m["size_bytes"], "500000");
    assert_eq!(m["copies"], "3");
    assert_eq!(m["target_copies"], "3");
    assert!(m["added_by"].as_str().unwrap().contains('@'), "{m}");
    for p in ["peer1", "peer2", "peer3"] {
        assert!(
            m["copies_by_partner"]
                .as_str()
                .unwrap()
                .contains(&format!("{p}: pinned")),
            "{m}"
        );
        assert!(
            m["last_check_by_partner"]
                .as_str()
                .unwrap()
                .contains(&format!("{p}: verified 20")),
            "{m}"
        );
    }
    assert_eq!(m["last_event"], "fixity check", "{m}");
    assert_eq!(m["last_event_outcome"], "success");
    let t = row(&rows, &tape_cid);
    assert_eq!(t["title"], "tape.wav");
    assert_eq!(t["last_event"], "dissemination", "{t}");
    assert_eq!(t["last_check_by_partner"], "", "never checked: {t}");

    // On standard output: the same table (the rows in the node's order).
    let r = ccs(&cfg, &["report", "--csv"]);
    assert_eq!(r.code, 0, "{r:?}");
    let mut a: Vec<&str> = r.stdout.lines().collect();
    let file_text = std::fs::read_to_string(&file).unwrap();
    let mut b: Vec<&str> = file_text.lines().collect();
    a.sort();
    b.sort();
    assert_eq!(a, b);

    // JSON: the partners as objects.
    let r = ccs(&cfg, &["report", "--json"]);
    assert_eq!(r.code, 0, "{r:?}");
    let items = r.json();
    let items = items.as_array().unwrap();
    assert_eq!(items.len(), 2, "{items:?}");
    let m = items.iter().find(|i| i["cid"] == minutes.as_str()).unwrap();
    assert_eq!(m["title"], title);
    assert_eq!(m["partners"].as_array().unwrap().len(), 3, "{m}");
    assert_eq!(m["partners"][0]["last_check"], "verified", "{m}");
    assert_eq!(m["last_event"]["type"], "fixity_check", "{m}");

    // An existing file is kept unless --force; two formats at once are refused.
    std::fs::write(&file, "someone's notes").unwrap();
    let r = ccs(&cfg, &["report", "--output", file.to_str().unwrap()]);
    assert_ne!(r.code, 0, "{r:?}");
    assert!(r.stderr.contains("already exists"), "{r:?}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "someone's notes");
    let r = ccs(
        &cfg,
        &["report", "--output", file.to_str().unwrap(), "--force"],
    );
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(python_rows(&file).len(), 2);
    let r = ccs(&cfg, &["report", "--csv", "--json"]);
    assert_eq!(r.code, 2, "{r:?}");

    // The connected node's cluster API down: one sentence, no file.
    let mut net = net;
    net.kill(0, DaemonKind::Cluster).unwrap();
    let lost = w.join("lost.csv");
    let r = ccs(&cfg, &["report", "--output", lost.to_str().unwrap()]);
    assert_ne!(r.code, 0, "{r:?}");
    assert_eq!(r.stderr.trim().lines().count(), 1, "{r:?}");
    assert!(!lost.exists());
    eprintln!("report suite: {:?}", started.elapsed());
}
