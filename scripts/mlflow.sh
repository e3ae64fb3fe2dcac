#!/usr/bin/env bash
# A throwaway MLflow tracking server for the tests (mlflow from PyPI, in its
# own venv), on loopback only, with its registry in a SQLite file under DIR.
# `start` prints FIREBREAK_TEST_MLFLOW=http://127.0.0.1:<port> once the
# server answers; `stop` stops it.
# Usage: scripts/mlflow.sh start|stop DIR
set -euo pipefail
. "$(dirname "$0")/pidfile.sh"
action=${1:?usage: scripts/mlflow.sh start|stop DIR}
dir=$(realpath -m "${2:?usage: scripts/mlflow.sh start|stop DIR}")
venv=${FIREBREAK_TEST_VENV_MLFLOW:-$HOME/.cache/firebreak/mlflow-venv}
case $action in
start)
    if [ ! -x "$venv/bin/mlflow" ]; then
        python3 -m venv "$venv"
        "$venv/bin/pip" install --quiet 'mlflow==3.17.2'
    fi
    mkdir -p "$dir/artifacts"
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    "$venv/bin/mlflow" server --host 127.0.0.1 --port "$port" --workers 1 \
        --backend-store-uri "sqlite:///$dir/mlflow.db" \
        --default-artifact-root "$dir/artifacts" >"$dir/mlflow.log" 2>&1 &
    echo $! >"$dir/pid"
    # The first start migrates its database: allow a minute.
    for _ in $(seq 600); do
        curl -sf "http://127.0.0.1:$port/health" >/dev/null && break
        sleep 0.1
    done
    curl -sf "http://127.0.0.1:$port/health" >/dev/null ||
        { tail -n 20 "$dir/mlflow.log" >&2; echo "MLflow did not start" >&2; exit 1; }
    echo "FIREBREAK_TEST_MLFLOW=http://127.0.0.1:$port"
    ;;
stop)
    # The server runs its workers as children of its own.
    [ -f "$dir/pid" ] && pkill -TERM -P "$(cat "$dir/pid")" 2>/dev/null || true
    stop_pidfile "$dir"
    ;;
*)
    echo "usage: scripts/mlflow.sh start|stop DIR" >&2
    exit 2
    ;;
esac
