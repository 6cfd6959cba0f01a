"""analyze: document counts per repository, text lengths, and each file's upstream commit."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from data_registry.core import datasets, params, stage
from data_registry.formats import metadata, parquet, profile
from data_registry.quality import checks
from data_registry.sources import markdown_docs

NAME = "readmes"


def main() -> None:
    dataset = datasets.get(datasets.find_root(Path(__file__).parent), NAME)
    values = params.load(dataset.pipeline_dir)
    path = dataset.split_file("documents")
    table = parquet.read(path)
    lengths = pa.table({"chars": pc.utf8_length(table.column("text"))})
    source = {key: value for key, value in values["source"].items() if value not in ("", None, [])}
    source["licence"] = "per repository: see each repository's LICENSE"
    source["files"] = markdown_docs.manifest(markdown_docs.read_raw(dataset.raw_dir))
    metrics = {
        "documents": {
            "repositories": profile.distinct_counts(table.column("repository")),
            "lengths": profile.column_stats(lengths, ["chars"])["chars"],
        }
    }
    document = metadata.build(
        NAME,
        source=source,
        params=values,
        files={"documents": path},
        metrics=metrics,
        quality=checks.evaluate(dataset.pipeline_dir, {"documents": table}, metrics),
    )
    metadata.write(dataset.metadata_file, document)


if __name__ == "__main__":
    stage.run(main)
