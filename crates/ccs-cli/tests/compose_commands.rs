//! `create`, `clone` and `invite` as a user runs them: files that parse back,
//! private permissions, sealed invitations, and bad input refused with one
//! sentence, a non-zero exit and no output file.

#![allow(clippy::unwrap_used)]

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output};

use ccs_core::deploy::compose::NodeFile;

const BIN: &str = env!("CARGO_BIN_EXE_community-cloud-storage");

fn ccs(args: &[&str], dir: &Path, passphrase: Option<&str>) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .current_dir(dir)
        .env_remove("CCS_INVITE_PASSPHRASE");
    if let Some(p) = passphrase {
        cmd.env("CCS_INVITE_PASSPHRASE", p);
    }
    cmd.output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

/// A refused command: the exit code, one plain line, no panic, no file.
fn assert_refused(o: &Output, exit: i32, needle: &str, no_file: &Path) {
    assert_eq!(o.status.code(), Some(exit), "{}", stderr(o));
    let err = stderr(o);
    assert!(err.contains(needle), "expected {needle:?} in {err:?}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(!err.contains("panicked") && !err.contains("RUST_BACKTRACE"));
    assert!(!no_file.exists(), "{} was written", no_file.display());
}

#[test]
fn create_clone_and_invite_write_private_files_that_parse_back() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();

    // The seed's own commands, flags unchanged.
    let o = ccs(
        &[
            "create",
            "--cluster-peername",
            "bootstrap",
            "--output",
            "compose.yml",
        ],
        dir,
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(mode(&dir.join("compose.yml")), 0o600);
    let boot = NodeFile::parse(&std::fs::read_to_string(dir.join("compose.yml")).unwrap()).unwrap();
    assert_eq!(boot.peername, "bootstrap");
    let stdout = ccs(&["create", "--cluster-peername", "other"], dir, None);
    assert!(NodeFile::parse(&String::from_utf8_lossy(&stdout.stdout)).is_ok());

    let o = ccs(
        &[
            "clone",
            "--input",
            "compose.yml",
            "--cluster-peername",
            "acme",
            "--bootstrap-host",
            "bootstrap",
            "--output",
            "acme-compose.yml",
        ],
        dir,
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(mode(&dir.join("acme-compose.yml")), 0o600);
    let acme =
        NodeFile::parse(&std::fs::read_to_string(dir.join("acme-compose.yml")).unwrap()).unwrap();
    assert_eq!(acme.secrets, boot.secrets);
    assert_eq!(
        acme.bootstrap.as_ref().unwrap().cluster_peer_id,
        boot.cluster_identity.peer_id
    );

    // A plain invitation: the file plus a checklist on standard output.
    let o = ccs(
        &[
            "invite",
            "--input",
            "acme-compose.yml",
            "--cluster-peername",
            "beta",
            "--bootstrap-host",
            "acme",
            "--output",
            "beta.yml",
        ],
        dir,
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let checklist = String::from_utf8_lossy(&o.stdout);
    assert!(
        checklist.contains("DANGER")
            && checklist.contains("QNAP")
            && checklist.contains("\"beta\"")
    );
    let beta = NodeFile::parse(&std::fs::read_to_string(dir.join("beta.yml")).unwrap()).unwrap();
    assert_eq!(
        beta.bootstrap.as_ref().unwrap().kubo_peer_id,
        acme.kubo_identity.peer_id
    );

    // A sealed invitation opens only with its passphrase.
    let pass = "four unrelated words here";
    let o = ccs(
        &[
            "invite",
            "--input",
            "compose.yml",
            "--cluster-peername",
            "gamma",
            "--bootstrap-host",
            "bootstrap",
            "--output",
            "gamma.age",
            "--encrypt",
        ],
        dir,
        Some(pass),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let sealed = std::fs::read_to_string(dir.join("gamma.age")).unwrap();
    assert!(sealed.starts_with("-----BEGIN AGE ENCRYPTED FILE-----"));
    assert!(!sealed.contains(&boot.secrets.cluster_secret));
    assert!(String::from_utf8_lossy(&o.stdout).contains("invite open gamma.age"));
    let wrong = ccs(
        &["invite", "open", "gamma.age", "--output", "gamma.yml"],
        dir,
        Some("not the passphrase at all"),
    );
    assert_refused(
        &wrong,
        4,
        "passphrase does not open",
        &dir.join("gamma.yml"),
    );
    let none = ccs(
        &["invite", "open", "gamma.age", "--output", "gamma.yml"],
        dir,
        None,
    );
    assert_refused(&none, 2, "CCS_INVITE_PASSPHRASE", &dir.join("gamma.yml"));
    let o = ccs(
        &["invite", "open", "gamma.age", "--output", "gamma.yml"],
        dir,
        Some(pass),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(mode(&dir.join("gamma.yml")), 0o600);
    let gamma = NodeFile::parse(&std::fs::read_to_string(dir.join("gamma.yml")).unwrap()).unwrap();
    assert_eq!(gamma.peername, "gamma");
    assert_eq!(gamma.secrets, boot.secrets);
}

#[test]
fn bad_input_is_refused_and_nothing_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let out = dir.join("out.yml");
    assert!(
        ccs(
            &[
                "create",
                "--cluster-peername",
                "bootstrap",
                "--output",
                "good.yml"
            ],
            dir,
            None
        )
        .status
        .success()
    );
    std::fs::write(dir.join("garbled.yml"), "services: [\n  {{{").unwrap();
    std::fs::write(
        dir.join("foreign.yml"),
        "services:\n  web:\n    image: nginx\n",
    )
    .unwrap();
    let good = std::fs::read_to_string(dir.join("good.yml")).unwrap();
    let truncated: String = good.lines().take(60).collect::<Vec<_>>().join("\n");
    std::fs::write(dir.join("truncated.yml"), truncated).unwrap();
    std::fs::write(
        dir.join("sealed.yml"),
        "-----BEGIN AGE ENCRYPTED FILE-----\nabc\n",
    )
    .unwrap();

    let clone = |input: &str, name: &str, host: &str| {
        ccs(
            &[
                "clone",
                "--input",
                input,
                "--cluster-peername",
                name,
                "--bootstrap-host",
                host,
                "--output",
                "out.yml",
            ],
            dir,
            None,
        )
    };
    assert_refused(
        &clone("missing.yml", "acme", "bootstrap"),
        5,
        "does not exist",
        &out,
    );
    assert_refused(
        &clone("garbled.yml", "acme", "bootstrap"),
        2,
        "not valid YAML",
        &out,
    );
    assert_refused(
        &clone("foreign.yml", "acme", "bootstrap"),
        2,
        "not a community-cloud-storage node file",
        &out,
    );
    assert_refused(
        &clone("truncated.yml", "acme", "bootstrap"),
        2,
        "not a community-cloud-storage node file",
        &out,
    );
    assert_refused(
        &clone("good.yml", "bad name!", "bootstrap"),
        2,
        "not a valid peer name",
        &out,
    );
    assert_refused(
        &clone("good.yml", "acme", "no such host"),
        2,
        "not a valid bootstrap host",
        &out,
    );
    assert_refused(
        &clone("good.yml", "bootstrap", "bootstrap"),
        2,
        "already the name",
        &out,
    );
    assert_refused(
        &ccs(&["create", "--output", "out.yml"], dir, None),
        2,
        "--cluster-peername",
        &out,
    );
    let invite = |extra: &[&str], pass: Option<&str>| {
        let mut a = vec![
            "invite",
            "--input",
            "good.yml",
            "--cluster-peername",
            "acme",
            "--output",
            "out.yml",
        ];
        a.extend_from_slice(extra);
        ccs(&a, dir, pass)
    };
    assert_refused(
        &invite(
            &[
                "--bootstrap-host",
                "unresolvable-host.invalid",
                "--check-host",
            ],
            None,
        ),
        2,
        "cannot be found",
        &out,
    );
    assert_refused(
        &invite(
            &["--bootstrap-host", "bootstrap", "--encrypt"],
            Some("short"),
        ),
        2,
        "too short",
        &out,
    );
    assert_refused(&invite(&[], None), 2, "--bootstrap-host", &out);
    let sealed_input = ccs(
        &[
            "invite",
            "--input",
            "sealed.yml",
            "--cluster-peername",
            "acme",
            "--bootstrap-host",
            "bootstrap",
            "--output",
            "out.yml",
        ],
        dir,
        None,
    );
    assert_refused(&sealed_input, 2, "invite open", &out);
    let open_plain = ccs(
        &["invite", "open", "good.yml", "--output", "out.yml"],
        dir,
        Some("whatever passphrase"),
    );
    assert_refused(&open_plain, 2, "not a sealed invitation", &out);
    let open_damaged = ccs(
        &["invite", "open", "sealed.yml", "--output", "out.yml"],
        dir,
        Some("whatever passphrase"),
    );
    assert_refused(&open_damaged, 2, "damaged", &out);
}

#[test]
fn org_and_site_end_up_in_each_new_file_and_bad_ones_are_refused() {
    use ccs_core::deploy::place::Place;

    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let o = ccs(
        &[
            "create",
            "--cluster-peername",
            "leeds",
            "--org",
            "Leeds Community Archive",
            "--site",
            "Leeds, UK",
            "--output",
            "leeds.yml",
        ],
        dir,
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let leeds_text = std::fs::read_to_string(dir.join("leeds.yml")).unwrap();
    let leeds = NodeFile::parse(&leeds_text).unwrap();
    let expected = Place::new(Some("Leeds Community Archive"), Some("Leeds, UK")).unwrap();
    assert_eq!(leeds.place, expected);
    assert!(leeds_text.contains("group:Leeds%2C UK,org:Leeds Community Archive"));
    assert!(
        leeds_text.contains("# Organisation: \"Leeds Community Archive\". Site: \"Leeds, UK\"")
    );

    // clone: the partner's own place (a site only here), never the input's.
    let o = ccs(
        &[
            "clone",
            "--input",
            "leeds.yml",
            "--cluster-peername",
            "bristol",
            "--bootstrap-host",
            "leeds",
            "--site",
            "Bristol: Old City, UK",
        ],
        dir,
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let bristol = NodeFile::parse(&String::from_utf8_lossy(&o.stdout)).unwrap();
    assert_eq!(
        bristol.place,
        Place::new(None, Some("Bristol: Old City, UK")).unwrap()
    );
    let o = ccs(
        &[
            "clone",
            "--input",
            "leeds.yml",
            "--cluster-peername",
            "york",
            "--bootstrap-host",
            "leeds",
        ],
        dir,
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        NodeFile::parse(&String::from_utf8_lossy(&o.stdout))
            .unwrap()
            .place
            .is_empty()
    );

    // invite (sealed too): the partner's place, also in the checklist.
    let o = ccs(
        &[
            "invite",
            "--input",
            "leeds.yml",
            "--cluster-peername",
            "zurich",
            "--bootstrap-host",
            "leeds",
            "--org",
            "Stadtarchiv Zürich",
            "--site",
            "Zürich, CH",
            "--output",
            "zurich.age",
            "--encrypt",
        ],
        dir,
        Some("four unrelated words here"),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        String::from_utf8_lossy(&o.stdout)
            .contains("Organisation \"Stadtarchiv Zürich\", site \"Zürich, CH\".")
    );
    let o = ccs(
        &["invite", "open", "zurich.age"],
        dir,
        Some("four unrelated words here"),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        NodeFile::parse(&String::from_utf8_lossy(&o.stdout))
            .unwrap()
            .place,
        Place::new(Some("Stadtarchiv Zürich"), Some("Zürich, CH")).unwrap()
    );

    // Bad names: one sentence, exit 2 (invalid input), nothing written.
    let out = dir.join("out.yml");
    let long = "x".repeat(101);
    for (flags, needle) in [
        (
            vec!["--site", "default"],
            "the name IPFS Cluster gives a node without a site",
        ),
        (vec!["--site", "Leeds\nUK"], "on one line"),
        (vec!["--org", "Leeds\tArchive\r"], "on one line"),
        (vec!["--org", long.as_str()], "longer than 100 characters"),
    ] {
        let create = [
            &["create", "--cluster-peername", "n", "--output", "out.yml"][..],
            &flags[..],
        ]
        .concat();
        assert_refused(&ccs(&create, dir, None), 2, needle, &out);
        let clone = [
            &[
                "clone",
                "--input",
                "leeds.yml",
                "--cluster-peername",
                "n",
                "--bootstrap-host",
                "leeds",
                "--output",
                "out.yml",
            ][..],
            &flags[..],
        ]
        .concat();
        assert_refused(&ccs(&clone, dir, None), 2, needle, &out);
        let invite = [
            &[
                "invite",
                "--input",
                "leeds.yml",
                "--cluster-peername",
                "n",
                "--bootstrap-host",
                "leeds",
                "--output",
                "out.yml",
            ][..],
            &flags[..],
        ]
        .concat();
        assert_refused(&ccs(&invite, dir, None), 2, needle, &out);
    }
}

/// A file with a place, as Debian's `docker-compose config` reads it: valid,
/// and the cluster peer gets the tags we meant.
#[cfg(feature = "real-daemons")]
#[test]
fn a_file_with_a_place_passes_docker_compose_config() {
    use ccs_core::deploy::place::{ALLOCATE_BY, ALLOCATE_BY_ENV, Place, TAGS_ENV};
    use ccs_testnet::deployed::ComposeHost;

    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let org = "Archiv \"Zürich\": 100% Co's $HOME #1";
    let site = "Leeds, UK: Chapeltown #2 {north} [a] & ü";
    let o = ccs(
        &[
            "create",
            "--cluster-peername",
            "leeds",
            "--org",
            org,
            "--site",
            site,
            "--output",
            "leeds.yml",
        ],
        dir,
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let o = ccs(
        &[
            "clone",
            "--input",
            "leeds.yml",
            "--cluster-peername",
            "bristol",
            "--bootstrap-host",
            "leeds",
            "--org",
            "Bristol Archives",
            "--output",
            "bristol.yml",
        ],
        dir,
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    for (file, place) in [
        ("leeds.yml", Place::new(Some(org), Some(site)).unwrap()),
        (
            "bristol.yml",
            Place::new(Some("Bristol Archives"), None).unwrap(),
        ),
    ] {
        // Validates with docker-compose and reads the environment it gives.
        let host = ComposeHost::load(&dir.join(file)).unwrap();
        assert_eq!(host.node.place, place);
        let env = &host.cluster.env;
        assert_eq!(env[TAGS_ENV], place.tags_env().unwrap(), "{file}");
        assert_eq!(Place::from_tags_env(&env[TAGS_ENV]), place);
        assert_eq!(env[ALLOCATE_BY_ENV], ALLOCATE_BY);
    }
}
