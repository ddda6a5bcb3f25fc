//! The bad-input catalogue of the `ccs` command: one table entry per case, run
//! against one real private 3-peer testnet (plus daemons stopped on it for
//! the "down" cases, which come last).
//!
//! Every case runs with `--json` and asserts:
//! - the exit code, and for a refusal the error code in `{"error":{code,message}}`
//!   and the same message as the only line on stderr: one line ending in a
//!   full stop, with a next step, no panic, no backtrace, no debug dump, no
//!   secret (no peer's password, no network secret);
//! - nothing written or lost: named paths absent afterwards, existing files
//!   and folders byte-identical, no temporary file left in the output
//!   folders, and the cluster's pinset unchanged (or grown by exactly the CID
//!   a succeeding case stored).
//!
//! Unreadable paths: we run as root, which reads anything, so those cases run
//! the binary as `nobody` through `setpriv` on a mode-000 file and folder.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Instant, SystemTime};

use ccs_testnet::DaemonKind;
use ccs_tests::{Run, assert_same_tree, ccs_command, isolate_ccs, pseudo_random, start_testnet};

/// The content ID IPFS Cluster gives an empty file (CIDv0, UnixFS, no raw leaves).
const EMPTY_FILE_CID: &str = "QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH";
/// Valid content IDs that nobody stored on the testnet.
const UNKNOWN_V0: &str = "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o";
const UNKNOWN_V1: &str = "bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e";
const PASSPHRASE: &str = "correct horse battery staple";

/// A success check: returns the CID the case stored, if any.
type Check = Box<dyn Fn(&Run) -> Option<String>>;

/// What a case must end with.
enum Expect {
    /// Refused: error code, exit code, and words the message must contain.
    Refused {
        code: &'static str,
        exit: i32,
        says: &'static str,
    },
    /// Succeeded; the check gets the run and returns the CID it stored, if any.
    Works(Check),
    /// Ends with this exit code and output the check accepts (no error object).
    Exits(i32, Check),
}

struct Case {
    area: &'static str,
    name: &'static str,
    args: Vec<OsString>,
    /// Settings file (default: the testnet's).
    config: Option<PathBuf>,
    env: Vec<(&'static str, String)>,
    /// Run as the unprivileged user `nobody` (the copied binary, its config).
    as_nobody: bool,
    expect: Expect,
    /// Paths that must not exist afterwards.
    absent: Vec<PathBuf>,
    /// Existing paths that must be exactly as before.
    untouched: Vec<PathBuf>,
}

fn case(
    area: &'static str,
    name: &'static str,
    args: &[&dyn AsRef<OsStr>],
    expect: Expect,
) -> Case {
    Case {
        area,
        name,
        args: args.iter().map(|a| a.as_ref().to_os_string()).collect(),
        config: None,
        env: Vec::new(),
        as_nobody: false,
        expect,
        absent: Vec::new(),
        untouched: Vec::new(),
    }
}

impl Case {
    fn config(mut self, c: &Path) -> Self {
        self.config = Some(c.to_path_buf());
        self
    }
    fn env(mut self, k: &'static str, v: &str) -> Self {
        self.env.push((k, v.to_string()));
        self
    }
    fn nobody(mut self) -> Self {
        self.as_nobody = true;
        self
    }
    fn absent(mut self, p: &Path) -> Self {
        self.absent.push(p.to_path_buf());
        self
    }
    fn untouched(mut self, p: &Path) -> Self {
        self.untouched.push(p.to_path_buf());
        self
    }
}

fn refused(code: &'static str, exit: i32, says: &'static str) -> Expect {
    Expect::Refused { code, exit, says }
}

fn works(f: impl Fn(&Run) -> Option<String> + 'static) -> Expect {
    Expect::Works(Box::new(f))
}

/// A path's state, to compare before and after: bytes, links, listings, mtimes.
fn snapshot(p: &Path) -> BTreeMap<PathBuf, (String, Option<SystemTime>)> {
    let mut out = BTreeMap::new();
    let mut stack = vec![p.to_path_buf()];
    while let Some(p) = stack.pop() {
        let Ok(m) = std::fs::symlink_metadata(&p) else {
            out.insert(p, ("missing".into(), None));
            continue;
        };
        let what = if m.file_type().is_symlink() {
            format!("link {:?}", std::fs::read_link(&p).unwrap())
        } else if m.is_dir() {
            for e in std::fs::read_dir(&p).unwrap() {
                stack.push(e.unwrap().path());
            }
            "folder".into()
        } else {
            format!("file {:?}", std::fs::read(&p).unwrap())
        };
        out.insert(p, (what, m.modified().ok()));
    }
    out
}

/// Names of temporary files a write in progress would leave.
fn temporaries(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".partial") || n.starts_with(".ccs-") || n.starts_with(".tmp"))
        .collect()
}

async fn pinset(cluster: &ccs_core::net::cluster::ClusterClient) -> Vec<String> {
    let mut cids: Vec<String> = cluster
        .allocations()
        .await
        .unwrap()
        .collect_vec()
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.cid)
        .collect();
    cids.sort();
    cids
}

