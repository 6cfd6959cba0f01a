#!/usr/bin/env bash
# The `vision` extra in its own venv (.venv-vision): torchvision only imports beside
# torch 2.14.1 + torchvision 0.29.1 here (torch 2.13.0 CPU + torchvision 0.28.0 breaks
# torchvision and transformers), so it never shares the main .venv. About 7 GB and ~2 min to build.
# Its constraints are the project's with those two pins swapped in, so nothing else drifts.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
constraints=.venv-vision/constraints-vision.txt
if [[ ! -x .venv-vision/bin/python ]]; then
  echo "== creating .venv-vision with $($python --version)"
  "$python" -m venv .venv-vision
fi
grep -viE '^(torch|torchvision)==' constraints.txt > "$constraints"
printf 'torch==2.14.1\ntorchvision==0.29.1\n' >> "$constraints"
echo "== installing data-registry[vision,test] (pinned by $constraints)"
.venv-vision/bin/python -m pip install --quiet --disable-pip-version-check -c "$constraints" -e ".[vision,test]"
.venv-vision/bin/python -m pytest -p no:cacheprovider tests/vision "$@"
