//! `ccs history --premis` on a real testnet: an item added, audited and
//! removed is exported as PREMIS 3, and the document is valid against the
//! Library of Congress's own schema (premis-v3-0.xsd, which
//! `scripts/common.sh` fetches), read with lxml, the archives' own XML tool.
//! A broken document is refused by the same check (so it can fail), a
//! damaged record is said and still exported, and an unknown item or one
//! without a record is named.

// Needs the real daemons (or root, or system services): `./scripts/test.sh` turns it on.
#![cfg(feature = "real-daemons")]
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use ccs_core::net::cluster::AddOptions;
use ccs_tests::{Run, ccs_command, pseudo_random, python_tools, start_testnet};
use serde_json::Value;

fn ccs(config: &Path, args: &[&str]) -> Run {
    Run::of(ccs_command(env!("CARGO_BIN_EXE_ccs"), config).args(args))
}

/// The Library of Congress's PREMIS 3.0 schema: `$CCS_PREMIS_XSD`, else where
/// `scripts/common.sh` (`ensure_premis_schema`) keeps it.
fn premis_xsd() -> PathBuf {
    std::env::var_os("CCS_PREMIS_XSD")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .map(|h| PathBuf::from(h).join(".cache/ccs/schemas/premis-v3-0.xsd"))
        })
        .filter(|p| p.exists())
        .expect(
            "the PREMIS 3.0 schema the export is checked against is not here: \
             run ./scripts/test.sh once (it fetches it), or set CCS_PREMIS_XSD",
        )
}

/// Validates `xml` against the schema with lxml (no network: the schema
/// imports nothing) and, when valid, reads back what the document says.
const CHECK: &str = r#"
import json, sys
from lxml import etree

XSI = "{http://www.w3.org/2001/XMLSchema-instance}"
ns = {"p": "http://www.loc.gov/premis/v3"}
parser = etree.XMLParser(no_network=True, resolve_entities=False)
schema = etree.XMLSchema(etree.parse(sys.argv[1], parser))
doc = etree.parse(sys.argv[2], parser)
if not schema.validate(doc):
    print(json.dumps({"valid": False, "errors": [e.message for e in schema.error_log]}))
    sys.exit(0)
root = doc.getroot()
t = lambda el, path: el.findtext(path, namespaces=ns)
uri = lambda el, path: el.find(path, ns).get("valueURI")
obj = root.find("p:object", ns)
print(json.dumps({
    "valid": True,
    "version": root.get("version"),
    "object": {
        "type": obj.get(XSI + "type"),
        "id_type": t(obj, "p:objectIdentifier/p:objectIdentifierType"),
        "cid": t(obj, "p:objectIdentifier/p:objectIdentifierValue"),
        "name": t(obj, "p:originalName"),
    },
    "events": [{
        "id": t(e, "p:eventIdentifier/p:eventIdentifierValue"),
        "type": t(e, "p:eventType"),
        "type_uri": uri(e, "p:eventType"),
        "at": t(e, "p:eventDateTime"),
        "detail": t(e, "p:eventDetailInformation/p:eventDetail"),
        "outcome": t(e, "p:eventOutcomeInformation/p:eventOutcome"),
        "agents": [[t(l, "p:linkingAgentIdentifierValue"), t(l, "p:linkingAgentRole")]
                   for l in e.findall("p:linkingAgentIdentifier", ns)],
        "object": t(e, "p:linkingObjectIdentifier/p:linkingObjectIdentifierValue"),
    } for e in root.findall("p:event", ns)],
    "agents": [{
        "id": t(a, "p:agentIdentifier/p:agentIdentifierValue"),
        "name": t(a, "p:agentName"),
        "type": t(a, "p:agentType"),
        "type_uri": uri(a, "p:agentType"),
        "version": t(a, "p:agentVersion"),
    } for a in root.findall("p:agent", ns)],
}))
"#;

fn check(xml: &Path) -> Value {
    let out = std::process::Command::new(python_tools())
        .arg("-c")
        .arg(CHECK)
        .arg(premis_xsd())
        .arg(xml)
        .output()
        .unwrap();
    let run = Run::from(out);
    assert_eq!(run.code, 0, "the lxml check itself failed: {run:?}");
    run.json()
}

