#!/usr/bin/env bash
# PII parity with Presidio's pattern recognizers: writes the corpus (make_corpus.py, seed 15)
# and Presidio's spans on it (presidio_spans.py) into the forensics crate's fixtures, then runs
# the comparison (crates/forensics/tests/it/presidio.rs), which prints the per-entity table and
# fails on a difference docs/detectors.md does not explain. Presidio goes in its own venv.
# Usage (from anywhere): bench/presidio/run.sh
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
VENV="${FIREBREAK_TEST_VENV_PRESIDIO:-$HOME/.cache/firebreak/presidio-venv}"
FIXTURES="$ROOT/crates/forensics/tests/fixtures/presidio"
"$HERE/install.sh" "$VENV" >/dev/null
mkdir -p "$FIXTURES"
"$VENV/bin/python" "$HERE/make_corpus.py" >"$FIXTURES/corpus.jsonl"
"$VENV/bin/python" "$HERE/presidio_spans.py" "$FIXTURES/corpus.jsonl" >"$FIXTURES/presidio.jsonl"
cd "$ROOT"
FIREBREAK_PRESIDIO_PYTHON="$VENV/bin/python" FIREBREAK_REQUIRE_PRESIDIO=1 \
    cargo test -p firebreak-forensics --test it -- presidio:: --nocapture
