from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest

from data_registry.core.errors import CorruptSource
from data_registry.formats import idx
from tests.support.idx import FILE_NAMES, fashion_mnist_arrays, idx_bytes, write_fashion_mnist_files


def test_generated_files_round_trip(tmp_path: Path) -> None:
    md5s = write_fashion_mnist_files(tmp_path, n_train=120, n_val=40, seed=3)
    arrays = fashion_mnist_arrays(n_train=120, n_val=40, seed=3)
    assert sorted(md5s) == sorted(FILE_NAMES.values())
    for key, name in FILE_NAMES.items():
        read = idx.read_images if key.endswith("images") else idx.read_labels
        decoded = read(tmp_path / name)
        assert decoded.dtype == np.uint8
        np.testing.assert_array_equal(decoded, arrays[key])
    assert idx.read_images(tmp_path / FILE_NAMES["train_images"]).shape == (120, 28, 28)


def test_the_header_is_big_endian_with_the_canonical_magic() -> None:
    data = idx_bytes(np.zeros((2, 3, 4), dtype=np.uint8))
    assert data[:16] == bytes.fromhex("00000803000000020000000300000004")
    assert idx.decode(data, ndim=3).shape == (2, 3, 4)


def test_empty_file_decodes_to_zero_rows() -> None:
    assert idx.decode(idx_bytes(np.zeros((0, 28, 28), dtype=np.uint8)), ndim=3).shape == (0, 28, 28)


def write_gz(path: Path, data: bytes) -> Path:
    path.write_bytes(gzip.compress(data))
    return path


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (idx_bytes(np.zeros((5, 28, 28), dtype=np.uint8))[:-10], "header .* needs 3920"),
        (idx_bytes(np.zeros((5, 28, 28), dtype=np.uint8)) + b"\0", "header .* needs 3920"),
        (idx_bytes(np.zeros(5, dtype=np.uint8)), "magic 0x00000801, expected 0x00000803"),
        (b"\0\0\x0d\x03" + bytes(12), "magic 0x00000d03"),  # float32 IDX: not images of bytes
        (b"\0\0\x08\x03" + bytes(8), "too short for an IDX header \\(12 bytes\\)"),
        (b"\0\0\x08", "magic 0x00000008"),
    ],
)
def test_malformed_content_is_a_corrupt_source(tmp_path: Path, data: bytes, message: str) -> None:
    with pytest.raises(CorruptSource, match=message):
        idx.read_images(write_gz(tmp_path / "images.gz", data))


def test_labels_file_given_as_images_names_the_file(tmp_path: Path) -> None:
    path = write_gz(tmp_path / "train-labels-idx1-ubyte.gz", idx_bytes(np.zeros(3, dtype=np.uint8)))
    with pytest.raises(CorruptSource, match=r"train-labels-idx1-ubyte\.gz has IDX magic"):
        idx.read_images(path)
    assert idx.read_labels(path).shape == (3,)


def test_truncated_gzip_is_a_corrupt_source(tmp_path: Path) -> None:
    compressed = gzip.compress(idx_bytes(np.ones((50, 28, 28), dtype=np.uint8)))
    path = tmp_path / "images.gz"
    path.write_bytes(compressed[: len(compressed) // 2])
    with pytest.raises(CorruptSource, match="not a readable gzip file"):
        idx.read_images(path)


def test_garbage_is_a_corrupt_source(tmp_path: Path) -> None:
    path = tmp_path / "images.gz"
    path.write_bytes(b"<html>503 Service Unavailable</html>")
    with pytest.raises(CorruptSource, match=r"images\.gz is not a readable gzip file"):
        idx.read_images(path)


def test_missing_file_is_reported_plainly(tmp_path: Path) -> None:
    with pytest.raises(CorruptSource, match="is missing"):
        idx.read_labels(tmp_path / "absent.gz")
