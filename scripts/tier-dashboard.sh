#!/usr/bin/env bash
# Dashboard tier: the coordinator's dashboard (ui/dashboard.html, embedded in
# lantern-server) in Debian's chromium via playwright-core, against a real lantern-server
# on 127.0.0.1 seeded by the real `lantern` CLI (tests/dashboard/seed.mjs).
# Screenshots: target/e2e-artifacts/dashboard/.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x /usr/bin/chromium ] || { echo "chromium is missing: run scripts/deps.sh" >&2; exit 1; }
[ -d ui/node_modules/echarts ] || { echo "ui/node_modules lacks echarts: run scripts/deps.sh (npm ci)" >&2; exit 1; }
(cd ui && npm run build:dashboard --silent)
cargo build -q -p lantern-server -p lantern-cli
node --test --test-concurrency=1 --test-reporter=spec tests/dashboard/
echo "dashboard screenshots: $PWD/target/e2e-artifacts/dashboard/"
