#!/usr/bin/env bash
# A throwaway PostgreSQL cluster on a free loopback port, for the tests.
#   scripts/postgres.sh start DIR   -> prints postgres://postgres@127.0.0.1:PORT/postgres?sslmode=disable
#   scripts/postgres.sh stop DIR    -> stops it and deletes DIR
#   scripts/postgres.sh pause DIR / resume DIR -> stops / restarts it on the same port (outage tests)
# As root the server runs as the `postgres` user (initdb refuses root); otherwise as the caller.
set -euo pipefail
action=${1:?start|stop}
dir=${2:?directory}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$bin/initdb" ] || { echo "postgres.sh: no PostgreSQL server found (apt-get install postgresql)" >&2; exit 1; }
as_owner() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

case "$action" in
start)
    rm -rf "$dir"
    mkdir -p "$dir"
    [ "$(id -u)" -ne 0 ] || chown postgres "$dir"
    as_owner "$bin/initdb" -D "$dir/data" -A trust -U postgres --no-sync >"$dir/initdb.log" 2>&1 ||
        { cat "$dir/initdb.log" >&2; exit 1; }
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    echo "$port" >"$dir/port"
    "$0" resume "$dir"
    echo "postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
    ;;
resume)
    port=$(cat "$dir/port")
    # The server outlives this script: it must not inherit our caller's descriptors beyond stdio
    # (a caller that watches one for our exit, as Foundation's Process does, would wait for it).
    for fd in /proc/$$/fd/*; do
        n=${fd##*/}
        if [ "$n" -gt 2 ] 2>/dev/null; then eval "exec $n>&-" 2>/dev/null || true; fi
    done
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c max_connections=300" start >/dev/null ||
        { cat "$dir/server.log" >&2; exit 1; }
    ;;
pause)
    as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    ;;
stop)
    [ -d "$dir/data" ] && as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
esac
