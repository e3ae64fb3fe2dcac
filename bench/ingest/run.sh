#!/usr/bin/env bash
# Ingest and control-read benchmark: Firebreak against Prometheus Alertmanager's
# own ingest on the same machine, in the same run. Load comes from wrk, a second
# process on loopback. Prints a table with ratios; asserts nothing.
#
#   bench/ingest/run.sh [SECONDS] [CONNECTIONS] [ALERT_CONNECTIONS]
#
# Durable alert ingest is bound by fsync latency divided by the writers
# waiting on one group commit, so it is measured with more connections.
#
# Needs Debian's wrk and prometheus-alertmanager (apt-get install wrk
# prometheus-alertmanager). Builds Firebreak in release mode.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-10}
connections=${2:-32}
alert_connections=${3:-256}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT

# FIREBREAK_BIN names an already built binary; otherwise build one.
bin=${FIREBREAK_BIN:-}
if [ -z "$bin" ]; then
  cargo build --release -p firebreak >/dev/null
  bin=target/release/firebreak
fi
port=$((20000 + RANDOM % 20000))
$bin serve --listen 127.0.0.1:$port --data-dir "$work/data" >"$work/serve.log" 2>&1 &
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
export FIREBREAK_URL=http://127.0.0.1:$port FIREBREAK_TOKEN=$(cat "$work/data/admin-token")
$bin system register scoring --name "Credit scoring" >/dev/null
key=$($bin integration create --name bench --source generic --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])')
reader=$($bin token create --description bench --scope control_read --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["secret"])')

cat >"$work/alerts.lua" <<LUA
counter = 0
-- Each wrk thread gets its own seed, so dedup keys never repeat across threads.
init = function(args)
  math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)"), 16) % 1000003)
end
request = function()
  counter = counter + 1
  local body = '{"summary":"drift on feature ' .. counter .. '","dedup_key":"' .. math.random(1, 1e9) .. '-' .. counter .. '","labels":{"model":"scoring"}}'
  return wrk.format("POST", "/api/v1/ingest/generic", {["Content-Type"]="application/json", ["Authorization"]="Bearer $key"}, body)
end
LUA
cat >"$work/am.lua" <<'LUA'
counter = 0
init = function(args)
  math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)"), 16) % 1000003)
end
request = function()
  counter = counter + 1
  local body = '[{"labels":{"alertname":"Drift","feature":"f' .. math.random(1, 1e9) .. '-' .. counter .. '"},"annotations":{"summary":"drift"}}]'
  return wrk.format("POST", "/api/v2/alerts", {["Content-Type"]="application/json"}, body)
end
LUA

# shellcheck source=../lib/wrk.sh
source bench/lib/wrk.sh

read -r alerts_rps alerts_p50 alerts_p99 alerts_bad < <(measure "$alert_connections" 2 -s "$work/alerts.lua" "http://127.0.0.1:$port")
read -r reads_rps reads_p50 reads_p99 reads_bad < <(measure "$connections" 2 -H "Authorization: Bearer $reader" "http://127.0.0.1:$port/api/v1/systems/scoring/control")

am_port=$((port + 1))
cat >"$work/am.yml" <<YAML
route:
  receiver: none
receivers:
  - name: none
YAML
prometheus-alertmanager --config.file="$work/am.yml" --storage.path="$work/am" \
  --web.listen-address=127.0.0.1:$am_port --cluster.listen-address= >"$work/am.log" 2>&1 &
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$am_port/-/ready" >/dev/null && break; sleep 0.2; done
read -r am_rps am_p50 am_p99 am_bad < <(measure "$alert_connections" 2 -s "$work/am.lua" "http://127.0.0.1:$am_port")

stored=$(sqlite3 "$work/data/firebreak.db" 'select count(*) from alerts' 2>/dev/null || echo "?")
echo
echo "Ingest and control reads, ${seconds}s each, $(nproc) cores; alerts over $alert_connections connections, reads over $connections"
printf '%-44s %10s %9s %9s %8s\n' "workload" "req/s" "p50 ms" "p99 ms" "non-2xx"
printf '%-44s %10s %9s %9s %8s\n' "Firebreak alerts (durable, synchronous=FULL)" "$alerts_rps" "$alerts_p50" "$alerts_p99" "$alerts_bad"
printf '%-44s %10s %9s %9s %8s\n' "Firebreak control reads" "$reads_rps" "$reads_p50" "$reads_p99" "$reads_bad"
printf '%-44s %10s %9s %9s %8s\n' "Alertmanager alerts (in memory)" "$am_rps" "$am_p50" "$am_p99" "$am_bad"
python3 -c "print(f'ratio Firebreak alerts / Alertmanager alerts: {$alerts_rps / $am_rps:.2f}')"
echo "alerts stored by Firebreak: $stored"
echo "targets: >= 5000 alerts/s durable; >= 20000 control reads/s with p99 < 5 ms"
