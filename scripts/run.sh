#!/usr/bin/env bash
# Builds the UI and the app and opens the Lantern window (`make run`), or, with
# --headless (`make run-headless`), runs it under Xvfb, waits for the window, saves a
# screenshot to target/screenshots/lantern.png and closes the app.
#
# Demo data: the app opens a demo vault in target/demo/ (scripts/demo-vault.sh: its own
# folder, a fresh random passphrase printed here, a few drafts and finalized responses
# from the built-in forms' scenarios), marked as a demo so the app shows a banner. The
# app's real vault folder is never touched, and no real vault gets a known passphrase.
set -euo pipefail
cd "$(dirname "$0")/.."

headless=false
case "${1:-}" in
  --headless) headless=true ;;
  "") ;;
  *) echo "usage: scripts/run.sh [--headless]" >&2; exit 2 ;;
esac

say() { printf '\033[1m[run]\033[0m %s\n' "$*"; }

if ! $headless && [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "There is no display here (DISPLAY and WAYLAND_DISPLAY are unset), so the Lantern" >&2
  echo "window cannot open. Run it under a virtual display and get a screenshot instead:" >&2
  echo "    make run-headless" >&2
  exit 1
fi

say "building the UI (ui/dist)"
(cd ui && npm run build --silent)
say "building the app and the CLI (cargo build -p lantern-app -p lantern-cli)"
cargo build -p lantern-app -p lantern-cli --quiet
app="$PWD/target/debug/lantern-app"

say "creating the demo vault in target/demo/ (recreated on every run)"
demo="$PWD/target/demo"
pass=$(scripts/demo-vault.sh "$demo")
export LANTERN_VAULT_DIR="$demo/vault" LANTERN_CONFIG_DIR="$demo/config" LANTERN_DEMO=1
printf '\n\033[1m  Demo vault passphrase: %s\033[0m\n' "$pass"
printf '  (made-up responses only; this vault is recreated, and emptied, on every make run)\n\n'

if ! $headless; then
  say "opening Lantern (close the window to stop)"
  exec "$app"
fi

for tool in xvfb-run xwininfo import; do
  command -v "$tool" >/dev/null || { echo "$tool is missing: run scripts/deps.sh" >&2; exit 1; }
done
shot="$PWD/target/screenshots/lantern.png"
mkdir -p "$(dirname "$shot")"
rm -f "$shot"

# Inside Xvfb: start the app, wait for its window to be mapped and the form list to
# render, take the screenshot, then close the app with SIGTERM.
say "running Lantern under Xvfb"
# The screen matches the window (1024x720 in tauri.conf.json), so the shot is just the app.
xvfb-run -a -s "-screen 0 1024x720x24" bash -c '
  set -euo pipefail
  app=$1 shot=$2
  "$app" & pid=$!
  trap "kill -TERM $pid 2>/dev/null || true; wait $pid 2>/dev/null || true" EXIT
  for _ in $(seq 1 150); do
    if ! kill -0 "$pid" 2>/dev/null; then echo "lantern-app exited before its window appeared" >&2; exit 1; fi
    if xwininfo -root -tree 2>/dev/null | grep -q "\"Lantern\""; then break; fi
    sleep 0.2
  done
  xwininfo -root -tree | grep -q "\"Lantern\"" || { echo "no Lantern window after 30 s" >&2; exit 1; }
  # The window maps before the WebView has painted and read the forms; give it a moment.
  sleep "${LANTERN_SHOT_DELAY:-3}"
  import -window root "$shot"
' _ "$app" "$shot"

[ -s "$shot" ] || { echo "no screenshot was written" >&2; exit 1; }
say "screenshot: $shot"
