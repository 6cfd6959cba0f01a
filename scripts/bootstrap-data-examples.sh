#!/usr/bin/env bash
# One command on a fresh machine: install, then show the whole stack offline on the embedded
# defaults (local DVC remote, embedded Postgres + pgvector, SQLite MLflow, a private Ray, all
# under .registry/): synthetic-tabular; readmes from this checkout's own dataset cards;
# readmes-embeddings on Ray, published to pgvector and searched; a generated image collection
# cleaned by clean-images. Ends with a table of the versions. Run it again: every line `unchanged`.
# Versions are tagged locally (--no-push): a fresh clone usually has no writable origin.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh embeddings,pgvector,images
.venv/bin/python scripts/bootstrap_demo.py
