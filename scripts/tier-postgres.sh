#!/usr/bin/env bash
# The server's API suites (crates/lantern-server/tests/api.rs, dashboard_api.rs) against PostgreSQL: a
# throwaway cluster in a temp dir, owned by the postgres user (PostgreSQL refuses to
# run as root), listening on 127.0.0.1 only, stopped and deleted afterwards. Each test
# creates its own database in it.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib-pg.sh
trap pg_stop EXIT
LANTERN_TEST_DATABASE_URL="$PG_URL" cargo test -p lantern-server --test api --test dashboard_api
