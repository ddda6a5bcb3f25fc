//! The bad-input catalogue of the app's commands, through Tauri's mock
//! runtime (the real builder and context), against one real private 3-peer
//! testnet; the "down" cases stop daemons on it and come last.
//!
//! Every refusal is checked for its error code, a message that is one line
//! ending in a full stop with no debug dump and no secret, and for nothing
//! written or lost: named paths absent, existing files and settings
//! byte-identical, no temporary file left, the cluster's pinset unchanged.
//!
//! A case marked `known_bug` documents an app command that misbehaves today:
//! the case asserts the misbehaviour, so it fails once fixed, and the mark
//! should then be removed. (The four the catalogue found are fixed.)

#![allow(clippy::unwrap_used)]

mod common;

use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::time::Instant;

use ccs_app::AppState;
use ccs_app::commands;
use ccs_app::dto::{AddDetails, AddProgress, RetrieveProgress};
use ccs_tests::{DaemonKind, pseudo_random, start_testnet};
use serde_json::{Value, json};
use tauri::Manager;

use common::{IGNORED_CHANNEL, add, app, call, capture, save_settings};

const EMPTY_FILE_CID: &str = "QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH";
const UNKNOWN_CID: &str = "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o";

type Outcome = Result<Value, Value>;
type Run<'a> = Pin<Box<dyn Future<Output = Outcome> + 'a>>;
type Check = Box<dyn Fn(&Value) -> Option<String>>;

enum Expect {
    Refused(&'static str),
    Works(Check),
}

struct Case<'a> {
    area: &'static str,
    name: &'static str,
    run: Run<'a>,
    expect: Expect,
    absent: Vec<PathBuf>,
    untouched: Vec<PathBuf>,
    /// Today's misbehaviour, described, and what the command returns today
    /// (`None`: success, `Some(code)`: that error code).
    known_bug: Option<(&'static str, Option<&'static str>)>,
}

fn case<'a>(
    area: &'static str,
    name: &'static str,
    run: impl Future<Output = Outcome> + 'a,
    expect: Expect,
) -> Case<'a> {
    Case {
        area,
        name,
        run: Box::pin(run),
        expect,
        absent: Vec::new(),
        untouched: Vec::new(),
        known_bug: None,
    }
}

impl Case<'_> {
    fn absent(mut self, p: &Path) -> Self {
        self.absent.push(p.to_path_buf());
        self
    }
    fn untouched(mut self, p: &Path) -> Self {
        self.untouched.push(p.to_path_buf());
        self
    }
    // No case is marked today; kept for the next app bug the catalogue finds.
    #[allow(dead_code)]
    fn known_bug(mut self, what: &'static str, today: Option<&'static str>) -> Self {
        self.known_bug = Some((what, today));
        self
    }
}

fn works(f: impl Fn(&Value) -> Option<String> + 'static) -> Expect {
    Expect::Works(Box::new(f))
}

/// A direct command call's result in the form the frontend receives.
fn outcome<T: serde::Serialize>(r: Result<T, ccs_app::dto::AppError>) -> Outcome {
    r.map(|v| serde_json::to_value(v).unwrap())
        .map_err(|e| serde_json::to_value(e).unwrap())
}

fn read_or_missing(p: &Path) -> Option<Vec<u8>> {
    std::fs::read(p).ok()
}

fn temporaries(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".partial") || n.starts_with(".ccs-"))
        .collect()
}

/// Flips one byte of the block holding `marker` in a peer's flatfs blockstore.
fn damage_block(peer_dir: &Path, marker: &[u8]) {
    for shard in std::fs::read_dir(peer_dir.join("kubo").join("blocks")).unwrap() {
        let shard = shard.unwrap().path();
        if !shard.is_dir() {
            continue;
        }
        for f in std::fs::read_dir(&shard).unwrap() {
            let f = f.unwrap().path();
            let mut data = std::fs::read(&f).unwrap();
            if let Some(at) = data.windows(marker.len()).position(|w| w == marker) {
                data[at + 5] ^= 0xff;
                std::fs::write(&f, data).unwrap();
                return;
            }
        }
    }
    panic!("no block holds the marker in {}", peer_dir.display());
}

