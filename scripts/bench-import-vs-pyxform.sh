#!/usr/bin/env bash
# Times, side by side, whole-process import of the same workbooks by
# `lantern form inspect --json` (release build) and by pyxform's `xls2xform`, and writes
# the figures (Markdown) to $OUT (default target/bench/import-vs-pyxform.md).
#
# Workbooks: the generated 2,000-question benchmark form (from
# crates/lantern-core/benches/engine.rs) and every built-in form in forms/.
# Uses hyperfine when installed (apt-get install -y hyperfine), else a timed loop.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-target/bench/import-vs-pyxform.md}
RUNS=${RUNS:-10}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$(dirname "$OUT")"

XLS2XFORM=${XLS2XFORM:-$(command -v xls2xform || echo .venv/bin/xls2xform)}
[ -x "$XLS2XFORM" ] || { echo "xls2xform not found: run scripts/deps.sh" >&2; exit 1; }

cargo build --release -q -p lantern-cli
LANTERN=target/release/lantern
LANTERN_BENCH_FORM="$WORK/bench_2000.xlsx" cargo bench -q -p lantern-core --bench engine >/dev/null
FORMS=("$WORK/bench_2000.xlsx" forms/*.xlsx)

# Mean wall-clock seconds of a command over $RUNS runs.
mean_seconds() {
  if command -v hyperfine >/dev/null; then
    hyperfine --runs "$RUNS" --warmup 1 --style none --export-json "$WORK/h.json" "$1" >/dev/null 2>&1
    python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["results"][0]["mean"])' "$WORK/h.json"
  else
    local start end
    start=$(date +%s.%N)
    for _ in $(seq "$RUNS"); do bash -c "$1" >/dev/null 2>&1; done
    end=$(date +%s.%N)
    python3 -c "print(($end - $start) / $RUNS)"
  fi
}

{
  echo "# Whole-process import: lantern form inspect --json vs xls2xform"
  echo
  echo "$(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $RUNS runs each$(command -v hyperfine >/dev/null && echo ' (hyperfine, 1 warm-up)'), pyxform $("$XLS2XFORM" --version 2>/dev/null || python3 -c 'import pyxform; print(pyxform.__version__)' 2>/dev/null || echo '?')"
  echo
  echo "| workbook | lantern (ms) | xls2xform (ms) | speed-up |"
  echo "|---|---:|---:|---:|"
  for form in "${FORMS[@]}"; do
    l=$(mean_seconds "$LANTERN form inspect --json '$form'")
    p=$(mean_seconds "'$XLS2XFORM' '$form' '$WORK/out.xml'")
    python3 -c "import sys; l,p=float(sys.argv[2]),float(sys.argv[3]); print(f'| {sys.argv[1]} | {l*1000:.1f} | {p*1000:.1f} | {p/l:.0f}x |')" "$(basename "$form")" "$l" "$p"
  done
} | tee "$OUT"
echo "wrote $OUT" >&2
