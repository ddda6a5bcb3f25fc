#!/usr/bin/env bash
# Records the daemon answers the net/ unit tests replay, from a real 3-peer
# private testnet (kubo and IPFS Cluster at the versions in
# crates/ccs-core/src/deploy/versions.rs). See README.md beside this file.
#
#   export CARGO_TARGET_DIR=$HOME/.cache/ccs/cargo-target
#   cargo build -p ccs-testnet --bin ccs-testnet
#   $CARGO_TARGET_DIR/debug/ccs-testnet up --dir /tmp/ccs-record
#   crates/ccs-core/src/net/testdata/record.sh /tmp/ccs-record
#   $CARGO_TARGET_DIR/debug/ccs-testnet down --dir /tmp/ccs-record
#
# Every answer is written as `curl -si --raw` prints it: the status line, the
# headers and the body exactly as sent (chunk framing and trailers included).
# It stops peer 3's kubo and cluster peer and, at the end, every kubo: run it
# on a testnet made for it, and take that testnet down afterwards.
set -euo pipefail

net=${1:?usage: record.sh TESTNET_DIR}
out=$(cd "$(dirname "$0")" && pwd)
m="$net/testnet.json"

peer() { jq -r ".peers[$1].$2" "$m"; }
api1=$(peer 0 cluster_api)
gw1=$(peer 0 gateway)
rpc1=$(peer 0 ipfs_api)
user=$(peer 0 username)
pass=$(peer 0 password)
auth="$user:$pass"
# The cluster secret reaches the daemons through their environment.
cluster_secret=$(tr '\0' '\n' <"/proc/$(peer 0 'pids[1]')/environ" | sed -n 's/^CLUSTER_SECRET=//p')

