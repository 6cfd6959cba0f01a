"""Fetch the red and white wine CSVs into data/wine-quality/raw, checksums verified.

DATA_REGISTRY_MIRROR (an environment parameter) replaces the canonical host; the
sha256 values pinned in params.yaml decide what is accepted. Unpinned files are
refused unless params.yaml opts into trust on first use.
"""

from __future__ import annotations

from data_registry.core import datasets, params, settings, stage
from data_registry.sources import download

DATASET = "wine-quality"


def main() -> None:
    source = params.load()["source"]
    dataset = datasets.get(datasets.find_root(), DATASET)
    files = download.remote_files(source, settings.load(dataset.root).mirror)
    download.fetch_pinned(files, dataset.raw_dir, trust_on_first_use=source["trust_on_first_use"])


if __name__ == "__main__":
    stage.run(main)
