"""Fetch the four Fashion-MNIST files into data/fashion-mnist/raw, checksums verified.

DATA_REGISTRY_MIRROR (an environment parameter) replaces the canonical host;
the pinned md5s in params.yaml still decide what is accepted.
"""

from __future__ import annotations

import sys

from data_registry.core import datasets, params, redact, settings, stage
from data_registry.sources import download

DATASET = "fashion-mnist"


def main() -> None:
    source = params.load()["source"]
    dataset = datasets.get(datasets.find_root(), DATASET)
    mirror = settings.load(dataset.root).mirror
    files = download.remote_files(source, mirror)
    fetched = download.fetch_all(files, dataset.raw_dir)
    megabytes = sum(item.size for item in fetched) / 1e6
    host = redact.url(files[0].url).rsplit("/", 1)[0]
    print(f"fetched {len(fetched)} files ({megabytes:.1f} MB) from {host}", file=sys.stderr)


if __name__ == "__main__":
    stage.run(main)
