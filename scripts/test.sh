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
say "the app's frontend: npm packages, type check, unit tests, build"
ensure_node
npx tsc --noEmit -p ui
npx vitest run --config ui/vite.config.ts --reporter=dot
build_ui
say "checking formatting and lints"
cargo fmt --all -- --check
cargo clippy -q --workspace --all-targets -- -D warnings
say "running the tests"
cargo test --workspace --all-targets
say "building the desktop app and its .deb, then its E2E (tauri-driver, Xvfb, a real testnet)"
build_app
ls "$CARGO_TARGET_DIR"/debug/bundle/deb/*.deb >/dev/null
ensure_tauri_driver
npx vitest run --config ui/e2e/vitest.config.ts
say "fuzz smoke run: every target for 20 s (long runs: scripts/fuzz.sh 600)"
bash "$REPO_ROOT/scripts/fuzz.sh" 20
say "all tests passed in $(( $(date +%s) - start )) s"
