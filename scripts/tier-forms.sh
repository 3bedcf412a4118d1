#!/usr/bin/env bash
# Every workbook in forms/ must convert with pyxform, the reference converter, so our
# forms also work in ODK Collect and KoboToolbox.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
status=0
for f in forms/*.xlsx; do
  if .venv/bin/xls2xform --skip_validate "$f" "$out/$(basename "$f" .xlsx).xml" >"$out/log" 2>&1; then
    echo "ok    $f"
  else
    echo "FAIL  $f"; sed 's/^/      /' "$out/log"; status=1
  fi
done
exit $status
