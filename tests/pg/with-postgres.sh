#!/bin/sh
# with-postgres.sh CMD [ARGS...] - runs CMD with a throwaway PostgreSQL 15 cluster: initdb in a
# temporary directory (as the unprivileged `postgres` user when run as root: initdb refuses
# root), a free loopback port, trust authentication on loopback only, and removes it all when
# CMD ends, whatever its result.  CMD sees PARTNERD_TEST_PG_BASE=postgresql://postgres@127.0.0.1:PORT
# (tests create one database per server under it).  Exits with CMD's status.
set -e
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
[ -x "$PGBIN/initdb" ] || { echo "with-postgres: $PGBIN/initdb not found (apt-get install postgresql)" >&2; exit 1; }
dir=$(mktemp -d /tmp/pd-pg-XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
as() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [ "$(id -u)" = 0 ]; then chown postgres "$dir"; fi
stop() {
	as "$PGBIN/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
	rm -rf "$dir"
}
trap stop EXIT INT TERM
as "$PGBIN/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
	{ cat "$dir/initdb.log" >&2; exit 1; }
as "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
	-o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=400 -c shared_buffers=32MB" \
	start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
export PARTNERD_TEST_PG_BASE="postgresql://postgres@127.0.0.1:$port"
set +e
"$@"
rc=$?
exit $rc
