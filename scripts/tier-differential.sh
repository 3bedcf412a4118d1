#!/usr/bin/env bash
# The differential tier: every accepted form of the shared conformance set and every
# built-in form, filled 10 times each with the same deterministic random answers through
# Lantern and through JavaRosa (ODK Collect's engine, from pyxform's ODK Validate jar).
# Every disagreement must be in scripts/differential/allow-list.tsv with the spec-notes
# entry that justifies it. Prints the agreement figure. Needs java/javac and the .venv
# (scripts/deps.sh installs both).
set -euo pipefail
cd "$(dirname "$0")/.."
py=.venv/bin/python
[ -x "$py" ] || py=python3
exec "$py" scripts/differential/differential.py --fills 10 "$@"
