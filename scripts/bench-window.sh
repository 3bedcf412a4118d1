#!/usr/bin/env bash
# The window benchmark (issue 11): fills the generated 2,000-question form in the real
# app window under Xvfb and prints tap-to-drawn times (answer, next page) and the app's
# memory (lantern-app and its WebKit processes) after the fill. Not a test tier.
#
#   scripts/bench-window.sh [TAPS]       (default 400 taps; figures also in
#                                         target/e2e-artifacts/bench-window.json)
#
# The app is the debug build the E2E tier uses (the same window and WebView; the core is
# compiled without optimisation there, so the figures are an upper bound of a release
# build's).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f ui/dist/index.html ] || (cd ui && npm run build --silent)
# The same build as the E2E tier (see scripts/tier-e2e.sh), so nothing recompiles.
cargo test --workspace --no-run --quiet
forms="$(mktemp -d)"
trap 'rm -rf "$forms"' EXIT
cargo run -q -p lantern-core --example bench_form -- "$forms/bench.xlsx"
export LANTERN_APP="$PWD/target/debug/lantern-app" LANTERN_BENCH_FORMS="$forms" LANTERN_BENCH_TAPS="${1:-400}"
xvfb-run -a -s "-screen 0 1280x800x24" node tests/e2e/bench-window.mjs
