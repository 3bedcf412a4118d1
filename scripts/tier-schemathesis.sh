#!/usr/bin/env bash
# Schemathesis (PyPI) against lantern-server's OpenAPI document, generated from the
# handlers: property-based requests to every operation; no 5xx, every response
# matches its documented status, content type and schema. Installs schemathesis in
# its own venv (.venv-schemathesis) the first time.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.venv-schemathesis
version=4.32.5
if ! "$venv/bin/schemathesis" --version 2>/dev/null | grep -q "$version"; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "schemathesis==$version"
fi
cargo build -q -p lantern-server
work=$(mktemp -d)
server=target/debug/lantern-server
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
token=$("$server" --data "$work" admin create-token | tail -1)
# A dashboard admin, so the dashboard's routes are fuzzed signed in (with the CSRF token);
# the only DELETE (sign-out) is left out, or it would end that session mid-run.
LANTERN_USER_PASSWORD="schemathesis pass phrase" "$server" --data "$work" admin create-user fuzz --role admin >/dev/null
RUST_LOG=warn "$server" --data "$work" --listen "127.0.0.1:$port" &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/api/v1/health" >/dev/null && break; sleep 0.2; done
signin=$(curl -sf -D "$work/headers" -H 'content-type: application/json' \
  -d '{"username":"fuzz","password":"schemathesis pass phrase"}' "http://127.0.0.1:$port/api/v1/session")
cookie=$(grep -i '^set-cookie:' "$work/headers" | sed -E 's/^[^:]*: *([^;]*);.*/\1/' | tr -d '\r')
csrf=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["csrf_token"])' "$signin")
"$venv/bin/schemathesis" run "http://127.0.0.1:$port/api/v1/openapi.json" \
  --url "http://127.0.0.1:$port" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
  --header "Authorization: Bearer $token" \
  --header "Cookie: $cookie" --header "X-Lantern-CSRF: $csrf" \
  --exclude-method DELETE \
  --max-examples 100 --workers 2 --seed 1
# The server kept serving through all of it.
curl -sf "http://127.0.0.1:$port/api/v1/health" >/dev/null
