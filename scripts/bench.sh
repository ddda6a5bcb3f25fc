#!/usr/bin/env bash
# Benchmarks (not part of the tests): our client against ipfs-cluster-ctl, ipfs
# and curl on a fresh 3-peer testnet, alternating runs, medians and ratios,
# plus the release app itself (scenario 5: installer size, cold start to a
# visible library of the scenario-4 pinset, idle memory).
# Pass --quick for small sizes, --runs N, --only 1,3; results in bench-results.json.
# The figures in BENCHMARKS.md come from a full run: bash scripts/bench.sh
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$REPO_ROOT"
ensure_apt_packages
ensure_toolchains
ensure_daemons
ensure_node
say "building the release CLI, the benchmark and the release app with its .deb"
(npx tauri build --ci) >/dev/null
cargo build -q --release -p ccs-cli -p ccs-bench
ensure_tauri_driver
exec "$CARGO_TARGET_DIR/release/ccs-bench" "$@"
