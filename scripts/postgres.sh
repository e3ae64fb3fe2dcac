#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests, from Debian's package: initdb
# in DIR, listening on loopback only at a free port, trusting local
# connections. `start` prints its superuser URL; `stop` stops it; `restart`
# stops it and starts it again on the same port (for fault tests).
# Usage: scripts/postgres.sh start|stop|restart DIR
set -euo pipefail
action=${1:?usage: scripts/postgres.sh start|stop|restart DIR}
dir=$(realpath -m "${2:?usage: scripts/postgres.sh start|stop|restart DIR}")
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
# PostgreSQL refuses to run as root: run it as the package's own user.
as_owner=()
if [ "$(id -u)" -eq 0 ]; then
    as_owner=(runuser -u postgres --)
fi
case $action in
start)
    mkdir -p "$dir"
    [ "$(id -u)" -ne 0 ] || chown postgres "$dir"
    "${as_owner[@]}" "$bin/initdb" -D "$dir/data" -U firebreak --auth=trust -E UTF8 >"$dir/initdb.log"
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    "${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/data/server.log" -w \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $dir/data -c max_connections=300" start >/dev/null
    echo "postgres://firebreak@127.0.0.1:$port/postgres"
    ;;
stop)
    "${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    ;;
restart)
    # pg_ctl restart starts with the options of the run it stops.
    "${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/data/server.log" -m fast -w restart >/dev/null
    ;;
*)
    echo "usage: scripts/postgres.sh start|stop|restart DIR" >&2
    exit 2
    ;;
esac
