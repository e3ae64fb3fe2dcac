#!/usr/bin/env bash
# Runs Firebreak (crates/rca/examples/fta_bench) and SCRAM on the same MEF
# models in the same run, and prints wall time and peak memory of each and
# the ratio SCRAM / Firebreak (above 1: Firebreak is faster or smaller).
# Both compute minimal cut sets, the probability (exact, or the case's
# approximation) and importance measures, for every top event, event-tree
# sequence and mission phase, and both write all of them out (SCRAM its XML
# report, Firebreak JSON). SCRAM's MOCUS runs are left out: Firebreak has one
# algorithm, which the other cases time.
# Then CEA9601 at product order 20, Firebreak alone (SCRAM cannot finish it):
# about 130 million minimal cut sets, too many to list within the memory
# budget, so they are counted, summed and ranked on their ZBDD.
# Not a timed test: run it by hand, on an otherwise idle machine.
# ORDER20_ONLY=1 runs only the order-20 case.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
input=${SCRAM_INPUT:-/usr/share/scram/input}
runs=${RUNS:-3}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$repo/target-rca}
command -v scram >/dev/null || { echo "scram is not installed (apt-get install scram)" >&2; exit 1; }

cargo build --quiet --release -p firebreak-rca --example fta_bench
firebreak="$CARGO_TARGET_DIR/release/examples/fta_bench"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Best wall time of $runs runs, and the peak RSS of that run: "SECONDS KB".
measure() {
  local best="" best_rss=""
  for _ in $(seq "$runs"); do
    /usr/bin/time -f "%e %M" -o "$work/time" "$@" >/dev/null 2>"$work/stderr" || {
      cat "$work/stderr" >&2; return 1; }
    read -r seconds rss < "$work/time"
    if [ -z "$best" ] || awk "BEGIN{exit !($seconds < $best)}"; then best=$seconds; best_rss=$rss; fi
  done
  echo "$best $best_rss"
}

if [ -z "${ORDER20_ONLY:-}" ]; then
printf '| %-24s | %10s | %10s | %7s | %12s | %12s | %7s |\n' model "firebreak s" "scram s" "time x" "firebreak KB" "scram KB" "mem x"
printf '|%s|\n' "--------------------------|------------|------------|---------|--------------|--------------|---------"
grep -v '^#' "$here/cases.txt" | while IFS='|' read -r name flags files; do
  name=$(echo $name); flags=$(echo $flags); files=$(echo $files)
  [ -n "$name" ] || continue
  # Models SCRAM refuses (see make_fixtures.sh) have nothing to time.
  [ -e "$repo/crates/rca/tests/fixtures/scram/reports/$name.error.txt" ] && continue
  case "$flags" in *--mocus*) continue;; esac
  paths=()
  for file in $files; do
    # Firebreak's own models (see make_fixtures.sh) come before SCRAM's.
    if [ -e "$here/models/$file" ]; then paths+=("$here/models/$file"); else paths+=("$input/$file"); fi
  done
  ours_flags=()
  scram_flags=()
  scram_paths=("${paths[@]}")
  set -- $flags
  while [ $# -gt 0 ]; do
    case "$1" in
      --limit-order|--mission-time) ours_flags+=("$1" "$2"); scram_flags+=("$1" "$2"); shift 2;;
      --rare-event|--mcub) ours_flags+=("$1"); scram_flags+=("$1"); shift;;
      # Firebreak always expands CCF groups.
      --ccf) scram_flags+=("$1" "$2"); shift 2;;
      # SCRAM reads the limits and the model files from its configuration.
      --config-file)
        config="$input/$2"
        ours_flags+=(--limit-order "$(sed -n 's:.*<product-order>\(.*\)</product-order>.*:\1:p' "$config")")
        scram_flags+=(--config-file "$config"); scram_paths=(); shift 2;;
      *) echo "$name: flag $1 not understood" >&2; exit 1;;
    esac
  done
  read -r ours_s ours_kb <<< "$(measure "$firebreak" --json "${ours_flags[@]}" "${paths[@]}")"
  read -r scram_s scram_kb <<< "$(measure scram --probability true --importance true "${scram_flags[@]}" "${scram_paths[@]}" -o "$work/report.xml")"
  printf '| %-24s | %10s | %10s | %7s | %12s | %12s | %7s |\n' "$name" "$ours_s" "$scram_s" \
    "$(awk "BEGIN{printf \"%.1f\", $scram_s / ($ours_s > 0.005 ? $ours_s : 0.005)}")" \
    "$ours_kb" "$scram_kb" "$(awk "BEGIN{printf \"%.1f\", $scram_kb / $ours_kb}")"
done
echo "(time x and mem x: SCRAM / Firebreak; times below 5 ms count as 5 ms)"
echo
fi

# The analysis returns only when the bottom-up count, the top-down path count
# and the per-order counts agree (RcaError::CutSetCountMismatch otherwise).
cea=("$input/CEA9601/CEA9601.xml" "$input/CEA9601/CEA9601-basic-events.xml")
"$firebreak" --limit-order 20 "${cea[@]}" > "$work/order20.txt"
read -r seconds kb <<< "$(measure "$firebreak" --json --limit-order 20 "${cea[@]}")"
printf '| %-16s | %-60s | %10s | %12s |\n' model "minimal cut sets (per order 1, 2, ...)" "firebreak s" "firebreak KB"
printf '|%s|\n' "------------------|--------------------------------------------------------------|------------|--------------"
printf '| %-16s | %-60s | %10s | %12s |\n' cea9601-order20 \
  "$(sed -n 's/^r1: \([0-9]*\) minimal cut sets \(\[[0-9, ]*\]\).*/\1 \2/p' "$work/order20.txt")" "$seconds" "$kb"
echo "(the JSON run: the count, the probability and importance, and the 1000 most probable cut sets)"
