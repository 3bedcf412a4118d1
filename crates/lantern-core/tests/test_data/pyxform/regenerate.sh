#!/usr/bin/env bash
# Regenerates pyxform's reading of the fixtures in this folder, for the conformance
# test: `NAME.xml` beside each accepted `NAME.md`, `rejected/NAME.error` (pyxform's
# error message) beside each rejected one. Needs pyxform 4.5.0 (`xls2xform`).
set -euo pipefail
cd "$(dirname "$0")"
version=$(pip show pyxform 2>/dev/null | sed -n 's/^Version: //p')
[ "$version" = "4.5.0" ] || { echo "pyxform 4.5.0 is required (pip install pyxform==4.5.0)" >&2; exit 1; }
for form in *.md; do
  xls2xform --skip_validate "$form" "${form%.md}.xml" &>/dev/null
done
for form in rejected/*.md; do
  if xls2xform --skip_validate "$form" /tmp/pyxform-rejected.xml >/dev/null 2>/tmp/pyxform-error.txt; then
    echo "pyxform accepts $form: move it out of rejected/" >&2
    exit 1
  fi
  grep -m1 '^pyxform.errors.PyXFormError' /tmp/pyxform-error.txt | sed 's/^pyxform.errors.PyXFormError: //' > "${form%.md}.error"
done
