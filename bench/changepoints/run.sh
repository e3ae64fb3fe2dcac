#!/usr/bin/env bash
# Firebreak's change-point detector against ruptures (PELT, l2 cost) on the same generated logs,
# in one run on one machine. changepoints_bench (release) draws the calibration tests' tuning and
# held-out logs (same generator and seeds), times Firebreak's detector in process and writes every
# series to CSV; ruptures_bench.py times ruptures on those values; table.py prints false alarms per
# log, recall, precision and the time ratio ruptures / Firebreak.
# Setup (once): python3 -m venv bench/changepoints/.venv &&
#   bench/changepoints/.venv/bin/pip install ruptures numpy
# Usage (from anywhere): bench/changepoints/run.sh [LOGS_PER_KIND]   default 400, as the tests.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
PY="$HERE/.venv/bin/python"
DATA="$HERE/data"
OUT="$DATA/results.jsonl"   # raw per-run output; the table it prints goes into RESULTS.md by hand
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target-changepoints}"
LOGS="${1:-400}"
mkdir -p "$DATA"
: >"$OUT"

(cd "$ROOT" && CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-1}" cargo build --release -p firebreak-forensics --example changepoints_bench)
FB="$CARGO_TARGET_DIR/release/examples/changepoints_bench"

for set in tuning held-out; do
  "$FB" "$set" "$LOGS" "$DATA/$set" | sed -n 's/^RESULT //p' >>"$OUT"
  "$PY" "$HERE/ruptures_bench.py" "$DATA/$set" "$set" | sed -n 's/^RESULT //p' >>"$OUT"
done
"$PY" "$HERE/table.py" "$OUT"
