#!/usr/bin/env bash
# Escalation timing (#14): 1,000 concurrent SEV1 incidents on a system whose
# policy has three levels, on a real `firebreak serve` (release, loopback,
# SQLite), paging by email into a loopback SMTP sink. Reports how late each
# escalation step was paged against the time its policy set (p50/p99/max;
# target p99 under 1 s) and how many page emails the server delivered per
# second. No peer on-call tool runs offline here (GoAlert and Grafana OnCall
# need their own services and network), so this bench has no ratio: the
# target is absolute. Python 3 standard library only.
# Usage: bench/escalation/run.sh [INCIDENTS [LEVEL_SECONDS]]   (defaults 1000, 20)
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
INCIDENTS="${1:-1000}"
LEVEL_SECONDS="${2:-20}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
if [ -z "${FIREBREAK_BIN:-}" ]; then
  (cd "$ROOT" && cargo build --release -p firebreak)
  FIREBREAK_BIN="$CARGO_TARGET_DIR/release/firebreak"
fi
exec python3 "$HERE/drive.py" "$FIREBREAK_BIN" "$INCIDENTS" "$LEVEL_SECONDS"
