#!/usr/bin/env bash
# Where the time of an add goes: a fresh 3-peer testnet, one random file added
# with our release `ccs add` while `perf` samples every daemon (kubo and the
# cluster peer of each member) and our process. Prints the CPU seconds of each
# process and the hottest functions (Go and Rust binaries carry symbols).
# Usage: bash scripts/profile-add.sh [MiB]   (default 512). Figures: BENCHMARKS.md.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$REPO_ROOT"
command -v perf >/dev/null || die "perf is not installed: apt-get install linux-perf (Debian) and run this again."
size_mib="${1:-512}"
ensure_daemons
cargo build -q --release -p ccs-cli -p ccs-testnet
bin="$CARGO_TARGET_DIR/release"
work="$(mktemp -d /tmp/ccs-profile-XXXXXX)"
trap '"$bin/ccs-testnet" down --dir "$work/net" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
"$bin/ccs-testnet" up --peers 3 --dir "$work/net" >/dev/null
head -c "$((size_mib << 20))" /dev/urandom > "$work/big.bin"
pids="$(python3 -c 'import json,sys; print(",".join(str(p) for peer in json.load(open(sys.argv[1]))["peers"] for p in peer["pids"]))' "$work/net/testnet.json")"
cpu() { python3 - "$pids" <<'PY'
import os, sys
tick = os.sysconf("SC_CLK_TCK")
for p in sys.argv[1].split(","):
    f = open(f"/proc/{p}/stat").read().rsplit(")", 1)[1].split()
    print(p, os.path.basename(os.readlink(f"/proc/{p}/exe")), (int(f[11]) + int(f[12])) / tick)
PY
}
before="$(cpu)"
perf record -q -F 199 -g -o "$work/perf.data" -p "$pids" -- sleep 3600 >/dev/null 2>&1 &
perf_pid=$!
sleep 1
start=$(date +%s.%N)
/usr/bin/time -f "ccs add: %e s wall, %U s user, %S s system, %M KiB peak" \
  "$bin/ccs" --config "$work/net/config.toml" --cluster-peername peer1 add "$work/big.bin" >/dev/null
end=$(date +%s.%N)
kill -INT "$perf_pid"; wait "$perf_pid" 2>/dev/null || true
after="$(cpu)"
echo "added $size_mib MiB in $(python3 -c "print(round($end-$start,1))") s"
echo "CPU seconds during the add, per daemon process (pid: seconds):"
paste <(echo "$before") <(echo "$after") | while read -r p name b _ _ a; do
  printf "  %-8s %-24s %6.1f\n" "$p" "$name" "$(python3 -c "print($a-$b)")"
done
echo "hottest functions across the daemons (perf, self time):"
perf report -q -i "$work/perf.data" --no-children --sort comm,sym --stdio 2>/dev/null | grep -v '^$' | grep '%' | head -25
