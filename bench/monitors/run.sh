#!/usr/bin/env bash
# One scheduling round of 100 monitors over 50 systems on a real `firebreak serve` (release,
# loopback), each monitor reading a new daily partition of 1M rows plus the day before as its
# reference; then the same checks as Evidently reports over the same partitions, in the same run.
# Prints the round's wall time, the server's peak RSS (VmHWM) and the ratio per check.
# Setup (once): python3 -m venv bench/monitors/.venv &&
#   bench/monitors/.venv/bin/pip install evidently==0.7.23 pyarrow "pandas<3" scipy
# Usage (from anywhere): bench/monitors/run.sh [SYSTEMS [ROWS [EVIDENTLY_SYSTEMS]]]
#   defaults 50 systems, 1000000 rows a partition, Evidently on 3 systems (6 of the 100 checks:
#   one Evidently drift report over 2M rows takes about a minute here, all 100 would take well
#   over an hour, so the ratio is per check on a stated subset, not a whole round).
# Data (about 9 GB at the defaults) goes to bench/monitors/data, generated once.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
PY="$HERE/.venv/bin/python"
DATA="${BENCH_DATA:-$HERE/data}"
SYSTEMS="${1:-50}"
ROWS="${2:-1000000}"
PEER_SYSTEMS="${3:-3}"
OUT="$DATA/results.jsonl"   # raw output; the table it prints goes into RESULTS.md by hand
export EVIDENTLY_DISABLE_TELEMETRY=1 DO_NOT_TRACK=1
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target-monitors}"

if [ -z "${FIREBREAK_BIN:-}" ]; then
  (cd "$ROOT" && CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-1}" cargo build --release -p firebreak)
  FIREBREAK_BIN="$CARGO_TARGET_DIR/release/firebreak"
fi

mkdir -p "$DATA"
# A previous run moved today's partitions into logs/: stage them again.
for dir in "$DATA"/logs/sys-*/date=2026-11-02; do
  [ -d "$dir" ] || continue
  system="$(basename "$(dirname "$dir")")"
  mkdir -p "$DATA/staged/$system"
  mv "$dir" "$DATA/staged/$system/"
done
"$PY" "$HERE/make_partitions.py" "$DATA" "$SYSTEMS" "$ROWS" >/dev/null
: >"$OUT"

server_dir="$(mktemp -d)"
"$FIREBREAK_BIN" serve --listen 127.0.0.1:0 --data-dir "$server_dir/data" >"$server_dir/out" 2>"$server_dir/err" &
server=$!
trap 'kill "$server" 2>/dev/null || true; rm -rf "$server_dir"' EXIT
for _ in $(seq 100); do grep -q "listening on" "$server_dir/out" 2>/dev/null && break; sleep 0.1; done
url="$(sed -n 's/^Firebreak listening on //p' "$server_dir/out" | head -1)"
token="$(cat "$server_dir/data/admin-token")"
echo "server $url (pid $server), $SYSTEMS systems, $ROWS rows a partition"
"$PY" "$HERE/drive.py" "$url" "$token" "$DATA" "$SYSTEMS" | sed -n 's/^RESULT //p' >"$server_dir/round"
peak_kb="$(awk '/^VmHWM/ {print $2}' "/proc/$server/status")"
"$PY" - "$peak_kb" "$server_dir/round" >>"$OUT" <<'PYEOF'
import json, sys
record = json.load(open(sys.argv[2]))
record.update(tool="firebreak", server_peak_rss_mb=round(int(sys.argv[1]) / 1024, 1))
print(json.dumps(record))
PYEOF
kill "$server"; wait "$server" 2>/dev/null || true

peers=()
for i in $(seq 0 $((PEER_SYSTEMS - 1))); do peers+=("$(printf 'sys-%02d' "$i")"); done
if [ "${#peers[@]}" -gt 0 ]; then
  /usr/bin/time -v "$PY" "$HERE/evidently_round.py" "$DATA" "${peers[@]}" >"$server_dir/peer" 2>"$server_dir/peer.err" ||
    { echo "evidently failed:" >&2; tail -5 "$server_dir/peer.err" >&2; }
  peak="$(awk '/Maximum resident set size/ {print $NF}' "$server_dir/peer.err")"
  sed -n 's/^RESULT //p' "$server_dir/peer" |
    "$PY" -c 'import json, sys
for line in sys.stdin:
    record = json.loads(line)
    if record.get("total"):
        record["peak_rss_mb"] = round(int(sys.argv[1]) / 1024, 1)
    print(json.dumps(record))' "${peak:-0}" >>"$OUT"
fi
"$PY" "$HERE/table.py" "$OUT"
