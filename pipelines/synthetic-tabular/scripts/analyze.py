"""analyze: per-split column stats and class balance into metadata.json, the target histogram for plots."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from data_registry.core import datasets, params, stage
from data_registry.formats import metadata, parquet, profile
from data_registry.quality import checks

NAME = "synthetic-tabular"
SOURCE = {"generator": "numpy.random.default_rng", "licence": "CC0-1.0"}
HISTOGRAM_BINS = 30


def split_metrics(table: pa.Table, class_names: list[str]) -> dict[str, object]:
    numeric = [field.name for field in table.schema if pa.types.is_floating(field.type)]
    counts = profile.value_counts(table.column("label"), class_names)
    return {
        "columns": profile.column_stats(table, numeric),
        "label_counts": counts,
        "positive_fraction": profile.rounded(counts["positive"] / table.num_rows),
    }


def main() -> None:
    dataset = datasets.get(datasets.find_root(Path(__file__).parent), NAME)
    files = {split: dataset.split_file(split) for split in ("train", "val")}
    tables = {split: parquet.read(path) for split, path in files.items()}
    class_names = parquet.schema_metadata(tables["train"].schema)["class_names"]
    metrics = {split: split_metrics(table, class_names) for split, table in tables.items()}
    document = metadata.build(
        NAME,
        source=SOURCE,
        params=params.load(dataset.pipeline_dir),
        files=files,
        metrics=metrics,
        quality=checks.evaluate(dataset.pipeline_dir, tables, metrics),
    )
    metadata.write(dataset.metadata_file, document)
    everything = pa.concat_tables(tables.values())
    rows = profile.histogram(everything.column("target"), HISTOGRAM_BINS, x="target")
    profile.write_csv(dataset.plots_dir / "target_distribution.csv", ["target", "count"], rows)


if __name__ == "__main__":
    stage.run(main)
