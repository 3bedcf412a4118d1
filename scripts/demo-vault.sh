#!/usr/bin/env bash
# Creates the demo vault `make run` opens: its own folder (target/demo/, never the app's
# real vault folder), a fresh random passphrase each time (printed, so nobody confuses it
# with a real vault's), and a few responses from the built-in forms' scenario fills:
# finalized ones (a refusal among them) and drafts to resume. Everything in it is made
# up; it is recreated, and so emptied, on every `make run`.
#
#   scripts/demo-vault.sh DIR        prints the passphrase on stdout, the rest on stderr
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:?usage: scripts/demo-vault.sh DIR}
lantern="$PWD/target/debug/lantern"
[ -x "$lantern" ] || { echo "build the CLI first: cargo build -p lantern-cli" >&2; exit 1; }

# A passphrase nobody knows before this run: 12 random hex digits from the kernel.
pass="demo-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n' | sed 's/..../&-/g; s/-$//')"
rm -rf "$dir"
mkdir -p "$dir"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

export LANTERN_PASSPHRASE="$pass"
"$lantern" vault init "$dir/vault" >&2

answers() { # scenario file [extra JSON] -> its answers object
  python3 -c 'import json,sys; a=json.load(open(sys.argv[1]))["answers"]; a.update(json.loads(sys.argv[2] or "{}")); print(json.dumps(a))' "$1" "${3:-}" >"$2"
}
fill() { # form, answers file, extra flags; a fill that cannot be finalized stays a draft
  "$lantern" fill --vault "$dir/vault" "forms/$1.xlsx" --answers "$2" "${@:3}" >/dev/null 2>&1 ||
    echo "  ($1: kept as a draft, it cannot be finalized)" >&2
}

for s in typical worst_case edge_refused; do
  answers "forms/scenarios/camp_safety_audit/$s.json" "$tmp/a.json"
  fill camp_safety_audit "$tmp/a.json" --finalize
done
for s in typical_adult edge_refused; do
  extra='{}'
  # The interview's end is asked only after consent.
  [ "$s" = typical_adult ] && extra='{"interview_status": "completed"}'
  answers "forms/scenarios/womens_participation/$s.json" "$tmp/w.json" "$extra"
  fill womens_participation "$tmp/w.json" --finalize
done
answers "forms/scenarios/shelter_site_risk_review/typical.json" "$tmp/s.json"
fill shelter_site_risk_review "$tmp/s.json" --finalize

# Two drafts left half-way, to resume from home.
echo '{"site_consent": "yes", "site": "SO2401-0001", "site_type": "planned", "walk_time": "night", "perimeter": "partial"}' >"$tmp/d1.json"
fill camp_safety_audit "$tmp/d1.json"
echo '{"consent": "yes"}' >"$tmp/d2.json"
fill womens_participation "$tmp/d2.json"

echo "$pass"
