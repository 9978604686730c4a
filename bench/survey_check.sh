#!/usr/bin/env bash
# Compares fupin-stats' survey estimates with samplics (see survey_check.py). Builds its venv
# once at target/stats-venv.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="$root/target/stats-venv"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import samplics" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q samplics
fi
exec "$venv/bin/python" -W ignore::FutureWarning "$root/bench/survey_check.py"