rec() { # rec FILE curl-args...
    local file=$1
    shift
    curl -sS -i --raw --max-time 120 "$@" >"$out/$file"
    echo "recorded $file: $(head -1 "$out/$file" | tr -d '\r')"
}
fact() { echo "$1 = $2" >>"$out/facts.txt"; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
: >"$out/facts.txt"
# Every answer but the node check's four, recorded by hand (README.md).
find "$out" -maxdepth 1 -name '*.http' ! -name 'kubo_rpc_pin_verify_missing.http' \
    ! -name 'kubo_rpc_dag_stat_offline_missing.http' ! -name 'kubo_rpc_pin_ls_recursive.http' \
    ! -name 'kubo_rpc_repo_verify_corrupt.http' -delete
# Who is who, from the testnet's own record (not from the answers).
for i in 0 1 2; do
    fact "peer$((i + 1))_name" "$(peer $i name)"
    fact "peer$((i + 1))_cluster_id" "$(peer $i cluster_peer_id)"
    fact "peer$((i + 1))_ipfs_id" "$(peer $i ipfs_peer_id)"
done

# Before anything is added: the empty pinset.
rec cluster_allocations_empty.http -u "$auth" "$api1/allocations?filter=all"

rec cluster_id.http -u "$auth" "$api1/id"
rec cluster_version.http -u "$auth" "$api1/version"
rec cluster_peers.http -u "$auth" "$api1/peers"
rec cluster_unauthorized.http "$api1/id"
rec cluster_wrong_password.http -u "$user:not-the-password" "$api1/id"
rec cluster_not_found.http -u "$auth" "$api1/no/such/endpoint"
rec cluster_bad_cid.http -u "$auth" "$api1/pins/notacid"
# Every peer's free-space metric reaches peer 1 over pubsub within a minute.
for _ in $(seq 90); do
    n=$(curl -s -u "$auth" "$api1/monitor/metrics/freespace" | grep -o '"name":"freespace"' | wc -l)
    [ "$n" = 3 ] && break
    sleep 1
done
rec cluster_freespace.http -u "$auth" "$api1/monitor/metrics/freespace"
rec cluster_alerts_none.http -u "$auth" "$api1/health/alerts"

# The query our client sends on /add (see ClusterClient::add).
addq="cid-version=0&raw-leaves=false&chunker=size-262144&hash=sha2-256&local=false&stream-channels=true&progress=true"

# A small file.
printf 'hello from community cloud storage\n' >"$work/hello.txt"
rec cluster_add_file.http -u "$auth" \
    -F "file=@$work/hello.txt;filename=hello.txt;type=application/octet-stream" \
    "$api1/add?$addq&wrap-with-directory=false&name=hello.txt&meta-source=record.sh"
file_cid=$(tr -d '\r' <"$out/cluster_add_file.http" | grep -o '"cid":"[^"]*"' | tail -1 | cut -d'"' -f4)
fact file_cid "$file_cid"
fact file_content "hello from community cloud storage"

# A small folder: letters/{a.txt, b.txt, sub/c.txt}, sent as kubo's multipart
# form (a part per folder with type application/x-directory, names escaped).
printf 'first letter\n' >"$work/a.txt"
printf 'second letter\n' >"$work/b.txt"
printf 'third letter, in a subfolder\n' >"$work/c.txt"
rec cluster_add_folder.http -u "$auth" \
    -F "file=@/dev/null;filename=letters;type=application/x-directory" \
    -F "file=@$work/a.txt;filename=letters%2Fa.txt;type=application/octet-stream" \
    -F "file=@$work/b.txt;filename=letters%2Fb.txt;type=application/octet-stream" \
    -F "file=@/dev/null;filename=letters%2Fsub;type=application/x-directory" \
    -F "file=@$work/c.txt;filename=letters%2Fsub%2Fc.txt;type=application/octet-stream" \
    "$api1/add?$addq&wrap-with-directory=false&name=letters"
dir_cid=$(tr -d '\r' <"$out/cluster_add_folder.http" | grep -o '"cid":"[^"]*"' | tail -1 | cut -d'"' -f4)
fact dir_cid "$dir_cid"

# Let every peer pin both.
for _ in $(seq 60); do
    n=$(curl -s -u "$auth" "$api1/pins/$dir_cid" | grep -o '"status":"pinned"' | wc -l)
    [ "$n" = 3 ] && break
    sleep 1
done

rec cluster_allocations.http -u "$auth" "$api1/allocations?filter=all"
rec cluster_allocation.http -u "$auth" "$api1/allocations/$file_cid"
rec cluster_pins_cid.http -u "$auth" "$api1/pins/$file_cid"
rec cluster_pins.http -u "$auth" "$api1/pins"
rec cluster_pins_filtered.http -u "$auth" "$api1/pins?filter=pin_error,cluster_error"

# Pin a CID the cluster does not have yet (the empty folder's, which every
# kubo holds from `ipfs init`), with options; then remove it.
empty_dir=QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn
fact empty_dir_cid "$empty_dir"
rec cluster_pin.http -u "$auth" -X POST \
    "$api1/pins/$empty_dir?name=empty&mode=recursive&replication-min=-1&replication-max=-1&meta-note=recorded"
# More copies than there are peers: the cluster's 500 error body.
rec cluster_pin_not_enough_peers.http -u "$auth" -X POST \
    "$api1/pins/$empty_dir?name=empty&replication-min=4&replication-max=4"
for _ in $(seq 60); do
    n=$(curl -s -u "$auth" "$api1/pins/$empty_dir" | grep -o '"status":"pinned"' | wc -l)
    [ "$n" = 3 ] && break
    sleep 1
done
rec cluster_unpin.http -u "$auth" -X DELETE "$api1/pins/$empty_dir"
for _ in $(seq 60); do
    curl -s -u "$auth" "$api1/pins/$empty_dir" | grep -q '"status":"pinned"' || break
    sleep 1
done
rec cluster_allocation_missing.http -u "$auth" "$api1/allocations/$empty_dir"
rec cluster_pins_cid_unknown.http -u "$auth" "$api1/pins/$empty_dir"
rec cluster_unpin_missing.http -u "$auth" -X DELETE "$api1/pins/$empty_dir"

# kubo: the gateway answers and RPC calls kubo.rs makes.
rec kubo_gateway_version.http "$gw1/version"
rec kubo_gateway_file.http "$gw1/ipfs/$file_cid"
rec kubo_gateway_raw.http -H 'Accept: application/vnd.ipld.raw' "$gw1/ipfs/$file_cid?format=raw"
rec kubo_gateway_car.http -H 'Accept: application/vnd.ipld.car; version=1; order=dfs; dups=y' \
    "$gw1/ipfs/$dir_cid?format=car"
rec kubo_gateway_folder_as_file.http "$gw1/ipfs/$dir_cid"
rec kubo_gateway_folder_listing.http "$gw1/ipfs/$dir_cid/"
# The listing is 250 KiB of HTML the client never reads (it refuses on the
# headers): keep the headers and the first chunk, then end the body properly.
perl -0777 -i -pe 'if (/\A(.*?\r\n\r\n)([0-9a-f]+)\r\n/s) { my ($h, $n) = ($1, $2);
    $_ = $h . $n . "\r\n" . substr($_, length($h) + length($n) + 2, hex $n) . "\r\n0\r\n\r\n" }' \
    "$out/kubo_gateway_folder_listing.http"
