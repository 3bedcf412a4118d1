#!/usr/bin/env bash
# The window benchmark (issue 11): fills the generated 2,000-question form in the real
# app window under Xvfb and prints tap-to-drawn times (answer, next page) and the app's
# memory (lantern-app and its WebKit processes: resident sets summed, and proportional
# set sizes from /proc/PID/smaps_rollup) after the fill. Not a test tier.
#
#   scripts/bench-window.sh [TAPS] [debug|release]
#       (default 400 taps on the debug build; figures also in
#        target/e2e-artifacts/bench-window.json)
#
# `debug` is the build the E2E tier uses (nothing recompiles; the core is not optimised
# there); `release` builds and measures `cargo build --release -p lantern-app`.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f ui/dist/index.html ] || (cd ui && npm run build --silent)
profile="${2:-debug}"
if [ "$profile" = release ]; then
  cargo build --release -p lantern-app --quiet
else
  # The same build as the E2E tier (see scripts/tier-e2e.sh), so nothing recompiles.
  cargo test --workspace --no-run --quiet
fi
forms="$(mktemp -d)"
trap 'rm -rf "$forms"' EXIT
cargo run -q -p lantern-core --example bench_form -- "$forms/bench.xlsx"
export LANTERN_APP="$PWD/target/$profile/lantern-app" LANTERN_BENCH_FORMS="$forms" LANTERN_BENCH_TAPS="${1:-400}"
xvfb-run -a -s "-screen 0 1280x800x24" node tests/e2e/bench-window.mjs
