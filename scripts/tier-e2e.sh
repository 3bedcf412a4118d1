#!/usr/bin/env bash
# End-to-end tier: the real lantern-app window under Xvfb, driven through tauri-driver
# and WebKitWebDriver (tests/e2e/). Screenshots: target/e2e-artifacts/.
#
# The binary is built by `cargo test --workspace --no-run`, not `cargo build`: that is
# the build `cargo test --workspace` (the Rust tier) has just done, so here it is a no-op
# instead of recompiling ~80 crates with another feature set. The integration tests in
# src-tauri/tests/ and crates/lantern-cli/tests/ make it produce target/debug/lantern-app
# and target/debug/lantern (the E2E test compares the window with `lantern form list`).
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in tauri-driver WebKitWebDriver xvfb-run; do
  command -v "$tool" >/dev/null || { echo "$tool is missing: run scripts/deps.sh" >&2; exit 1; }
done
# The app embeds ui/dist at compile time, so the UI must be built first.
[ -f ui/dist/index.html ] || (cd ui && npm run build --silent)
cargo test --workspace --no-run --quiet
export LANTERN_APP="$PWD/target/debug/lantern-app"
export LANTERN_CLI="$PWD/target/debug/lantern"
# Only if lantern-cli ever loses its integration tests does the CLI need its own build.
[ -x "$LANTERN_CLI" ] || cargo build -p lantern-cli --quiet
for bin in "$LANTERN_APP" "$LANTERN_CLI"; do
  [ -x "$bin" ] || { echo "$bin was not built" >&2; exit 1; }
done
xvfb-run -a -s "-screen 0 1280x800x24" node --test --test-reporter=spec tests/e2e/
echo "e2e screenshots: $PWD/target/e2e-artifacts/"
