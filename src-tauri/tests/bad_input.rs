//! The bad-input catalogue of the app's commands, through Tauri's mock
//! runtime (the real builder and context): one test per case, generated from
//! one table (`catalogue!`, at the end of this file), each of which can run
//! alone:
//!
//! ```text
//! cargo test -p ccs-app --test bad_input -- paths_add_a_named_pipe --exact
//! ```
//!
//! The cases run against one real private 3-peer testnet, the app connected
//! to it and their fixtures, started once per test binary, when the first
//! case needs them. They take turns (one lock), so no case sees another's
//! files, pins or temporary files. The "down" cases (`down_1_…` to
//! `down_3_…`) run on a second testnet of their own, with its own app, where
//! daemons are stopped in stages (1: the connected node's kubo; 2: every
//! kubo; 3: also the connected node's cluster peer): a `down_N_` case gets
//! that testnet at stage N, or a fresh one if the one at hand is already past
//! it (in name order, one testnet serves every stage). Every daemon is
//! started from one thread that lives as long as the process (they die with
//! it: PR_SET_PDEATHSIG), and the testnets are stopped and their folders
//! removed when the test binary exits.
//!
//! Every refusal is checked for its error code, a message that is one line
//! ending in a full stop with no debug dump and no secret, and for nothing
//! written or lost: named paths absent, existing files and settings
//! byte-identical, no temporary file left, the cluster's pinset unchanged
//! (while the connected node's cluster peer is up).
//!
//! A case marked `known_bug` documents an app command that misbehaves today:
//! the case asserts the misbehaviour, so it fails once fixed, and the mark
//! should then be removed. (The four the catalogue found are fixed.)

// Needs the real daemons: `./scripts/test.sh` turns it on.
#![cfg(feature = "real-daemons")]
#![allow(clippy::unwrap_used)]

mod common;

use std::any::Any;
use std::future::Future;
use std::ops::Deref;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::{LazyLock, Mutex, OnceLock, PoisonError, mpsc};
use std::time::{Duration, Instant};

use ccs_app::dto::AddDetails;
use ccs_core::local::settings::NodeProfile;
use ccs_tests::{DaemonKind, TempNet, pseudo_random, start_testnet};
use serde_json::{Value, json};
use tauri::test::MockRuntime;
use tauri::{App, WebviewWindow};

use common::{IGNORED_CHANNEL, app, call, save_settings};

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

