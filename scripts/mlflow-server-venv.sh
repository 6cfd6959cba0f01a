#!/usr/bin/env bash
# A venv with the full MLflow server (.venv-mlflow, git-ignored, ~850 MB, ~2 min to build),
# for the test that starts the devcontainer's MLflow command (tests/integration/test_mlflow_server.py).
# It lives apart from .venv: the full `mlflow` caps pyarrow below the project's pin, so the
# project uses mlflow-skinny. The version is the one of the compose image, given as $1;
# a venv holding another version is rebuilt. Prints the venv's mlflow executable.
# Usage: scripts/mlflow-server-venv.sh 3.17.0
set -euo pipefail
cd "$(dirname "$0")/.."
version=${1:?usage: $0 MLFLOW_VERSION (the tag of the compose mlflow image without the v)}
venv=$(realpath -m "${MLFLOW_VENV:-.venv-mlflow}")
python=${PYTHON:-python3}
if [[ -x $venv/bin/mlflow ]] && [[ "$("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("mlflow"))' 2>/dev/null)" == "$version" ]]; then
  echo "$venv/bin/mlflow"
  exit 0
fi
echo "== building $venv with mlflow==$version ($($python --version))" >&2
rm -rf "$venv"
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "mlflow==$version" >&2
echo "$venv/bin/mlflow"
