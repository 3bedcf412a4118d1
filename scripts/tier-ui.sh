#!/usr/bin/env bash
# UI unit tier: type-checks ui/ (svelte-check, warnings included) and runs its vitest
# tests in jsdom: message catalogs, components, form widgets, app flows.
set -euo pipefail
cd "$(dirname "$0")/../ui"
npx --no-install svelte-check --tsconfig ./tsconfig.json --threshold warning --fail-on-warnings --output machine
npx --no-install vitest run
