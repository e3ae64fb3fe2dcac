#!/usr/bin/env bash
# The SMART check's recall and false-positive rate per field (title, success criterion, owner) on
# the labelled corpus: design.tsv, the part the rules were written against, and held-out.tsv,
# measured once after they were frozen (D34). The table comes from
# firebreak_core::action::smart::corpus, the same code the tests hold to the measure; --misses
# lists every value the check got wrong. Usage (from anywhere): bench/smart/run.sh [--misses] [FILE…]
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
cd "$ROOT"
files=()
flags=()
for arg in "$@"; do
    case "$arg" in
        --*) flags+=("$arg") ;;
        *) files+=("$arg") ;;
    esac
done
[ ${#files[@]} -gt 0 ] || files=(bench/smart/design.tsv bench/smart/held-out.tsv)
cargo run --quiet -p firebreak-core --example smart_corpus -- "${flags[@]}" "${files[@]}"
