#!/usr/bin/env bash
# Starts the sandbox: a private 3-peer community network on this machine (real
# kubo and IPFS Cluster daemons on loopback), prints its status and opens the
# desktop app connected to it (without a display: the network only). Closing
# the app or Ctrl-C stops everything and removes the sandbox data.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$REPO_ROOT"

SANDBOX_DIR="${CCS_SANDBOX_DIR:-$HOME/.local/share/ccs/sandbox}"
ensure_apt_packages
ensure_toolchains
say "building the daemons (cached in $CCS_DAEMON_CACHE)"
ensure_daemons
testnet="$CARGO_TARGET_DIR/debug/ccs-testnet"
# A sandbox left by an earlier run (killed terminal) is stopped first.
"$testnet" down --dir "$SANDBOX_DIR" >/dev/null 2>&1 || true
peers="${CCS_SANDBOX_PEERS:-3}"
# Example organisations and sites (ORG|SITE) for the first peers, so the app
# shows them and copies are spread over two sites.
example_places=("Leeds Community Archive|Leeds, UK" "Bristol Archives|Bristol, UK" "Leeds Community Archive|Leeds, UK")
place_args=()
for ((i = 0; i < peers && i < ${#example_places[@]}; i++)); do
  place_args+=(--place "${example_places[$i]}")
done
if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] || [ "${CCS_SANDBOX_APP:-1}" = 0 ]; then
  say "no display (or CCS_SANDBOX_APP=0): starting the network only"
  exec "$testnet" up --peers "$peers" "${place_args[@]}" --dir "$SANDBOX_DIR" --foreground
fi

# The desktop app, connected to the sandbox network through its config.toml.
ensure_node
if [ ! -x "$CCS_APP_BIN" ] || [ -n "$(find src-tauri/src ui/src ui/index.html -newer "$CCS_APP_BIN" -print -quit)" ]; then
  say "building the desktop app (first run, or after changes)"
  build_app
fi
"$testnet" up --peers "$peers" "${place_args[@]}" --dir "$SANDBOX_DIR" >/dev/null
trap '"$testnet" down --dir "$SANDBOX_DIR" >/dev/null 2>&1 || true' EXIT
trap 'exit 130' INT TERM
"$testnet" status --dir "$SANDBOX_DIR"
say "opening the app; close its window (or press Ctrl-C) to stop the network and remove its data"
CCS_CONFIG="$SANDBOX_DIR/config.toml" "$CCS_APP_BIN"
