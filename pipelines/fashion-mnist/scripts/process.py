"""Raw IDX files -> one parquet file per split: `image` (784 raw bytes), `label` (int64).

Vectorised end to end: each file is decoded with one np.frombuffer and written
as one arrow buffer; no per-image Python work.
"""

from __future__ import annotations

from data_registry.core import datasets, params, stage
from data_registry.formats import idx, images

DATASET = "fashion-mnist"
SPLITS = ("train", "val")


def main() -> None:
    config = params.load()
    files = config["source"]["files"]
    dataset = datasets.get(datasets.find_root(), DATASET)
    raw = dataset.raw_dir
    for split in SPLITS:
        pixels = idx.read_images(raw / files[f"{split}_images"]["name"])
        labels = idx.read_labels(raw / files[f"{split}_labels"]["name"])
        images.write_split(pixels, labels, config["classes"], dataset.split_file(split))


if __name__ == "__main__":
    stage.run(main)
