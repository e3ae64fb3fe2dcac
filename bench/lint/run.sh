#!/usr/bin/env bash
# The blameless lint's precision and recall per category on the labelled corpus (D34): first each
# design part measured by a learned reading trained on the other parts (leave one part out), then
# every part with the built-in reading (trained on all design parts), and last held-out-4.tsv,
# written by someone who had seen neither the rules nor the corpora. The tables come from
# firebreak_core::lint::corpus, the same code the tests hold to the targets of issue #18;
# --misses lists every sentence the lint got wrong, --threshold P sets the learned reading's bound.
# Usage (from anywhere): bench/lint/run.sh [--misses] [--threshold P] [more.tsv …]
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
cd "$ROOT"
cargo run --release --quiet -p firebreak-core --example lint_corpus -- "$@" --cross \
    bench/lint/design.tsv bench/lint/design-2.tsv bench/lint/design-3.tsv bench/lint/design-4.tsv \
    bench/lint/design-5.tsv bench/lint/design-6.tsv bench/lint/held-out-4.tsv