struct Runner {
    /// Peer 1's cluster API (never stopped): the pinset.
    cluster: ccs_core::net::cluster::ClusterClient,
    cfg: PathBuf,
    /// A world-readable copy of the binary and settings for `nobody`.
    nobody_bin: PathBuf,
    nobody_cfg: PathBuf,
    /// The job journal's folder (`CCS_JOURNAL_DIR`).
    journal: PathBuf,
    /// Folders where outputs go: checked for temporary files after each case.
    out_dirs: Vec<PathBuf>,
    /// Text that must never appear in any output.
    secrets: Vec<String>,
    /// Cases that failed a check (details printed as they fail).
    failed: Vec<String>,
    /// (area, case, seconds) of every case run.
    log: Vec<(&'static str, &'static str, f64)>,
}

impl Runner {
    fn exec(&self, c: &Case) -> Run {
        let cfg = c.config.clone().unwrap_or_else(|| {
            if c.as_nobody {
                self.nobody_cfg.clone()
            } else {
                self.cfg.clone()
            }
        });
        let program = if c.as_nobody {
            let mut cmd = Command::new("setpriv");
            cmd.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
                .arg(&self.nobody_bin);
            cmd
        } else {
            Command::new(env!("CARGO_BIN_EXE_ccs"))
        };
        // The job journal: in the test's folder (writable by `nobody` too),
        // never in the real home.
        let mut cmd = isolate_ccs(program, &cfg, &self.journal);
        cmd.arg("--json")
            .args(&c.args)
            .env_remove("CCS_INVITE_PASSPHRASE")
            .env_remove("RUST_BACKTRACE");
        for (k, v) in &c.env {
            cmd.env(k, v);
        }
        Run::of(&mut cmd)
    }

    async fn run(&mut self, cases: Vec<Case>) {
        for c in cases {
            let started = Instant::now();
            let before: Vec<_> = c.untouched.iter().map(|p| snapshot(p)).collect();
            for p in &c.untouched {
                assert!(
                    std::fs::symlink_metadata(p).is_ok(),
                    "{}: {} must exist before",
                    c.name,
                    p.display()
                );
            }
            let pins_before = pinset(&self.cluster).await;
            let r = self.exec(&c);
            let ctx = format!("case \"{}\" ({}): {r:?}", c.name, c.area);
            // Check everything, keep going: all failing cases are reported at the end.
            let checked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                assert!(!r.stderr.contains("panicked"), "{ctx}");
                assert!(!r.stderr.contains("BACKTRACE"), "{ctx}");
                assert!(!r.stderr.contains("Something went wrong inside"), "{ctx}");
                for s in &self.secrets {
                    assert!(
                        !r.stderr.contains(s.as_str()) && !r.stdout.contains(s.as_str()),
                        "{ctx}: a secret was printed"
                    );
                }
                let stored = match &c.expect {
                    Expect::Refused { code, exit, says } => {
                        assert_eq!(r.code, *exit, "exit code, {ctx}");
                        let v = r.json();
                        assert_eq!(v["error"]["code"], *code, "{ctx}");
                        let m = v["error"]["message"].as_str().unwrap();
                        assert!(m.contains(says), "message lacks {says:?}: {ctx}");
                        assert_plain_sentence(m, &ctx);
                        assert_eq!(r.stderr.trim_end(), format!("Error: {m}"), "{ctx}");
                        eprintln!("[{}] exit {} {code}: {m}", c.name, r.code);
                        None
                    }
                    Expect::Works(check) => {
                        assert_eq!(r.code, 0, "{ctx}");
                        check(&r)
                    }
                    Expect::Exits(code, check) => {
                        assert_eq!(r.code, *code, "{ctx}");
                        check(&r)
                    }
                };
                for p in &c.absent {
                    assert!(
                        std::fs::symlink_metadata(p).is_err(),
                        "{ctx}: {} was written",
                        p.display()
                    );
                }
                for (p, b) in c.untouched.iter().zip(before) {
                    assert!(snapshot(p) == b, "{ctx}: {} changed", p.display());
                }
                for d in &self.out_dirs {
                    let t = temporaries(d);
                    assert!(t.is_empty(), "{ctx}: temporary files left: {t:?}");
                }
                stored
            }));
            let mut expected = pins_before;
            match checked {
                Ok(Some(cid)) if !expected.contains(&cid) => {
                    expected.push(cid);
                    expected.sort();
                }
                Ok(_) => {}
                Err(_) => self.failed.push(format!("{} ({})", c.name, c.area)),
            }
            let after = pinset(&self.cluster).await;
            if after != expected {
                eprintln!("pinset changed: before+expected {expected:?}, after {after:?}, {ctx}");
                self.failed.push(format!("{} ({}): pinset", c.name, c.area));
            }
            self.log
                .push((c.area, c.name, started.elapsed().as_secs_f64()));
        }
    }
}

/// One line, a full stop, a next step, no debug dump.
fn assert_plain_sentence(m: &str, ctx: &str) {
    assert!(!m.contains('\n'), "several lines: {ctx}");
    assert!(m.ends_with('.'), "no full stop: {ctx}");
    for dump in ["Os {", "Custom {", "kind:", "Error {", "{ code", "\\n"] {
        assert!(!m.contains(dump), "debug text {dump:?}: {ctx}");
    }
    let steps = [
        "Check", "check", "Try", "try", "Choose", "choose", "Fix", "Remove", "add ", "Add ", "Run",
        "run ", "Ask", "ask ", "use ", "open it", "set ", "move", "Use ", "e.g.", "must be",
    ];
    assert!(steps.iter().any(|s| m.contains(s)), "no next step: {ctx}");
}

/// `ccs add --json` stored this CID; also checks its name.
fn added(r: &Run) -> String {
    r.json()["cid"].as_str().unwrap().to_string()
}

