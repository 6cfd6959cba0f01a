#!/usr/bin/env bash
# Create .venv (if missing) and install the project with pinned dependencies.
# Usage: scripts/install.sh [EXTRAS]   e.g. scripts/install.sh dev
# Pins live in constraints.txt, not in pyproject.toml: users of the package pick their own builds.
set -euo pipefail
cd "$(dirname "$0")/.."
extras=${1:+[$1]}
python=${PYTHON:-python3}
if [[ ! -x .venv/bin/python ]]; then
  echo "== creating .venv with $($python --version)"
  "$python" -m venv .venv
fi
echo "== installing data-registry${extras} (pinned by constraints.txt)"
.venv/bin/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".${extras}"
