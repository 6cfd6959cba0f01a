#!/usr/bin/env bash
# One command on a fresh machine: install, then version every pipeline that needs no network
# (label `offline` in its dvc.yaml) against the embedded defaults: the local DVC remote under
# .registry/, no services. Run it again and nothing new is tagged.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh
mapfile -t datasets < <(.venv/bin/data-registry datasets --label offline | cut -f1)
for dataset in "${datasets[@]}"; do
  echo "== run_pipeline.py $dataset"
  .venv/bin/python scripts/run_pipeline.py "$dataset" --no-push
done
echo "== versions in this registry"
git tag --list '*-v*' --sort=refname -n1
