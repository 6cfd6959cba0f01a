from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from data_registry.core.errors import CorruptSource
from data_registry.formats import images, parquet
from tests.support.idx import fashion_mnist_arrays

CLASSES = [f"class-{label}" for label in range(10)]


@pytest.fixture
def sample() -> tuple[np.ndarray, np.ndarray]:
    arrays = fashion_mnist_arrays(n_train=50, n_val=0, seed=7)
    return arrays["train_images"], arrays["train_labels"]


def test_parquet_round_trip_is_exact(tmp_path: Path, sample: tuple[np.ndarray, np.ndarray]) -> None:
    pixels, labels = sample
    path = tmp_path / "train" / "train.parquet"
    images.write_split(pixels, labels, CLASSES, path)
    table = parquet.read(path)
    assert str(table.schema.field("image").type) == "fixed_size_binary[784]"
    assert table.schema.field("label").type == pa.int64()
    np.testing.assert_array_equal(images.images_from_table(table), pixels)
    np.testing.assert_array_equal(images.labels_from_table(table), labels)
    assert images.classes_from_table(table) == CLASSES
    assert parquet.schema_metadata(table.schema)["image_shape"] == [28, 28]


def test_same_arrays_give_the_same_bytes(tmp_path: Path, sample: tuple[np.ndarray, np.ndarray]) -> None:
    images.write_split(*sample, CLASSES, tmp_path / "a.parquet")
    images.write_split(*sample, CLASSES, tmp_path / "b.parquet")
    assert (tmp_path / "a.parquet").read_bytes() == (tmp_path / "b.parquet").read_bytes()


def test_reading_a_single_chunk_shares_the_arrow_buffer(sample: tuple[np.ndarray, np.ndarray]) -> None:
    table = images.to_table(*sample, CLASSES)
    table = parquet.with_metadata(table, images.schema_metadata(CLASSES, (28, 28)))
    decoded = images.images_from_table(table)
    assert np.shares_memory(decoded, sample[0])  # a view of the buffer, not a copy
    np.testing.assert_array_equal(decoded, sample[0])


def test_sliced_and_chunked_tables_keep_their_offsets(sample: tuple[np.ndarray, np.ndarray]) -> None:
    pixels, labels = sample
    table = images.to_table(pixels, labels, CLASSES)
    np.testing.assert_array_equal(images.images_from_table(table.slice(7, 20), shape=(28, 28)), pixels[7:27])
    chunked = pa.concat_tables([table.slice(0, 10), table.slice(30, 5)])
    assert chunked.column("image").num_chunks == 2
    expected = np.concatenate([pixels[:10], pixels[30:35]])
    np.testing.assert_array_equal(images.images_from_table(chunked, shape=(28, 28)), expected)


def test_table_without_image_shape_needs_one(sample: tuple[np.ndarray, np.ndarray]) -> None:
    with pytest.raises(CorruptSource, match="image_shape"):
        images.images_from_table(images.to_table(*sample, CLASSES))


@pytest.mark.parametrize(
    ("pixels", "labels", "message"),
    [
        (
            np.zeros((3, 28, 28), np.uint8),
            np.array([0, 1, 10], np.uint8),
            "labels range 0..10, but there are 10",
        ),
        (np.zeros((3, 28, 28), np.uint8), np.zeros(2, np.uint8), "3 images but labels of shape"),
        (np.zeros((3, 784), np.uint8), np.zeros(3, np.uint8), "must be \\(N, rows, cols\\) uint8"),
        (np.zeros((3, 28, 28), np.float32), np.zeros(3, np.uint8), "must be \\(N, rows, cols\\) uint8"),
    ],
)
def test_inconsistent_arrays_are_refused(pixels: np.ndarray, labels: np.ndarray, message: str) -> None:
    with pytest.raises(CorruptSource, match=message):
        images.to_table(pixels, labels, CLASSES)


def test_missing_images_are_refused() -> None:
    column = pa.array([b"\0" * 4, None], type=pa.binary(4))
    table = pa.table({"image": column, "label": pa.array([0, 1])})
    with pytest.raises(CorruptSource, match="1 missing images"):
        images.images_from_table(table, shape=(2, 2))


def test_pixel_stats_match_numpy(sample: tuple[np.ndarray, np.ndarray]) -> None:
    pixels = sample[0]
    stats = images.pixel_stats(pixels)
    assert stats["pixel_mean"] == pytest.approx((pixels / 255).mean(), abs=1e-6)
    assert stats["pixel_std"] == pytest.approx((pixels / 255).std(), abs=1e-6)


def test_pixel_stats_span_several_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(images, "STATS_BLOCK", 1000)
    pixels = np.random.default_rng(0).integers(0, 256, (7, 28, 28), dtype=np.uint8)
    assert images.pixel_stats(pixels) == {
        "pixel_mean": round(float((pixels / 255).mean()), 6),
        "pixel_std": round(float((pixels / 255).std()), 6),
    }


def test_class_counts_list_every_class() -> None:
    counts = images.class_counts(np.array([0, 2, 2], np.uint8), ["a", "b", "c"])
    assert counts == {"a": 1, "b": 0, "c": 2}
