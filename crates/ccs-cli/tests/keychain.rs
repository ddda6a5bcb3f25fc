//! A password saved with `config set` goes to the OS keychain (the Secret
//! Service, here a real gnome-keyring in a private D-Bus session), never to the
//! settings file, and later commands authenticate with it against a real node.

// Needs the real daemons (or root, or system services): `./scripts/test.sh` turns it on.
#![cfg(feature = "real-daemons")]
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::{Command, Output};

use ccs_tests::start_testnet;

const BIN: &str = env!("CARGO_BIN_EXE_ccs");

/// Runs `ccs ARGS` inside a D-Bus session with an unlocked gnome-keyring whose
/// data lives under `home`, so it persists from one command to the next.
fn with_keyring(home: &Path, config: &Path, args: &[&str], extra_env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new("dbus-run-session");
    cmd.args(["--", "sh", "-c"])
        .arg(ccs_tests::UNLOCKED_KEYRING_SH)
        .arg("sh")
        .arg(BIN)
        .arg("--config")
        .arg(config)
        .args(args)
        .env("HOME", home)
        // The job journal stays in the test's home, whatever XDG_DATA_HOME says.
        .env("CCS_JOURNAL_DIR", home.join("jobs"))
        .env_remove("CCS_PASSWORD")
        .env_remove("CCS_USERNAME")
        .env_remove("CCS_NO_KEYCHAIN");
    for (k, v) in extra_env {
        cmd.env(k, v);
    }
    cmd.output()
        .expect("dbus-run-session and gnome-keyring must be installed")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_in_the_keychain_authenticates_and_never_reaches_the_file() {
    let net = start_testnet(1).await;
    let peer = net.peer(0);
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    std::fs::create_dir(&home).unwrap();
    let config = tmp.path().join("settings.toml");
    std::fs::write(
        &config,
        format!("default_node = \"archive\"\n[nodes.archive]\ncluster_api = \"{}\"\nusername = \"{}\"\n", peer.cluster_api, peer.username),
    )
    .unwrap();

    // Without a password the node refuses us.
    let o = with_keyring(&home, &config, &["peers"], &[]);
    assert_eq!(
        o.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );

    let o = with_keyring(
        &home,
        &config,
        &["config", "set", "nodes.archive.password", &peer.password],
        &[],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(!stderr.contains("not available"), "{stderr}");
    let file = std::fs::read_to_string(&config).unwrap();
    assert!(
        !file.contains(&peer.password),
        "the password reached the settings file"
    );

    let o = with_keyring(&home, &config, &["config", "--json"], &[]);
    let shown: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(shown["nodes"][0]["password"], "keychain");

    // A later command finds the password in the keychain and is let in.
    let o = with_keyring(&home, &config, &["peers", "--json"], &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains(&peer.cluster_peer_id));
    // With the keychain turned off, it is not.
    let o = with_keyring(&home, &config, &["peers"], &[("CCS_NO_KEYCHAIN", "1")]);
    assert_eq!(o.status.code(), Some(4));
}
