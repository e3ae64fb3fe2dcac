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
# A case SCRAM refuses (a model with an undefined reference, substitutions
# it will not quantify exactly) keeps SCRAM's message as <case>.error.txt;
# the parity test expects Firebreak to refuse it too, at the same line.
#
# `--config-file FILE` runs SCRAM on one of its configuration files, which
# name the model files themselves; the case still lists them for Firebreak.
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
  scram_flags=()
  set -- $flags
  while [ $# -gt 0 ]; do
    if [ "$1" = --config-file ]; then
      mkdir -p "$out/models/$(dirname "$2")"
      cp "$input/$2" "$out/models/$2"
      scram_flags+=(--config-file "$input/$2")
      paths=()
      shift 2
    else
      scram_flags+=("$1")
      shift
    fi
  done
  echo "scram $flags ${files}" >&2
  rm -f "$out/reports/$name".*
  if scram --probability true --importance true "${scram_flags[@]}" "${paths[@]}" \
      -o "$work/$name.xml" 2>"$work/$name.err"; then
    python3 "$here/digest_report.py" "$work/$name.xml" "$out/reports/$name"
  else
    sed "s|$input/||g; s|$here/models/||g" "$work/$name.err" > "$out/reports/$name.error.txt"
  fi
done
scram --version | head -1 > "$out/SCRAM_VERSION"
