"""process: the raw files, checked against their manifest, as one parquet table sorted by name."""

from __future__ import annotations

from pathlib import Path

from data_registry.core import datasets, stage
from data_registry.formats import parquet
from data_registry.sources import markdown_docs

NAME = "readmes"


def main() -> None:
    dataset = datasets.get(datasets.find_root(Path(__file__).parent), NAME)
    documents = markdown_docs.read_raw(dataset.raw_dir)
    parquet.write(markdown_docs.to_table(documents), dataset.split_file("documents"))


if __name__ == "__main__":
    stage.run(main)
