"""Processed splits -> metadata.json (lineage, per-column stats, quality distribution,
duplicate rows) and plots data. A pure function of params.yaml and the data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from data_registry.core import datasets, params, stage
from data_registry.formats import metadata, parquet, profile
from data_registry.quality import checks
from data_registry.sources import download

DATASET = "wine-quality"
SPLITS = ("train", "val")
TARGET = "quality"
COLOR = "color"


def main() -> None:
    config = params.load()
    dataset = datasets.get(datasets.find_root(), DATASET)
    files = {split: dataset.split_file(split) for split in SPLITS}
    tables = {split: parquet.read(path) for split, path in files.items()}
    metrics: dict[str, Any] = {split: split_metrics(table) for split, table in tables.items()}
    metrics["all"] = {"duplicate_rows": profile.duplicate_rows(pa.concat_tables(tables.values()))}
    document = metadata.build(
        DATASET,
        source=describe_source(config["source"], dataset.raw_dir),
        params={"split": config["split"]},
        files=files,
        metrics=metrics,
        quality=checks.evaluate(dataset.pipeline_dir, tables, metrics),
    )
    metadata.write(dataset.metadata_file, document)
    profile.write_csv(
        dataset.plots_dir / "quality_distribution.csv",
        ["split", COLOR, TARGET, "count"],
        quality_rows({split: metrics[split] for split in SPLITS}),
    )


def split_metrics(table: pa.Table) -> dict[str, Any]:
    measurements = [name for name in table.column_names if name != COLOR]
    by_color = {
        color: profile.distinct_counts(table.filter(pc.equal(table[COLOR], color))[TARGET])
        for color in sorted(pc.unique(table[COLOR]).to_pylist())
    }
    return {
        "columns": profile.column_stats(table, measurements),
        "quality_counts": profile.distinct_counts(table[TARGET]),
        "quality_counts_by_color": by_color,
        "duplicate_rows": profile.duplicate_rows(table),
    }


def quality_rows(metrics: dict[str, Any]) -> list[dict[str, Any]]:
    """Long format (split, color, quality, count) for `dvc plots`."""
    rows = []
    for split, split_metric in metrics.items():
        for color, counts in split_metric["quality_counts_by_color"].items():
            rows += [{"split": split, COLOR: color, TARGET: q, "count": n} for q, n in counts.items()]
    return rows


def describe_source(source: dict[str, Any], raw: Path) -> dict[str, Any]:
    """Canonical URLs and the digests of the files actually fetched (pinned or first-use)."""
    files = {
        key: {
            "name": entry["name"],
            "url": download.resolve_url(source["base_url"], entry["name"]),
            "sha256": download.file_digest(raw / entry["name"]),
        }
        for key, entry in sorted(source["files"].items())
    }
    return {**{key: value for key, value in source.items() if key != "files"}, "files": files}


if __name__ == "__main__":
    stage.run(main)
