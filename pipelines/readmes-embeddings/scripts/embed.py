"""embed: one float32 embedding per chunk, on Ray Data (local, or the cluster at RAY_ADDRESS)."""

from __future__ import annotations

from pathlib import Path

from data_registry.core import datasets, params, settings, stage
from data_registry.embeddings import embed
from data_registry.embeddings.embed import EMBEDDINGS_SPLIT
from data_registry.formats import parquet

NAME = "readmes-embeddings"


def main() -> None:
    dataset = datasets.get(datasets.find_root(Path(__file__).parent), NAME)
    spec = embed.ModelSpec(**params.load(dataset.pipeline_dir)["model"])
    chunks = parquet.read(dataset.interim_dir / "chunks.parquet")
    table = embed.embed_chunks(chunks, spec, settings.load(dataset.root))
    parquet.write(table, dataset.split_file(EMBEDDINGS_SPLIT))


if __name__ == "__main__":
    stage.run(main)
