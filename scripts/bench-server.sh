#!/usr/bin/env bash
# Load benchmark of lantern-server: 100 enrolled devices upload distinct pre-signed
# batches for 60 s (crates/lantern-server/examples/load.rs) against a release server.
#   scripts/bench-server.sh sqlite|postgres [DEVICES] [SECONDS] [RATE]
# Without RATE the devices send as fast as they are answered (closed loop: the most
# the server takes); with RATE they offer that many uploads per second in all, on a
# schedule (open loop: the latency at that load).
set -euo pipefail
cd "$(dirname "$0")/.."
backend=${1:-sqlite}; devices=${2:-100}; seconds=${3:-60}; rate=${4:-}
cargo build --release -q -p lantern-server --bin lantern-server --example load
server=target/release/lantern-server
work=$(mktemp -d)
db_args=(--data "$work/data")
if [ "$backend" = postgres ]; then
  source scripts/lib-pg.sh
  db_args=(--database-url "$PG_URL")
fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
for i in $(seq 0 $((devices - 1))); do
  "$server" "${db_args[@]}" admin create-enrollment --site "$(printf 'SITE%03d' "$i")" | tail -1
done >"$work/codes.txt"
RUST_LOG=warn "$server" "${db_args[@]}" --listen "127.0.0.1:$port" &
pid=$!
cleanup() { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; [ "$backend" = postgres ] && pg_stop; rm -rf "$work"; }
trap cleanup EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/api/v1/health" >/dev/null && break; sleep 0.2; done
echo "backend $backend, $devices devices, $seconds s, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
target/release/examples/load --server "http://127.0.0.1:$port" --codes "$work/codes.txt" --seconds "$seconds" ${rate:+--rate "$rate"}
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
