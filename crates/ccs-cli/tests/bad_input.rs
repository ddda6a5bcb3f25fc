//! The bad-input catalogue of the `ccs` command: one test per case, generated
//! from one table (`catalogue!`, at the end of this file), each of which can
//! run alone:
//!
//! ```text
//! cargo test -p ccs-cli --test bad_input -- paths_add_with_metadata_lacking_equals --exact
//! ```
//!
//! The cases run against one real private 3-peer testnet and its fixtures,
//! started once per test binary, when the first case needs them. They take
//! turns (one lock), so no case sees another's files, pins or temporary files.
//! The "down" cases (`down_1_…` to `down_3_…`) run on a second testnet of
//! their own, where daemons are stopped in stages (1: peer2's kubo; 2: also
//! peer3's cluster peer and kubo; 3: also peer1's kubo): a `down_N_` case gets
//! that testnet at stage N, or a fresh one if the one at hand is already past
//! it (in name order, one testnet serves every stage). Every daemon is started
//! from one thread that lives as long as the process (they die with it:
//! PR_SET_PDEATHSIG), and the testnets are stopped and their folders removed
//! when the test binary exits.
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

// Needs the real daemons: `./scripts/test.sh` turns it on.
#![cfg(feature = "real-daemons")]
#![allow(clippy::unwrap_used)]

use std::any::Any;
use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{LazyLock, Mutex, OnceLock, PoisonError, mpsc};
use std::time::{Instant, SystemTime};

use ccs_testnet::{DaemonKind, PeerInfo};
use ccs_tests::{
    Run, TempNet, assert_same_tree, ccs_command, isolate_ccs, pseudo_random, start_testnet,
};

/// The content ID IPFS Cluster gives an empty file (CIDv0, UnixFS, no raw leaves).
const EMPTY_FILE_CID: &str = "QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH";
/// Valid content IDs that nobody stored on the testnet.
const UNKNOWN_V0: &str = "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o";
const UNKNOWN_V1: &str = "bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e";
const PASSPHRASE: &str = "correct horse battery staple";
/// The password of the "wrong password" settings file.
const WRONG_PASSWORD: &str = "wrong password 123";

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

/// The cluster's items as `peer` reports them (see [`ccs_tests::item_pinset`]).
fn pinset(peer: &PeerInfo) -> Vec<String> {
    ccs_tests::item_pinset(peer.cluster())
}

// --- Testnets: started once per test binary, stopped when it exits ---------

type Job = Box<dyn FnOnce(&tokio::runtime::Runtime) + Send>;

/// The thread every daemon is started from, with its runtime. The daemons
/// get SIGKILL when the thread that started them ends (PR_SET_PDEATHSIG), so
/// it must not be a test's thread, which ends with its test: this one lives
/// as long as the process (its job queue's sender is never dropped).
static DAEMON_THREAD: LazyLock<mpsc::Sender<Job>> = LazyLock::new(|| {
    let (tx, rx) = mpsc::channel::<Job>();
    std::thread::Builder::new()
        .name("testnet daemons".into())
        .spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            for job in rx {
                job(&rt);
            }
        })
        .unwrap();
    // SAFETY: registers a function without arguments that only drops values.
    assert_eq!(unsafe { atexit(stop_testnets) }, 0);
    tx
});

unsafe extern "C" {
    fn atexit(f: extern "C" fn()) -> std::ffi::c_int;
}

/// What must live until the process exits (a `static` is never dropped),
/// dropped then by [`stop_testnets`]: each testnet (its daemons stopped, their
/// logs kept for `CCS_TESTNET_LOG_DIR`, its folder removed) and the fixtures'
/// folders.
static AT_EXIT: Mutex<Vec<Box<dyn Any + Send>>> = Mutex::new(Vec::new());

fn keep_until_exit(x: impl Any + Send) {
    AT_EXIT
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(Box::new(x));
}

/// Runs at exit (after every test): stops every testnet and removes the
/// folders, one after the other. Nothing here may use a thread-local (the
/// main thread's are gone by now), so no thread is spawned.
extern "C" fn stop_testnets() {
    let down = std::mem::take(&mut *DOWN.lock().unwrap_or_else(PoisonError::into_inner));
    drop(down);
    let rest = std::mem::take(&mut *AT_EXIT.lock().unwrap_or_else(PoisonError::into_inner));
    drop(rest);
}

