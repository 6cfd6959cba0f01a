"""Gzipped IDX files (the MNIST family's format), decoded with numpy in one step.

Layout: two zero bytes, a type code (0x08 = uint8), the number of dimensions,
one big-endian uint32 per dimension, then the values in C order. Images are
magic 0x0803 (N, rows, cols), labels 0x0801 (N,). Every header field is checked
against the file's length, so a truncated or foreign file fails with one clear
line instead of a reshape error deep in numpy.
"""

from __future__ import annotations

import gzip
import math
import zlib
from pathlib import Path

import numpy as np

from data_registry.core.errors import CorruptSource

UINT8 = 0x08
IMAGES_NDIM = 3
LABELS_NDIM = 1


def read_images(path: Path) -> np.ndarray:
    """(N, rows, cols) uint8 images from an idx3 file (magic 0x0803)."""
    return decode(_decompress(path), ndim=IMAGES_NDIM, name=path.name)


def read_labels(path: Path) -> np.ndarray:
    """(N,) uint8 labels from an idx1 file (magic 0x0801)."""
    return decode(_decompress(path), ndim=LABELS_NDIM, name=path.name)


def decode(data: bytes, *, ndim: int, name: str = "IDX data") -> np.ndarray:
    """A read-only uint8 view of `data` with the header's shape; no copy, no loop."""
    header_size = 4 + 4 * ndim
    magic = (UINT8 << 8) | ndim
    found = int.from_bytes(data[:4], "big")
    if len(data) < 4 or found != magic:
        raise CorruptSource(f"{name} has IDX magic 0x{found:08x}, expected 0x{magic:08x} (uint8, {ndim}-d)")
    if len(data) < header_size:
        raise CorruptSource(f"{name} is too short for an IDX header ({len(data)} bytes)")
    shape = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    expected = math.prod(shape)
    if len(data) - header_size != expected:
        raise CorruptSource(
            f"{name} holds {len(data) - header_size} bytes of values, its header {shape} needs {expected}"
        )
    return np.frombuffer(data, dtype=np.uint8, count=expected, offset=header_size).reshape(shape)


def _decompress(path: Path) -> bytes:
    try:
        compressed = path.read_bytes()
    except FileNotFoundError as error:
        raise CorruptSource(f"{path} is missing", "rerun the download stage") from error
    try:
        return gzip.decompress(compressed)
    except (OSError, EOFError, zlib.error) as error:  # BadGzipFile is an OSError
        raise CorruptSource(f"{path.name} is not a readable gzip file: {error}") from error
