#!/usr/bin/env bash
# Every workbook in forms/ must convert with pyxform, the reference converter, and pass
# ODK Validate (JavaRosa, ODK Collect's engine, shipped inside pyxform), so our forms also
# work in ODK Collect and KoboToolbox. Then every scenario fill in forms/scenarios/ runs
# through JavaRosa too, as an independent check of the expectations that Lantern's own
# engine is tested against (crates/lantern-core/tests/builtin_scenarios.rs).
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
status=0
for f in forms/*.xlsx; do
  if .venv/bin/xls2xform "$f" "$out/$(basename "$f" .xlsx).xml" >"$out/log" 2>&1 \
     && ! grep -qi "warning" "$out/log"; then
    echo "ok    $f"
  else
    echo "FAIL  $f"; sed 's/^/      /' "$out/log"; status=1
  fi
done
echo "scenario fills through JavaRosa:"
.venv/bin/python forms/verify/check_scenarios.py || status=1
exit $status