rec kubo_gateway_missing_path.http "$gw1/ipfs/$dir_cid/no-such-file"
rec kubo_gateway_bad_cid.http "$gw1/ipfs/notacid"
rec kubo_rpc_id.http -X POST "$rpc1/api/v0/id"
rec kubo_rpc_swarm_peers.http -X POST "$rpc1/api/v0/swarm/peers"
rec kubo_rpc_unknown.http -X POST "$rpc1/api/v0/no-such-command"

# A CID nobody has: the gateway searches until its retrieval timeout.
missing=bafkreihhnwoapp2ax3gfjrtaoglqavf4ibkldd5u55hakw7rwnibkgg54i
fact missing_cid "$missing"
rec kubo_gateway_missing_cid.http "$gw1/ipfs/$missing?format=raw" -H 'Accept: application/vnd.ipld.raw'

# Peer 3's kubo stopped: its cluster peer reports the pin it cannot make.
kubo3=$(jq -r '.peers[2].pids[0]' "$m")
kill "$kubo3"
sleep 3
printf 'added while peer 3 had no kubo\n' >"$work/late.txt"
rec cluster_add_peer3_kubo_down.http -u "$auth" \
    -F "file=@$work/late.txt;filename=late.txt;type=application/octet-stream" \
    "$api1/add?$addq&wrap-with-directory=false&name=late.txt"
late_cid=$(tr -d '\r' <"$out/cluster_add_peer3_kubo_down.http" | grep -o '"cid":"[^"]*"' | tail -1 | cut -d'"' -f4)
fact late_cid "$late_cid"
for _ in $(seq 60); do
    curl -s -u "$auth" "$api1/pins/$late_cid" | grep -q '_error"' && break
    sleep 1
done
rec cluster_pins_cid_peer_error.http -u "$auth" "$api1/pins/$late_cid"
rec cluster_recover_cid_peer_error.http -u "$auth" -X POST "$api1/pins/$late_cid/recover"
rec cluster_recover_all.http -u "$auth" -X POST "$api1/pins/recover"
rec cluster_pins_filtered_error.http -u "$auth" "$api1/pins?filter=pin_error,cluster_error"

# Peer 3's cluster peer stopped too: after its metrics expire, an alert.
cluster3=$(jq -r '.peers[2].pids[1]' "$m")
kill "$cluster3"
for _ in $(seq 90); do
    curl -s -u "$auth" "$api1/health/alerts" | grep -q '"peer"' && break
    sleep 1
done
rec cluster_alerts.http -u "$auth" "$api1/health/alerts"
rec cluster_pins_cid_peer_down.http -u "$auth" "$api1/pins/$late_cid"

# Every kubo stopped: the add answers 200 and reports the failure in the
# X-Stream-Error trailer.
for i in 0 1; do kill "$(jq -r ".peers[$i].pids[0]" "$m")" || true; done
sleep 3
printf 'will not be stored\n' >"$work/lost.txt"
rec cluster_add_stream_error.http -u "$auth" \
    -F "file=@$work/lost.txt;filename=lost.txt;type=application/octet-stream" \
    "$api1/add?$addq&wrap-with-directory=false&name=lost.txt"
rec cluster_id_kubo_down.http -u "$auth" "$api1/id"

# Nothing secret may stay in a fixture: the REST API password, the swarm key,
# the cluster secret, and every peer's private keys.
secrets=("$pass" "$cluster_secret")
for d in "$net"/peer*; do
    [ -f "$d/kubo/swarm.key" ] && secrets+=("$(tail -1 "$d/kubo/swarm.key")")
    [ -f "$d/kubo/config" ] && secrets+=("$(jq -r '.Identity.PrivKey' "$d/kubo/config")")
    [ -f "$d/cluster/identity.json" ] && secrets+=("$(jq -r '.private_key' "$d/cluster/identity.json")")
    [ -f "$d/cluster/service.json" ] && secrets+=("$(jq -r '.cluster.secret' "$d/cluster/service.json")")
done
for s in "${secrets[@]}"; do
    [ ${#s} -ge 8 ] || continue
    if grep -rlaF -e "$s" "$out"; then
        echo "a secret appears in the fixture(s) above" >&2
        exit 1
    fi
done
echo "done; facts in $out/facts.txt"
