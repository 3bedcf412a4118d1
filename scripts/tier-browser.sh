#!/usr/bin/env bash
# Browser tier: the built UI in Debian's chromium (playwright-core), with Tauri's IPC
# mocked. Screenshots: target/browser-artifacts/.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x /usr/bin/chromium ] || { echo "chromium is missing: run scripts/deps.sh" >&2; exit 1; }
[ -f ui/dist/index.html ] || (cd ui && npm run build --silent)
node --test --test-reporter=spec tests/browser/
echo "browser screenshots: $PWD/target/browser-artifacts/"
