"""Processed splits -> metadata.json (lineage + pixel and class statistics) and plots data.

Everything written is a pure function of params.yaml and the processed files:
canonical URLs (never the mirror used), pinned checksums, exact statistics.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pyarrow as pa

from data_registry.core import atomic, datasets, params, stage
from data_registry.formats import images, metadata, parquet
from data_registry.quality import checks
from data_registry.sources import download

DATASET = "fashion-mnist"
SPLITS = ("train", "val")


def main() -> None:
    config = params.load()
    classes = config["classes"]
    dataset = datasets.get(datasets.find_root(), DATASET)
    files = {split: dataset.split_file(split) for split in SPLITS}
    tables = {split: parquet.read(path) for split, path in files.items()}
    metrics = {split: split_metrics(table, classes) for split, table in tables.items()}
    document = metadata.build(
        DATASET,
        source=describe_source(config["source"]),
        params={"classes": classes},
        files=files,
        metrics=metrics,
        quality=checks.evaluate(dataset.pipeline_dir, tables, metrics),
    )
    metadata.write(dataset.metadata_file, document)
    write_class_distribution(dataset.plots_dir / "class_distribution.csv", metrics, classes)


def split_metrics(table: pa.Table, classes: list[str]) -> dict[str, Any]:
    counts = images.class_counts(images.labels_from_table(table), classes)
    return {**images.pixel_stats(images.images_from_table(table)), "class_counts": counts}


def describe_source(source: dict[str, Any]) -> dict[str, Any]:
    files = {
        key: {
            "name": entry["name"],
            "url": download.resolve_url(source["base_url"], entry["name"]),
            **_checksums(entry),
        }
        for key, entry in sorted(source["files"].items())
    }
    return {**{key: value for key, value in source.items() if key != "files"}, "files": files}


def _checksums(entry: dict[str, Any]) -> dict[str, str]:
    return {name: entry[name] for name in ("md5", "sha256") if entry.get(name)}


def write_class_distribution(path: Path, metrics: dict[str, Any], classes: list[str]) -> None:
    """Long-format CSV (split, label, class, count) for `dvc plots show/diff`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["split", "label", "class", "count"])
    for split in SPLITS:
        for label, name in enumerate(classes):
            writer.writerow([split, label, name, metrics[split]["class_counts"][name]])
    atomic.write_text(path, buffer.getvalue())


if __name__ == "__main__":
    stage.run(main)
