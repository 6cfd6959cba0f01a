"""download: the pinned readmes version, from this registry at its tag, with its content hash."""

from __future__ import annotations

from pathlib import Path

from data_registry.core import datasets, params, settings, stage
from data_registry.sources import upstream

NAME = "readmes-embeddings"


def main() -> None:
    dataset = datasets.get(datasets.find_root(Path(__file__).parent), NAME)
    pinned = params.load(dataset.pipeline_dir)["upstream"]
    upstream.fetch(settings.load(dataset.root), pinned["dataset"], pinned["tag"], dataset.raw_dir)


if __name__ == "__main__":
    stage.run(main)
