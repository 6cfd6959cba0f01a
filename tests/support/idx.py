"""Fashion-MNIST look-alikes in the real file format: gzipped IDX with the canonical names.

The IDX header is written here with `struct`, independently of the reader in
`data_registry.formats.idx`, so a round trip checks the format and not one module against itself.
"""

from __future__ import annotations

import gzip
import hashlib
import struct
from pathlib import Path

import numpy as np

# params.yaml keys -> canonical file names
FILE_NAMES = {
    "train_images": "train-images-idx3-ubyte.gz",
    "train_labels": "train-labels-idx1-ubyte.gz",
    "val_images": "t10k-images-idx3-ubyte.gz",
    "val_labels": "t10k-labels-idx1-ubyte.gz",
}
CLASSES = 10
SIDE = 28


def idx_bytes(array: np.ndarray) -> bytes:
    """Header (0, 0, 0x08 uint8, ndim, big-endian uint32 dims) then the values in C order."""
    values = np.ascontiguousarray(array, dtype=np.uint8)
    header = struct.pack(">BBBB", 0, 0, 0x08, values.ndim) + struct.pack(f">{values.ndim}I", *values.shape)
    return header + values.tobytes()


def write_idx(path: Path, array: np.ndarray, compresslevel: int = 6) -> str:
    """Write `array` as a gzipped IDX file (fixed mtime: same array, same bytes); return its md5."""
    data = gzip.compress(idx_bytes(array), compresslevel=compresslevel, mtime=0)
    path.write_bytes(data)
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def fashion_like_images(labels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """(N, 28, 28) uint8: a textured blob per image whose size depends on its class, on black.

    Mostly-zero background and textured foreground give the images roughly the
    compressibility of the real ones, which matters to the timings in the benchmark.
    """
    n = len(labels)
    grid = np.arange(SIDE, dtype=np.float32) - (SIDE - 1) / 2
    half_height = (10 + labels % 5 + rng.uniform(-1, 1, n)).astype(np.float32)[:, None, None]
    half_width = (8 + labels // 5 * 5 + rng.uniform(-1, 1, n)).astype(np.float32)[:, None, None]
    inside = (grid[None, :, None] / half_height) ** 2 + (grid[None, None, :] / half_width) ** 2 <= 1
    brightness = rng.integers(40, 155, n, dtype=np.uint8)[:, None, None]
    texture = rng.integers(0, 100, (n, SIDE, SIDE), dtype=np.uint8)
    return np.where(inside, brightness + texture, 0).astype(np.uint8)


def fashion_mnist_arrays(n_train: int, n_val: int, seed: int) -> dict[str, np.ndarray]:
    """The arrays `write_fashion_mnist_files` writes, keyed like params.yaml's `source.files`."""
    rng = np.random.default_rng(seed)
    arrays: dict[str, np.ndarray] = {}
    for split, count in (("train", n_train), ("val", n_val)):
        labels = rng.integers(0, CLASSES, count, dtype=np.uint8)
        arrays[f"{split}_images"] = fashion_like_images(labels, rng)
        arrays[f"{split}_labels"] = labels
    return arrays


def write_fashion_mnist_files(folder: Path, n_train: int, n_val: int, seed: int) -> dict[str, str]:
    """Write the four canonical files into `folder`; return {file name: md5}."""
    folder.mkdir(parents=True, exist_ok=True)
    arrays = fashion_mnist_arrays(n_train, n_val, seed)
    return {FILE_NAMES[key]: write_idx(folder / FILE_NAMES[key], array) for key, array in arrays.items()}
