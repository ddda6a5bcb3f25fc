#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each (default 20: the smoke run CI does).
# Long runs (RELIABILITY.md): scripts/fuzz.sh 600
# cargo-fuzz needs nightly features; RUSTC_BOOTSTRAP lets the stable toolchain
# provide them, and `-s none` skips the sanitizer runtime stable does not ship.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$REPO_ROOT/fuzz"
seconds="${1:-20}"
command -v cargo-fuzz >/dev/null || [ -x "$HOME/.cargo/bin/cargo-fuzz" ] || {
  say "installing cargo-fuzz"
  cargo install -q cargo-fuzz --locked
}
export RUSTC_BOOTSTRAP=1
export CARGO_TARGET_DIR="$HOME/.cache/ccs/target-fuzz"
# A smoke run builds without optimisation (a few minutes less on a new
# machine; debug assertions on); long runs want the optimised build's speed.
profile=()
if [ "$seconds" -le 60 ]; then profile=(--dev); fi
cargo fuzz build -s none "${profile[@]}"
for target in compose_parse invite_open ndjson_stream car_verify; do
  say "fuzzing $target for ${seconds}s"
  log="$(mktemp)"
  # A finding is a failure; its input is kept under fuzz/artifacts/.
  # Smoke runs read the committed corpus but write what they find to a
  # temporary folder, so a test run leaves the checkout clean; long runs grow
  # the committed corpus (minimised afterwards, see RELIABILITY.md).
  corpus=()
  if [ "$seconds" -le 60 ]; then
    scratch="$(mktemp -d)"
    corpus=("$scratch" "corpus/$target")
  fi
  if ! cargo fuzz run -s none "${profile[@]}" "$target" "${corpus[@]}" -- -max_total_time="$seconds" >"$log" 2>&1; then
    grep -E "panicked|SUMMARY" -A3 "$log" >&2 || tail -20 "$log" >&2
    die "fuzz target $target found a failure; its input is in fuzz/artifacts/$target"
  fi
  grep -E "DONE" "$log" | tail -1
  rm -rf "$log" "${scratch:-}"
done
