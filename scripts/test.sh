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
ensure_python_tools
ensure_premis_schema
say "building the daemons (cached in $CCS_DAEMON_CACHE)"
ensure_daemons
say "the app's frontend: npm packages, type check, unit tests, build"
ensure_node
npx tsc --noEmit -p ui
npx biome check ui crates/ccs-bench/app
npx vitest run --config ui/vite.config.ts --reporter=dot
build_ui
say "checking formatting and lints"
cargo fmt --all -- --check
cargo clippy -q --workspace --all-targets --all-features -- -D warnings
say "checking that the Windows and macOS builds compile, lint-clean (${OTHER_TARGETS[*]})"
check_other_platforms
# Secrets audit: every secret the suite creates (testnets, generated compose
# files) is recorded in a 0600 file; the whole test output and every testnet's
# daemon logs are kept, and grepped for those secrets at the end.
audit_dir="$(mktemp -d)"
trap 'rm -rf "$audit_dir"' EXIT
export CCS_SECRETS_AUDIT="$audit_dir/secrets" CCS_TESTNET_LOG_DIR="$audit_dir/testnet-logs"
mkdir -p "$CCS_TESTNET_LOG_DIR"
TEST_LOG="$CARGO_TARGET_DIR/test-output.log"
say "running the tests (whole output, daemons' and commands' included: $TEST_LOG)"
if ! cargo test --workspace --all-targets --all-features -- --nocapture >"$TEST_LOG" 2>&1; then
  sed -n '/^failures:$/,/^test result/p' "$TEST_LOG" | tail -n 200
  die "tests failed; whole output: $TEST_LOG"
fi
grep -E '^test result:' "$TEST_LOG" | sort | uniq -c
say "building the desktop app and its .deb, then its E2E (tauri-driver, Xvfb, a real testnet)"
build_app
check_deb_association
ensure_tauri_driver
npx vitest run --config ui/e2e/vitest.config.ts 2>&1 | tee -a "$TEST_LOG"
say "secrets audit: the test output and every testnet's daemon logs, for each secret the suite made"
[ -s "$CCS_SECRETS_AUDIT" ] || die "the secrets audit recorded no secret: is CCS_SECRETS_AUDIT reaching the tests?"
[ "$(stat -c %a "$CCS_SECRETS_AUDIT")" = 600 ] || die "the secrets audit file is not 0600"
grep -v '^$' "$CCS_SECRETS_AUDIT" | sort -u >"$audit_dir/patterns"
count=$(wc -l <"$audit_dir/patterns")
found=0
leaks=$(grep -rlFf "$audit_dir/patterns" "$TEST_LOG" "$CCS_TESTNET_LOG_DIR") || found=$?
case $found in
  0) die "a secret made by the suite appears in: $leaks" ;;
  1) ;;
  *) die "the secrets audit could not read $TEST_LOG or $CCS_TESTNET_LOG_DIR" ;;
esac
say "secrets audit: $count secrets, none in $(du -sh "$TEST_LOG" | cut -f1) of test output or in the logs of $(find "$CCS_TESTNET_LOG_DIR" -name '*.log' | wc -l) daemon log files"
say "fuzz smoke run: every target for 20 s (long runs: scripts/fuzz.sh 600)"
bash "$REPO_ROOT/scripts/fuzz.sh" 20
say "all tests passed in $(( $(date +%s) - start )) s"
