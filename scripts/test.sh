#!/usr/bin/env bash
# Runs every test tier in order, keeps going after a failure, and ends with one
# summary line `tiers: N passed, N failed` and a non-zero exit if any tier failed.
set -uo pipefail
cd "$(dirname "$0")/.."

passed=0; failed=0; not_run=0; failures=(); timings=()

# A tier exits 77 when this machine cannot run it at all (only tiers the issues allow
# to be machine-dependent do: the ext4 loop-image scan); it is reported as not run.
tier() {
  local name=$1; shift
  printf '\n\033[1m==> %s\033[0m\n' "$name"
  local start=$SECONDS rc=0
  "$@" || rc=$?
  if ((rc == 0)); then
    passed=$((passed + 1)); timings+=("$name ok $((SECONDS - start))s")
  elif ((rc == 77)); then
    not_run=$((not_run + 1)); timings+=("$name NOT RUN on this machine (see above)")
  else
    failed=$((failed + 1)); failures+=("$name"); timings+=("$name FAILED $((SECONDS - start))s")
  fi
}

# The app embeds the built UI at compile time, so build it before anything compiles.
tier "ui build" bash -c "cd ui && npm run build --silent"
tier "rustfmt" cargo fmt --all --check
tier "clippy" cargo clippy --workspace --all-targets --quiet -- -D warnings
tier "rust tests" cargo test --workspace
tier "forms (pyxform)" scripts/tier-forms.sh
tier "differential (JavaRosa)" scripts/tier-differential.sh
tier "vault on ext4 (loop image)" scripts/tier-ext4.sh
tier "server on postgresql" scripts/tier-postgres.sh
tier "server api (schemathesis)" scripts/tier-schemathesis.sh
tier "ui unit (vitest)" scripts/tier-ui.sh
tier "browser (playwright)" scripts/tier-browser.sh
tier "dashboard (playwright)" scripts/tier-dashboard.sh
tier "app e2e (tauri-driver)" scripts/tier-e2e.sh

printf '\n'
for t in "${timings[@]}"; do echo "  $t"; done
if ((failed)); then echo "failed tiers: ${failures[*]}"; fi
echo "tiers: $passed passed, $failed failed, $not_run not run"
((failed == 0))
