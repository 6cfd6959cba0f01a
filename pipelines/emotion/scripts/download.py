"""Fetch the emotion parquet splits at the pinned hub commit into data/emotion/raw.

HF_ENDPOINT (an environment parameter) replaces https://huggingface.co; the pinned
revision and sha256 values in params.yaml decide what is accepted.
"""

from __future__ import annotations

from data_registry.core import datasets, params, settings, stage
from data_registry.sources import download, hub

DATASET = "emotion"


def main() -> None:
    source = params.load()["source"]
    dataset = datasets.get(datasets.find_root(), DATASET)
    files = hub.remote_files(source, settings.load(dataset.root).hf_endpoint)
    download.fetch_pinned(files, dataset.raw_dir, trust_on_first_use=source["trust_on_first_use"])


if __name__ == "__main__":
    stage.run(main)
