"""Labelled image arrays <-> arrow tables, and the statistics image datasets report.

Images are stored one row each as `fixed_size_binary(rows*cols)`: parquet keeps
such a column as plain fixed-length values (no per-pixel repetition levels), so
both directions are a single buffer copy at most, never a Python loop. The
image shape and class names travel in the schema metadata, so a consumer needs
nothing but the file to rebuild `(N, rows, cols)` arrays and label names.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from data_registry.core.errors import CorruptSource
from data_registry.formats import parquet

IMAGE_COLUMN = "image"
LABEL_COLUMN = "label"
PIXEL_MAX = 255
STAT_DECIMALS = 6
STATS_BLOCK = 1 << 20


def to_table(images: np.ndarray, labels: np.ndarray, classes: Sequence[str]) -> pa.Table:
    """`image` (fixed_size_binary) and `label` (int64) columns built from the arrays' buffers."""
    _check_pair(images, labels, classes)
    count, rows, cols = images.shape
    # from_buffers, not pa.array/pa.table: no copy, and no pandas import (0.2 s) to probe for DataFrames.
    pixels = pa.py_buffer(np.ascontiguousarray(images, dtype=np.uint8))
    label_values = pa.py_buffer(np.ascontiguousarray(labels, dtype=np.int64))
    columns = [
        pa.FixedSizeBinaryArray.from_buffers(pa.binary(rows * cols), count, [None, pixels]),
        pa.Array.from_buffers(pa.int64(), count, [None, label_values]),
    ]
    return pa.Table.from_arrays(columns, names=[IMAGE_COLUMN, LABEL_COLUMN])


def schema_metadata(classes: Sequence[str], image_shape: Sequence[int]) -> dict[str, Any]:
    return {
        "classes": list(classes),
        "image_shape": [int(size) for size in image_shape],
        "image_dtype": "uint8",
    }


def write_split(images: np.ndarray, labels: np.ndarray, classes: Sequence[str], path: Path) -> None:
    """One parquet file for a split, class names and image shape in its schema metadata."""
    table = to_table(images, labels, classes)
    parquet.write(table, path, metadata=schema_metadata(classes, images.shape[1:]))


def images_from_table(table: pa.Table, shape: Sequence[int] | None = None) -> np.ndarray:
    """(N, rows, cols) uint8 images; a view of the arrow buffer when the column is one chunk.

    The shape comes from the schema metadata unless given. The view is read-only
    (it shares memory with the table); copy it to write into it.
    """
    image_shape = tuple(shape or _metadata(table).get("image_shape") or ())
    if len(image_shape) != 2:
        raise CorruptSource("the table records no 2-d image_shape in its schema metadata; pass shape=")
    chunks = [_chunk_pixels(chunk) for chunk in table.column(IMAGE_COLUMN).chunks]
    if len(chunks) == 1:
        pixels = chunks[0]
    else:
        pixels = np.concatenate(chunks) if chunks else np.empty(0, dtype=np.uint8)
    return pixels.reshape(-1, *image_shape)


def labels_from_table(table: pa.Table) -> np.ndarray:
    return table.column(LABEL_COLUMN).to_numpy()


def classes_from_table(table: pa.Table) -> list[str]:
    return list(_metadata(table).get("classes") or [])


def pixel_stats(images: np.ndarray) -> dict[str, float]:
    """Mean and (population) std of pixels scaled to [0, 1], from exact integer sums.

    Integer sums make the figures independent of summation order (threads, SIMD,
    numpy version), so metadata.json is byte-identical wherever it is built.
    """
    pixels = images.reshape(-1)
    n = pixels.size
    if n == 0:
        return {"pixel_mean": 0.0, "pixel_std": 0.0}
    total = squares = 0
    # Cache-sized blocks: widening the whole array at once costs more than the arithmetic.
    for start in range(0, n, STATS_BLOCK):
        block = pixels[start : start + STATS_BLOCK].astype(np.uint32)
        total += int(block.sum(dtype=np.uint64))
        squares += int((block * block).sum(dtype=np.uint64))
    mean = total / (n * PIXEL_MAX)
    variance = (n * squares - total * total) / (n * n * PIXEL_MAX * PIXEL_MAX)
    return {"pixel_mean": round(mean, STAT_DECIMALS), "pixel_std": round(math.sqrt(variance), STAT_DECIMALS)}


def class_counts(labels: np.ndarray, classes: Sequence[str]) -> dict[str, int]:
    """Rows per class name, every class present (zero when absent) in class order."""
    counts = np.bincount(labels, minlength=len(classes))
    return {name: int(count) for name, count in zip(classes, counts, strict=False)}


def _check_pair(images: np.ndarray, labels: np.ndarray, classes: Sequence[str]) -> None:
    if images.ndim != 3 or images.dtype != np.uint8:
        raise CorruptSource(f"images must be (N, rows, cols) uint8, got {images.dtype} {images.shape}")
    if labels.ndim != 1 or len(labels) != len(images):
        raise CorruptSource(f"{len(images)} images but labels of shape {labels.shape}")
    if len(labels) and (labels.min() < 0 or labels.max() >= len(classes)):
        raise CorruptSource(
            f"labels range {labels.min()}..{labels.max()}, but there are {len(classes)} classes"
        )


def _chunk_pixels(chunk: pa.Array) -> np.ndarray:
    """The chunk's bytes as a flat uint8 view, honouring its offset (a sliced table)."""
    if chunk.null_count:
        raise CorruptSource(f"the {IMAGE_COLUMN} column holds {chunk.null_count} missing images")
    width = chunk.type.byte_width
    return np.frombuffer(
        chunk.buffers()[1], dtype=np.uint8, count=len(chunk) * width, offset=chunk.offset * width
    )


def _metadata(table: pa.Table) -> dict[str, Any]:
    return parquet.schema_metadata(table.schema)
