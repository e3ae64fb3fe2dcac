#!/usr/bin/env bash
# Append latency against timeline length (1k, 10k, 100k events on one
# incident, 8 concurrent writers), with the cost of a checkpoint and of a full
# verification at each length. Not a timed test: run it by hand on an
# otherwise idle machine; it prints a Markdown table.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$repo/target-bench}
cd "$repo"
cargo run --quiet --release -p firebreak-store --example append_bench