fn p(p: &Path) -> String {
    p.display().to_string()
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

/// Runs `f` to the end on a runtime of its own (a case's command, a query).
fn block_on<T>(f: impl Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

/// The cluster's items as `peer` reports them (see [`ccs_tests::item_pinset`]).
fn pinset(peer: &NodeProfile) -> Vec<String> {
    ccs_tests::item_pinset(peer.cluster().unwrap())
}

/// Adds `file` through the app and waits until every peer has pinned it: its CID.
async fn store(app: &App<MockRuntime>, job: &str, file: &Path, peer: &NodeProfile) -> String {
    let stored = common::add(app, job, vec![p(file)], AddDetails::default())
        .await
        .0
        .unwrap();
    ccs_tests::wait_status(
        &peer.cluster().unwrap(),
        &stored.cid,
        Duration::from_secs(120),
        |s| {
            s.peer_map
                .values()
                .filter(|p| p.status == ccs_core::net::cluster::TrackerStatus::Pinned)
                .count()
                == 3
        },
    )
    .await;
    stored.cid
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

/// What is checked around each case on one testnet.
struct Bench {
    /// The connected node (peer1): its cluster API gives the pinset.
    peer1: NodeProfile,
    /// Checked for temporary files after each case.
    dirs: Vec<PathBuf>,
    /// Text that must never be shown.
    secrets: Vec<String>,
}

impl Bench {
    /// Runs one case and checks everything (the pinset too with `pinset_too`:
    /// while the connected node's cluster peer is up); panics (fails the
    /// test) on the first failed check, after reporting a changed pinset too.
    fn run(&self, c: Case<'_>, pinset_too: bool) {
        let started = Instant::now();
        let before: Vec<_> = c.untouched.iter().map(|p| read_or_missing(p)).collect();
        assert!(before.iter().all(Option::is_some), "{}: setup", c.name);
        let pins_before = pinset_too.then(|| pinset(&self.peer1));
        let got = block_on(c.run);
        let ctx = format!("case \"{}\" ({}): {got:?}", c.name, c.area);
        if let Some((bug, today)) = c.known_bug {
            let still = match (today, &got) {
                (None, Ok(_)) => true,
                (Some(code), Err(e)) => e["code"] == code,
                _ => false,
            };
            if still {
                eprintln!("known app bug, still present: {bug}");
                eprintln!(
                    "{:>7.2}s  {:<12} {}  [known app bug]",
                    started.elapsed().as_secs_f64(),
                    c.area,
                    c.name
                );
                return;
            }
        }
        let expect = &c.expect;
        let checks = std::panic::catch_unwind(AssertUnwindSafe(|| {
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
        let mut pins_kept = true;
        if let Some(mut expected) = pins_before {
            if let Ok(Some(cid)) = &checks {
                if !expected.contains(cid) {
                    expected.push(cid.clone());
                    expected.sort();
                }
            }
            let after = pinset(&self.peer1);
            if after != expected {
                eprintln!("pinset changed ({expected:?} -> {after:?}): {ctx}");
                pins_kept = false;
            }
        }
        eprintln!(
            "{:>7.2}s  {:<12} {}",
            started.elapsed().as_secs_f64(),
            c.area,
            c.name
        );
        if let Err(panic) = checks {
            std::panic::resume_unwind(panic);
        }
        assert!(pins_kept, "the pinset changed: {ctx}");
        if let Some((bug, _)) = c.known_bug {
            panic!(
                "{} ({}): the known bug \"{bug}\" is fixed; remove its known_bug mark",
                c.name, c.area
            );
        }
    }
}

/// What a case is made from: its testnet's fixtures (`F`, also reached
/// through `*`), and the app connected to it, held for the case's turn.
struct Ctx<'a, F: 'static> {
    f: &'static F,
    app: &'a App<MockRuntime>,
    win: &'a WebviewWindow<MockRuntime>,
}

impl<F> Clone for Ctx<'_, F> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<F> Copy for Ctx<'_, F> {}

impl<F> Deref for Ctx<'_, F> {
    type Target = F;
    fn deref(&self) -> &F {
        self.f
    }
}

impl<'a, F> Ctx<'a, F> {
    /// `add_items` as the frontend calls it.
    fn add(self, paths: Vec<String>) -> impl Future<Output = Outcome> + use<'a, F> {
        let app = self.app;
        async move {
            outcome(
                common::add(app, "job", paths, AddDetails::default())
                    .await
                    .0,
            )
        }
    }

    /// `retrieve_item` as the frontend calls it.
    fn get(self, cid: &str, dest: &Path) -> impl Future<Output = Outcome> + use<'a, F> {
        let (app, cid, dest) = (self.app, cid.to_string(), dest.to_path_buf());
        async move { outcome(common::retrieve(app, "job", &cid, &dest).await.0) }
    }

    /// One call over IPC, as the frontend makes it.
    fn ipc(self, cmd: &'static str, args: Value) -> impl Future<Output = Outcome> + use<'a, F> {
        let win = self.win;
        async move { call(win, cmd, args) }
    }
}

// --- The testnet every partner is up on, the app, and their fixtures ----------

struct Main {
    /// The app connected to peer1, with the partners' table (and gateways).
    /// Held by each case for its whole run: one case at a time.
    app: Mutex<App<MockRuntime>>,
    win: WebviewWindow<MockRuntime>,
    /// An app whose settings file is not TOML (kept alive for its window).
    _broken_app: Mutex<App<MockRuntime>>,
    broken_win: WebviewWindow<MockRuntime>,
    bench: Bench,
    /// Peer1's folder, address, user name and kubo swarm port.
    peer1_dir: PathBuf,
    cluster_api: String,
    username: String,
    kubo_swarm: u16,
    config: PathBuf,
    /// Where retrieved copies go.
    dl: PathBuf,
    w: PathBuf,
    file: PathBuf,
    missing: PathBuf,
    fifo: PathBuf,
    empty: PathBuf,
    good: PathBuf,
    foreign: PathBuf,
    truncated: PathBuf,
    malformed: PathBuf,
    existing_node_file: PathBuf,
    confirmed: PathBuf,
    confirmed_create: PathBuf,
    existing_file: PathBuf,
    broken_settings: PathBuf,
    new_yml: PathBuf,
    /// `file`, stored and pinned by every peer (by the first case that needs it).
    cid: OnceLock<String>,
}

fn main_net() -> &'static Main {
    static MAIN: LazyLock<Main> = LazyLock::new(Main::start);
    &MAIN
}

impl Main {
    fn start() -> Main {
        let started = Instant::now();
        let net = start_net();
        let work = tempfile::tempdir().unwrap();
        let w = work.path().to_path_buf();
        let dl = w.join("downloads");
        let nf = w.join("node-files");
        std::fs::create_dir_all(&dl).unwrap();
        std::fs::create_dir_all(&nf).unwrap();
        let config = save_settings(&net, &w, |t| t.default_node = Some("peer1".into()));
        let peer1 = net.net.peer(0).clone();
        let mut secrets: Vec<String> = net.peers().iter().map(|p| p.password.clone()).collect();
        keep_until_exit(net);
        keep_until_exit(work);
        let (the_app, win) = app(&config);

        // Fixtures.
        let file = w.join("letter.txt");
        std::fs::write(&file, pseudo_random(3, 200_000)).unwrap();
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
        secrets.push(
            ccs_core::deploy::compose::NodeFile::parse(&good_text)
                .unwrap()
                .secrets
                .cluster_secret,
        );
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
        let (broken_app, broken_win) = app(&broken_settings);

        eprintln!(
            "the testnet, the app and their fixtures: ready in {:?}",
            started.elapsed()
        );
        Main {
            app: Mutex::new(the_app),
            win,
            _broken_app: Mutex::new(broken_app),
            broken_win,
            bench: Bench {
                peer1: peer1.profile(),
                dirs: vec![dl.clone(), nf.clone(), w.clone()],
                secrets,
            },
            peer1_dir: peer1.dir.clone(),
            cluster_api: peer1.cluster_api.clone(),
            username: peer1.username.clone(),
            kubo_swarm: peer1.ports.kubo_swarm,
            config,
            missing: w.join("no such file.txt"),
            new_yml: nf.join("new.yml"),
            dl,
            w,
            file,
            fifo,
            empty,
            good,
            foreign,
            truncated,
            malformed,
            existing_node_file,
            confirmed,
            confirmed_create,
            existing_file,
            broken_settings,
            cid: OnceLock::new(),
        }
    }

    /// Where a retrieved copy named `n` goes.
    fn out(&self, n: &str) -> PathBuf {
        self.dl.join(n)
    }

    /// `test_connection` / `save_connection`'s argument.
    fn connect(&self, address: &str, password: &str) -> Value {
        json!({"input": {"address": address, "username": self.username, "password": password}})
    }
}

impl<'a> Ctx<'a, Main> {
    /// `file`'s CID: stored (and pinned by every peer) by the first case that asks.
    fn cid(self) -> &'static str {
        let f = self.f;
        f.cid
            .get_or_init(|| block_on(store(self.app, "fixture", &f.file, &f.bench.peer1)))
    }

    /// `export_invite` for partner "acme".
    fn invite(
        self,
        network_file: &Path,
        destination: &Path,
        passphrase: Option<&str>,
    ) -> impl Future<Output = Outcome> + use<'a> {
        self.ipc(
            "export_invite",
            json!({"input": {"network_file": network_file, "partner": "acme",
                "bootstrap_host": "bootstrap", "destination": destination,
                "passphrase": passphrase}}),
        )
    }
}

/// Cases run on the testnet where every partner is up.
struct Up;

impl Up {
    fn run(self, make: impl for<'a> FnOnce(Ctx<'a, Main>) -> Case<'a>) {
        let f = main_net();
        let app = f.app.lock().unwrap_or_else(PoisonError::into_inner);
        // Made in turn: the fixtures a case makes (a stored CID) come before
        // its pinset is taken.
        let c = make(Ctx {
            f,
            app: &app,
            win: &f.win,
        });
        f.bench.run(c, true);
    }
}

