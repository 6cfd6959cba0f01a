"""Raw hub parquet -> Qwen-VL instruction records in parquet shards per split, plus dropped.json.

The published splits are pooled, shuffled with the seed, cut to max_samples, cleaned (rows
with an undecodable image or an empty caption are dropped and listed with the reason), turned
into conversations with the pinned prompt, and split into train / val / test.
"""

from __future__ import annotations

import json
from dataclasses import asdict

import pyarrow as pa

from data_registry.core import atomic, datasets, params, stage
from data_registry.formats import vlm

DATASET = "roco-radiology"


def main() -> None:
    config = params.load()
    dataset = datasets.get(datasets.find_root(), DATASET)
    prompt = json.loads((dataset.data_dir / "prompt.json").read_text())
    source = config["source"]
    pooled = pa.concat_tables(
        vlm.read_source(dataset.raw_parquet(key), source["columns"]) for key in sorted(source["files"])
    )
    chosen = vlm.sample(pooled, config["split"]["seed"], config["max_samples"])
    kept, dropped = vlm.check_rows(chosen, config["image_formats"])
    records = vlm.records(kept, prompt["template"], config["modality_concepts"])
    schema_metadata = {
        "format": "qwen-vl-conversations",
        "prompt": {k: prompt[k] for k in ("name", "version", "template_sha256")},
    }
    split = config["split"]
    for name, table in vlm.train_val_test(
        records, split["val_fraction"], split["test_fraction"], split["seed"]
    ).items():
        vlm.write_shards(table, dataset.split_dir(name), config["shard_rows"], schema_metadata)
    document = {"source_rows": chosen.num_rows, "dropped": [asdict(item) for item in dropped]}
    atomic.write_text(
        dataset.data_dir / "dropped.json", json.dumps(document, indent=2, sort_keys=True) + "\n"
    )


if __name__ == "__main__":
    stage.run(main)
