#!/usr/bin/env bash
# The test command: install with dev extras, lint, type-check, run the offline test suite.
# Benchmarks (tests/benchmarks/) are never part of it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh dev
scripts/install-chromium.sh  # the catalog's browser tests fail (never skip) without it
.venv/bin/ruff format --check src tests scripts pipelines
.venv/bin/ruff check src tests scripts pipelines
.venv/bin/mypy src
# Pipeline scripts too, against src (a renamed library function fails here, not in a stage run).
# One folder at a time: every pipeline has its own download.py, process.py, ...
for scripts in pipelines/*/scripts; do
  MYPYPATH=src .venv/bin/mypy --no-error-summary "$scripts"/*.py
done
.venv/bin/lint-imports --no-cache
status=0
.venv/bin/python -m pytest "$@" || status=$?
if [[ $status -eq 5 ]]; then
  echo "pytest collected no tests for: ${*:-the default selection}; nothing failed"
  status=0
fi
exit $status
