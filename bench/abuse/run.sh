#!/usr/bin/env bash
# Kill-switch reads under abuse: p50/p99 of control reads (a new connection
# each) on a quiet server, then while half-sent connections sit on it and a
# login flood hits it, first from one address, then from a new address per
# attempt (which the rate limits cannot stop, so argon2 runs). Loopback only;
# every loop is bounded and stops by itself. Prints the figures; the test it
# runs also asserts the 50 ms p99 budget.
#
#   bench/abuse/run.sh [HALF_SENT] [FLOOD_CLIENTS] [READS] [PROFILE]
#
# Defaults: 2000 half-sent connections, 64 flood clients, 300 reads per
# phase, release profile (argon2 at full speed; the first release build of
# the test binary takes about 20 minutes on 2 cores). PROFILE=dev reuses the
# debug build, where argon2 is far slower and the flood cheaper to answer.
set -euo pipefail
cd "$(dirname "$0")/../.."
export FIREBREAK_ABUSE_IDLE=${1:-2000}
export FIREBREAK_ABUSE_FLOOD=${2:-64}
export FIREBREAK_ABUSE_READS=${3:-300}
profile=${4:-release}
flags=()
[ "$profile" = release ] && flags+=(--release)
cargo test "${flags[@]}" -p firebreak --test it abuse:: -- --nocapture --test-threads=1 2>&1 |
  grep -oE 'control reads.*|^quiet.*|^attacked.*|test result.*|panicked.*|.*over budget.*'