fn names_of(dir: &Path) -> Vec<Vec<u8>> {
    let mut v: Vec<Vec<u8>> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().as_bytes().to_vec())
        .collect();
    v.sort();
    v
}

fn ccs_plain(cfg: &Path, args: &[&dyn AsRef<OsStr>]) -> Run {
    Run::of(
        ccs_command(env!("CARGO_BIN_EXE_ccs"), cfg)
            .args(args.iter().map(|a| a.as_ref()))
            .env("CCS_INVITE_PASSPHRASE", PASSPHRASE),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bad_input_catalogue() {
    let started = Instant::now();
    let mut net = start_testnet(3).await;
    let cfg = net.config_path();
    let work = tempfile::tempdir().unwrap();
    let w = work.path().to_path_buf();
    let dl = w.join("downloads");
    let cf = w.join("node-files");
    std::fs::create_dir_all(&dl).unwrap();
    std::fs::create_dir_all(&cf).unwrap();

    // --- Fixtures -----------------------------------------------------------
    let file = w.join("letter.txt");
    std::fs::write(&file, pseudo_random(1, 300_000)).unwrap();
    let r = ccs_plain(&cfg, &[&"add", &"--wait", &file]);
    assert_eq!(r.code, 0, "{r:?}");
    let cid = r.stdout.trim().to_string();

    // Unreadable for `nobody`: a world-traversable folder (0755) holding a
    // mode-000 file and a mode-000 folder, the binary and its settings.
    let nob = w.join("nobody");
    std::fs::create_dir(&nob).unwrap();
    for d in [&w, &nob] {
        std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let nobody_bin = nob.join("ccs");
    std::fs::copy(env!("CARGO_BIN_EXE_ccs"), &nobody_bin).unwrap();
    std::fs::set_permissions(&nobody_bin, std::fs::Permissions::from_mode(0o755)).unwrap();
    let journal = nob.join("jobs");
    std::fs::create_dir(&journal).unwrap();
    std::fs::set_permissions(&journal, std::fs::Permissions::from_mode(0o777)).unwrap();
    let nobody_cfg = nob.join("config.toml");
    std::fs::copy(&cfg, &nobody_cfg).unwrap();
    std::fs::set_permissions(&nobody_cfg, std::fs::Permissions::from_mode(0o644)).unwrap();
    let locked_file = nob.join("locked.txt");
    std::fs::write(&locked_file, b"private").unwrap();
    std::fs::set_permissions(&locked_file, std::fs::Permissions::from_mode(0o000)).unwrap();
    let locked_dir = nob.join("locked folder");
    std::fs::create_dir(&locked_dir).unwrap();
    std::fs::write(locked_dir.join("inside.txt"), b"x").unwrap();
    std::fs::set_permissions(&locked_dir, std::fs::Permissions::from_mode(0o000)).unwrap();
    let mixed = nob.join("mixed");
    std::fs::create_dir(&mixed).unwrap();
    std::fs::write(mixed.join("fine.txt"), b"fine").unwrap();
    std::fs::write(mixed.join("secret.txt"), b"secret").unwrap();
    std::fs::set_permissions(
        mixed.join("secret.txt"),
        std::fs::Permissions::from_mode(0o000),
    )
    .unwrap();

    // Special files.
    let fifo = w.join("a pipe");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let with_fifo = w.join("folder with a pipe");
    std::fs::create_dir(&with_fifo).unwrap();
    std::fs::write(with_fifo.join("ok.txt"), b"ok").unwrap();
    assert!(
        Command::new("mkfifo")
            .arg(with_fifo.join("pipe"))
            .status()
            .unwrap()
            .success()
    );
    let with_socket = w.join("folder with a socket");
    std::fs::create_dir(&with_socket).unwrap();
    let _socket = std::os::unix::net::UnixListener::bind(with_socket.join("sock")).unwrap();
    let loop_link = w.join("loop");
    std::os::unix::fs::symlink("loop", &loop_link).unwrap();
    let with_loop = w.join("folder with a link loop");
    std::fs::create_dir(&with_loop).unwrap();
    std::fs::write(with_loop.join("a.txt"), b"a").unwrap();
    std::os::unix::fs::symlink("self", with_loop.join("self")).unwrap();
    std::os::unix::fs::symlink(".", with_loop.join("here")).unwrap();

    // Content that must work.
    let empty = w.join("empty.txt");
    std::fs::write(&empty, b"").unwrap();
    let deep = w.join("deep");
    let mut leaf = deep.clone();
    for _ in 0..500 {
        leaf.push("d");
    }
    std::fs::create_dir_all(&leaf).unwrap();
    std::fs::write(leaf.join("bottom.txt"), b"500 levels down").unwrap();
    let names = w.join("names");
    std::fs::create_dir(&names).unwrap();
    let name_list: Vec<&[u8]> = vec![
        "caf\u{e9}.txt".as_bytes(),   // NFC
        "cafe\u{301}.txt".as_bytes(), // NFD: other bytes, same look
        "\u{65e5}\u{672c}\u{8a9e} \u{30d5}\u{30a1}\u{30a4}\u{30eb}.txt".as_bytes(),
        "emoji \u{1f4dc}.txt".as_bytes(),
        "line\nbreak.txt".as_bytes(), // a newline in the name
        "tab\there %41 \"quoted\".txt".as_bytes(),
    ];
    for (i, n) in name_list.iter().enumerate() {
        std::fs::write(
            names.join(OsStr::from_bytes(n)),
            format!("file {i}").as_bytes(),
        )
        .unwrap();
    }

    let latin1 = w.join("latin1 names");
    std::fs::create_dir(&latin1).unwrap();
    // "café.txt" as an old Latin-1 system wrote it: not valid UTF-8.
    std::fs::write(latin1.join(OsStr::from_bytes(b"caf\xe9.txt")), b"old").unwrap();

    // Compose files and invitations.
    let good = cf.join("good.yml");
    let r = ccs_plain(
        &cfg,
        &[&"create", &"--cluster-peername", &"bootstrap", &"-o", &good],
    );
    assert_eq!(r.code, 0, "{r:?}");
    let good_text = std::fs::read_to_string(&good).unwrap();
    let secret = ccs_core::deploy::compose::NodeFile::parse(&good_text)
        .unwrap()
        .secrets
        .cluster_secret
        .clone();
    let foreign = cf.join("docker-compose.yml");
    std::fs::write(
        &foreign,
        "services:\n  web:\n    image: nginx:1.27\n    ports: [\"80:80\"]\n  db:\n    image: postgres:16\n    environment:\n      POSTGRES_PASSWORD: example\n    volumes: [\"db:/var/lib/postgresql/data\"]\nvolumes:\n  db: {}\n",
    )
    .unwrap();
    let truncated = cf.join("truncated.yml");
    std::fs::write(&truncated, &good_text[..good_text.len() / 2]).unwrap();
    let malformed = cf.join("malformed.yml");
    std::fs::write(&malformed, "services: [unclosed\n  - : :\n\t{{").unwrap();
    let binary = cf.join("photo.jpg");
    std::fs::write(&binary, pseudo_random(9, 4096)).unwrap();
    let empty_yml = cf.join("empty.yml");
    std::fs::write(&empty_yml, b"").unwrap();
    let sealed = cf.join("acme.age");
    let r = ccs_plain(
        &cfg,
        &[
            &"invite",
            &"-i",
            &good,
            &"--cluster-peername",
            &"acme",
            &"--bootstrap-host",
            &"bootstrap",
            &"--encrypt",
            &"-o",
            &sealed,
        ],
    );
    assert_eq!(r.code, 0, "{r:?}");
    let sealed_bytes = std::fs::read(&sealed).unwrap();
    let sealed_cut = cf.join("acme-cut.age");
    std::fs::write(&sealed_cut, &sealed_bytes[..sealed_bytes.len() / 2]).unwrap();
    let new_yml = cf.join("new.yml");

    // Settings files.
    let mut bad = ccs_core::local::settings::Config::load(&cfg).unwrap();
    for n in bad.nodes.values_mut() {
        n.password = Some("wrong password 123".into());
    }
    let wrong_pw = w.join("wrong-password.toml");
    bad.save(&wrong_pw).unwrap();
    let closed_port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut bad = ccs_core::local::settings::Config::load(&cfg).unwrap();
    bad.nodes.get_mut("peer1").unwrap().cluster_api = format!("http://127.0.0.1:{closed_port}");
    let wrong_port = w.join("wrong-port.toml");
    bad.save(&wrong_port).unwrap();
    let mut bad = ccs_core::local::settings::Config::load(&cfg).unwrap();
    bad.nodes.get_mut("peer1").unwrap().cluster_api = net.peer(0).gateway.clone();
    let gateway_port = w.join("gateway-port.toml");
    bad.save(&gateway_port).unwrap();
    let mut bad = ccs_core::local::settings::Config::load(&cfg).unwrap();
    bad.nodes.get_mut("peer2").unwrap().gateway = Some(format!("http://127.0.0.1:{closed_port}"));
    let gateway_closed = w.join("gateway-closed.toml");
    bad.save(&gateway_closed).unwrap();
    let mut bad = ccs_core::local::settings::Config::load(&cfg).unwrap();
    bad.nodes.get_mut("peer1").unwrap().cluster_api =
        format!("http://127.0.0.1:{}", net.peer(0).ports.kubo_swarm);
    let swarm_port = w.join("swarm-port.toml");
    bad.save(&swarm_port).unwrap();
    let bad_toml = w.join("broken.toml");
    std::fs::write(
        &bad_toml,
        "default_node = \"peer1\n[nodes.peer1\ncluster_api = ",
    )
    .unwrap();

    // Destinations that exist.
    let existing_file = dl.join("existing.txt");
    std::fs::write(&existing_file, b"keep me").unwrap();
    let existing_dir = dl.join("existing folder");
    std::fs::create_dir(&existing_dir).unwrap();
    std::fs::write(existing_dir.join("keep.txt"), b"keep me too").unwrap();
    let dangling = dl.join("dangling link");
    std::os::unix::fs::symlink("/nonexistent/target", &dangling).unwrap();
    let existing_node_file = cf.join("existing.yml");
    std::fs::copy(&good, &existing_node_file).unwrap();

    let mut secrets: Vec<String> = net.peers().iter().map(|p| p.password.clone()).collect();
    secrets.push(secret);
    secrets.push("wrong password 123".into());
    let mut runner = Runner {
        cluster: net.peer(0).cluster(),
        cfg: cfg.clone(),
        nobody_bin,
        journal,
        nobody_cfg,
        out_dirs: vec![dl.clone(), cf.clone(), w.clone()],
        secrets,
        failed: Vec::new(),
        log: Vec::new(),
    };
    let missing = w.join("no such file.txt");
    let o = |n: &str| dl.join(n);

    // --- The catalogue, with every partner up -------------------------------
    let empty_cid_check = {
        let cfg = cfg.clone();
        let out = o("empty-back.txt");
        move |r: &Run| {
            let c = added(r);
            assert_eq!(c, EMPTY_FILE_CID, "{r:?}");
            let g = ccs_plain(&cfg, &[&"get", &c, &"-o", &out]);
            assert_eq!(g.code, 0, "{g:?}");
            assert_eq!(std::fs::read(&out).unwrap(), b"");
            Some(c)
        }
    };
    let deep_check = {
        let cfg = cfg.clone();
        let (deep, out) = (deep.clone(), o("deep-back"));
        move |r: &Run| {
            let c = added(r);
            let g = ccs_plain(&cfg, &[&"get", &c, &"-o", &out]);
            assert_eq!(g.code, 0, "{g:?}");
            assert_same_tree(&deep, &out);
            Some(c)
        }
    };
    let names_check = {
        let cfg = cfg.clone();
        let (names, out) = (names.clone(), o("names-back"));
        move |r: &Run| {
            let c = added(r);
            let g = ccs_plain(&cfg, &[&"get", &c, &"-o", &out]);
            assert_eq!(g.code, 0, "{g:?}");
            // Byte for byte: NFC and NFD stay two different names.
            assert_eq!(names_of(&names), names_of(&out));
            assert_same_tree(&names, &out);
            Some(c)
        }
    };
    let loop_check = {
        let cfg = cfg.clone();
        let out = o("loop-back");
        move |r: &Run| {
            let c = added(r);
            let g = ccs_plain(&cfg, &[&"get", &c, &"-o", &out]);
            assert_eq!(g.code, 0, "{g:?}");
            assert_eq!(
                std::fs::read_link(out.join("self")).unwrap(),
                Path::new("self")
            );
            assert_eq!(
                std::fs::read_link(out.join("here")).unwrap(),
                Path::new(".")
            );
            assert_eq!(std::fs::read(out.join("a.txt")).unwrap(), b"a");
            Some(c)
        }
    };
    let cut = &cid[..cid.len() - 6];
    let wrong_base = format!("x{}", &UNKNOWN_V1[1..]);
    let bad_chars = format!("{}0OIl", &cid[..cid.len() - 4]);
    let cases = vec![
        // Paths.
        case(
            "paths",
            "add a missing path",
            &[&"add", &missing],
            refused("path_not_found", 5, "does not exist"),
        ),
        case(
            "paths",
            "add a good and a missing path together",
            &[&"add", &file, &missing],
            refused("path_not_found", 5, "does not exist"),
        ),
        case(
            "paths",
            "add an unreadable file (as nobody)",
            &[&"add", &locked_file],
            refused("read_failed", 8, "locked.txt"),
        )
        .nobody(),
        case(
            "paths",
            "add an unreadable folder (as nobody)",
            &[&"add", &locked_dir],
            refused("read_failed", 8, "locked folder"),
        )
        .nobody(),
        case(
            "paths",
            "add a folder with one unreadable file (as nobody)",
            &[&"add", &mixed],
            refused("read_failed", 8, "secret.txt"),
        )
        .nobody(),
        case(
            "paths",
            "add a link that points at itself",
            &[&"add", &loop_link],
            refused("read_failed", 8, "loop"),
        ),
        case(
            "paths",
            "add a folder holding link loops (stored as links)",
            &[&"add", &with_loop],
            works(loop_check),
        ),
        case(
            "paths",
            "add a named pipe",
            &[&"add", &fifo],
            refused("unsupported_file", 8, "a pipe"),
        ),
        case(
            "paths",
            "add a folder holding a named pipe",
            &[&"add", &with_fifo],
            refused("unsupported_file", 8, "pipe"),
        ),
        case(
            "paths",
            "add a folder holding a socket",
            &[&"add", &with_socket],
            refused("unsupported_file", 8, "sock"),
        ),
        case(
            "paths",
            "add a device (/dev/null)",
            &[&"add", &"/dev/null"],
            refused("unsupported_file", 8, "/dev/null"),
        ),
        case(
            "paths",
            "add an empty file (valid content)",
            &[&"add", &empty],
            works(empty_cid_check),
        ),
        case(
            "paths",
            "add a tree 500 folders deep",
            &[&"add", &deep],
            works(deep_check),
        ),
        case(
            "paths",
            "add Unicode, NFC+NFD, newline and tab names",
            &[&"add", &names],
            works(names_check),
        ),
        case(
            "paths",
            "add a name that is not UTF-8 (Latin-1)",
            &[&"add", &latin1],
            works({
                let cfg = cfg.clone();
                let (latin1, out) = (latin1.clone(), o("latin1-back"));
                move |r: &Run| {
                    let c = added(r);
                    let g = ccs_plain(&cfg, &[&"get", &c, &"-o", &out]);
                    assert_eq!(g.code, 0, "{g:?}");
                    assert_eq!(names_of(&latin1), names_of(&out));
                    Some(c)
                }
            }),
        ),
        case(
            "paths",
            "add with --metadata lacking =",
            &[&"add", &"--metadata", &"oops", &file],
            refused("usage", 2, "KEY=VALUE"),
        ),
        case(
            "paths",
            "add with --replication-min -5",
            &[&"add", &"--replication-min", &"-5", &file],
            refused("usage", 2, "--replication-min"),
        ),
        // Content IDs.
        case(
            "cids",
            "get garbage",
            &[&"get", &"hello", &"-o", &o("g1")],
            refused("invalid_input", 2, "is not a content ID"),
        )
        .absent(&o("g1")),
        case(
            "cids",
            "get a truncated CID",
            &[&"get", &cut, &"-o", &o("g2")],
            refused("invalid_input", 2, "is not a content ID"),
        )
        .absent(&o("g2")),
        case(
            "cids",
            "get a CID with an unknown base prefix",
            &[&"get", &wrong_base, &"-o", &o("g3")],
            refused("invalid_input", 2, "is not a content ID"),
        )
        .absent(&o("g3")),
        case(
            "cids",
            "get a CID with letters base58 lacks",
            &[&"get", &bad_chars, &"-o", &o("g4")],
            refused("invalid_input", 2, "is not a content ID"),
        )
        .absent(&o("g4")),
        case(
            "cids",
            "status of garbage",
            &[&"status", &"not-a-cid"],
            refused("invalid_input", 2, "is not a content ID"),
        ),
        case(
            "cids",
            "rm garbage",
            &[&"rm", &"-y", &"zzzz"],
            refused("invalid_input", 2, "is not a content ID"),
        ),
        case(
            "cids",
            "get an unknown CIDv0",
            &[&"get", &UNKNOWN_V0, &"-o", &o("g5")],
            refused("not_found", 5, "was not found"),
        )
        .absent(&o("g5")),
        case(
            "cids",
            "get an unknown CIDv1",
            &[&"get", &UNKNOWN_V1, &"-o", &o("g6")],
            refused("not_found", 5, "was not found"),
        )
        .absent(&o("g6")),
        case(
            "cids",
            "rm an unknown CID",
            &[&"rm", &"-y", &UNKNOWN_V0],
            refused("not_found", 5, "was not found"),
        ),
        case(
            "cids",
            "status of an unknown CID (absent, exit 5)",
            &[&"status", &UNKNOWN_V1],
            Expect::Exits(
                5,
                Box::new(|r| {
                    let v = r.json();
                    assert_eq!(v[0]["cid"], UNKNOWN_V1, "{v}");
                    assert_eq!(v[0]["copies"], 0, "{v}");
                    assert_eq!(r.stderr, "", "{r:?}");
                    None
                }),
            ),
        ),
        // Credentials and ports.
        case(
            "connection",
            "ls with a wrong password",
            &[&"ls"],
            refused("unauthorized", 4, "refused the user name or password"),
        )
        .config(&wrong_pw),
        case(
            "connection",
            "add with a wrong password",
            &[&"add", &file],
            refused("unauthorized", 4, "refused the user name or password"),
        )
        .config(&wrong_pw),
        case(
            "connection",
            "get with a wrong password",
            &[&"get", &cid, &"-o", &o("g7")],
            refused("unauthorized", 4, "refused the user name or password"),
        )
        .config(&wrong_pw)
        .absent(&o("g7")),
        case(
            "connection",
            "rm with a wrong password",
            &[&"rm", &"-y", &cid],
            refused("unauthorized", 4, "refused the user name or password"),
        )
        .config(&wrong_pw),
        case(
            "connection",
            "password from the environment, wrong",
            &[&"peers"],
            refused("unauthorized", 4, "refused the user name or password"),
        )
        .env("CCS_PASSWORD", "also wrong 456"),
        case(
            "connection",
            "ls on a closed port",
            &[&"ls"],
            refused("unreachable", 3, "Could not connect"),
        )
        .config(&wrong_port),
        case(
            "connection",
            "add on a closed port",
            &[&"add", &file],
            refused("unreachable", 3, "Could not connect"),
        )
        .config(&wrong_port),
        case(
            "connection",
            "ls on the gateway's port (not the cluster API)",
            &[&"ls"],
            refused("not_found", 5, "not found"),
        )
        .config(&gateway_port),
        case(
            "connection",
            "ls on an unknown host name",
            &[&"--cluster-peername", &"no-such-host.invalid", &"ls"],
            refused("unreachable", 3, "no-such-host.invalid"),
        ),
        case(
            "connection",
            "settings file that is not TOML",
            &[&"ls"],
            refused("config", 9, "broken.toml"),
        )
        .config(&bad_toml),
        case(
            "connection",
            "settings file that is a folder",
            &[&"ls"],
            refused("config", 9, "could not be read"),
        )
        .config(&dl),
        case(
            "connection",
            "config set with an unknown key",
            &[&"config", &"set", &"colour", &"red"],
            refused("usage", 2, "colour"),
        )
        .untouched(&cfg),
        case(
            "connection",
            "ls on kubo's swarm port (not HTTP)",
            &[&"ls"],
            refused("interrupted", 6, "Check that this is the node's address"),
        )
        .config(&swarm_port),
        case(
            "connection",
            "get when the named partner's gateway port is closed",
            &[
                &"--cluster-peername",
                &"peer2",
                &"get",
                &cid,
                &"-o",
                &o("via-other.txt"),
            ],
            works({
                let (file, out) = (file.clone(), o("via-other.txt"));
                move |r: &Run| {
                    let v = r.json();
                    assert_ne!(v["source"], "peer2", "{v}");
                    let f = &v["failed_sources"];
                    assert_eq!(f.as_array().unwrap().len(), 1, "{v}");
                    assert_eq!(f[0]["source"], "peer2", "{v}");
                    assert_eq!(f[0]["code"], "unreachable", "{v}");
                    assert_eq!(f[0]["damaged"], false, "{v}");
                    assert!(std::fs::read(&out).unwrap() == std::fs::read(&file).unwrap());
                    None
                }
            }),
        )
        .config(&gateway_closed),
        // Destinations.
        case(
            "destination",
            "get over an existing file",
            &[&"get", &cid, &"-o", &existing_file],
            refused("already_exists", 8, "--force"),
        )
        .untouched(&existing_file),
        case(
            "destination",
            "get over an existing folder",
            &[&"get", &cid, &"-o", &existing_dir],
            refused("already_exists", 8, "--force"),
        )
        .untouched(&existing_dir),
        case(
            "destination",
            "get over a dangling link",
            &[&"get", &cid, &"-o", &dangling],
            refused("already_exists", 8, "--force"),
        )
        .untouched(&dangling),
        case(
            "destination",
            "get into a missing folder",
            &[&"get", &cid, &"-o", &dl.join("nope/sub/x.txt")],
            refused("write_failed", 8, "nope/sub\" does not exist"),
        )
        .absent(&dl.join("nope")),
        case(
            "destination",
            "create over an existing node file",
            &[
                &"create",
                &"--cluster-peername",
                &"other",
                &"-o",
                &existing_node_file,
            ],
            refused("already_exists", 8, "already exists"),
        )
        .untouched(&existing_node_file),
        case(
            "destination",
            "clone over an existing node file",
            &[
                &"clone",
                &"-i",
                &good,
                &"--cluster-peername",
                &"acme",
                &"--bootstrap-host",
                &"bootstrap",
                &"-o",
                &existing_node_file,
            ],
            refused("already_exists", 8, "already exists"),
        )
        .untouched(&existing_node_file),
        case(
            "destination",
            "invite over an existing node file",
            &[
                &"invite",
                &"-i",
                &good,
                &"--cluster-peername",
                &"acme",
                &"--bootstrap-host",
                &"bootstrap",
                &"-o",
                &existing_node_file,
            ],
            refused("already_exists", 8, "already exists"),
        )
        .untouched(&existing_node_file),
        case(
            "destination",
            "invite open over an existing node file",
            &[&"invite", &"open", &sealed, &"-o", &existing_node_file],
            refused("already_exists", 8, "already exists"),
        )
        .env("CCS_INVITE_PASSPHRASE", PASSPHRASE)
        .untouched(&existing_node_file),
        // Node files and invitations.
        case(
            "node files",
            "clone from a missing file",
            &[
                &"clone",
                &"-i",
                &missing,
                &"--cluster-peername",
                &"acme",
                &"--bootstrap-host",
                &"bootstrap",
                &"-o",
                &new_yml,
            ],
            refused("path_not_found", 5, "does not exist"),
        )
        .absent(&new_yml),
        case(
            "node files",
            "clone from malformed YAML",
            &[
                &"clone",
                &"-i",
                &malformed,
                &"--cluster-peername",
                &"acme",
                &"--bootstrap-host",
                &"bootstrap",
                &"-o",
                &new_yml,
            ],
            refused(
                "invalid_input",
                2,
                "not a community-cloud-storage node file",
            ),
        )
        .absent(&new_yml),
        case(
            "node files",
            "clone from a foreign docker-compose file",
            &[
                &"clone",
                &"-i",
                &foreign,
                &"--cluster-peername",
                &"acme",
                &"--bootstrap-host",
                &"bootstrap",
                &"-o",
                &new_yml,
            ],
            refused(
                "invalid_input",
                2,
                "not a community-cloud-storage node file",
            ),
        )
        .absent(&new_yml),
        case(
            "node files",
            "clone from a truncated node file",
            &[
                &"clone",
                &"-i",
                &truncated,
                &"--cluster-peername",
                &"acme",
                &"--bootstrap-host",
                &"bootstrap",
                &"-o",
                &new_yml,
            ],
            refused(
                "invalid_input",
                2,
                "not a community-cloud-storage node file",
            ),
        )
        .absent(&new_yml),
        case(
            "node files",
            "clone from an empty file",
            &[
                &"clone",
                &"-i",
                &empty_yml,
                &"--cluster-peername",
                &"acme",
                &"--bootstrap-host",
                &"bootstrap",
                &"-o",
                &new_yml,
            ],
            refused(
                "invalid_input",
                2,
                "not a community-cloud-storage node file",
            ),
        )
        .absent(&new_yml),
        case(
            "node files",
            "clone from a photo (binary)",
            &[
                &"clone",
                &"-i",
                &binary,
                &"--cluster-peername",
                &"acme",
                &"--bootstrap-host",
                &"bootstrap",
                &"-o",
                &new_yml,
            ],
            refused("invalid_input", 2, "it is not text"),
        )
        .absent(&new_yml),
        case(
            "node files",
            "invite from a foreign docker-compose file",
            &[
                &"invite",
                &"-i",
                &foreign,
                &"--cluster-peername",
                &"acme",
                &"--bootstrap-host",
                &"bootstrap",
                &"-o",
                &new_yml,
            ],
            refused(
                "invalid_input",
                2,
                "not a community-cloud-storage node file",
            ),
        )
        .absent(&new_yml),
        case(
            "node files",
            "invite from a sealed invitation",
            &[
                &"invite",
                &"-i",
                &sealed,
                &"--cluster-peername",
                &"beta",
                &"--bootstrap-host",
                &"bootstrap",
                &"-o",
                &new_yml,
            ],
            refused("invalid_input", 2, "invite open"),
        )
        .absent(&new_yml),
        case(
            "node files",
            "invite open with a wrong passphrase",
            &[&"invite", &"open", &sealed, &"-o", &new_yml],
            refused("wrong_passphrase", 4, "passphrase does not open"),
        )
        .env("CCS_INVITE_PASSPHRASE", "wrong horse battery staple")
        .absent(&new_yml),
        case(
            "node files",
            "invite open with an empty passphrase",
            &[&"invite", &"open", &sealed, &"-o", &new_yml],
            refused("wrong_passphrase", 4, "passphrase does not open"),
        )
        .env("CCS_INVITE_PASSPHRASE", "")
        .absent(&new_yml),
        case(
            "node files",
            "invite open without a passphrase or terminal",
            &[&"invite", &"open", &sealed, &"-o", &new_yml],
            refused("usage", 2, "CCS_INVITE_PASSPHRASE"),
        )
        .absent(&new_yml),
        case(
            "node files",
            "invite open a truncated invitation",
            &[&"invite", &"open", &sealed_cut, &"-o", &new_yml],
            refused("invalid_input", 2, "damaged"),
        )
        .env("CCS_INVITE_PASSPHRASE", PASSPHRASE)
        .absent(&new_yml),
        case(
            "node files",
            "invite open a plain node file",
            &[&"invite", &"open", &good, &"-o", &new_yml],
            refused("invalid_input", 2, "not a sealed invitation"),
        )
        .env("CCS_INVITE_PASSPHRASE", PASSPHRASE)
        .absent(&new_yml),
        case(
            "node files",
            "invite open a photo (binary)",
            &[&"invite", &"open", &binary, &"-o", &new_yml],
            refused("invalid_input", 2, "not a sealed invitation"),
        )
        .env("CCS_INVITE_PASSPHRASE", PASSPHRASE)
        .absent(&new_yml),
        case(
            "node files",
            "invite open a missing file",
            &[&"invite", &"open", &missing, &"-o", &new_yml],
            refused("path_not_found", 5, "does not exist"),
        )
        .env("CCS_INVITE_PASSPHRASE", PASSPHRASE)
        .absent(&new_yml),
    ];
    runner.run(cases).await;

    // --- One partner's kubo down: get falls back and says so -----------------
    net.kill(1, DaemonKind::Kubo).unwrap();
    let fallback = {
        let (file, out) = (file.clone(), o("fallback.txt"));
        move |r: &Run| {
            // peer2 is skipped (the cluster already reports its copy in
            // error) or tried and listed as unreachable, never as damaged.
            let v = r.json();
            assert_ne!(v["source"], "peer2", "{v}");
            for f in v["failed_sources"].as_array().unwrap() {
                assert_eq!(f["source"], "peer2", "{v}");
                assert_eq!(f["damaged"], false, "{v}");
            }
            assert!(std::fs::read(&out).unwrap() == std::fs::read(&file).unwrap());
            None
        }
    };
    runner
        .run(vec![case(
            "down",
            "get through a partner whose kubo is down",
            &[
                &"--cluster-peername",
                &"peer2",
                &"get",
                &cid,
                &"-o",
                &o("fallback.txt"),
            ],
            works(fallback),
        )])
        .await;

    // --- A partner's cluster peer and kubo both down --------------------------
    net.kill(2, DaemonKind::Cluster).unwrap();
    net.kill(2, DaemonKind::Kubo).unwrap();
    runner
        .run(vec![
            case(
                "down",
                "ls through a partner whose cluster peer is down",
                &[&"--cluster-peername", &"peer3", &"ls"],
                refused("unreachable", 3, "Could not connect"),
            ),
            case(
                "down",
                "add through a partner whose cluster peer is down",
                &[&"--cluster-peername", &"peer3", &"add", &file],
                refused("unreachable", 3, "Could not connect"),
            ),
            case(
                "down",
                "get through a partner with cluster and kubo down",
                &[
                    &"--cluster-peername",
                    &"peer3",
                    &"get",
                    &cid,
                    &"-o",
                    &o("g8"),
                ],
                refused("unreachable", 3, "Could not connect"),
            )
            .absent(&o("g8")),
        ])
        .await;

    // --- Every gateway down (peer1's kubo too) --------------------------------
    net.kill(0, DaemonKind::Kubo).unwrap();
    runner
        .run(vec![
            case(
                "down",
                "get when no partner's kubo answers",
                &[&"get", &cid, &"-o", &o("g9")],
                refused("unavailable", 6, "No partner could send"),
            )
            .absent(&o("g9")),
            case(
                "down",
                "add when the node's kubo is down",
                &[&"add", &file],
                refused("stream_failed", 6, "Nothing was stored"),
            ),
        ])
        .await;

    // --- Figures --------------------------------------------------------------
    let mut per_area: BTreeMap<&str, (usize, f64)> = BTreeMap::new();
    for (area, name, secs) in &runner.log {
        eprintln!("{secs:>7.2}s  {area:<12} {name}");
        let e = per_area.entry(area).or_default();
        e.0 += 1;
        e.1 += secs;
    }
    for (area, (n, secs)) in &per_area {
        eprintln!("{area:<12} {n:>3} cases {secs:>7.1}s");
    }
    eprintln!(
        "{} cases, whole suite {:?}",
        runner.log.len(),
        started.elapsed()
    );
    assert!(
        runner.failed.is_empty(),
        "failed cases: {:#?}",
        runner.failed
    );
    assert!(runner.log.len() >= 40);
}