fn strs(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_items_history_exports_as_premis_3_valid_against_the_official_schema() {
    let started = Instant::now();
    // Before the testnet: a missing schema should fail in a second, not a minute.
    let xsd = premis_xsd();
    let head = std::fs::read_to_string(&xsd).unwrap();
    assert!(
        head.contains("VERSION 3.0")
            && head.contains(r#"targetNamespace="http://www.loc.gov/premis/v3""#),
        "{} is not the PREMIS 3.0 schema",
        xsd.display()
    );
    let net = start_testnet(3).await;
    let cfg = net.config_path();
    let work = tempfile::tempdir().unwrap();
    let file = work.path().join("minutes 1921.pdf");
    std::fs::write(&file, pseudo_random(21, 200_000)).unwrap();
    let title = r#"Minutes <1921> & "Annual" 'Report' — Ünïcödé"#;

    // Added, audited on every partner, removed: each recorded.
    let r = ccs(
        &cfg,
        &["add", "--wait", "--name", title, file.to_str().unwrap()],
    );
    assert_eq!(r.code, 0, "{r:?}");
    let cid = r.stdout.trim().to_string();
    let r = ccs(&cfg, &["audit", &cid]);
    assert_eq!(r.code, 0, "{r:?}");
    // A policy without a grace period: `rm` removes at once (else it withdraws).
    let r = ccs(&cfg, &["policy", "set", "removal-grace=0"]);
    assert_eq!(r.code, 0, "{r:?}");
    let r = ccs(&cfg, &["rm", "--yes", &cid]);
    assert_eq!(r.code, 0, "{r:?}");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let r = ccs(&cfg, &["history", "--json", &cid]);
        assert_eq!(r.code, 0, "{r:?}");
        if r.json()["events"].as_array().unwrap().len() == 5 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the record never held 5 events: {r:?}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }

    // No longer stored, still exported: to a file.
    let out = work.path().join("history.premis.xml");
    let r = ccs(
        &cfg,
        &[
            "history",
            "--premis",
            &cid,
            "--output",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stderr.contains("(5 event(s)) as PREMIS 3"), "{r:?}");
    let xml = std::fs::read_to_string(&out).unwrap();
    let doc = check(&out);
    assert_eq!(doc["valid"], true, "{doc}\n{xml}");
    assert_eq!(doc["version"], "3.0");
    assert_eq!(doc["object"]["type"], "representation");
    assert_eq!(doc["object"]["id_type"], "IPFS CID");
    assert_eq!(doc["object"]["cid"], cid.as_str());
    assert_eq!(doc["object"]["name"], title, "{xml}");

    // The events, oldest first, each with its LoC term, outcome and agents.
    let events = doc["events"].as_array().unwrap();
    let types: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(
        types,
        [
            "ingestion",
            "fixity check",
            "fixity check",
            "fixity check",
            "deletion"
        ],
        "{xml}"
    );
    let uris: Vec<&str> = events
        .iter()
        .map(|e| e["type_uri"].as_str().unwrap())
        .collect();
    assert_eq!(
        uris[0],
        "http://id.loc.gov/vocabulary/preservation/eventType/ing"
    );
    assert_eq!(
        uris[1],
        "http://id.loc.gov/vocabulary/preservation/eventType/fix"
    );
    assert_eq!(
        uris[4],
        "http://id.loc.gov/vocabulary/preservation/eventType/del"
    );
    let software = format!("community-cloud-storage/{}", env!("CARGO_PKG_VERSION"));
    let mut partners = Vec::new();
    let mut ids = std::collections::HashSet::new();
    for e in events {
        assert_eq!(e["outcome"], "success", "{e}");
        assert_eq!(e["object"], cid.as_str(), "{e}");
        assert!(ids.insert(e["id"].as_str().unwrap().to_string()), "{e}");
        assert!(!e["detail"].as_str().unwrap().is_empty(), "{e}");
        let agents = e["agents"].as_array().unwrap();
        let person = agents[0][0].as_str().unwrap();
        assert!(person.contains('@'), "{e}");
        assert_eq!(agents[0][1], "implementer", "{e}");
        assert_eq!(agents[1][0], software.as_str(), "{e}");
        assert_eq!(agents[1][1], "executing program", "{e}");
        if e["type"] == "fixity check" {
            assert_eq!(agents[2][1], "partner holding the copy", "{e}");
            partners.push(agents[2][0].as_str().unwrap().to_string());
        }
    }
    partners.sort();
    assert_eq!(partners, ["peer1", "peer2", "peer3"]);
    assert!(
        strs(&Value::Array(
            events.iter().map(|e| e["at"].clone()).collect()
        ))
        .windows(2)
        .all(|w| w[0] <= w[1]),
        "not oldest first: {xml}"
    );
    // One agent each: the person, the program with its version, the partners.
    let agents = doc["agents"].as_array().unwrap();
    assert_eq!(agents.len(), 5, "{xml}");
    assert_eq!(agents[0]["type"], "person");
    assert_eq!(
        agents[0]["type_uri"],
        "http://id.loc.gov/vocabulary/preservation/agentType/per"
    );
    assert_eq!(agents[1]["type"], "software");
    assert_eq!(agents[1]["name"], "community-cloud-storage");
    assert_eq!(agents[1]["version"], env!("CARGO_PKG_VERSION"));
    for a in &agents[2..] {
        assert_eq!(a["type"], "organization", "{a}");
    }

    // The check can fail: a document without an event's type, and one of
    // another PREMIS version, are refused by the same schema.
    let start = xml.find("<eventType ").unwrap();
    let end = start + xml[start..].find("</eventType>").unwrap() + "</eventType>".len();
    let broken = work.path().join("broken.xml");
    std::fs::write(&broken, format!("{}{}", &xml[..start], &xml[end..])).unwrap();
    let bad = check(&broken);
    assert_eq!(bad["valid"], false, "{bad}");
    assert!(
        bad["errors"].to_string().contains("eventDateTime"),
        "expected a complaint about the missing eventType: {bad}"
    );
    std::fs::write(
        &broken,
        xml.replacen(r#"version="3.0""#, r#"version="2.2""#, 1),
    )
    .unwrap();
    assert_eq!(check(&broken)["valid"], false);

    // To standard output: the same document.
    let r = ccs(&cfg, &["history", "--premis", &cid]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(r.stdout, xml);

    // An existing file is kept unless --force; --json says what was written.
    std::fs::write(&out, "someone's work").unwrap();
    let r = ccs(
        &cfg,
        &["history", "--premis", &cid, "-o", out.to_str().unwrap()],
    );
    assert_eq!(r.code, 8, "{r:?}");
    assert!(r.stderr.contains("already exists"), "{r:?}");
    assert!(r.stderr.contains("--force"), "{r:?}");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "someone's work");
    let r = ccs(
        &cfg,
        &[
            "history",
            "--json",
            "--premis",
            &cid,
            "-o",
            out.to_str().unwrap(),
            "--force",
        ],
    );
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(r.json()["events"], 5, "{r:?}");
    assert_eq!(r.json()["problems"], serde_json::json!([]), "{r:?}");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), xml);
    // No temporary sibling left behind.
    let left: Vec<_> = std::fs::read_dir(work.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(left.is_empty(), "{left:?}");

    // Misuse is named before anything is asked.
    let r = ccs(&cfg, &["history", "--premis"]);
    assert_eq!(r.code, 2, "{r:?}");
    let r = ccs(&cfg, &["history", "--premis", &cid, "--type", "deletion"]);
    assert_eq!(r.code, 2, "{r:?}");
    let r = ccs(&cfg, &["history", "--json", "--premis", &cid]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("--json needs --output"), "{r:?}");

    // An unknown item, and one stored without ccs (so with no record).
    let r = ccs(
        &cfg,
        &[
            "history",
            "--premis",
            "QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn",
        ],
    );
    assert_eq!(r.code, 5, "{r:?}");
    assert!(
        r.stderr
            .contains("neither stored nor named in the preservation record"),
        "{r:?}"
    );
    let other = work.path().join("other.bin");
    std::fs::write(&other, pseudo_random(22, 5_000)).unwrap();
    let cluster = net.peer(0).cluster();
    let stored = cluster
        .add(&[other], &AddOptions::default(), |_| {})
        .await
        .unwrap()
        .cid;
    let r = ccs(&cfg, &["history", "--premis", &stored]);
    assert_eq!(r.code, 5, "{r:?}");
    assert!(
        r.stderr.contains("stored but has no recorded event yet"),
        "{r:?}"
    );

    // A batch removed from the network: said, exit 1, and the document
    // (what could still be read) written all the same, still valid.
    let mut batches = Vec::new();
    let mut pins = cluster.allocations().await.unwrap();
    while let Some(p) = pins.next().await {
        let p = p.unwrap();
        if p.metadata.get("ccs-kind").map(String::as_str) == Some("history-batch") {
            batches.push((p.metadata["ccs-seq"].clone(), p.cid));
        }
    }
    batches.sort();
    // Ingestion, the audit, the policy change, the removal.
    assert_eq!(batches.len(), 4, "{batches:?}");
    // Batch 2 holds the audit's fixity checks.
    cluster.unpin(&batches[1].1).await.unwrap();
    let damaged = work.path().join("damaged.xml");
    let deadline = Instant::now() + Duration::from_secs(30);
    let r = loop {
        let _ = std::fs::remove_file(&damaged);
        let r = ccs(
            &cfg,
            &[
                "history",
                "--premis",
                &cid,
                "--output",
                damaged.to_str().unwrap(),
            ],
        );
        if r.code != 0 || Instant::now() > deadline {
            break r;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.stderr.contains("The record is damaged: batch 2 of"),
        "{r:?}"
    );
    let doc = check(&damaged);
    assert_eq!(doc["valid"], true, "{doc}");
    let types: Vec<&str> = doc["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["ingestion", "deletion"]);
    eprintln!("premis suite: {:?}", started.elapsed());
}
