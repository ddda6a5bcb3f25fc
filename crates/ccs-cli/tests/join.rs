//! Joining by invitation on a real 2-peer testnet (issue #17): the
//! administrator's `invite person` writes a sealed invitation (refused with a
//! short passphrase, never over a file without --force, the password not
//! readable in it); a colleague's `join` with a fresh settings file refuses a
//! wrong passphrase, then connects, with the gateway that lets them save;
//! with the first node down it joins through the next; with none answering
//! it says that this computer is not on a tailnet; a node file is not an
//! invitation. The same invitation as a `ccs://join` link joins too; a
//! changed link is refused.

// Needs the real daemons (or root, or system services): `./scripts/test.sh` turns it on.
#![cfg(feature = "real-daemons")]
#![allow(clippy::unwrap_used)]

use std::path::Path;

use ccs_testnet::DaemonKind;
use ccs_tests::{Run, ccs_command, pseudo_random, start_testnet};

const PASSPHRASE: &str = "correct horse battery staple";

fn ccs(config: &Path, passphrase: &str, args: &[&str]) -> Run {
    Run::of(
        ccs_command(env!("CARGO_BIN_EXE_ccs"), config)
            .env("CCS_INVITE_PASSPHRASE", passphrase)
            .args(args),
    )
}

/// A settings file of a computer that has never connected.
fn new_computer(dir: &Path, name: &str) -> std::path::PathBuf {
    let home = dir.join(name);
    std::fs::create_dir_all(&home).unwrap();
    home.join("settings.toml")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_colleague_joins_with_an_invitation() {
    let mut net = start_testnet(2).await;
    let admin = net.config_path();
    let work = tempfile::tempdir().unwrap();
    let invitation = work.path().join("ann.ccsinvite");
    let inv = invitation.to_str().unwrap();
    let second = net.peer(1).cluster_api.clone();

    // A short passphrase is refused, and nothing is written.
    let r = ccs(&admin, "short", &["invite", "person", "-o", inv]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("too short"), "{r:?}");
    assert!(!invitation.exists());

    let r = ccs(
        &admin,
        PASSPHRASE,
        &[
            "invite", "person", "-o", inv, "--for", "Ann", "--node", &second,
        ],
    );
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("to Ann"), "{r:?}");
    let sealed = std::fs::read_to_string(&invitation).unwrap();
    assert!(
        !sealed.contains(&net.peer(0).password),
        "the password is readable"
    );
    assert!(!sealed.contains("127.0.0.1"), "the addresses are readable");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&invitation).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // Never over an existing file without --force.
    let r = ccs(&admin, PASSPHRASE, &["invite", "person", "-o", inv]);
    assert_eq!(r.code, 8, "{r:?}");
    assert!(r.stderr.contains("--force"), "{r:?}");
    assert_eq!(std::fs::read_to_string(&invitation).unwrap(), sealed);

    // Ann's computer: a wrong passphrase, then the right one.
    let ann = new_computer(work.path(), "ann");
    let r = ccs(&ann, "correct horse battery stable", &["join", inv]);
    assert_eq!(r.code, 4, "{r:?}");
    assert!(r.stderr.contains("does not open this invitation"), "{r:?}");
    assert!(!ann.exists(), "a failed join wrote settings");
    let r = ccs(&ann, PASSPHRASE, &["join", inv]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stdout.contains("Joined as Ann") && r.stdout.contains("peer1"),
        "{r:?}"
    );
    // She can list and save what the network holds (the node's gateway came too).
    let file = work.path().join("minutes.pdf");
    std::fs::write(&file, pseudo_random(4, 300_000)).unwrap();
    let r = ccs(&admin, "", &["add", "--json", file.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{r:?}");
    let cid = r.json()["cid"].as_str().unwrap().to_string();
    let r = ccs(&ann, "", &["ls", "--json"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains(&cid), "{r:?}");
    let back = work.path().join("back.pdf");
    let r = ccs(&ann, "", &["get", &cid, "-o", back.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(std::fs::read(&back).unwrap(), pseudo_random(4, 300_000));

    // The same invitation as a join link (`--link`): Dee joins with it and
    // the same passphrase; a link changed on the way is refused, nothing written.
    let r = ccs(
        &admin,
        PASSPHRASE,
        &[
            "invite",
            "person",
            "-o",
            work.path().join("dee.ccsinvite").to_str().unwrap(),
            "--for",
            "Dee",
            "--link",
        ],
    );
    assert_eq!(r.code, 0, "{r:?}");
    let link = r
        .stdout
        .lines()
        .find(|l| l.starts_with("ccs://join?invitation="))
        .unwrap_or_else(|| panic!("no link: {r:?}"))
        .to_string();
    assert!(
        !link.contains(&net.peer(0).password),
        "the password is readable"
    );
    let dee = new_computer(work.path(), "dee");
    let r = ccs(
        &dee,
        PASSPHRASE,
        &["join", &format!("{link}&node=http://evil:9094")],
    );
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("This link is not an invitation"), "{r:?}");
    assert!(!dee.exists(), "a refused link wrote settings");
    let r = ccs(&dee, PASSPHRASE, &["join", &link]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("Joined as Dee"), "{r:?}");

    // The first node down: Bob joins through the second.
    net.kill(0, DaemonKind::Cluster).unwrap();
    let bob = new_computer(work.path(), "bob");
    let r = ccs(&bob, PASSPHRASE, &["join", inv]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("peer2"), "{r:?}");

    // No node answers: what to do, in one sentence.
    net.kill(1, DaemonKind::Cluster).unwrap();
    let carol = new_computer(work.path(), "carol");
    let r = ccs(&carol, PASSPHRASE, &["join", inv]);
    assert_eq!(r.code, 3, "{r:?}");
    if ccs_core::net::tailnet::addresses().is_empty() {
        assert!(
            r.stderr.contains("this computer is not on a tailnet")
                && r.stderr.contains("Start Tailscale"),
            "{r:?}"
        );
    }
    assert_eq!(r.stderr.trim().lines().count(), 1, "{r:?}");
    assert!(!carol.exists(), "a failed join wrote settings");

    // A partner's node file is not an invitation for a person.
    let node_file = work.path().join("acme.yml");
    let r = ccs(
        &admin,
        "",
        &[
            "--cluster-peername",
            "acme",
            "create",
            "-o",
            node_file.to_str().unwrap(),
        ],
    );
    assert_eq!(r.code, 0, "{r:?}");
    let r = ccs(&carol, PASSPHRASE, &["join", node_file.to_str().unwrap()]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("is not an invitation to join"), "{r:?}");
}
