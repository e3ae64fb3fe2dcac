#!/usr/bin/env bash
# The refusal detector's precision and recall on the labelled corpus (D34): design.tsv, the part
# the lexicon may be tuned on, and held-out.tsv, measured once per round after the lexicon is
# frozen. It runs the real CLI, `firebreak analyze conversations LOG --detector refusal`, on a
# log made from each part (one turn an hour, hourly buckets, so each bucket's flagged count is
# one turn's verdict) and scores the JSON report with score.py (Python 3 standard library).
# The binary is $FIREBREAK_BIN, or built with `cargo build -p firebreak` (into $CARGO_TARGET_DIR,
# default ./target). Usage (from anywhere): bench/refusals/run.sh [--misses] [FILE…]
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
cd "$ROOT"
misses=()
files=()
for arg in "$@"; do
    case "$arg" in
        --misses) misses=(--misses) ;;
        *) files+=("$arg") ;;
    esac
done
[ ${#files[@]} -gt 0 ] || files=(bench/refusals/design.tsv bench/refusals/held-out.tsv)
if [ -z "${FIREBREAK_BIN:-}" ]; then
    export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
    cargo build --quiet -p firebreak
    FIREBREAK_BIN="$CARGO_TARGET_DIR/debug/firebreak"
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "| part | turns | refusals | TP | FP | FN | TN | precision | recall | F1 |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for file in "${files[@]}"; do
    python3 "$HERE/score.py" log "$file" "$work/log.csv"
    "$FIREBREAK_BIN" analyze conversations "$work/log.csv" --detector refusal --bucket hour \
        --json -o "$work/report.json"
    python3 "$HERE/score.py" score "$file" "$work/report.json" "${misses[@]}"
done
