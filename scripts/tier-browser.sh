#!/usr/bin/env bash
# Browser tier: the built UI in Debian's chromium (playwright-core), the Tauri IPC mocked
# at the invoke boundary (tests/browser/ipc-mock.js) with pages recorded from the real core.
# First checks that the recording is current: tests/browser/fixtures/gen regenerates it
# from lantern-core and it must equal the committed views.json. Screenshots:
# target/e2e-artifacts/browser/.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x /usr/bin/chromium ] || { echo "chromium is missing: run scripts/deps.sh" >&2; exit 1; }
(cd ui && npm run build --silent)
fresh=$(mktemp)
trap 'rm -f "$fresh"' EXIT
# The generator is its own tiny package: give it the workspace's exact dependency versions.
cp Cargo.lock tests/browser/fixtures/gen/Cargo.lock
CARGO_TARGET_DIR="$PWD/target" LANTERN_VIEWS_OUT="$fresh" \
  cargo run --quiet --manifest-path tests/browser/fixtures/gen/Cargo.toml >/dev/null
if ! cmp -s "$fresh" tests/browser/fixtures/views.json; then
  echo "tests/browser/fixtures/views.json is stale: the core's views changed." >&2
  echo "Regenerate: CARGO_TARGET_DIR=target cargo run --manifest-path tests/browser/fixtures/gen/Cargo.toml" >&2
  exit 1
fi
node --test --test-reporter=spec tests/browser/
echo "browser screenshots: $PWD/target/e2e-artifacts/browser/"