async fn pinset(cluster: &ccs_core::net::cluster::ClusterClient) -> Vec<String> {
    let mut v: Vec<String> = cluster
        .allocations()
        .await
        .unwrap()
        .collect_vec()
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.cid)
        .collect();
    v.sort();
    v
}

struct Runner {
    /// Peer 1's cluster, or None once it is stopped.
    cluster: Option<ccs_core::net::cluster::ClusterClient>,
    dirs: Vec<PathBuf>,
    secrets: Vec<String>,
    failed: Vec<String>,
    log: Vec<(&'static str, &'static str, f64, bool)>,
}

impl Runner {
    async fn run(&mut self, cases: Vec<Case<'_>>) {
        for c in cases {
            let started = Instant::now();
            let before: Vec<_> = c.untouched.iter().map(|p| read_or_missing(p)).collect();
            assert!(before.iter().all(Option::is_some), "{}: setup", c.name);
            let pins_before = match &self.cluster {
                Some(cl) => Some(pinset(cl).await),
                None => None,
            };
            let got = c.run.await;
            let ctx = format!("case \"{}\" ({}): {got:?}", c.name, c.area);
            if let Some((bug, today)) = c.known_bug {
                let still = match (today, &got) {
                    (None, Ok(_)) => true,
                    (Some(code), Err(e)) => e["code"] == code,
                    _ => false,
                };
                if still {
                    eprintln!("known app bug, still present: {bug}");
                    self.log
                        .push((c.area, c.name, started.elapsed().as_secs_f64(), true));
                    continue;
                }
            }
            let expect = &c.expect;
            let checks = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let text = format!("{got:?}");
                for s in &self.secrets {
                    assert!(!text.contains(s.as_str()), "a secret was shown: {ctx}");
                }
                let stored = match (expect, &got) {
                    (Expect::Refused(code), Err(e)) => {
                        assert_eq!(e["code"], *code, "{ctx}");
                        let m = e["message"].as_str().unwrap();
                        assert!(!m.contains('\n') && m.ends_with('.'), "{ctx}");
                        for dump in ["Os {", "Custom {", "kind:", "panicked"] {
                            assert!(!m.contains(dump), "debug text: {ctx}");
                        }
                        None
                    }
                    (Expect::Works(check), Ok(v)) => check(v),
                    _ => panic!("unexpected outcome: {ctx}"),
                };
                for p in &c.absent {
                    assert!(
                        std::fs::symlink_metadata(p).is_err(),
                        "{} was written: {ctx}",
                        p.display()
                    );
                }
                for (p, b) in c.untouched.iter().zip(&before) {
                    assert!(&read_or_missing(p) == b, "{} changed: {ctx}", p.display());
                }
                for d in &self.dirs {
                    let t = temporaries(d);
                    assert!(t.is_empty(), "temporary files {t:?}: {ctx}");
                }
                stored
            }));
            let mut ok = checks.is_ok();
            if let (Some(cl), Some(mut expected)) = (&self.cluster, pins_before) {
                if let Ok(Some(cid)) = &checks {
                    if !expected.contains(cid) {
                        expected.push(cid.clone());
                        expected.sort();
                    }
                }
                let after = pinset(cl).await;
                if after != expected {
                    eprintln!("pinset changed ({expected:?} -> {after:?}): {ctx}");
                    ok = false;
                }
            }
            match (c.known_bug, ok) {
                (None, true) => {}
                (_, false) => self.failed.push(format!("{} ({})", c.name, c.area)),
                (Some((bug, _)), true) => self.failed.push(format!(
                    "{} ({}): the known bug \"{bug}\" is fixed; remove its known_bug mark",
                    c.name, c.area
                )),
            }
            self.log
                .push((c.area, c.name, started.elapsed().as_secs_f64(), false));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_bad_input_catalogue() {
    let started = Instant::now();
    let mut net = start_testnet(3).await;
    let work = tempfile::tempdir().unwrap();
    let w = work.path().to_path_buf();
    let dl = w.join("downloads");
    let nf = w.join("node-files");
    std::fs::create_dir_all(&dl).unwrap();
    std::fs::create_dir_all(&nf).unwrap();

    // The app connected to peer1, with the partners' table (and gateways).
    let config = save_settings(&net, &w, |t| t.default_node = Some("peer1".into()));
    let (the_app, win) = app(&config);
    let state = the_app.state::<AppState>();
    let peer1 = net.net.peer(0).clone();

    // Fixtures.
    let file = w.join("letter.txt");
    std::fs::write(&file, pseudo_random(3, 200_000)).unwrap();
    let stored = add(
        &the_app,
        "fixture",
        vec![file.display().to_string()],
        AddDetails::default(),
    )
    .await
    .0
    .unwrap();
    let cid = stored.cid.clone();
    ccs_tests::wait_status(
        &peer1.cluster(),
        &cid,
        std::time::Duration::from_secs(120),
        |s| {
            s.peer_map
                .values()
                .filter(|p| p.status == ccs_core::net::cluster::TrackerStatus::Pinned)
                .count()
                == 3
        },
    )
    .await;
    let missing = w.join("no such file.txt");
    let fifo = w.join("a pipe");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let empty = w.join("empty.txt");
    std::fs::write(&empty, b"").unwrap();
    let good = nf.join("good.yml");
    call(
        &win,
        "create_network",
        json!({"peername": "bootstrap", "destination": good}),
    )
    .unwrap();
    let good_text = std::fs::read_to_string(&good).unwrap();
    let secret = ccs_core::deploy::compose::NodeFile::parse(&good_text)
        .unwrap()
        .secrets
        .cluster_secret;
    let foreign = nf.join("docker-compose.yml");
    std::fs::write(
        &foreign,
        "services:\n  web:\n    image: nginx:1.27\n    ports: [\"80:80\"]\n",
    )
    .unwrap();
    let truncated = nf.join("truncated.yml");
    std::fs::write(&truncated, &good_text[..good_text.len() / 2]).unwrap();
    let malformed = nf.join("malformed.yml");
    std::fs::write(&malformed, "services: [unclosed\n  - : :\n\t{{").unwrap();
    let existing_node_file = nf.join("existing.yml");
    std::fs::copy(&good, &existing_node_file).unwrap();
    let confirmed = nf.join("confirmed.yml");
    std::fs::write(&confirmed, b"old").unwrap();
    let confirmed_create = nf.join("confirmed-create.yml");
    std::fs::write(&confirmed_create, b"old").unwrap();
    let existing_file = dl.join("existing.txt");
    std::fs::write(&existing_file, b"keep me").unwrap();
    let broken_settings = w.join("broken.toml");
    std::fs::write(&broken_settings, "default_node = \"peer1\n[nodes").unwrap();
    let (_broken_app, broken_win) = app(&broken_settings);
    let out = |n: &str| dl.join(n);
    let new_yml = nf.join("new.yml");

    let mut secrets: Vec<String> = net.peers().iter().map(|p| p.password.clone()).collect();
    secrets.push(secret);
    let mut runner = Runner {
        cluster: Some(peer1.cluster()),
        dirs: vec![dl.clone(), nf.clone(), w.clone()],
        secrets,
        failed: Vec::new(),
        log: Vec::new(),
    };

    let add = |paths: Vec<String>| {
        let state = state.clone();
        async move {
            let (ch, _) = capture::<AddProgress>();
            outcome(
                commands::add_items(state, "job".into(), paths, AddDetails::default(), ch).await,
            )
        }
    };
    let get = |cid: &str, dest: &Path| {
        let state = state.clone();
        let (cid, dest) = (cid.to_string(), dest.display().to_string());
        async move {
            let (ch, _) = capture::<RetrieveProgress>();
            outcome(commands::retrieve_item(state, "job".into(), cid, dest, ch).await)
        }
    };
    let ipc = |cmd: &'static str, args: Value| {
        let win = &win;
        async move { call(win, cmd, args) }
    };
    let invite = |network_file: &Path, destination: &Path, passphrase: Option<&str>| {
        ipc(
            "export_invite",
            json!({"input": {"network_file": network_file, "partner": "acme",
                "bootstrap_host": "bootstrap", "destination": destination,
                "passphrase": passphrase}}),
        )
    };
    let connect = |address: &str, password: &str| json!({"input": {"address": address, "username": peer1.username, "password": password}});
    let p = |p: &Path| p.display().to_string();

    let cases = vec![
        // Connection and settings.
        case(
            "connection",
            "test a wrong password",
            ipc(
                "test_connection",
                connect(&peer1.cluster_api, "wrong password 123"),
            ),
            Expect::Refused("unauthorized"),
        ),
        case(
            "connection",
            "save a wrong password",
            ipc(
                "save_connection",
                connect(&peer1.cluster_api, "wrong password 123"),
            ),
            Expect::Refused("unauthorized"),
        )
        .untouched(&config),
        case(
            "connection",
            "save a closed port",
            ipc("save_connection", connect("http://127.0.0.1:9", "x")),
            Expect::Refused("unreachable"),
        )
        .untouched(&config),
        case(
            "connection",
            "test kubo's swarm port (not HTTP)",
            ipc(
                "test_connection",
                connect(&format!("http://127.0.0.1:{}", peer1.ports.kubo_swarm), "x"),
            ),
            Expect::Refused("interrupted"),
        ),
        case(
            "connection",
            "test an address that is not one",
            ipc("test_connection", connect("http://exa mple:port/", "x")),
            Expect::Refused("invalid_input"),
        ),
        case(
            "connection",
            "settings file that is not TOML",
            async {
                call(
                    &broken_win,
                    "list_library",
                    json!({"onBatch": IGNORED_CHANNEL}),
                )
            },
            Expect::Refused("config"),
        )
        .untouched(&broken_settings),
        // Content IDs.
        case(
            "cids",
            "item detail of garbage",
            ipc("item_detail", json!({"cid": "hello"})),
            Expect::Refused("invalid_input"),
        ),
        case(
            "cids",
            "remove garbage",
            ipc("remove_item", json!({"cid": "zzzz"})),
            Expect::Refused("invalid_input"),
        ),
        case(
            "cids",
            "repair a truncated CID",
            ipc("repair_item", json!({"cid": &cid[..cid.len() - 6]})),
            Expect::Refused("invalid_input"),
        ),
        case(
            "cids",
            "item detail of a pasted CID with a line break in it",
            ipc(
                "item_detail",
                json!({"cid": format!("{}\n{}", &cid[..20], &cid[20..])}),
            ),
            Expect::Refused("invalid_input"),
        ),
        case(
            "cids",
            "remove an unknown CID",
            ipc("remove_item", json!({"cid": UNKNOWN_CID})),
            Expect::Refused("not_found"),
        ),
        case(
            "cids",
            "retrieve garbage",
            get("not-a-cid", &out("r1")),
            Expect::Refused("invalid_input"),
        )
        .absent(&out("r1")),
        case(
            "cids",
            "retrieve a truncated CID",
            get(&cid[..cid.len() - 6], &out("r2")),
            Expect::Refused("invalid_input"),
        )
        .absent(&out("r2")),
        case(
            "cids",
            "retrieve an unknown CID",
            get(UNKNOWN_CID, &out("r3")),
            Expect::Refused("not_found"),
        )
        .absent(&out("r3")),
        // Paths.
        case(
            "paths",
            "add a missing path",
            add(vec![p(&missing)]),
            Expect::Refused("path_not_found"),
        ),
        case(
            "paths",
            "add a good and a missing path",
            add(vec![p(&file), p(&missing)]),
            Expect::Refused("path_not_found"),
        ),
        case(
            "paths",
            "add a named pipe",
            add(vec![p(&fifo)]),
            Expect::Refused("unsupported_file"),
        ),
        case(
            "paths",
            "add a device",
            add(vec!["/dev/null".into()]),
            Expect::Refused("unsupported_file"),
        ),
        case(
            "paths",
            "add nothing",
            add(vec![]),
            Expect::Refused("invalid_input"),
        ),
        case(
            "paths",
            "add an empty file (valid content)",
            add(vec![p(&empty)]),
            works(|v| {
                assert_eq!(v["cid"], EMPTY_FILE_CID, "{v}");
                Some(EMPTY_FILE_CID.to_string())
            }),
        ),
        // Destinations.
        case(
            "destination",
            "retrieve over an existing file",
            get(&cid, &existing_file),
            Expect::Refused("already_exists"),
        )
        .untouched(&existing_file),
        case(
            "destination",
            "retrieve into a missing folder",
            get(&cid, &dl.join("nope/sub/x.txt")),
            Expect::Refused("write_failed"),
        )
        .absent(&dl.join("nope")),
        case(
            "destination",
            "create a network over an existing node file",
            ipc(
                "create_network",
                json!({"peername": "other", "destination": existing_node_file}),
            ),
            Expect::Refused("already_exists"),
        )
        .untouched(&existing_node_file),
        case(
            "destination",
            "export an invitation over an existing node file",
            invite(&good, &existing_node_file, None),
            Expect::Refused("already_exists"),
        )
        .untouched(&existing_node_file),
        case(
            "destination",
            "create a network over a file the save dialog confirmed replacing",
            ipc(
                "create_network",
                json!({"peername": "other", "destination": confirmed_create, "replace": true}),
            ),
            works({
                let confirmed_create = confirmed_create.clone();
                move |_| {
                    let text = std::fs::read_to_string(&confirmed_create).unwrap();
                    assert_eq!(
                        ccs_core::deploy::compose::NodeFile::parse(&text)
                            .unwrap()
                            .peername,
                        "other"
                    );
                    None
                }
            }),
        ),
        case(
            "destination",
            "export an invitation over a file the save dialog confirmed replacing",
            ipc(
                "export_invite",
                json!({"input": {"network_file": good, "partner": "acme",
                "bootstrap_host": "bootstrap", "destination": confirmed, "passphrase": null, "replace": true}}),
            ),
            works({
                let confirmed = confirmed.clone();
                move |v| {
                    assert_eq!(v["sealed"], false, "{v}");
                    let text = std::fs::read_to_string(&confirmed).unwrap();
                    assert!(
                        ccs_core::deploy::compose::NodeFile::parse(&text).is_ok(),
                        "not a node file: {text}"
                    );
                    None
                }
            }),
        ),
        // Node files and invitations.
        case(
            "node files",
            "invite from a missing file",
            invite(&missing, &new_yml, None),
            Expect::Refused("path_not_found"),
        )
        .absent(&new_yml),
        case(
            "node files",
            "invite from a foreign docker-compose file",
            invite(&foreign, &new_yml, None),
            Expect::Refused("invalid_input"),
        )
        .absent(&new_yml),
        case(
            "node files",
            "invite from a truncated node file",
            invite(&truncated, &new_yml, None),
            Expect::Refused("invalid_input"),
        )
        .absent(&new_yml),
        case(
            "node files",
            "invite from malformed YAML",
            invite(&malformed, &new_yml, None),
            Expect::Refused("invalid_input"),
        )
        .absent(&new_yml),
        case(
            "node files",
            "invite sealed with a too-short passphrase",
            invite(&good, &new_yml, Some("short")),
            Expect::Refused("invalid_input"),
        )
        .absent(&new_yml),
        case(
            "node files",
            "create a network with a bad name",
            ipc(
                "create_network",
                json!({"peername": "not a name!", "destination": new_yml}),
            ),
            Expect::Refused("invalid_input"),
        )
        .absent(&new_yml),
    ];
    runner.run(cases).await;

    // --- the connected node's copy damaged on disk: detected, saved from a partner.
    let original = std::fs::read(&file).unwrap();
    damage_block(&peer1.dir, &original[100_000..100_064]);
    let healthy = out("from-a-healthy-copy.txt");
    runner
        .run(vec![case(
            "integrity",
            "retrieve when the node's own copy is damaged",
            get(&cid, &healthy),
            works({
                let (healthy, original) = (healthy.clone(), original.clone());
                move |v| {
                    assert_ne!(v["source"], "peer1", "{v}");
                    assert!(
                        std::fs::read(&healthy).unwrap() == original,
                        "not byte-identical"
                    );
                    // The damaged copy is named for the frontend.
                    let failed = v["failed_sources"].as_array().unwrap();
                    assert_eq!(failed.len(), 1, "{v}");
                    assert_eq!(failed[0]["source"], "peer1", "{v}");
                    assert_eq!(failed[0]["damaged"], true, "{v}");
                    None
                }
            }),
        )])
        .await;

    // --- kubo down on the connected node: retrieval comes from a partner.
    net.kill(0, DaemonKind::Kubo).unwrap();
    let fallback = out("fallback.txt");
    runner
        .run(vec![case(
            "down",
            "retrieve while the node's kubo is down",
            get(&cid, &fallback),
            works({
                let fallback = fallback.clone();
                move |v| {
                    assert_ne!(v["source"], "peer1", "{v}");
                    assert!(std::fs::read(&fallback).unwrap() == original);
                    None
                }
            }),
        )])
        .await;

    // --- every kubo down: nothing to retrieve from, nothing stored.
    net.kill(1, DaemonKind::Kubo).unwrap();
    net.kill(2, DaemonKind::Kubo).unwrap();
    runner
        .run(vec![
            case(
                "down",
                "retrieve when no partner's kubo answers",
                get(&cid, &out("r4")),
                Expect::Refused("unavailable"),
            )
            .absent(&out("r4")),
            case(
                "down",
                "add while the node's kubo is down",
                add(vec![p(&file)]),
                Expect::Refused("stream_failed"),
            ),
        ])
        .await;

    // --- the connected node's cluster peer down.
    net.kill(0, DaemonKind::Cluster).unwrap();
    runner.cluster = None;
    runner
        .run(vec![
            case(
                "down",
                "library while the cluster peer is down",
                ipc("list_library", json!({"onBatch": IGNORED_CHANNEL})),
                Expect::Refused("unreachable"),
            ),
            case(
                "down",
                "retrieve while the cluster peer is down",
                get(&cid, &out("r5")),
                Expect::Refused("unreachable"),
            )
            .absent(&out("r5")),
            case(
                "down",
                "add while the cluster peer is down",
                add(vec![p(&file)]),
                Expect::Refused("unreachable"),
            ),
        ])
        .await;

    for (area, name, secs, bug) in &runner.log {
        // bug: the case showed a known app bug (see its known_bug mark).
        let mark = if *bug { "  [known app bug]" } else { "" };
        eprintln!("{secs:>7.2}s  {area:<12} {name}{mark}");
    }
    eprintln!(
        "{} app cases ({} known bugs), whole suite {:?}",
        runner.log.len(),
        runner.log.iter().filter(|l| l.3).count(),
        started.elapsed()
    );
    assert!(
        runner.failed.is_empty(),
        "failed cases: {:#?}",
        runner.failed
    );
}
