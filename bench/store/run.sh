#!/usr/bin/env bash
# The same load on the SQLite store and on the PostgreSQL store, in one run:
# incident writes (timeline notes from concurrent writers), alert ingest and
# control reads, each with requests/s, p50 and p99; then control reads on two
# servers sharing one PostgreSQL database, loaded round-robin (one wrk per
# server, the same connections in total), against one server. Load comes from
# wrk on loopback; PostgreSQL is a throwaway server from scripts/postgres.sh.
# Prints a table with ratios; asserts nothing.
#
#   bench/store/run.sh [SECONDS] [WRITERS] [READ_CONNECTIONS]
#
# Defaults: 10 s per workload, 8 writers, 32 read connections. Needs Debian's
# wrk and postgresql. FIREBREAK_BIN names an already built binary; otherwise
# a release build is made (about 20 minutes cold on 2 cores).
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-10}
writers=${2:-8}
readers=${3:-32}
work=$(mktemp -d)
# PostgreSQL runs as its own user (as root) and must reach its directory.
chmod 755 "$work"
cleanup() {
    # Servers start in command substitutions, so they are not this shell's
    # jobs: stop them by the pids start() kept.
    [ -f "$work/pids" ] && kill $(cat "$work/pids") 2>/dev/null
    kill $(jobs -p) 2>/dev/null || true
    wait 2>/dev/null || true
    scripts/postgres.sh stop "$work/pg" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

bin=${FIREBREAK_BIN:-}
if [ -z "$bin" ]; then
    cargo build --release -p firebreak >/dev/null
    bin=target/release/firebreak
fi
bin=$(realpath "$bin")
admin_url=$(scripts/postgres.sh start "$work/pg")
psql -q "$admin_url" -c "CREATE DATABASE bench"
database=${admin_url%/*}/bench

# Starts a server; prints its URL. Arguments: name, extra serve flags.
start() {
    local name=$1
    shift
    "$bin" serve --listen 127.0.0.1:0 --data-dir "$work/data-$name" "$@" >"$work/$name.out" 2>"$work/$name.err" &
    echo $! >>"$work/pids"
    echo $! >"$work/$name.pid"
    for _ in $(seq 100); do
        grep -q "^Firebreak listening on " "$work/$name.out" 2>/dev/null && break
        sleep 0.1
    done
    sed -n 's/^Firebreak listening on //p' "$work/$name.out"
}

# Registers a system, declares an incident, and makes an alert integration
# and a control-read token; sets KEY and READER.
prepare() {
    local url=$1 data=$2
    export FIREBREAK_URL=$url FIREBREAK_TOKEN=$(cat "$data/admin-token")
    "$bin" system register scoring --name "Credit scoring" >/dev/null
    "$bin" incident declare --title "Approval rate fell" --severity sev2 --rationale "bench" --system scoring >/dev/null
    KEY=$("$bin" integration create --name bench --source generic --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])')
    READER=$("$bin" token create --description bench --scope control_read --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["secret"])')
}

# shellcheck source=../lib/wrk.sh
source bench/lib/wrk.sh

lua() {
    local name=$1 path=$2 body=$3 token=$4
    cat >"$work/$name.lua" <<LUA
counter = 0
init = function(args)
  math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)"), 16) % 1000003)
end
request = function()
  counter = counter + 1
  local unique = math.random(1, 1e9) .. '-' .. counter
  return wrk.format("POST", "$path", {["Content-Type"]="application/json", ["Authorization"]="Bearer $token"}, $body)
end
LUA
}

rows=()
declare -A rps
for store in sqlite postgres; do
    flags=()
    [ "$store" = postgres ] && flags=(--database "$database")
    url=$(start "$store" "${flags[@]}")
    prepare "$url" "$work/data-$store"
    lua "notes-$store" /api/v1/incidents/INC-1/entries "'{\"text\":\"note ' .. unique .. '\"}'" "$FIREBREAK_TOKEN"
    lua "alerts-$store" /api/v1/ingest/generic "'{\"summary\":\"drift\",\"dedup_key\":\"' .. unique .. '\",\"labels\":{\"model\":\"scoring\"}}'" "$KEY"
    read -r w_rps w_p50 w_p99 w_bad < <(measure "$writers" 2 -s "$work/notes-$store.lua" "$url")
    read -r a_rps a_p50 a_p99 a_bad < <(measure 64 2 -s "$work/alerts-$store.lua" "$url")
    read -r r_rps r_p50 r_p99 r_bad < <(measure "$readers" 2 -H "Authorization: Bearer $READER" "$url/api/v1/systems/scoring/control")
    rows+=("$store incident writes ($writers writers)|$w_rps|$w_p50|$w_p99|$w_bad")
    rows+=("$store alert ingest (64 connections)|$a_rps|$a_p50|$a_p99|$a_bad")
    rows+=("$store control reads ($readers connections)|$r_rps|$r_p50|$r_p99|$r_bad")
    rps[$store-writes]=$w_rps
    rps[$store-alerts]=$a_rps
    rps[$store-reads]=$r_rps
    [ "$store" = postgres ] && { first_url=$url; first_reader=$READER; }
    [ "$store" = sqlite ] && kill "$(cat "$work/sqlite.pid")" 2>/dev/null || true
done

# A second server on the same database and data directory; each wrk drives
# one server with half the connections, as a round-robin balancer would.
cp -r "$work/data-postgres" "$work/data-second"
second_url=$(start second --database "$database")
half=$((readers / 2))
measure "$half" 1 -H "Authorization: Bearer $first_reader" "$first_url/api/v1/systems/scoring/control" >"$work/first.txt" &
measure "$half" 1 -H "Authorization: Bearer $first_reader" "$second_url/api/v1/systems/scoring/control" >"$work/second.txt" &
wait %?measure 2>/dev/null || wait
read -r one_rps one_p50 one_p99 one_bad <"$work/first.txt"
read -r two_rps two_p50 two_p99 two_bad <"$work/second.txt"
both=$((one_rps + two_rps))
rows+=("postgres control reads, 2 servers (round-robin)|$both|$one_p50/$two_p50|$one_p99/$two_p99|$((one_bad + two_bad))")

echo
echo "Store benchmark, ${seconds}s per workload, $(nproc) cores, binary $bin"
printf '%-52s %10s %12s %12s %8s\n' "workload" "req/s" "p50 ms" "p99 ms" "non-2xx"
for row in "${rows[@]}"; do
    IFS='|' read -r name r p50 p99 bad <<<"$row"
    printf '%-52s %10s %12s %12s %8s\n' "$name" "$r" "$p50" "$p99" "$bad"
done
python3 - <<PY
writes = ${rps[postgres-writes]} / ${rps[sqlite-writes]}
alerts = ${rps[postgres-alerts]} / ${rps[sqlite-alerts]}
reads = ${rps[postgres-reads]} / ${rps[sqlite-reads]}
two = $both / ${rps[postgres-reads]}
print(f"ratio PostgreSQL / SQLite: writes {writes:.2f}, alerts {alerts:.2f}, control reads {reads:.2f}")
print(f"ratio two PostgreSQL servers / one: control reads {two:.2f}")
print("targets: PostgreSQL writes within 3x of SQLite (ratio >= 0.33); two servers >= 1.5x one")
PY
