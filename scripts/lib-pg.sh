# Sourced by tier-postgres.sh and bench-server.sh: starts a throwaway PostgreSQL
# cluster owned by the postgres user in a temp dir, on 127.0.0.1 only, installing
# Debian's postgresql if missing. Sets PG_URL; pg_stop stops it and deletes it.

if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  echo "installing Debian's postgresql"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq postgresql >/dev/null
  # Debian starts a default cluster; we use our own.
  service postgresql stop >/dev/null 2>&1 || true
fi
pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_tmp=$(mktemp -d)
chmod 755 "$pg_tmp"
if [ "$(id -u)" = 0 ]; then chown postgres: "$pg_tmp"; fi
pg_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

pg_stop() {
  as_pg "$pg_bin/pg_ctl" -D "$pg_tmp/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$pg_tmp"
}

as_pg "$pg_bin/initdb" -D "$pg_tmp/data" -U postgres --auth=trust -E UTF8 >"$pg_tmp/initdb.log" 2>&1 \
  || { cat "$pg_tmp/initdb.log"; exit 1; }
as_pg "$pg_bin/pg_ctl" -D "$pg_tmp/data" -l "$pg_tmp/server.log" -w \
  -o "-c listen_addresses=127.0.0.1 -p $pg_port -k $pg_tmp -c max_connections=200" start >/dev/null \
  || { cat "$pg_tmp/server.log"; exit 1; }
echo "PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$pg_port"
PG_URL="postgres://postgres@127.0.0.1:$pg_port/postgres"
