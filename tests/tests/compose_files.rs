//! Every kind of file the generator writes passes Debian's `docker-compose config`.

// Needs the real daemons (or root, or system services): `./scripts/test.sh` turns it on.
#![cfg(feature = "real-daemons")]
#![allow(clippy::unwrap_used)]

use std::process::Command;

use ccs_core::deploy::compose::NodeFile;
use ccs_core::deploy::place::{ALLOCATE_BY, Place};

/// `docker-compose config`'s normalised file.
fn compose_config_ok(text: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("compose.yml");
    std::fs::write(&path, text).unwrap();
    let out = Command::new("docker-compose")
        .arg("-f")
        .arg(&path)
        .arg("config")
        .output()
        .expect("docker-compose (Debian package docker-compose) must be installed");
    assert!(
        out.status.success(),
        "docker-compose config rejected:\n{}\n{text}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Compose sees the values we meant (a bare `off` would have become false).
    let cfg = String::from_utf8_lossy(&out.stdout);
    assert!(
        cfg.contains("IPFS_TELEMETRY: 'off'") || cfg.contains("IPFS_TELEMETRY: \"off\""),
        "{cfg}"
    );
    assert!(
        cfg.contains("LIBP2P_FORCE_PNET: '1'") || cfg.contains("LIBP2P_FORCE_PNET: \"1\""),
        "{cfg}"
    );
    cfg.into_owned()
}

#[test]
fn create_clone_clone_of_clone_and_edited_files_are_valid_compose() {
    let boot = NodeFile::create("bootstrap").unwrap();
    compose_config_ok(&boot.render());
    let acme = boot.clone_for("acme", "bootstrap").unwrap();
    compose_config_ok(&acme.render());
    let beta = NodeFile::parse(&acme.render())
        .unwrap()
        .clone_for("beta", "acme")
        .unwrap();
    compose_config_ok(&beta.render());
    // An operator's edits (extra variables, ports, labels) survive and stay valid.
    let edited = acme.render().replace(
        "    restart: unless-stopped\n",
        "    restart: unless-stopped\n    labels:\n      org.example.owner: archive\n",
    );
    let again = NodeFile::parse(&edited)
        .unwrap()
        .clone_for("gamma", "bootstrap")
        .unwrap()
        .render();
    assert!(again.contains("org.example.owner: archive"));
    compose_config_ok(&again);
    // With an IP address as the bootstrap host.
    compose_config_ok(&boot.clone_for("delta", "100.101.102.103").unwrap().render());
}

#[test]
fn files_with_an_organisation_and_a_site_are_valid_compose() {
    // A comma, colons, `%`, `$`, ` #`, quotes, brackets and non-ASCII letters.
    let places = [
        Place::new(Some("Leeds Community Archive"), Some("Leeds, UK")).unwrap(),
        Place::new(
            Some("Archiv \"Zürich\": 100% Co's $HOME #1"),
            Some("Leeds, UK: Chapeltown #2 {north} [a] & ü"),
        )
        .unwrap(),
        Place::new(Some("Bristol Archives"), None).unwrap(),
        Place::new(None, Some("yes")).unwrap(),
    ];
    let mut boot = NodeFile::create("bootstrap").unwrap();
    for (i, place) in places.iter().enumerate() {
        boot.place = place.clone();
        let text = boot.render();
        let cfg = compose_config_ok(&text);
        assert!(cfg.contains(ALLOCATE_BY), "{cfg}");
        let parsed = NodeFile::parse(&cfg).unwrap();
        assert_eq!(&parsed.place, place, "{cfg}");
        // The partner of a node with a place: its own place, valid too.
        let mut partner = NodeFile::parse(&text)
            .unwrap()
            .clone_for(&format!("partner{i}"), "bootstrap")
            .unwrap();
        assert!(partner.place.is_empty());
        compose_config_ok(&partner.render());
        partner.place = places[(i + 1) % places.len()].clone();
        let cfg = compose_config_ok(&partner.render());
        assert_eq!(NodeFile::parse(&cfg).unwrap().place, partner.place);
    }
}