/// A 3-peer testnet, started on [`DAEMON_THREAD`].
fn start_net() -> TempNet {
    let (tx, rx) = mpsc::channel();
    DAEMON_THREAD
        .send(Box::new(move |rt: &tokio::runtime::Runtime| {
            let started =
                std::panic::catch_unwind(AssertUnwindSafe(|| rt.block_on(start_testnet(3))));
            let _ = tx.send(started);
        }))
        .unwrap();
    match rx.recv().unwrap() {
        Ok(net) => net,
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

// --- Running one case ---------------------------------------------------------

/// Where cases run: a testnet's settings and what is checked around each case.
struct Bench {
    /// Peer 1 (never stopped): its cluster API gives the pinset.
    peer1: PeerInfo,
    cfg: PathBuf,
    /// The job journal's folder (`CCS_JOURNAL_DIR`).
    journal: PathBuf,
    /// A world-readable copy of the binary and settings for `nobody`.
    nobody: Option<(PathBuf, PathBuf)>,
    /// Folders where outputs go: checked for temporary files after each case.
    out_dirs: Vec<PathBuf>,
    /// Text that must never appear in any output (grows as fixtures make secrets).
    secrets: Mutex<Vec<String>>,
}

impl Bench {
    fn exec(&self, c: &Case) -> Run {
        let nobody = c.as_nobody.then(|| {
            let Some((bin, cfg)) = &self.nobody else {
                panic!("{}: this testnet has no copy for `nobody`", c.name);
            };
            (bin, cfg)
        });
        let cfg = match (&c.config, nobody) {
            (Some(cfg), _) => cfg.clone(),
            (None, Some((_, cfg))) => cfg.clone(),
            (None, None) => self.cfg.clone(),
        };
        let program = if let Some((bin, _)) = nobody {
            let mut cmd = Command::new("setpriv");
            cmd.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
                .arg(bin);
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

    /// Runs one case and checks everything; panics (fails the test) on the first
    /// failed check, after reporting a changed pinset too.
    fn run(&self, c: Case) {
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
        let pins_before = pinset(&self.peer1);
        let r = self.exec(&c);
        let ctx = format!("case \"{}\" ({}): {r:?}", c.name, c.area);
        let secrets = self
            .secrets
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        let checked = std::panic::catch_unwind(AssertUnwindSafe(|| {
            assert!(!r.stderr.contains("panicked"), "{ctx}");
            assert!(!r.stderr.contains("BACKTRACE"), "{ctx}");
            assert!(!r.stderr.contains("Something went wrong inside"), "{ctx}");
            for s in &secrets {
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
        if let Ok(Some(cid)) = &checked {
            if !expected.contains(cid) {
                expected.push(cid.clone());
                expected.sort();
            }
        }
        let after = pinset(&self.peer1);
        if after != expected {
            eprintln!("pinset changed: before+expected {expected:?}, after {after:?}, {ctx}");
        }
        eprintln!(
            "{:>7.2}s  {:<12} {}",
            started.elapsed().as_secs_f64(),
            c.area,
            c.name
        );
        if let Err(panic) = checked {
            std::panic::resume_unwind(panic);
        }
        assert!(after == expected, "{ctx}: the pinset changed");
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

/// `ccs add --json` stored this CID.
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

/// `ccs add --wait` of `path`: its CID.
fn add_and_wait(cfg: &Path, path: &Path) -> String {
    let r = ccs_plain(cfg, &[&"add", &"--wait", &path]);
    assert_eq!(r.code, 0, "{r:?}");
    r.stdout.trim().to_string()
}

fn mode(p: &Path, mode: u32) {
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn mkfifo(p: &Path) {
    assert!(Command::new("mkfifo").arg(p).status().unwrap().success());
}

// --- The testnet every partner is up on, and its fixtures -----------------------

struct Main {
    bench: Bench,
    /// Taken by each case for its whole run: one case at a time.
    turn: Mutex<()>,
    /// Where retrieved copies go.
    dl: PathBuf,
    /// Where node files and invitations are.
    cf: PathBuf,
    file: PathBuf,
    missing: PathBuf,
    // Unreadable for `nobody`.
    locked_file: PathBuf,
    locked_dir: PathBuf,
    mixed: PathBuf,
    // Special files.
    fifo: PathBuf,
    with_fifo: PathBuf,
    with_socket: PathBuf,
    loop_link: PathBuf,
    with_loop: PathBuf,
    // Content that must work.
    empty: PathBuf,
    deep: PathBuf,
    names: PathBuf,
    latin1: PathBuf,
    // Node files that are not ours.
    foreign: PathBuf,
    malformed: PathBuf,
    binary: PathBuf,
    empty_yml: PathBuf,
    new_yml: PathBuf,
    // Settings files.
    wrong_pw: PathBuf,
    wrong_port: PathBuf,
    gateway_port: PathBuf,
    gateway_closed: PathBuf,
    swarm_port: PathBuf,
    bad_toml: PathBuf,
    // Destinations that exist.
    existing_file: PathBuf,
    existing_dir: PathBuf,
    dangling: PathBuf,
    /// `file`, stored on the testnet (made by the first case that needs it).
    cid: OnceLock<String>,
    /// Made by the first case that needs them.
    node_files: OnceLock<NodeFiles>,
}

/// A node file of our own and what is made from it.
struct NodeFiles {
    good: PathBuf,
    truncated: PathBuf,
    /// `good` sealed for partner "acme" with [`PASSPHRASE`], and cut in half.
    sealed: PathBuf,
    sealed_cut: PathBuf,
    existing_node_file: PathBuf,
}

fn main_net() -> &'static Main {
    static MAIN: LazyLock<Main> = LazyLock::new(Main::start);
    &MAIN
}

impl Main {
    fn start() -> Main {
        let started = Instant::now();
        let net = start_net();
        let cfg = net.config_path();
        let peer1 = net.peer(0).clone();
        let mut secrets: Vec<String> = net.peers().iter().map(|p| p.password.clone()).collect();
        secrets.push(WRONG_PASSWORD.into());
        keep_until_exit(net);
        let work = tempfile::tempdir().unwrap();
        let w = work.path().to_path_buf();
        keep_until_exit(work);
        let dl = w.join("downloads");
        let cf = w.join("node-files");
        std::fs::create_dir_all(&dl).unwrap();
        std::fs::create_dir_all(&cf).unwrap();

        let file = w.join("letter.txt");
        std::fs::write(&file, pseudo_random(1, 300_000)).unwrap();

        // Unreadable for `nobody`: a world-traversable folder (0755) holding a
        // mode-000 file and a mode-000 folder, the binary and its settings.
        let nob = w.join("nobody");
        std::fs::create_dir(&nob).unwrap();
        for d in [&w, &nob] {
            mode(d, 0o755);
        }
        let nobody_bin = nob.join("ccs");
        std::fs::copy(env!("CARGO_BIN_EXE_ccs"), &nobody_bin).unwrap();
        mode(&nobody_bin, 0o755);
        let journal = nob.join("jobs");
        std::fs::create_dir(&journal).unwrap();
        mode(&journal, 0o777);
        let nobody_cfg = nob.join("config.toml");
        std::fs::copy(&cfg, &nobody_cfg).unwrap();
        mode(&nobody_cfg, 0o644);
        let locked_file = nob.join("locked.txt");
        std::fs::write(&locked_file, b"private").unwrap();
        mode(&locked_file, 0o000);
        let locked_dir = nob.join("locked folder");
        std::fs::create_dir(&locked_dir).unwrap();
        std::fs::write(locked_dir.join("inside.txt"), b"x").unwrap();
        mode(&locked_dir, 0o000);
        let mixed = nob.join("mixed");
        std::fs::create_dir(&mixed).unwrap();
        std::fs::write(mixed.join("fine.txt"), b"fine").unwrap();
        std::fs::write(mixed.join("secret.txt"), b"secret").unwrap();
        mode(&mixed.join("secret.txt"), 0o000);

        // Special files.
        let fifo = w.join("a pipe");
        mkfifo(&fifo);
        let with_fifo = w.join("folder with a pipe");
        std::fs::create_dir(&with_fifo).unwrap();
        std::fs::write(with_fifo.join("ok.txt"), b"ok").unwrap();
        mkfifo(&with_fifo.join("pipe"));
        let with_socket = w.join("folder with a socket");
        std::fs::create_dir(&with_socket).unwrap();
        keep_until_exit(std::os::unix::net::UnixListener::bind(with_socket.join("sock")).unwrap());
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

        // Node files that are not ours.
        let foreign = cf.join("docker-compose.yml");
        std::fs::write(
            &foreign,
            "services:\n  web:\n    image: nginx:1.27\n    ports: [\"80:80\"]\n  db:\n    image: postgres:16\n    environment:\n      POSTGRES_PASSWORD: example\n    volumes: [\"db:/var/lib/postgresql/data\"]\nvolumes:\n  db: {}\n",
        )
        .unwrap();
        let malformed = cf.join("malformed.yml");
        std::fs::write(&malformed, "services: [unclosed\n  - : :\n\t{{").unwrap();
        let binary = cf.join("photo.jpg");
        std::fs::write(&binary, pseudo_random(9, 4096)).unwrap();
        let empty_yml = cf.join("empty.yml");
        std::fs::write(&empty_yml, b"").unwrap();
        let new_yml = cf.join("new.yml");

        // Settings files.
        let settings = |name: &str, edit: &dyn Fn(&mut ccs_core::local::settings::Config)| {
            let mut bad = ccs_core::local::settings::Config::load(&cfg).unwrap();
            edit(&mut bad);
            let path = w.join(name);
            bad.save(&path).unwrap();
            path
        };
        let wrong_pw = settings("wrong-password.toml", &|bad| {
            for n in bad.nodes.values_mut() {
                n.password = Some(WRONG_PASSWORD.into());
            }
        });
        let closed_port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let wrong_port = settings("wrong-port.toml", &|bad| {
            bad.nodes.get_mut("peer1").unwrap().cluster_api =
                format!("http://127.0.0.1:{closed_port}");
        });
        let gateway_port = settings("gateway-port.toml", &|bad| {
            bad.nodes.get_mut("peer1").unwrap().cluster_api = peer1.gateway.clone();
        });
        let gateway_closed = settings("gateway-closed.toml", &|bad| {
            bad.nodes.get_mut("peer2").unwrap().gateway =
                Some(format!("http://127.0.0.1:{closed_port}"));
        });
        let swarm_port = settings("swarm-port.toml", &|bad| {
            bad.nodes.get_mut("peer1").unwrap().cluster_api =
                format!("http://127.0.0.1:{}", peer1.ports.kubo_swarm);
        });
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

        eprintln!(
            "the testnet and its fixtures: ready in {:?}",
            started.elapsed()
        );
        Main {
            bench: Bench {
                peer1,
                cfg,
                journal,
                nobody: Some((nobody_bin, nobody_cfg)),
                out_dirs: vec![dl.clone(), cf.clone(), w.clone()],
                secrets: Mutex::new(secrets),
            },
            turn: Mutex::new(()),
            missing: w.join("no such file.txt"),
            dl,
            cf,
            file,
            locked_file,
            locked_dir,
            mixed,
            fifo,
            with_fifo,
            with_socket,
            loop_link,
            with_loop,
            empty,
            deep,
            names,
            latin1,
            foreign,
            malformed,
            binary,
            empty_yml,
            new_yml,
            wrong_pw,
            wrong_port,
            gateway_port,
            gateway_closed,
            swarm_port,
            bad_toml,
            existing_file,
            existing_dir,
            dangling,
            cid: OnceLock::new(),
            node_files: OnceLock::new(),
        }
    }

    /// Where a retrieved copy named `n` goes.
    fn o(&self, n: &str) -> PathBuf {
        self.dl.join(n)
    }

    fn cfg(&self) -> &Path {
        &self.bench.cfg
    }

    /// `file`'s CID: stored (and pinned everywhere) by the first case that asks.
    fn cid(&self) -> &str {
        self.cid
            .get_or_init(|| add_and_wait(self.cfg(), &self.file))
    }

    fn nf(&self) -> &NodeFiles {
        self.node_files.get_or_init(|| {
            let cf = &self.cf;
            let good = cf.join("good.yml");
            let r = ccs_plain(
                self.cfg(),
                &[&"create", &"--cluster-peername", &"bootstrap", &"-o", &good],
            );
            assert_eq!(r.code, 0, "{r:?}");
            let good_text = std::fs::read_to_string(&good).unwrap();
            let secret = ccs_core::deploy::compose::NodeFile::parse(&good_text)
                .unwrap()
                .secrets
                .cluster_secret
                .clone();
            // The network secret must never be shown, from now on.
            self.bench
                .secrets
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(secret);
            let truncated = cf.join("truncated.yml");
            std::fs::write(&truncated, &good_text[..good_text.len() / 2]).unwrap();
            let sealed = cf.join("acme.age");
            let r = ccs_plain(
                self.cfg(),
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
            let existing_node_file = cf.join("existing.yml");
            std::fs::copy(&good, &existing_node_file).unwrap();
            NodeFiles {
                good,
                truncated,
                sealed,
                sealed_cut,
                existing_node_file,
            }
        })
    }
}

/// Cases run on the testnet where every partner is up.
struct Up;

impl Up {
    fn run(self, make: impl FnOnce(&'static Main) -> Case) {
        let f = main_net();
        let _turn = f.turn.lock().unwrap_or_else(PoisonError::into_inner);
        // Made in turn: the fixtures a case makes (a stored CID) come before
        // its pinset is taken.
        let c = make(f);
        f.bench.run(c);
    }
}

// --- The testnet daemons are stopped on -----------------------------------------

/// The stages of the "down" testnet, each adding to the one before.
const STAGES: [&[(usize, DaemonKind)]; 3] = [
    // 1: one partner's kubo (peer2's) down.
    &[(1, DaemonKind::Kubo)],
    // 2: also a partner's cluster peer and kubo (peer3's) down.
    &[(2, DaemonKind::Cluster), (2, DaemonKind::Kubo)],
    // 3: also peer1's kubo: every gateway down.
    &[(0, DaemonKind::Kubo)],
];

/// The fixtures of a "down" testnet (kept to the process's end).
struct DownFx {
    bench: Bench,
    /// Where retrieved copies go.
    dl: PathBuf,
    file: PathBuf,
    /// `file`, stored (and pinned everywhere) before any daemon was stopped.
    cid: String,
}

impl DownFx {
    fn o(&self, n: &str) -> PathBuf {
        self.dl.join(n)
    }
}

struct DownNet {
    /// Dropped first: the daemons stop before the folders go.
    net: TempNet,
    _work: tempfile::TempDir,
    /// How many of [`STAGES`] were applied.
    stage: usize,
    fx: &'static DownFx,
}

/// The "down" testnets started so far, each at its stage. Held by a case for
/// its whole run: one "down" case at a time.
static DOWN: Mutex<Vec<DownNet>> = Mutex::new(Vec::new());

impl DownNet {
    fn start() -> DownNet {
        let started = Instant::now();
        let net = start_net();
        let work = tempfile::tempdir().unwrap();
        let w = work.path().to_path_buf();
        let dl = w.join("downloads");
        std::fs::create_dir_all(&dl).unwrap();
        let journal = w.join("jobs");
        std::fs::create_dir_all(&journal).unwrap();
        let file = w.join("letter.txt");
        std::fs::write(&file, pseudo_random(1, 300_000)).unwrap();
        let cfg = net.config_path();
        let cid = add_and_wait(&cfg, &file);
        let mut secrets: Vec<String> = net.peers().iter().map(|p| p.password.clone()).collect();
        secrets.push(WRONG_PASSWORD.into());
        let fx = Box::leak(Box::new(DownFx {
            bench: Bench {
                peer1: net.peer(0).clone(),
                cfg,
                journal,
                nobody: None,
                out_dirs: vec![dl.clone(), w],
                secrets: Mutex::new(secrets),
            },
            dl,
            file,
            cid,
        }));
        eprintln!("a \"down\" testnet: ready in {:?}", started.elapsed());
        DownNet {
            net,
            _work: work,
            stage: 0,
            fx,
        }
    }
}

/// Cases run on a "down" testnet at this stage (1 to 3) of [`STAGES`].
struct Down(usize);

impl Down {
    fn run(self, make: impl FnOnce(&'static DownFx) -> Case) {
        let mut nets = DOWN.lock().unwrap_or_else(PoisonError::into_inner);
        // The furthest testnet not past this stage, or a new one.
        let at = nets
            .iter()
            .enumerate()
            .filter(|(_, n)| n.stage <= self.0)
            .max_by_key(|(_, n)| n.stage)
            .map(|(i, _)| i);
        let at = at.unwrap_or_else(|| {
            nets.push(DownNet::start());
            nets.len() - 1
        });
        let n = &mut nets[at];
        while n.stage < self.0 {
            for (peer, kind) in STAGES[n.stage] {
                n.net.kill(*peer, *kind).unwrap();
            }
            n.stage += 1;
        }
        let fx = n.fx;
        fx.bench.run(make(fx));
    }
}

// --- The catalogue ------------------------------------------------------------

/// One `#[test]` per entry, `NAME on Up|Down(STAGE) => |fixtures| case(...);`,
/// and [`CASES`], every entry's name.
macro_rules! catalogue {
    ($($name:ident on $bench:expr => |$f:ident| $case:expr;)+) => {
        $(
            #[test]
            fn $name() {
                $bench.run(|$f| $case);
            }
        )+
        /// Every case's test name.
        const CASES: &[&str] = &[$(stringify!($name)),+];
    };
}

#[test]
fn the_catalogue_holds_over_40_cases() {
    assert!(CASES.len() >= 40, "{} cases", CASES.len());
}

catalogue! {
    // --- Paths ----------------------------------------------------------------
    paths_add_a_missing_path on Up => |f| case(
        "paths",
        "add a missing path",
        &[&"add", &f.missing],
        refused("path_not_found", 5, "does not exist"),
    );
    paths_add_a_good_and_a_missing_path_together on Up => |f| case(
        "paths",
        "add a good and a missing path together",
        &[&"add", &f.file, &f.missing],
        refused("path_not_found", 5, "does not exist"),
    );
    paths_add_an_unreadable_file_as_nobody on Up => |f| case(
        "paths",
        "add an unreadable file (as nobody)",
        &[&"add", &f.locked_file],
        refused("read_failed", 8, "locked.txt"),
    )
    .nobody();
    paths_add_an_unreadable_folder_as_nobody on Up => |f| case(
        "paths",
        "add an unreadable folder (as nobody)",
        &[&"add", &f.locked_dir],
        refused("read_failed", 8, "locked folder"),
    )
    .nobody();
    paths_add_a_folder_with_one_unreadable_file_as_nobody on Up => |f| case(
        "paths",
        "add a folder with one unreadable file (as nobody)",
        &[&"add", &f.mixed],
        refused("read_failed", 8, "secret.txt"),
    )
    .nobody();
    paths_add_a_link_that_points_at_itself on Up => |f| case(
        "paths",
        "add a link that points at itself",
        &[&"add", &f.loop_link],
        refused("read_failed", 8, "loop"),
    );
    paths_add_a_folder_holding_link_loops_stored_as_links on Up => |f| case(
        "paths",
        "add a folder holding link loops (stored as links)",
        &[&"add", &f.with_loop],
        works(move |r| {
            let c = added(r);
            let out = f.o("loop-back");
            let g = ccs_plain(f.cfg(), &[&"get", &c, &"-o", &out]);
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
        }),
    );
    paths_add_a_named_pipe on Up => |f| case(
        "paths",
        "add a named pipe",
        &[&"add", &f.fifo],
        refused("unsupported_file", 8, "a pipe"),
    );
    paths_add_a_folder_holding_a_named_pipe on Up => |f| case(
        "paths",
        "add a folder holding a named pipe",
        &[&"add", &f.with_fifo],
        refused("unsupported_file", 8, "pipe"),
    );
    paths_add_a_folder_holding_a_socket on Up => |f| case(
        "paths",
        "add a folder holding a socket",
        &[&"add", &f.with_socket],
        refused("unsupported_file", 8, "sock"),
    );
    paths_add_a_device_dev_null on Up => |_f| case(
        "paths",
        "add a device (/dev/null)",
        &[&"add", &"/dev/null"],
        refused("unsupported_file", 8, "/dev/null"),
    );
    paths_add_an_empty_file_valid_content on Up => |f| case(
        "paths",
        "add an empty file (valid content)",
        &[&"add", &f.empty],
        works(move |r| {
            let c = added(r);
            assert_eq!(c, EMPTY_FILE_CID, "{r:?}");
            let out = f.o("empty-back.txt");
            let g = ccs_plain(f.cfg(), &[&"get", &c, &"-o", &out]);
            assert_eq!(g.code, 0, "{g:?}");
            assert_eq!(std::fs::read(&out).unwrap(), b"");
            Some(c)
        }),
    );
    paths_add_a_tree_500_folders_deep on Up => |f| case(
        "paths",
        "add a tree 500 folders deep",
        &[&"add", &f.deep],
        works(move |r| {
            let c = added(r);
            let out = f.o("deep-back");
            let g = ccs_plain(f.cfg(), &[&"get", &c, &"-o", &out]);
            assert_eq!(g.code, 0, "{g:?}");
            assert_same_tree(&f.deep, &out);
            Some(c)
        }),
    );
    paths_add_unicode_nfc_nfd_newline_and_tab_names on Up => |f| case(
        "paths",
        "add Unicode, NFC+NFD, newline and tab names",
        &[&"add", &f.names],
        works(move |r| {
            let c = added(r);
            let out = f.o("names-back");
            let g = ccs_plain(f.cfg(), &[&"get", &c, &"-o", &out]);
            assert_eq!(g.code, 0, "{g:?}");
            // Byte for byte: NFC and NFD stay two different names.
            assert_eq!(names_of(&f.names), names_of(&out));
            assert_same_tree(&f.names, &out);
            Some(c)
        }),
    );
    paths_add_a_name_that_is_not_utf8_latin1 on Up => |f| case(
        "paths",
        "add a name that is not UTF-8 (Latin-1)",
        &[&"add", &f.latin1],
        works(move |r| {
            let c = added(r);
            let out = f.o("latin1-back");
            let g = ccs_plain(f.cfg(), &[&"get", &c, &"-o", &out]);
            assert_eq!(g.code, 0, "{g:?}");
            assert_eq!(names_of(&f.latin1), names_of(&out));
            Some(c)
        }),
    );
    paths_add_with_metadata_lacking_equals on Up => |f| case(
        "paths",
        "add with --metadata lacking =",
        &[&"add", &"--metadata", &"oops", &f.file],
        refused("usage", 2, "KEY=VALUE"),
    );
    paths_add_with_replication_min_minus_5 on Up => |f| case(
        "paths",
        "add with --replication-min -5",
        &[&"add", &"--replication-min", &"-5", &f.file],
        refused("invalid_input", 2, "--replication-min"),
    );

    // --- Content IDs ----------------------------------------------------------
    cids_get_garbage on Up => |f| case(
        "cids",
        "get garbage",
        &[&"get", &"hello", &"-o", &f.o("g1")],
        refused("invalid_input", 2, "is not a content ID"),
    )
    .absent(&f.o("g1"));
    cids_get_a_truncated_cid on Up => |f| case(
        "cids",
        "get a truncated CID",
        &[&"get", &&f.cid()[..f.cid().len() - 6], &"-o", &f.o("g2")],
        refused("invalid_input", 2, "is not a content ID"),
    )
    .absent(&f.o("g2"));
    cids_get_a_cid_with_an_unknown_base_prefix on Up => |f| case(
        "cids",
        "get a CID with an unknown base prefix",
        &[&"get", &format!("x{}", &UNKNOWN_V1[1..]), &"-o", &f.o("g3")],
        refused("invalid_input", 2, "is not a content ID"),
    )
    .absent(&f.o("g3"));
    cids_get_a_cid_with_letters_base58_lacks on Up => |f| case(
        "cids",
        "get a CID with letters base58 lacks",
        &[
            &"get",
            &format!("{}0OIl", &f.cid()[..f.cid().len() - 4]),
            &"-o",
            &f.o("g4"),
        ],
        refused("invalid_input", 2, "is not a content ID"),
    )
    .absent(&f.o("g4"));
    cids_status_of_garbage on Up => |_f| case(
        "cids",
        "status of garbage",
        &[&"status", &"not-a-cid"],
        refused("invalid_input", 2, "is not a content ID"),
    );
    cids_rm_garbage on Up => |_f| case(
        "cids",
        "rm garbage",
        &[&"rm", &"-y", &"zzzz"],
        refused("invalid_input", 2, "is not a content ID"),
    );
    cids_get_an_unknown_cidv0 on Up => |f| case(
        "cids",
        "get an unknown CIDv0",
        &[&"get", &UNKNOWN_V0, &"-o", &f.o("g5")],
        refused("not_found", 5, "was not found"),
    )
    .absent(&f.o("g5"));
    cids_get_an_unknown_cidv1 on Up => |f| case(
        "cids",
        "get an unknown CIDv1",
        &[&"get", &UNKNOWN_V1, &"-o", &f.o("g6")],
        refused("not_found", 5, "was not found"),
    )
    .absent(&f.o("g6"));
    cids_rm_an_unknown_cid on Up => |_f| case(
        "cids",
        "rm an unknown CID",
        &[&"rm", &"-y", &UNKNOWN_V0],
        refused("not_found", 5, "was not found"),
    );
    cids_status_of_an_unknown_cid_absent_exit_5 on Up => |_f| case(
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
    );

    // --- Credentials and ports ------------------------------------------------
    connection_ls_with_a_wrong_password on Up => |f| case(
        "connection",
        "ls with a wrong password",
        &[&"ls"],
        refused("unauthorized", 4, "refused the user name or password"),
    )
    .config(&f.wrong_pw);
    connection_add_with_a_wrong_password on Up => |f| case(
        "connection",
        "add with a wrong password",
        &[&"add", &f.file],
        refused("unauthorized", 4, "refused the user name or password"),
    )
    .config(&f.wrong_pw);
    connection_get_with_a_wrong_password on Up => |f| case(
        "connection",
        "get with a wrong password",
        &[&"get", &f.cid(), &"-o", &f.o("g7")],
        refused("unauthorized", 4, "refused the user name or password"),
    )
    .config(&f.wrong_pw)
    .absent(&f.o("g7"));
    connection_rm_with_a_wrong_password on Up => |f| case(
        "connection",
        "rm with a wrong password",
        &[&"rm", &"-y", &f.cid()],
        refused("unauthorized", 4, "refused the user name or password"),
    )
    .config(&f.wrong_pw);
    connection_password_from_the_environment_wrong on Up => |_f| case(
        "connection",
        "password from the environment, wrong",
        &[&"peers"],
        refused("unauthorized", 4, "refused the user name or password"),
    )
    .env("CCS_PASSWORD", "also wrong 456");
    connection_ls_on_a_closed_port on Up => |f| case(
        "connection",
        "ls on a closed port",
        &[&"ls"],
        refused("unreachable", 3, "Could not connect"),
    )
    .config(&f.wrong_port);
    connection_add_on_a_closed_port on Up => |f| case(
        "connection",
        "add on a closed port",
        &[&"add", &f.file],
        refused("unreachable", 3, "Could not connect"),
    )
    .config(&f.wrong_port);
    connection_ls_on_the_gateways_port_not_the_cluster_api on Up => |f| case(
        "connection",
        "ls on the gateway's port (not the cluster API)",
        &[&"ls"],
        refused("not_found", 5, "not found"),
    )
    .config(&f.gateway_port);
    connection_ls_on_an_unknown_host_name on Up => |_f| case(
        "connection",
        "ls on an unknown host name",
        &[&"--cluster-peername", &"no-such-host.invalid", &"ls"],
        refused("unreachable", 3, "no-such-host.invalid"),
    );
    connection_settings_file_that_is_not_toml on Up => |f| case(
        "connection",
        "settings file that is not TOML",
        &[&"ls"],
        refused("config", 9, "broken.toml"),
    )
    .config(&f.bad_toml);
    connection_settings_file_that_is_a_folder on Up => |f| case(
        "connection",
        "settings file that is a folder",
        &[&"ls"],
        refused("config", 9, "could not be read"),
    )
    .config(&f.dl);
    connection_config_set_with_an_unknown_key on Up => |f| case(
        "connection",
        "config set with an unknown key",
        &[&"config", &"set", &"colour", &"red"],
        refused("usage", 2, "colour"),
    )
    .untouched(f.cfg());
    connection_ls_on_kubos_swarm_port_not_http on Up => |f| case(
        "connection",
        "ls on kubo's swarm port (not HTTP)",
        &[&"ls"],
        refused("interrupted", 6, "Check that this is the node's address"),
    )
    .config(&f.swarm_port);
    connection_get_when_the_named_partners_gateway_port_is_closed on Up => |f| case(
        "connection",
        "get when the named partner's gateway port is closed",
        &[
            &"--cluster-peername",
            &"peer2",
            &"get",
            &f.cid(),
            &"-o",
            &f.o("via-other.txt"),
        ],
        works(move |r| {
            let v = r.json();
            assert_ne!(v["source"], "peer2", "{v}");
            let failed = &v["failed_sources"];
            assert_eq!(failed.as_array().unwrap().len(), 1, "{v}");
            assert_eq!(failed[0]["source"], "peer2", "{v}");
            assert_eq!(failed[0]["code"], "unreachable", "{v}");
            assert_eq!(failed[0]["damaged"], false, "{v}");
            assert!(
                std::fs::read(f.o("via-other.txt")).unwrap() == std::fs::read(&f.file).unwrap()
            );
            None
        }),
    )
    .config(&f.gateway_closed);

    // --- Destinations ---------------------------------------------------------
    destination_get_over_an_existing_file on Up => |f| case(
        "destination",
        "get over an existing file",
        &[&"get", &f.cid(), &"-o", &f.existing_file],
        refused("already_exists", 8, "--force"),
    )
    .untouched(&f.existing_file);
    destination_get_over_an_existing_folder on Up => |f| case(
        "destination",
        "get over an existing folder",
        &[&"get", &f.cid(), &"-o", &f.existing_dir],
        refused("already_exists", 8, "--force"),
    )
    .untouched(&f.existing_dir);
    destination_get_over_a_dangling_link on Up => |f| case(
        "destination",
        "get over a dangling link",
        &[&"get", &f.cid(), &"-o", &f.dangling],
        refused("already_exists", 8, "--force"),
    )
    .untouched(&f.dangling);
    destination_get_into_a_missing_folder on Up => |f| case(
        "destination",
        "get into a missing folder",
        &[&"get", &f.cid(), &"-o", &f.dl.join("nope/sub/x.txt")],
        refused("write_failed", 8, "nope/sub\" does not exist"),
    )
    .absent(&f.dl.join("nope"));
    destination_create_over_an_existing_node_file on Up => |f| case(
        "destination",
        "create over an existing node file",
        &[
            &"create",
            &"--cluster-peername",
            &"other",
            &"-o",
            &f.nf().existing_node_file,
        ],
        refused("already_exists", 8, "already exists"),
    )
    .untouched(&f.nf().existing_node_file);
    destination_clone_over_an_existing_node_file on Up => |f| case(
        "destination",
        "clone over an existing node file",
        &[
            &"clone",
            &"-i",
            &f.nf().good,
            &"--cluster-peername",
            &"acme",
            &"--bootstrap-host",
            &"bootstrap",
            &"-o",
            &f.nf().existing_node_file,
        ],
        refused("already_exists", 8, "already exists"),
    )
    .untouched(&f.nf().existing_node_file);
    destination_invite_over_an_existing_node_file on Up => |f| case(
        "destination",
        "invite over an existing node file",
        &[
            &"invite",
            &"-i",
            &f.nf().good,
            &"--cluster-peername",
            &"acme",
            &"--bootstrap-host",
            &"bootstrap",
            &"-o",
            &f.nf().existing_node_file,
        ],
        refused("already_exists", 8, "already exists"),
    )
    .untouched(&f.nf().existing_node_file);
    destination_invite_open_over_an_existing_node_file on Up => |f| case(
        "destination",
        "invite open over an existing node file",
        &[&"invite", &"open", &f.nf().sealed, &"-o", &f.nf().existing_node_file],
        refused("already_exists", 8, "already exists"),
    )
    .env("CCS_INVITE_PASSPHRASE", PASSPHRASE)
    .untouched(&f.nf().existing_node_file);

    // --- Node files and invitations -------------------------------------------
    node_files_clone_from_a_missing_file on Up => |f| case(
        "node files",
        "clone from a missing file",
        &[
            &"clone",
            &"-i",
            &f.missing,
            &"--cluster-peername",
            &"acme",
            &"--bootstrap-host",
            &"bootstrap",
            &"-o",
            &f.new_yml,
        ],
        refused("path_not_found", 5, "does not exist"),
    )
    .absent(&f.new_yml);
    node_files_clone_from_malformed_yaml on Up => |f| case(
        "node files",
        "clone from malformed YAML",
        &[
            &"clone",
            &"-i",
            &f.malformed,
            &"--cluster-peername",
            &"acme",
            &"--bootstrap-host",
            &"bootstrap",
            &"-o",
            &f.new_yml,
        ],
        refused(
            "invalid_input",
            2,
            "not a community-cloud-storage node file",
        ),
    )
    .absent(&f.new_yml);
    node_files_clone_from_a_foreign_docker_compose_file on Up => |f| case(
        "node files",
        "clone from a foreign docker-compose file",
        &[
            &"clone",
            &"-i",
            &f.foreign,
            &"--cluster-peername",
            &"acme",
            &"--bootstrap-host",
            &"bootstrap",
            &"-o",
            &f.new_yml,
        ],
        refused(
            "invalid_input",
            2,
            "not a community-cloud-storage node file",
        ),
    )
    .absent(&f.new_yml);
    node_files_clone_from_a_truncated_node_file on Up => |f| case(
        "node files",
        "clone from a truncated node file",
        &[
            &"clone",
            &"-i",
            &f.nf().truncated,
            &"--cluster-peername",
            &"acme",
            &"--bootstrap-host",
            &"bootstrap",
            &"-o",
            &f.new_yml,
        ],
        refused(
            "invalid_input",
            2,
            "not a community-cloud-storage node file",
        ),
    )
    .absent(&f.new_yml);
    node_files_clone_from_an_empty_file on Up => |f| case(
        "node files",
        "clone from an empty file",
        &[
            &"clone",
            &"-i",
            &f.empty_yml,
            &"--cluster-peername",
            &"acme",
            &"--bootstrap-host",
            &"bootstrap",
            &"-o",
            &f.new_yml,
        ],
        refused(
            "invalid_input",
            2,
            "not a community-cloud-storage node file",
        ),
    )
    .absent(&f.new_yml);
    node_files_clone_from_a_photo_binary on Up => |f| case(
        "node files",
        "clone from a photo (binary)",
        &[
            &"clone",
            &"-i",
            &f.binary,
            &"--cluster-peername",
            &"acme",
            &"--bootstrap-host",
            &"bootstrap",
            &"-o",
            &f.new_yml,
        ],
        refused("invalid_input", 2, "it is not text"),
    )
    .absent(&f.new_yml);
    node_files_invite_from_a_foreign_docker_compose_file on Up => |f| case(
        "node files",
        "invite from a foreign docker-compose file",
        &[
            &"invite",
            &"-i",
            &f.foreign,
            &"--cluster-peername",
            &"acme",
            &"--bootstrap-host",
            &"bootstrap",
            &"-o",
            &f.new_yml,
        ],
        refused(
            "invalid_input",
            2,
            "not a community-cloud-storage node file",
        ),
    )
    .absent(&f.new_yml);
    node_files_invite_from_a_sealed_invitation on Up => |f| case(
        "node files",
        "invite from a sealed invitation",
        &[
            &"invite",
            &"-i",
            &f.nf().sealed,
            &"--cluster-peername",
            &"beta",
            &"--bootstrap-host",
            &"bootstrap",
            &"-o",
            &f.new_yml,
        ],
        refused("invalid_input", 2, "invite open"),
    )
    .absent(&f.new_yml);
    node_files_invite_open_with_a_wrong_passphrase on Up => |f| case(
        "node files",
        "invite open with a wrong passphrase",
        &[&"invite", &"open", &f.nf().sealed, &"-o", &f.new_yml],
        refused("wrong_passphrase", 4, "passphrase does not open"),
    )
    .env("CCS_INVITE_PASSPHRASE", "wrong horse battery staple")
    .absent(&f.new_yml);
    node_files_invite_open_with_an_empty_passphrase on Up => |f| case(
        "node files",
        "invite open with an empty passphrase",
        &[&"invite", &"open", &f.nf().sealed, &"-o", &f.new_yml],
        refused("wrong_passphrase", 4, "passphrase does not open"),
    )
    .env("CCS_INVITE_PASSPHRASE", "")
    .absent(&f.new_yml);
    node_files_invite_open_without_a_passphrase_or_terminal on Up => |f| case(
        "node files",
        "invite open without a passphrase or terminal",
        &[&"invite", &"open", &f.nf().sealed, &"-o", &f.new_yml],
        refused("usage", 2, "CCS_INVITE_PASSPHRASE"),
    )
    .absent(&f.new_yml);
    node_files_invite_open_a_truncated_invitation on Up => |f| case(
        "node files",
        "invite open a truncated invitation",
        &[&"invite", &"open", &f.nf().sealed_cut, &"-o", &f.new_yml],
        refused("invalid_input", 2, "damaged"),
    )
    .env("CCS_INVITE_PASSPHRASE", PASSPHRASE)
    .absent(&f.new_yml);
    node_files_invite_open_a_plain_node_file on Up => |f| case(
        "node files",
        "invite open a plain node file",
        &[&"invite", &"open", &f.nf().good, &"-o", &f.new_yml],
        refused("invalid_input", 2, "not a sealed invitation"),
    )
    .env("CCS_INVITE_PASSPHRASE", PASSPHRASE)
    .absent(&f.new_yml);
    node_files_invite_open_a_photo_binary on Up => |f| case(
        "node files",
        "invite open a photo (binary)",
        &[&"invite", &"open", &f.binary, &"-o", &f.new_yml],
        refused("invalid_input", 2, "not a sealed invitation"),
    )
    .env("CCS_INVITE_PASSPHRASE", PASSPHRASE)
    .absent(&f.new_yml);
    node_files_invite_open_a_missing_file on Up => |f| case(
        "node files",
        "invite open a missing file",
        &[&"invite", &"open", &f.missing, &"-o", &f.new_yml],
        refused("path_not_found", 5, "does not exist"),
    )
    .env("CCS_INVITE_PASSPHRASE", PASSPHRASE)
    .absent(&f.new_yml);

    // --- Stage 1: one partner's kubo down: get falls back and says so ---------
    down_1_get_through_a_partner_whose_kubo_is_down on Down(1) => |d| case(
        "down",
        "get through a partner whose kubo is down",
        &[
            &"--cluster-peername",
            &"peer2",
            &"get",
            &d.cid,
            &"-o",
            &d.o("fallback.txt"),
        ],
        works(move |r| {
            // peer2 is skipped (the cluster already reports its copy in
            // error) or tried and listed as unreachable, never as damaged.
            let v = r.json();
            assert_ne!(v["source"], "peer2", "{v}");
            for failed in v["failed_sources"].as_array().unwrap() {
                assert_eq!(failed["source"], "peer2", "{v}");
                assert_eq!(failed["damaged"], false, "{v}");
            }
            assert!(
                std::fs::read(d.o("fallback.txt")).unwrap() == std::fs::read(&d.file).unwrap()
            );
            None
        }),
    );

    // --- Stage 2: also a partner's cluster peer and kubo down -----------------
    down_2_ls_through_a_partner_whose_cluster_peer_is_down on Down(2) => |_d| case(
        "down",
        "ls through a partner whose cluster peer is down",
        &[&"--cluster-peername", &"peer3", &"ls"],
        refused("unreachable", 3, "Could not connect"),
    );
    down_2_add_through_a_partner_whose_cluster_peer_is_down on Down(2) => |d| case(
        "down",
        "add through a partner whose cluster peer is down",
        &[&"--cluster-peername", &"peer3", &"add", &d.file],
        refused("unreachable", 3, "Could not connect"),
    );
    down_2_get_through_a_partner_with_cluster_and_kubo_down on Down(2) => |d| case(
        "down",
        "get through a partner with cluster and kubo down",
        &[&"--cluster-peername", &"peer3", &"get", &d.cid, &"-o", &d.o("g8")],
        refused("unreachable", 3, "Could not connect"),
    )
    .absent(&d.o("g8"));

    // --- Stage 3: every gateway down (peer1's kubo too) -----------------------
    down_3_get_when_no_partners_kubo_answers on Down(3) => |d| case(
        "down",
        "get when no partner's kubo answers",
        &[&"get", &d.cid, &"-o", &d.o("g9")],
        refused("unavailable", 6, "No partner could send"),
    )
    .absent(&d.o("g9"));
    down_3_add_when_the_nodes_kubo_is_down on Down(3) => |d| case(
        "down",
        "add when the node's kubo is down",
        &[&"add", &d.file],
        refused("stream_failed", 6, "Nothing was stored"),
    );
}
