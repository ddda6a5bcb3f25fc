#!/usr/bin/env bash
# Runs every test: installs what is missing, builds the real daemons, checks
# formatting and lints, then runs the unit and end-to-end suites (which start
# real private testnets on this machine).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$REPO_ROOT"

start=$(date +%s)
ensure_apt_packages
ensure_toolchains
say "building the daemons (cached in $CCS_DAEMON_CACHE)"
ensure_daemons
say "checking formatting and lints"
cargo fmt --all -- --check
cargo clippy -q --workspace --all-targets -- -D warnings
say "running the tests"
cargo test --workspace --all-targets
say "all tests passed in $(( $(date +%s) - start )) s"
