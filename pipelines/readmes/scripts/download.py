"""download: the markdown files of the configured repositories, with their upstream commits."""

from __future__ import annotations

from pathlib import Path

from data_registry.core import datasets, params, settings, stage
from data_registry.sources import markdown_docs

NAME = "readmes"


def main() -> None:
    dataset = datasets.get(datasets.find_root(Path(__file__).parent), NAME)
    source = params.load(dataset.pipeline_dir)["source"]
    documents = markdown_docs.collect(source, dataset.pipeline_dir, settings.load(dataset.root))
    markdown_docs.write_raw(documents, dataset.raw_dir)


if __name__ == "__main__":
    stage.run(main)
