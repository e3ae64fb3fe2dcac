#!/usr/bin/env bash
# Presidio's analyzer (PyPI, pinned, with the two libraries its recognizers answer through) in
# its own venv at VENV, unless it is there already; prints VENV's Python. About 30 s and 400 MB
# (spaCy comes along, but no spaCy model is downloaded: only pattern recognizers are used).
# Usage: bench/presidio/install.sh VENV
set -euo pipefail
venv="${1:?usage: bench/presidio/install.sh VENV}"
if ! "$venv/bin/python" -c 'import presidio_analyzer' 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet 'presidio-analyzer==2.2.366' 'phonenumbers==9.0.43' 'tldextract==5.4.0'
fi
echo "$venv/bin/python"
