#!/usr/bin/env bash
# Point the `minio` DVC remote at the S3 endpoint of this environment: endpoint and
# credentials from AWS_ENDPOINT_URL / AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY go into the
# git-ignored .dvc/config.local (never .dvc/config), and the remote's bucket is created if
# it is missing. Safe to rerun.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${AWS_ACCESS_KEY_ID:?is not set: the devcontainer takes it from MINIO_ROOT_USER in .devcontainer/.env}"
: "${AWS_SECRET_ACCESS_KEY:?is not set: the devcontainer takes it from MINIO_ROOT_PASSWORD in .devcontainer/.env}"
: "${AWS_ENDPOINT_URL:?is not set: .env.docker sets it for the devcontainer}"
bin=.venv/bin
[[ -x $bin/dvc ]] || bin=$(dirname "$(command -v dvc)")
"$bin/dvc" remote modify --local minio endpointurl "$AWS_ENDPOINT_URL"
"$bin/dvc" remote modify --local minio access_key_id "$AWS_ACCESS_KEY_ID"
"$bin/dvc" remote modify --local minio secret_access_key "$AWS_SECRET_ACCESS_KEY"
url=$("$bin/dvc" config remote.minio.url)
"$bin/python" - "${url#s3://}" <<'PY'
import os
import sys

import s3fs

bucket = sys.argv[1].split("/", 1)[0]
fs = s3fs.S3FileSystem(endpoint_url=os.environ["AWS_ENDPOINT_URL"])
if not fs.exists(bucket):
    fs.mkdir(bucket)
    print(f"created bucket {bucket}")
PY
echo "minio remote: $AWS_ENDPOINT_URL, credentials in .dvc/config.local"
