#!/usr/bin/env bash
# Dashboard benchmark (issue 17): a release lantern-server with 500 imported sites, one
# enrolled device per site uploading one signed batch of 100 cells (50,000 cells), then
#  - the indicator and overview APIs timed sequentially (examples/dashboard_bench.rs),
#  - the overview rendered in Debian's chromium (tests/dashboard/bench.mjs): time from
#    navigation start to the 500-row table on screen, over 5 page loads.
#   scripts/bench-dashboard.sh [SITES]
set -euo pipefail
cd "$(dirname "$0")/.."
sites=${1:-500}
(cd ui && npm run build:dashboard --silent)
cargo build --release -q -p lantern-server --bin lantern-server --example dashboard_bench
server=target/release/lantern-server
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export LANTERN_USER_PASSWORD="benchmark pass phrase"
"$server" --data "$work" admin create-user bench --role viewer >/dev/null
{
  echo "site_code,site_name,admin1,admin2"
  for i in $(seq 1 "$sites"); do printf 'BX%04d,Bench site %d,BX,BX%02d\n' "$i" "$i" $((i % 20)); done
} >"$work/sites.csv"
"$server" --data "$work" admin import-sites "$work/sites.csv" >/dev/null
for i in $(seq 1 "$sites"); do
  printf 'BX%04d %s\n' "$i" "$("$server" --data "$work" admin create-enrollment --site "$(printf 'BX%04d' "$i")" | tail -1)"
done >"$work/codes.txt"
RUST_LOG=warn "$server" --data "$work" --listen "127.0.0.1:$port" &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/api/v1/health" >/dev/null && break; sleep 0.2; done
echo "$sites sites, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
target/release/examples/dashboard_bench --server "http://127.0.0.1:$port" --codes "$work/codes.txt" --user bench
node tests/dashboard/bench.mjs "http://127.0.0.1:$port" bench "$sites"