// --- The testnet daemons are stopped on -----------------------------------------

/// The stages of the "down" testnet, each adding to the one before.
const STAGES: [&[(usize, DaemonKind)]; 3] = [
    // 1: the connected node's kubo down.
    &[(0, DaemonKind::Kubo)],
    // 2: every kubo down.
    &[(1, DaemonKind::Kubo), (2, DaemonKind::Kubo)],
    // 3: also the connected node's cluster peer down.
    &[(0, DaemonKind::Cluster)],
];

/// The first stage at which the connected node's cluster peer is down: no pinset.
const CLUSTER_DOWN: usize = 3;

/// The fixtures of a "down" testnet (kept to the process's end).
struct DownFx {
    /// The app connected to peer1.
    app: Mutex<App<MockRuntime>>,
    win: WebviewWindow<MockRuntime>,
    bench: Bench,
    /// Where retrieved copies go.
    dl: PathBuf,
    file: PathBuf,
    /// `file`, stored and pinned by every peer before any daemon was stopped.
    cid: String,
}

impl DownFx {
    fn out(&self, n: &str) -> PathBuf {
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
        let config = save_settings(&net, &w, |t| t.default_node = Some("peer1".into()));
        let peer1 = net.net.peer(0).profile();
        let (the_app, win) = app(&config);
        let file = w.join("letter.txt");
        std::fs::write(&file, pseudo_random(3, 200_000)).unwrap();
        let cid = block_on(store(&the_app, "fixture", &file, &peer1));
        let fx = Box::leak(Box::new(DownFx {
            app: Mutex::new(the_app),
            win,
            bench: Bench {
                peer1,
                dirs: vec![dl.clone(), w],
                secrets: net.peers().iter().map(|p| p.password.clone()).collect(),
            },
            dl,
            file,
            cid,
        }));
        eprintln!(
            "a \"down\" testnet and its app: ready in {:?}",
            started.elapsed()
        );
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
    fn run(self, make: impl for<'a> FnOnce(Ctx<'a, DownFx>) -> Case<'a>) {
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
        let f = n.fx;
        let app = f.app.lock().unwrap_or_else(PoisonError::into_inner);
        let c = make(Ctx {
            f,
            app: &app,
            win: &f.win,
        });
        f.bench.run(c, self.0 < CLUSTER_DOWN);
    }
}

