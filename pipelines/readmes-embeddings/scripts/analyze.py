"""analyze: chunk counts and lengths, the model, the pinned upstream, and retrieval quality."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from data_registry.core import datasets, params, settings, stage
from data_registry.embeddings import embed, retrieval
from data_registry.embeddings.embed import EMBEDDINGS_SPLIT
from data_registry.formats import metadata, parquet, profile
from data_registry.quality import checks
from data_registry.sources import upstream

NAME = "readmes-embeddings"
HISTOGRAM_BINS = 20


def main() -> None:
    dataset = datasets.get(datasets.find_root(Path(__file__).parent), NAME)
    values = params.load(dataset.pipeline_dir)
    spec = embed.ModelSpec(**values["model"])
    path = dataset.split_file(EMBEDDINGS_SPLIT)
    table = parquet.read(path)
    lengths = pc.utf8_length(table.column("text"))
    questions = retrieval.load_questions(dataset.pipeline_dir / "questions.yaml")
    env = settings.load(dataset.root)
    metrics = {
        "chunks": {
            "documents": len(
                set(zip(*(table.column(c).to_pylist() for c in ("repository", "path")), strict=True))
            ),
            "repositories": profile.distinct_counts(table.column("repository")),
            "lengths": profile.column_stats(pa.table({"chars": lengths}), ["chars"])["chars"],
        },
        "retrieval": retrieval.evaluate(table, questions, spec, env.embedding_device),
    }
    document = metadata.build(
        NAME,
        source={"dataset": values["upstream"]["dataset"], "licence": "as the upstream documents"},
        params=values,
        files={"chunks": path},
        metrics=metrics,
        quality=checks.evaluate(dataset.pipeline_dir, {"chunks": table}, metrics),
        upstream=upstream.read_record(dataset.raw_dir),
        model=spec.describe(table.schema.field("embedding").type.list_size),
    )
    metadata.write(dataset.metadata_file, document)
    rows = profile.histogram(lengths, HISTOGRAM_BINS, x="chars")
    profile.write_csv(dataset.plots_dir / "chunk_lengths.csv", ["chars", "count"], rows)


if __name__ == "__main__":
    stage.run(main)
