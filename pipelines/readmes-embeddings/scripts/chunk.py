"""chunk: every document split into markdown-aware chunks with stable ids."""

from __future__ import annotations

from pathlib import Path

from data_registry.core import datasets, params, stage
from data_registry.embeddings import chunking
from data_registry.formats import parquet

NAME = "readmes-embeddings"


def main() -> None:
    dataset = datasets.get(datasets.find_root(Path(__file__).parent), NAME)
    values = params.load(dataset.pipeline_dir)["chunking"]
    documents = parquet.read(dataset.raw_dir / "documents" / "documents.parquet")
    chunks = chunking.chunk_documents(documents, values["size"], values["overlap"])
    parquet.write(chunks, dataset.interim_dir / "chunks.parquet")


if __name__ == "__main__":
    stage.run(main)
