#!/usr/bin/env bash
# UI unit tier: type-checks ui/ (svelte-check) and runs its vitest tests in jsdom.
set -euo pipefail
cd "$(dirname "$0")/../ui"
npx --no-install svelte-check --tsconfig ./tsconfig.json --threshold error --output machine
npx --no-install vitest run
