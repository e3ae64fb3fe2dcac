#!/usr/bin/env bash
# The exactness property test (crates/rca/src/fta/exactness.rs) on many more
# random trees than CI's 1,000, in a release build: Firebreak's top-event
# probability and every importance measure against exact rational arithmetic,
# relative error at most 1e-12. Prints the count, time and largest errors.
# TREES (default 100000), MAX_NODES (diagram size limit, default 20000) and
# SEED choose the run.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$repo/target-rca}
export FIREBREAK_EXACTNESS_TREES=${TREES:-100000}
export FIREBREAK_EXACTNESS_MAX_NODES=${MAX_NODES:-20000}
if [ -n "${SEED:-}" ]; then export FIREBREAK_EXACTNESS_SEED=$SEED; fi
cd "$repo"
cargo test --release -p firebreak-rca --lib fta::exactness::probability_and_importance -- --nocapture
