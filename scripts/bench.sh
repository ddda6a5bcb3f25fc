#!/usr/bin/env bash
# Benchmarks (not part of the tests): our client against ipfs-cluster-ctl, ipfs
# and curl on a fresh 3-peer testnet, alternating runs, medians and ratios.
# Pass --quick for small sizes, --runs N, --only 1,3; results in bench-results.json.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$REPO_ROOT"
ensure_apt_packages
ensure_toolchains
ensure_daemons
cargo build -q --release -p ccs-cli -p ccs-bench
exec "$CARGO_TARGET_DIR/release/ccs-bench" "$@"
