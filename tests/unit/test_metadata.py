"""data_registry.formats.metadata: one lineage schema for every dataset, built from real parquet files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from data_registry.core.errors import MetadataError
from data_registry.formats import metadata, parquet

SOURCE = {"url": "https://example.invalid/data.csv", "sha256": "0" * 64, "licence": "CC0-1.0"}


@pytest.fixture
def split_files(tmp_path: Path) -> dict[str, Path]:
    files = {"train": tmp_path / "train.parquet", "val": tmp_path / "val.parquet"}
    for rows, path in zip((3, 2), files.values(), strict=True):
        table = pa.table(
            {
                "id": pa.array(range(rows), pa.int64()),
                "x": pa.array([0.5] * rows, pa.float64()),
                "label": pa.array([1] * rows, pa.int8()),
            }
        )
        parquet.write(table, path, {"class_names": ["no", "yes"]})
    return files


def build(files: dict[str, Path], **extra: Any) -> dict[str, Any]:
    return metadata.build(
        "demo",
        source=SOURCE,
        params={"seed": 1},
        files=files,
        metrics={"train": {"x_mean": 0.5}},
        **extra,
    )


def valid_document() -> dict[str, Any]:
    return {
        "dataset": "demo",
        "source": {},
        "params": {},
        "schema": {"train": {"columns": {}, "metadata": {}}},
        "splits": {"train": 0},
        "metrics": {},
    }


def test_build_reads_schema_and_row_counts_from_the_parquet_files(split_files: dict[str, Path]) -> None:
    document = build(split_files)

    assert document["splits"] == {"train": 3, "val": 2}
    assert document["schema"]["train"] == {
        "columns": {"id": "int64", "x": "double", "label": "int8"},
        "metadata": {"class_names": ["no", "yes"]},
    }
    assert document["schema"]["val"] == document["schema"]["train"]
    assert document["source"] == SOURCE
    assert document["params"] == {"seed": 1}


def test_written_metadata_reads_back_equal(split_files: dict[str, Path], tmp_path: Path) -> None:
    document = build(split_files, upstream={"tag": "other-v1.0.0", "md5": "abc"})
    path = tmp_path / "out" / "metadata.json"

    metadata.write(path, document)

    assert metadata.read(path) == document


def test_write_gives_the_same_bytes_whatever_the_key_order(
    split_files: dict[str, Path], tmp_path: Path
) -> None:
    document = build(split_files)
    reordered = dict(reversed(list(document.items())))

    metadata.write(tmp_path / "a.json", document)
    metadata.write(tmp_path / "b.json", reordered)
    metadata.write(tmp_path / "c.json", build(split_files))

    first = (tmp_path / "a.json").read_bytes()
    assert first == (tmp_path / "b.json").read_bytes() == (tmp_path / "c.json").read_bytes()
    assert first.endswith(b"\n")
    assert list(json.loads(first)) == sorted(document)


@pytest.mark.parametrize("key", ["version", "created_at", "git_commit"])
def test_run_facts_as_top_level_keys_are_rejected(key: str, tmp_path: Path) -> None:
    document = {**valid_document(), key: "1.0.0"}

    with pytest.raises(MetadataError, match=key):
        metadata.validate(document)
    with pytest.raises(MetadataError):
        metadata.write(tmp_path / "metadata.json", document)
    assert not (tmp_path / "metadata.json").exists()


def test_build_refuses_an_unknown_section(split_files: dict[str, Path]) -> None:
    with pytest.raises(MetadataError, match="unknown metadata sections"):
        build(split_files, version={"number": "1.0.0"})


@pytest.mark.parametrize("key", sorted(metadata.REQUIRED))
def test_missing_required_key_is_rejected(key: str) -> None:
    document = valid_document()
    del document[key]

    with pytest.raises(MetadataError, match=key):
        metadata.validate(document)


@pytest.mark.parametrize(("key", "value"), [("dataset", 1), ("metrics", []), ("upstream", "other-v1.0.0")])
def test_section_of_the_wrong_type_is_rejected(key: str, value: object) -> None:
    with pytest.raises(MetadataError, match=key):
        metadata.validate({**valid_document(), key: value})


def test_schema_and_splits_must_name_the_same_splits() -> None:
    document = {**valid_document(), "splits": {"train": 0, "test": 0}}

    with pytest.raises(MetadataError, match="different splits"):
        metadata.validate(document)


def test_read_of_a_file_with_unknown_keys_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "metadata.json"
    path.write_text(json.dumps({**valid_document(), "version": "1.2.0"}))

    with pytest.raises(MetadataError, match="version"):
        metadata.read(path)


@pytest.mark.parametrize("content", [None, "{not json"])
def test_read_of_a_missing_or_broken_file_is_a_metadata_error(tmp_path: Path, content: str | None) -> None:
    path = tmp_path / "metadata.json"
    if content is not None:
        path.write_text(content)

    with pytest.raises(MetadataError, match="cannot read"):
        metadata.read(path)


def test_write_puts_the_numbers_dvc_can_diff_in_metrics_json_beside_it(tmp_path: Path) -> None:
    document = valid_document() | {
        "splits": {"train": 7},
        "metrics": {
            "train": {"mean": 0.5, "count": 7, "ok": True, "classes": ["a", "b"], "note": "text"},
            "empty": {"names": ["x"]},
            "counts": {"a": 3, "b": 4},
        },
    }

    metadata.write(tmp_path / "metadata.json", document)

    numbers = json.loads((tmp_path / metadata.METRICS_FILE).read_text())
    assert numbers == {
        "rows": {"train": 7},
        "metrics": {"train": {"mean": 0.5, "count": 7}, "counts": {"a": 3, "b": 4}},
    }
    assert metadata.read(tmp_path / "metadata.json") == document
