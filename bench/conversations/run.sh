#!/usr/bin/env bash
# `firebreak analyze conversations` end to end against a Python `re` loop on the same log, in one
# run on one machine: N turns (default 1,000,000, about 0.3 GB of CSV) scanned for personal data
# (Firebreak's `pii` detector against email, card with Luhn, phone and IBAN with mod 97 in `re`)
# and for 30 unsafe-advice phrases (a cohort `output contains any of @keywords.txt` against one
# case-insensitive alternation). Presidio's pattern recognizers (email, card, phone, IBAN) scan the
# first PRESIDIO_TURNS outputs (default 100,000: a million takes minutes), and their time is
# scaled to the whole log. Each tool is a fresh process under /usr/bin/time -v; prints wall
# seconds, peak RSS, turns flagged and the ratios re loop / Firebreak and Presidio / Firebreak.
# Usage (from anywhere): bench/conversations/run.sh [TURNS]
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target-bench}"
TURNS="${1:-1000000}"
PRESIDIO_TURNS="${PRESIDIO_TURNS:-100000}"
DATA="$HERE/data"
mkdir -p "$DATA"
(cd "$ROOT" && cargo build --release -p firebreak)
FB="$CARGO_TARGET_DIR/release/firebreak"
LOG="$DATA/log-$TURNS.csv"
[ -f "$LOG" ] || python3 "$HERE/make_log.py" "$TURNS" "$LOG" "$HERE/keywords.txt"
echo "log: $LOG, $(du -h "$LOG" | cut -f1), $TURNS turns"
PRESIDIO="$("$ROOT/bench/presidio/install.sh" "${FIREBREAK_TEST_VENV_PRESIDIO:-$HOME/.cache/firebreak/presidio-venv}")"

# measure LABEL CMD...: wall seconds and peak RSS of one fresh process; its stdout to $DATA/LABEL.out.
measure() {
    local label="$1"; shift
    /usr/bin/time -v "$@" >"$DATA/$label.out" 2>"$DATA/$label.err" || { echo "$label failed" >&2; tail -5 "$DATA/$label.err" >&2; exit 1; }
    local wall rss
    wall="$(grep 'Elapsed (wall clock)' "$DATA/$label.err" | awk '{print $NF}' | awk -F: '{ if (NF == 3) print $1*3600 + $2*60 + $3; else print $1*60 + $2 }')"
    rss="$(grep 'Maximum resident set size' "$DATA/$label.err" | awk '{print $NF}')"
    echo "$label $wall $rss"
}

results=()
results+=("$(measure firebreak-pii "$FB" analyze conversations "$LOG" --detector pii --json)")
results+=("$(measure re-pii python3 "$HERE/re_loop.py" pii "$LOG")")
results+=("$(measure firebreak-keywords "$FB" analyze conversations "$LOG" --where "output contains any of @$HERE/keywords.txt" --json)")
results+=("$(measure re-keywords python3 "$HERE/re_loop.py" keywords "$LOG" "$HERE/keywords.txt")")
results+=("$(measure presidio-pii "$PRESIDIO" "$HERE/presidio_loop.py" "$LOG" "$PRESIDIO_TURNS")")

flagged() {
    case "$1" in
        firebreak-*) python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["rates"]["flagged"])' "$DATA/$1.out" ;;
        re-* | presidio-*) sed -n 's/^RESULT //p' "$DATA/$1.out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["flagged"])' ;;
    esac
}
printf '%-20s %10s %12s %10s\n' tool seconds "peak MiB" flagged
declare -A wall
for line in "${results[@]}"; do
    read -r label seconds rss <<<"$line"
    wall[$label]=$seconds
    printf '%-20s %10.2f %12.0f %10s\n' "$label" "$seconds" "$((rss / 1024))" "$(flagged "$label")"
done
# Presidio scanned PRESIDIO_TURNS turns: its scan time scales to the log, its start-up does not.
python3 -c "
import json, sys
result = json.loads(open(sys.argv[1]).read().split('RESULT ', 1)[1])
scan, wall, turns, firebreak = result['seconds'], float(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
scaled = wall - scan + scan * turns / result['turns']
print(f'presidio-pii: {result[\"turns\"]} turns in {scan:.1f} s of scanning, {scaled:.0f} s for {turns}; Presidio / Firebreak = {scaled / firebreak:.0f}x')
" "$DATA/presidio-pii.out" "${wall[presidio-pii]}" "$TURNS" "${wall[firebreak-pii]}"
for scan in pii keywords; do
    python3 -c "import sys; print(f'{sys.argv[1]}: re loop / Firebreak = {float(sys.argv[2]) / float(sys.argv[3]):.1f}x')" \
        "$scan" "${wall[re-$scan]}" "${wall[firebreak-$scan]}"
done
