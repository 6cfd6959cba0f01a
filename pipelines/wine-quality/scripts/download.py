"""Fetch the red and white wine CSVs into data/wine-quality/raw, checksums verified.

DATA_REGISTRY_MIRROR (an environment parameter) replaces the canonical host; the
sha256 values pinned in params.yaml decide what is accepted. Unpinned files are
refused unless params.yaml opts into trust on first use.
"""

from __future__ import annotations

import sys

from data_registry import datasets, download, params, settings, stage

DATASET = "wine-quality"


def main() -> None:
    source = params.load()["source"]
    dataset = datasets.get(datasets.find_root(), DATASET)
    files = download.remote_files(source, settings.load(dataset.root).mirror)
    download.require_pinned(files, trust_on_first_use=source.get("trust_on_first_use", False))
    fetched = download.fetch_all(files, dataset.data_dir / "raw")
    for item in fetched:
        print(f"fetched {item.path.name} ({item.size} bytes, sha256 {item.sha256})", file=sys.stderr)


if __name__ == "__main__":
    stage.run(main)
