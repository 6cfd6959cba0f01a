"""Processed records -> metadata.json (lineage at the pinned commit, the prompt used, dropped
rows with reasons, caption-length, image-size and modality statistics) and plots data."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from data_registry.core import datasets, params, stage
from data_registry.formats import metadata, parquet, profile, text, vlm
from data_registry.quality import checks
from data_registry.sources import hub

DATASET = "roco-radiology"
SPLITS = ("train", "val", "test")
LENGTH_BINS = 20


def main() -> None:
    config = params.load()
    dataset = datasets.get(datasets.find_root(), DATASET)
    files = {split: vlm.shards(dataset.split_dir(split)) for split in SPLITS}
    tables = {split: pa.concat_tables(parquet.read(path) for path in paths) for split, paths in files.items()}
    metrics: dict[str, Any] = {split: split_metrics(table) for split, table in tables.items()}
    metrics["dropped"] = dropped_metrics(json.loads((dataset.data_dir / "dropped.json").read_text()))
    document = metadata.build(
        DATASET,
        source=hub.describe_source(config["source"], dataset.raw_dir),
        params={
            key: config[key]
            for key in ("max_samples", "split", "shard_rows", "image_formats", "modality_concepts")
        },
        files=files,
        metrics=metrics,
        quality=checks.evaluate(dataset.pipeline_dir, tables, metrics),
        prompt=json.loads((dataset.data_dir / "prompt.json").read_text()),
    )
    metadata.write(dataset.metadata_file, document)
    write_plots(dataset, tables, metrics)


def split_metrics(table: pa.Table) -> dict[str, Any]:
    sizes = pa.table(
        {"width": table["width"], "height": table["height"], "bytes": pc.binary_length(table["image"])}
    )
    return {
        "caption_length": profile.column_stats(
            text.lengths(pa.table({text.TEXT: vlm.captions(table)})), ["chars", "words"]
        ),
        "image_size": profile.column_stats(sizes, ["width", "height", "bytes"]),
        "modality_counts": profile.distinct_counts(table["modality"]),
        "image_format_counts": profile.distinct_counts(table["image_format"]),
    }


def dropped_metrics(report: dict[str, Any]) -> dict[str, Any]:
    """How many source rows were looked at, which were dropped (file, row, id, reason) and why."""
    rows = report["dropped"]
    reasons = Counter(row["reason"].split(":", 1)[0] for row in rows)
    return {
        "source_rows": report["source_rows"],
        "count": len(rows),
        "by_reason": dict(sorted(reasons.items())),
        "rows": rows,
    }


def write_plots(dataset: datasets.Dataset, tables: dict[str, pa.Table], metrics: dict[str, Any]) -> None:
    plots = dataset.plots_dir
    profile.write_csv(
        plots / "modality_distribution.csv",
        ["split", "modality", "count"],
        [
            {"split": split, "modality": modality, "count": count}
            for split in SPLITS
            for modality, count in metrics[split]["modality_counts"].items()
        ],
    )
    profile.write_csv(
        plots / "caption_length.csv",
        ["split", "words", "count"],
        [
            {"split": split, **row}
            for split in SPLITS
            for row in profile.histogram(
                text.lengths(pa.table({text.TEXT: vlm.captions(tables[split])}))["words"],
                LENGTH_BINS,
                "words",
            )
        ],
    )


if __name__ == "__main__":
    stage.run(main)
