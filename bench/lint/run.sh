#!/usr/bin/env bash
# The blameless lint's precision and recall per category on the labelled corpus: design.tsv,
# design-2.tsv and design-3.tsv, the parts the rules were written against, and held-out-3.tsv,
# written by someone who had not seen them (D34). The table comes from firebreak_core::lint::corpus,
# the same code the tests hold to the targets of issue #18; --misses lists every sentence the lint
# got wrong.
# Usage (from anywhere): bench/lint/run.sh [--misses] [more.tsv …]
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
cd "$ROOT"
cargo run --quiet -p firebreak-core --example lint_corpus -- "$@" bench/lint/design.tsv bench/lint/design-2.tsv bench/lint/design-3.tsv bench/lint/held-out-3.tsv
