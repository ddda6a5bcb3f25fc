//! Invitations, new networks, the picker seam and the capability check,
//! through the mock runtime. Its own test binary: it sets an environment variable.

#![allow(clippy::unwrap_used)]

mod common;

use serde_json::json;
use tauri::WebviewWindowBuilder;

use common::{app, call};

#[test]
fn invitations_and_new_networks_and_least_privilege() {
    let work = tempfile::tempdir().unwrap();
    let (_app, w) = app(&work.path().join("config.toml"));
    let boot = work.path().join("compose.yml");
    call(
        &w,
        "create_network",
        json!({"peername": "bootstrap", "destination": boot, "organisation": "Leeds Community Archive", "site": "Leeds, UK"}),
    )
    .unwrap();
    let node = ccs_core::deploy::compose::NodeFile::parse(&std::fs::read_to_string(&boot).unwrap())
        .unwrap();
    assert_eq!(
        node.place.organisation.as_deref(),
        Some("Leeds Community Archive")
    );
    assert_eq!(node.place.site.as_deref(), Some("Leeds, UK"));
    // A bad place is one sentence, and no file.
    let err = call(
        &w,
        "create_network",
        json!({"peername": "b2", "destination": work.path().join("b2.yml"), "site": "default"}),
    )
    .unwrap_err();
    assert_eq!(err["code"], "invalid_input");
    assert!(!work.path().join("b2.yml").exists());
    let err = call(
        &w,
        "create_network",
        json!({"peername": "not a name", "destination": work.path().join("x.yml")}),
    )
    .unwrap_err();
    assert_eq!(err["code"], "invalid_input");

    let acme = work.path().join("acme.yml");
    let out = call(
        &w,
        "export_invite",
        json!({"input": {"network_file": boot, "partner": "acme", "bootstrap_host": "bootstrap", "destination": acme, "passphrase": null, "organisation": "Acme Heritage", "site": "Bristol, UK"}}),
    )
    .unwrap();
    assert_eq!(out["sealed"], false);
    assert!(out["checklist"].as_str().unwrap().contains("DANGER"));
    let partner =
        ccs_core::deploy::compose::NodeFile::parse(&std::fs::read_to_string(&acme).unwrap())
            .unwrap();
    assert_eq!(partner.peername, "acme");
    assert_eq!(partner.bootstrap.unwrap().host, "bootstrap");
    // The partner's own place, not the input file's.
    assert_eq!(partner.place.organisation.as_deref(), Some("Acme Heritage"));
    assert_eq!(partner.place.site.as_deref(), Some("Bristol, UK"));

    let sealed = work.path().join("beta.age");
    let out = call(
        &w,
        "export_invite",
        json!({"input": {"network_file": boot, "partner": "beta", "bootstrap_host": "bootstrap", "destination": sealed, "passphrase": "correct horse battery"}}),
    )
    .unwrap();
    assert_eq!(out["sealed"], true);
    let text =
        ccs_core::deploy::invite::open(&std::fs::read(&sealed).unwrap(), "correct horse battery")
            .unwrap();
    assert_eq!(
        ccs_core::deploy::compose::NodeFile::parse(&text)
            .unwrap()
            .peername,
        "beta"
    );

    let missing = call(
        &w,
        "export_invite",
        json!({"input": {"network_file": work.path().join("nope.yml"), "partner": "c", "bootstrap_host": "bootstrap", "destination": work.path().join("c.yml"), "passphrase": null}}),
    )
    .unwrap_err();
    assert_eq!(missing["code"], "path_not_found");

    // The test seam for pickers: the listed paths, once; then "cancelled".
    let seam = work.path().join("pick.txt");
    // SAFETY-free: set_var is unsafe in edition 2024 only because of other threads reading the
    // environment; this test's app does not read it concurrently.
    unsafe { std::env::set_var(ccs_app::commands::TEST_PICK_ENV, &seam) };
    std::fs::write(&seam, "/a/b\n/c d\n").unwrap();
    assert_eq!(
        call(&w, "pick", json!({"request": {"kind": "files"}})).unwrap(),
        json!(["/a/b", "/c d"])
    );
    assert!(
        call(&w, "pick", json!({"request": {"kind": "folder"}}))
            .unwrap()
            .is_null()
    );

    // Least privilege: a window the capability does not name cannot call anything.
    let other = WebviewWindowBuilder::new(&_app, "other", Default::default())
        .build()
        .unwrap();
    let refused = call(&other, "settings", json!({})).unwrap_err();
    assert!(refused.to_string().contains("not allowed"), "{refused}");
}
