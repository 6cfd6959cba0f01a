"""`dvc repro` of pipelines/emotion in a fresh registry, the hub served locally through HF_ENDPOINT."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pytest

from data_registry.core import params
from data_registry.formats import metadata, parquet
from tests.support.http_server import FileServer, serve
from tests.support.repo import dvc, git
from tests.support.sources import EMOTION_CLASSES, emotion_texts, write_hf_parquet

DVC_YAML = "pipelines/emotion/dvc.yaml"
REVISION = "0123456789abcdef0123456789abcdef01234567"
PUBLISHED = {"train": "train", "val": "validation", "test": "test"}
SIZES = {"train": 80, "val": 20, "test": 20}


@pytest.fixture
def source(tmp_path: Path) -> dict[str, str]:
    """Generated splits under the hub's resolve layout; train repeats one text, test leaks two."""
    resolve = tmp_path / "hub" / "datasets" / "dair-ai" / "emotion" / "resolve" / REVISION / "split"
    texts = {split: emotion_texts(n, seed) for seed, (split, n) in enumerate(SIZES.items())}
    unique = {
        split: [f"{text} #{split}{i}" for i, text in enumerate(rows)] for split, (rows, _) in texts.items()
    }
    unique["train"][1] = unique["train"][0]  # a duplicate within train
    unique["test"][:2] = unique["train"][2:4]  # two train texts leak into test
    return {
        split: write_hf_parquet(
            resolve / f"{PUBLISHED[split]}-00000-of-00001.parquet", unique[split], texts[split][1]
        )
        for split in SIZES
    }


@pytest.fixture
def hub(tmp_path: Path, source: dict[str, str]) -> Iterator[FileServer]:
    with serve(tmp_path / "hub") as running:
        yield running


def pin(registry: Path, source: dict[str, str]) -> None:
    overrides = [f"source.revision={REVISION}"]
    overrides += [f"source.files.{split}.sha256={digest}" for split, digest in source.items()]
    params.apply_overrides(registry / "pipelines" / "emotion", overrides)
    git(registry, "commit", "-q", "-am", "pin generated hub files")


def test_repro_fetches_pinned_revision_and_reports_duplicates_and_leakage(
    registry: Path, hub: FileServer, source: dict[str, str]
) -> None:
    pin(registry, source)
    hub.truncate(f"datasets/dair-ai/emotion/resolve/{REVISION}/split/test-00000-of-00001.parquet", times=1)

    result = dvc(registry, "repro", DVC_YAML, HF_ENDPOINT=hub.url.rstrip("/"))

    assert result.returncode == 0, result.stdout + result.stderr
    data = registry / "data" / "emotion"
    table = parquet.read(data / "processed" / "train" / "train.parquet")
    assert table.schema.field("label").type == pa.int64()
    assert parquet.schema_metadata(table.schema) == {"classes": EMOTION_CLASSES}
    document = metadata.read(data / "metadata.json")
    assert document["splits"] == SIZES
    metrics = document["metrics"]
    assert metrics["train"]["duplicate_texts"] == 1
    assert metrics["leakage"] == {"train/val": 0, "train/test": 2, "val/test": 0}
    assert sum(metrics["val"]["label_counts"].values()) == SIZES["val"]
    assert metrics["train"]["length"]["words"]["min"] >= 4
    train_file = document["source"]["files"]["train"]
    assert train_file["url"].startswith(
        f"https://huggingface.co/datasets/dair-ai/emotion/resolve/{REVISION}/"
    )
    assert train_file["sha256"] == source["train"]
    assert "127.0.0.1" not in (data / "metadata.json").read_text()


def test_unpinned_revision_is_refused_before_any_request(registry: Path, hub: FileServer) -> None:
    result = dvc(registry, "repro", DVC_YAML, HF_ENDPOINT=hub.url)
    assert result.returncode != 0
    assert "error: source.revision None is not a 40-character commit sha" in result.stderr
    assert sum(hub.requests.values()) == 0
