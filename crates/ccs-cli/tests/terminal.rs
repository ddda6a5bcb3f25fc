//! On a terminal, errors are coloured; `NO_COLOR` turns every colour off.
//! (`script` gives the command a real pseudo-terminal.)

#![allow(clippy::unwrap_used)]

use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_ccs");

fn on_a_terminal(no_color: bool) -> String {
    let mut cmd = Command::new("script");
    cmd.args(["-qec", &format!("{BIN} status not-a-cid"), "/dev/null"])
        .stdin(Stdio::null())
        .env_remove("NO_COLOR")
        .env("CCS_CONFIG", "/nonexistent/ccs-config.toml");
    if no_color {
        cmd.env("NO_COLOR", "1");
    }
    let out = cmd
        .output()
        .expect("`script` (util-linux) must be installed");
    assert!(!out.status.success());
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn no_color_turns_colours_off_on_a_terminal() {
    let coloured = on_a_terminal(false);
    assert!(coloured.contains("Error:"), "{coloured:?}");
    assert!(
        coloured.contains('\u{1b}'),
        "expected colour on a terminal: {coloured:?}"
    );
    let plain = on_a_terminal(true);
    assert!(plain.contains("Error:"), "{plain:?}");
    assert!(
        !plain.contains('\u{1b}'),
        "NO_COLOR left escapes: {plain:?}"
    );
}
