"""Fetch the ROCO radiology parquet files at the pinned hub commit into data/roco-radiology/raw.

HF_ENDPOINT (an environment parameter) replaces https://huggingface.co; the pinned revision
and sha256 values in params.yaml decide what is accepted.
"""

from __future__ import annotations

import sys

from data_registry.core import datasets, params, settings, stage
from data_registry.sources import download, hub

DATASET = "roco-radiology"


def main() -> None:
    source = params.load()["source"]
    dataset = datasets.get(datasets.find_root(), DATASET)
    files = hub.remote_files(source, settings.load(dataset.root).hf_endpoint)
    download.require_pinned(files, trust_on_first_use=source.get("trust_on_first_use", False))
    for item in download.fetch_all(files, dataset.raw_dir):
        print(f"fetched {item.path.name} ({item.size} bytes, sha256 {item.sha256})", file=sys.stderr)


if __name__ == "__main__":
    stage.run(main)
