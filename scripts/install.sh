#!/usr/bin/env bash
# Create .venv (if missing) and install the project with pinned dependencies.
# Usage: scripts/install.sh [EXTRAS]   e.g. scripts/install.sh dev
# Pins live in constraints.txt, not in pyproject.toml: users of the package pick their own builds.
# The install is editable, so it only needs redoing when the dependencies or the extras change:
# a stamp in .venv records what was installed (a no-op pip run still costs half a minute).
set -euo pipefail
cd "$(dirname "$0")/.."
extras=${1:+[$1]}
python=${PYTHON:-python3}
if [[ ! -x .venv/bin/python ]]; then
  echo "== creating .venv with $($python --version)"
  "$python" -m venv .venv
fi
stamp=.venv/.data-registry-installed
wanted="$(cat pyproject.toml constraints.txt | sha256sum | cut -d' ' -f1) extras=${1:-}"
if [[ -f $stamp && "$(cat "$stamp")" == "$wanted" ]]; then
  echo "== data-registry${extras} already installed (pyproject.toml and constraints.txt unchanged)"
  exit 0
fi
echo "== installing data-registry${extras} (pinned by constraints.txt)"
.venv/bin/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".${extras}"
echo "$wanted" > "$stamp"
