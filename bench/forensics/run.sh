#!/usr/bin/env bash
# Firebreak forensics vs its peers on the peer-bench kit's logs, in one run on one machine.
# Builds the release benchmark driver, generates the logs with ../../shared/peer-bench/gen_data.py,
# runs every tool as a fresh process under /usr/bin/time -v and prints wall seconds, peak RSS and
# the ratio peer / Firebreak.
# Setup (once): python3 -m venv bench/forensics/.venv &&
#   bench/forensics/.venv/bin/pip install evidently==0.7.23 fairlearn==0.15.0 nannyml==0.13.1 aequitas==1.1.0 pyarrow "pandas<3" scipy scikit-learn
#   (the same venv runs make_fixtures.py; crates/forensics/tests/fixtures/versions.txt lists what it resolved to)
# Usage (from anywhere): bench/forensics/run.sh [SIZE...]   sizes: 1m (default), 10m.
#   Peers run at 1m; at 10m only Firebreak and the numpy floor run unless PEERS_AT_10M=1
#   (Evidently needs minutes and many GiB there).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
KIT="$ROOT/../shared/peer-bench"
PY="$HERE/.venv/bin/python"
DATA="$HERE/data"
OUT="$DATA/results.jsonl"   # raw per-run output; the table it prints goes into RESULTS.md by hand
export NML_DISABLE_USAGE_LOGGING=1 DO_NOT_TRACK=1 EVIDENTLY_DISABLE_TELEMETRY=1
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target-forensics}"
SIZES=("${@:-1m}")
mkdir -p "$DATA"
: >"$OUT"

(cd "$ROOT" && CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-1}" cargo build --release -p firebreak-forensics --example forensics_bench)
FB="$CARGO_TARGET_DIR/release/examples/forensics_bench"

rows() { case "$1" in 1m) echo 1000000 ;; 10m) echo 10000000 ;; 100k) echo 100000 ;; *) echo "unknown size $1" >&2; exit 2 ;; esac; }

# measure LABEL SIZE CMD...: one fresh process; appends its RESULT JSON plus wall and peak RSS.
measure() {
  local label="$1" size="$2"; shift 2
  local tmp; tmp="$(mktemp -d)"
  /usr/bin/time -v "$@" >"$tmp/out" 2>"$tmp/err" || { echo "$label failed:" >&2; tail -5 "$tmp/err" >&2; }
  local line; line="$(grep '^RESULT ' "$tmp/out" | sed 's/^RESULT //' | tail -1)"
  [ -n "$line" ] || line='{"error": true}'
  local rss; rss="$(grep 'Maximum resident set size' "$tmp/err" | awk '{print $NF}')"
  local wall; wall="$(grep 'Elapsed (wall clock)' "$tmp/err" | awk '{print $NF}')"
  "$PY" - "$label" "$size" "${rss:-0}" "$wall" "$line" >>"$OUT" <<'PYEOF'
import json, sys
label, size, rss, wall, line = sys.argv[1:]
parts = [float(p) for p in wall.split(":")]
seconds = sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
record = json.loads(line)
record.update(label=label, size=size, peak_rss_mb=round(int(rss) / 1024, 1), wall_s=round(seconds, 2))
print(json.dumps(record))
PYEOF
  echo "  $label ($size): wall ${wall}, peak RSS $((${rss:-0} / 1024)) MiB"
  rm -rf "$tmp"
}

for size in "${SIZES[@]}"; do
  log="$DATA/log_$size"
  [ -f "$log.parquet" ] || "$PY" "$KIT/gen_data.py" "$(rows "$size")" "$log"
  measure firebreak "$size" "$FB" "$log.parquet"
  [ -f "$log.csv" ] && measure firebreak_csv "$size" "$FB" "$log.csv"
  measure floor "$size" "$PY" "$KIT/floor.py" "$log.parquet"
  if [ "$size" != "10m" ] || [ "${PEERS_AT_10M:-0}" = 1 ]; then
    measure evidently "$size" "$PY" "$KIT/bench.py" evidently "$log.parquet"
    measure fairlearn "$size" "$PY" "$KIT/bench.py" fairlearn "$log.parquet"
    measure nannyml "$size" "$PY" "$KIT/bench.py" nannyml "$log.parquet"
  fi
done
"$PY" "$HERE/table.py" "$OUT"
