#!/usr/bin/env bash
# Runs SCRAM (Debian package `scram`) on every shipped fault-tree model listed
# in cases.txt and stores a digest of each report under
# crates/rca/tests/fixtures/scram/, with copies of the models, so that the
# parity test runs without SCRAM. Reports are digested because the raw XML of
# the large models is tens of megabytes: <case>.json keeps the top event,
# probability, order distribution and importance table exactly as SCRAM
# printed them, <case>.products.txt one minimal cut set per line.
#
# Models under bench/rca/models/ are Firebreak's own, for features the
# shipped models exercise too little (CCF models other than beta-factor);
# a file there takes precedence over SCRAM's input directory.
#
# Not covered, because Firebreak does not support them yet: event trees
# (EventTrees/*, ThreeMotor/event_tree.xml, TwoTrain/event_tree.xml),
# substitutions (TwoTrain/*substitutions.xml) and phases/alignments
# (TwoTrain/two_train_alignment.xml, EventTrees/attack_alignment.xml).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
input=${SCRAM_INPUT:-/usr/share/scram/input}
out="$repo/crates/rca/tests/fixtures/scram"
command -v scram >/dev/null || { echo "scram is not installed (apt-get install scram)" >&2; exit 1; }

mkdir -p "$out/models" "$out/reports"
cp "$here/cases.txt" "$out/cases.txt"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

grep -v '^#' "$here/cases.txt" | while IFS='|' read -r name flags files; do
  name=$(echo $name); flags=$(echo $flags); files=$(echo $files)
  [ -n "$name" ] || continue
  paths=()
  for file in $files; do
    src="$input/$file"
    [ -e "$here/models/$file" ] && src="$here/models/$file"
    mkdir -p "$out/models/$(dirname "$file")"
    cp "$src" "$out/models/$file"
    paths+=("$src")
  done
  echo "scram $flags ${files}" >&2
  # shellcheck disable=SC2086
  scram --probability true --importance true $flags "${paths[@]}" -o "$work/$name.xml"
  python3 "$here/digest_report.py" "$work/$name.xml" "$out/reports/$name"
done
scram --version | head -1 > "$out/SCRAM_VERSION"
