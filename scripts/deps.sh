#!/usr/bin/env bash
# Installs whatever Lantern's build and tests need and is not there yet. Safe to run
# again: each step checks first. Works as root on Debian 12 with no stdin (CI).
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m[deps]\033[0m %s\n' "$*"; }

APT_PACKAGES=(
  libwebkit2gtk-4.1-dev build-essential pkg-config
  xvfb xauth webkit2gtk-driver chromium
  imagemagick x11-utils
  python3-venv e2fsprogs poppler-utils
)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  say "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

command -v cargo >/dev/null || { echo "cargo is missing: install Rust with rustup first" >&2; exit 1; }
command -v node >/dev/null || { echo "node is missing: apt-get install nodejs npm" >&2; exit 1; }

# A JDK runs ODK Validate (JavaRosa) on the built-in forms and their scenario fills.
if ! command -v javac >/dev/null; then
  say "installing a JDK (for ODK Validate)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends default-jdk-headless >/dev/null
fi

if ! command -v tauri-driver >/dev/null; then
  say "installing tauri-driver 2.x (crates.io)"
  cargo install tauri-driver --version '^2' --locked --quiet
fi

# npm dependencies of the UI, reinstalled when the lockfile changes.
if [ ! -f ui/node_modules/.lantern-lock ] || ! cmp -s ui/package-lock.json ui/node_modules/.lantern-lock; then
  say "installing the UI's npm dependencies"
  (cd ui && npm ci --no-audit --no-fund --loglevel=error)
  cp ui/package-lock.json ui/node_modules/.lantern-lock
fi

# pyxform, the reference XLSForm converter, in a virtualenv inside the repository.
if [ ! -x .venv/bin/xls2xform ] || ! cmp -s scripts/requirements.txt .venv/.lantern-req; then
  say "installing pyxform into .venv"
  python3 -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check -r scripts/requirements.txt
  cp scripts/requirements.txt .venv/.lantern-req
fi
