"""The torch Dataset class; a module of its own so it imports torch only when used and
pickles by reference (DataLoader workers started with spawn import it by name)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa
import torch
from torch.utils.data import Dataset

from data_registry.formats.images import IMAGE_COLUMN, images_from_table, labels_from_table
from data_registry.formats.parquet import schema_metadata


class RegistrySplit(Dataset):
    """Image rows → `(uint8 tensor (C, H, W), int label)`; other rows → a dict of the values."""

    def __init__(self, table: pa.Table, transform: Callable[[Any], Any] | None = None) -> None:
        meta = schema_metadata(table.schema)
        self.transform = transform
        self.classes = list(meta.get("classes") or meta.get("class_names") or [])
        self.length = table.num_rows
        self.images: np.ndarray | None = None
        self.labels = np.empty(0, dtype=np.int64)
        self.rows: dict[str, np.ndarray] = {}
        if "image_shape" in meta and IMAGE_COLUMN in table.column_names:
            pixels = images_from_table(table)
            self.images = pixels.reshape(len(pixels), *channels_first(meta["image_shape"]))
            self.labels = labels_from_table(table).astype(np.int64)
        else:
            self.rows = {name: table.column(name).to_numpy() for name in table.column_names}

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, index: int) -> Any:
        if self.images is not None:
            image = torch.from_numpy(self.images[index].copy())  # a copy: the arrow view is read-only
            return (self.transform(image) if self.transform else image), int(self.labels[index])
        row = {name: _scalar(values[index]) for name, values in self.rows.items()}
        return self.transform(row) if self.transform else row


def channels_first(shape: list[int]) -> tuple[int, ...]:
    """Grayscale (H, W) gets a channel axis: torchvision v2 transforms expect (C, H, W)."""
    return (1, *shape) if len(shape) == 2 else tuple(shape)


def _scalar(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value