// --- The catalogue ------------------------------------------------------------

/// One `#[test]` per entry: `NAME on Up|Down(STAGE) => |ctx| case(...);`.
macro_rules! catalogue {
    ($($name:ident on $bench:expr => |$x:ident| $case:expr;)+) => {
        $(
            #[test]
            fn $name() {
                $bench.run(|$x| $case);
            }
        )+
    };
}

catalogue! {
    // --- Connection and settings ----------------------------------------------
    connection_test_a_wrong_password on Up => |x| case(
        "connection",
        "test a wrong password",
        x.ipc(
            "test_connection",
            x.connect(&x.cluster_api, "wrong password 123"),
        ),
        Expect::Refused("unauthorized"),
    );
    connection_save_a_wrong_password on Up => |x| case(
        "connection",
        "save a wrong password",
        x.ipc(
            "save_connection",
            x.connect(&x.cluster_api, "wrong password 123"),
        ),
        Expect::Refused("unauthorized"),
    )
    .untouched(&x.config);
    connection_save_a_closed_port on Up => |x| case(
        "connection",
        "save a closed port",
        x.ipc("save_connection", x.connect("http://127.0.0.1:9", "x")),
        Expect::Refused("unreachable"),
    )
    .untouched(&x.config);
    connection_test_kubos_swarm_port_not_http on Up => |x| case(
        "connection",
        "test kubo's swarm port (not HTTP)",
        x.ipc(
            "test_connection",
            x.connect(&format!("http://127.0.0.1:{}", x.kubo_swarm), "x"),
        ),
        Expect::Refused("interrupted"),
    );
    connection_test_an_address_that_is_not_one on Up => |x| case(
        "connection",
        "test an address that is not one",
        x.ipc("test_connection", x.connect("http://exa mple:port/", "x")),
        Expect::Refused("invalid_input"),
    );
    connection_settings_file_that_is_not_toml on Up => |x| case(
        "connection",
        "settings file that is not TOML",
        async move {
            call(
                &x.broken_win,
                "list_library",
                json!({"onBatch": IGNORED_CHANNEL}),
            )
        },
        Expect::Refused("config"),
    )
    .untouched(&x.broken_settings);

    // --- Content IDs ----------------------------------------------------------
    cids_item_detail_of_garbage on Up => |x| case(
        "cids",
        "item detail of garbage",
        x.ipc("item_detail", json!({"cid": "hello"})),
        Expect::Refused("invalid_input"),
    );
    cids_remove_garbage on Up => |x| case(
        "cids",
        "remove garbage",
        x.ipc("remove_item", json!({"cid": "zzzz"})),
        Expect::Refused("invalid_input"),
    );
    cids_repair_a_truncated_cid on Up => |x| case(
        "cids",
        "repair a truncated CID",
        x.ipc("repair_item", json!({"cid": &x.cid()[..x.cid().len() - 6]})),
        Expect::Refused("invalid_input"),
    );
    cids_item_detail_of_a_pasted_cid_with_a_line_break_in_it on Up => |x| case(
        "cids",
        "item detail of a pasted CID with a line break in it",
        x.ipc(
            "item_detail",
            json!({"cid": format!("{}\n{}", &x.cid()[..20], &x.cid()[20..])}),
        ),
        Expect::Refused("invalid_input"),
    );
    cids_remove_an_unknown_cid on Up => |x| case(
        "cids",
        "remove an unknown CID",
        x.ipc("remove_item", json!({"cid": UNKNOWN_CID})),
        Expect::Refused("not_found"),
    );
    cids_retrieve_garbage on Up => |x| case(
        "cids",
        "retrieve garbage",
        x.get("not-a-cid", &x.out("r1")),
        Expect::Refused("invalid_input"),
    )
    .absent(&x.out("r1"));
    cids_retrieve_a_truncated_cid on Up => |x| case(
        "cids",
        "retrieve a truncated CID",
        x.get(&x.cid()[..x.cid().len() - 6], &x.out("r2")),
        Expect::Refused("invalid_input"),
    )
    .absent(&x.out("r2"));
    cids_retrieve_an_unknown_cid on Up => |x| case(
        "cids",
        "retrieve an unknown CID",
        x.get(UNKNOWN_CID, &x.out("r3")),
        Expect::Refused("not_found"),
    )
    .absent(&x.out("r3"));

    // --- Paths ----------------------------------------------------------------
    paths_add_a_missing_path on Up => |x| case(
        "paths",
        "add a missing path",
        x.add(vec![p(&x.missing)]),
        Expect::Refused("path_not_found"),
    );
    paths_add_a_good_and_a_missing_path on Up => |x| case(
        "paths",
        "add a good and a missing path",
        x.add(vec![p(&x.file), p(&x.missing)]),
        Expect::Refused("path_not_found"),
    );
    paths_add_a_named_pipe on Up => |x| case(
        "paths",
        "add a named pipe",
        x.add(vec![p(&x.fifo)]),
        Expect::Refused("unsupported_file"),
    );
    paths_add_a_device on Up => |x| case(
        "paths",
        "add a device",
        x.add(vec!["/dev/null".into()]),
        Expect::Refused("unsupported_file"),
    );
    paths_add_nothing on Up => |x| case(
        "paths",
        "add nothing",
        x.add(vec![]),
        Expect::Refused("invalid_input"),
    );
    paths_add_an_empty_file_valid_content on Up => |x| case(
        "paths",
        "add an empty file (valid content)",
        x.add(vec![p(&x.empty)]),
        works(|v| {
            assert_eq!(v["cid"], EMPTY_FILE_CID, "{v}");
            Some(EMPTY_FILE_CID.to_string())
        }),
    );

    // --- Destinations ---------------------------------------------------------
    destination_retrieve_over_an_existing_file on Up => |x| case(
        "destination",
        "retrieve over an existing file",
        x.get(x.cid(), &x.existing_file),
        Expect::Refused("already_exists"),
    )
    .untouched(&x.existing_file);
    destination_retrieve_into_a_missing_folder on Up => |x| case(
        "destination",
        "retrieve into a missing folder",
        x.get(x.cid(), &x.dl.join("nope/sub/x.txt")),
        Expect::Refused("write_failed"),
    )
    .absent(&x.dl.join("nope"));
    destination_create_a_network_over_an_existing_node_file on Up => |x| case(
        "destination",
        "create a network over an existing node file",
        x.ipc(
            "create_network",
            json!({"peername": "other", "destination": x.existing_node_file}),
        ),
        Expect::Refused("already_exists"),
    )
    .untouched(&x.existing_node_file);
    destination_export_an_invitation_over_an_existing_node_file on Up => |x| case(
        "destination",
        "export an invitation over an existing node file",
        x.invite(&x.good, &x.existing_node_file, None),
        Expect::Refused("already_exists"),
    )
    .untouched(&x.existing_node_file);
    destination_create_a_network_over_a_file_the_save_dialog_confirmed_replacing on Up => |x| case(
        "destination",
        "create a network over a file the save dialog confirmed replacing",
        x.ipc(
            "create_network",
            json!({"peername": "other", "destination": x.confirmed_create, "replace": true}),
        ),
        works({
            let confirmed_create = x.confirmed_create.clone();
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
    );
    destination_export_an_invitation_over_a_file_the_save_dialog_confirmed_replacing on Up => |x| case(
        "destination",
        "export an invitation over a file the save dialog confirmed replacing",
        x.ipc(
            "export_invite",
            json!({"input": {"network_file": x.good, "partner": "acme",
            "bootstrap_host": "bootstrap", "destination": x.confirmed, "passphrase": null, "replace": true}}),
        ),
        works({
            let confirmed = x.confirmed.clone();
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
    );

    // --- Node files and invitations -------------------------------------------
    node_files_invite_from_a_missing_file on Up => |x| case(
        "node files",
        "invite from a missing file",
        x.invite(&x.missing, &x.new_yml, None),
        Expect::Refused("path_not_found"),
    )
    .absent(&x.new_yml);
    node_files_invite_from_a_foreign_docker_compose_file on Up => |x| case(
        "node files",
        "invite from a foreign docker-compose file",
        x.invite(&x.foreign, &x.new_yml, None),
        Expect::Refused("invalid_input"),
    )
    .absent(&x.new_yml);
    node_files_invite_from_a_truncated_node_file on Up => |x| case(
        "node files",
        "invite from a truncated node file",
        x.invite(&x.truncated, &x.new_yml, None),
        Expect::Refused("invalid_input"),
    )
    .absent(&x.new_yml);
    node_files_invite_from_malformed_yaml on Up => |x| case(
        "node files",
        "invite from malformed YAML",
        x.invite(&x.malformed, &x.new_yml, None),
        Expect::Refused("invalid_input"),
    )
    .absent(&x.new_yml);
    node_files_invite_sealed_with_a_too_short_passphrase on Up => |x| case(
        "node files",
        "invite sealed with a too-short passphrase",
        x.invite(&x.good, &x.new_yml, Some("short")),
        Expect::Refused("invalid_input"),
    )
    .absent(&x.new_yml);
    node_files_create_a_network_with_a_bad_name on Up => |x| case(
        "node files",
        "create a network with a bad name",
        x.ipc(
            "create_network",
            json!({"peername": "not a name!", "destination": x.new_yml}),
        ),
        Expect::Refused("invalid_input"),
    )
    .absent(&x.new_yml);

    // --- The connected node's copy damaged on disk: detected, saved from a partner.
    integrity_retrieve_when_the_nodes_own_copy_is_damaged on Up => |x| {
        // An item of its own, so no other case meets the damage: stored,
        // pinned by every peer, then peer1's copy damaged.
        let damaged = x.w.join("damaged.txt");
        let original = pseudo_random(4, 200_000);
        std::fs::write(&damaged, &original).unwrap();
        let cid = block_on(store(x.app, "damaged", &damaged, &x.bench.peer1));
        damage_block(&x.peer1_dir, &original[100_000..100_064]);
        let healthy = x.out("from-a-healthy-copy.txt");
        case(
            "integrity",
            "retrieve when the node's own copy is damaged",
            x.get(&cid, &healthy),
            works(move |v| {
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
            }),
        )
    };

    // --- Stage 1: kubo down on the connected node: retrieval comes from a partner.
    down_1_retrieve_while_the_nodes_kubo_is_down on Down(1) => |x| case(
        "down",
        "retrieve while the node's kubo is down",
        x.get(&x.cid, &x.out("fallback.txt")),
        works({
            let (fallback, file) = (x.out("fallback.txt"), x.file.clone());
            move |v| {
                assert_ne!(v["source"], "peer1", "{v}");
                assert!(std::fs::read(&fallback).unwrap() == std::fs::read(&file).unwrap());
                None
            }
        }),
    );

    // --- Stage 2: every kubo down: nothing to retrieve from, nothing stored.
    down_2_retrieve_when_no_partners_kubo_answers on Down(2) => |x| case(
        "down",
        "retrieve when no partner's kubo answers",
        x.get(&x.cid, &x.out("r4")),
        Expect::Refused("unavailable"),
    )
    .absent(&x.out("r4"));
    down_2_add_while_the_nodes_kubo_is_down on Down(2) => |x| case(
        "down",
        "add while the node's kubo is down",
        x.add(vec![p(&x.file)]),
        Expect::Refused("stream_failed"),
    );

    // --- Stage 3: the connected node's cluster peer down too.
    down_3_library_while_the_cluster_peer_is_down on Down(3) => |x| case(
        "down",
        "library while the cluster peer is down",
        x.ipc("list_library", json!({"onBatch": IGNORED_CHANNEL})),
        Expect::Refused("unreachable"),
    );
    down_3_retrieve_while_the_cluster_peer_is_down on Down(3) => |x| case(
        "down",
        "retrieve while the cluster peer is down",
        x.get(&x.cid, &x.out("r5")),
        Expect::Refused("unreachable"),
    )
    .absent(&x.out("r5"));
    down_3_add_while_the_cluster_peer_is_down on Down(3) => |x| case(
        "down",
        "add while the cluster peer is down",
        x.add(vec![p(&x.file)]),
        Expect::Refused("unreachable"),
    );
}
