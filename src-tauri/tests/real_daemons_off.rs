//! Says, in the test list of a plain `cargo test`, that the suites against
//! real daemons were not built, and how to run them.

#[cfg(not(feature = "real-daemons"))]
#[test]
fn real_daemon_suites_are_off_run_them_with_scripts_test_sh_or_features_real_daemons() {}
