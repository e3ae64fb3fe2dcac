#!/usr/bin/env bash
# The long fuzz run: every crate's fuzz tests (the `fuzz::` modules of their
# integration-test binaries) in release mode with FIREBREAK_FUZZ_CASES cases
# per target (default 100000; targets whose cases are costly run a fraction,
# see crates/fuzz), one target at a time. Prints a Markdown table of cases and
# time per target and exits non-zero if any target failed. CI runs the same
# tests with the small default budget.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$repo/target-bench}
export FIREBREAK_FUZZ_CASES=${FIREBREAK_FUZZ_CASES:-100000}
cd "$repo"

crates=(firebreak-core firebreak-rca firebreak-forensics firebreak-report firebreak-server)
failed=0
echo "| target | cases (budget $FIREBREAK_FUZZ_CASES) | time (s) | result |"
echo "|---|---|---|---|"
for crate in "${crates[@]}"; do
    cargo test --quiet --release -p "$crate" --test it --no-run
    binary=$(cargo test --release -p "$crate" --test it --no-run --message-format=json 2>/dev/null \
        | sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' | tail -n 1)
    for target in $("$binary" --list fuzz:: 2>/dev/null | sed -n 's/^\(fuzz::[^:]*\): test$/\1/p'); do
        start=$(date +%s.%N)
        if output=$("$binary" --exact "$target" --quiet --nocapture 2>&1); then
            result=ok
        else
            result=FAILED
            failed=1
            printf '%s\n' "$output" >&2
        fi
        seconds=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')
        cases=$(printf '%s\n' "$output" | sed -n 's/^fuzz cases: \([0-9]*\)$/\1/p' | paste -sd+ -)
        echo "| $crate $target | ${cases:-?} | $seconds | $result |"
    done
done
exit "$failed"
