#!/usr/bin/env bash
# Runs once in the workspace container after it is created (devcontainer postCreateCommand):
# install the project with its dev extras, then give the `minio` remote its credentials.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh dev
.devcontainer/setup-minio-remote.sh
