"""Client rules without a registry: version specs, URL redaction, diffs, tags via ls-remote, torch rows."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from data_registry import client, images
from data_registry.client import compare, remote_tags
from data_registry.client.location import Registry
from data_registry.errors import UnknownVersion
from data_registry.parquet import with_metadata
from data_registry.versions import Version
from tests.support.repo import git

AVAILABLE = [Version.parse(text) for text in ("1.0.0", "1.2.0", "1.2.3", "2.0.0")]


@pytest.mark.parametrize(
    ("spec", "expected"),
    [("latest", "2.0.0"), ("1", "1.2.3"), ("1.2", "1.2.3"), ("1.2.0", "1.2.0"), ("v1.0.0", "1.0.0"),
     ("ds-v1.2.0", "1.2.0")],
)  # fmt: skip
def test_version_specs_pick_the_newest_match(spec: str, expected: str) -> None:
    assert str(remote_tags.pick("ds", spec, AVAILABLE, "reg")) == expected


@pytest.mark.parametrize("spec", ["3", "1.3", "1.2.4", "banana"])
def test_missing_version_lists_the_existing_ones(spec: str) -> None:
    with pytest.raises(UnknownVersion) as caught:
        remote_tags.pick("ds", spec, AVAILABLE, "reg")
    assert "1.0.0, 1.2.0, 1.2.3, 2.0.0" in str(caught.value) or "not a version" in str(caught.value)


def test_registry_url_credentials_never_shown() -> None:
    registry = Registry("https://user:token@github.com/org/registry.git")
    assert registry.public_url == "https://github.com/org/registry.git"
    assert Registry("/srv/registry").public_url == "/srv/registry"


def test_diff_reports_only_changes_with_numeric_deltas() -> None:
    old = compare.flatten({"a": {"b": 1, "c": "x"}, "d": True})
    new = compare.flatten({"a": {"b": 3, "c": "x"}, "d": False})
    assert compare.changed(old, new) == {
        "a.b": {"old": 1, "new": 3, "change": 2},
        "d": {"old": True, "new": False},
    }


def test_versions_come_from_tags_without_a_clone(tmp_path: Path) -> None:
    repo = tmp_path / "tags"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    git(repo, "commit", "-q", "--allow-empty", "-m", "empty")
    for tag in ("ds-v1.10.0", "ds-v1.2.0", "ds-vbad", "other-v9.0.0", "ds-v2.0.0"):
        git(repo, "tag", "-a", tag, "-m", "version")
    assert client.versions("ds", f"file://{repo}") == ["1.2.0", "1.10.0", "2.0.0"]


def test_torch_rows_are_uint8_images_with_int_labels_through_worker_processes() -> None:
    import torch
    from torch.utils.data import DataLoader

    from data_registry.client.torch_split import RegistrySplit

    pixels = np.arange(6 * 4 * 5, dtype=np.uint8).reshape(6, 4, 5)
    table = images.to_table(pixels, np.array([0, 1, 2, 0, 1, 2]), ["a", "b", "c"])
    dataset = RegistrySplit(with_metadata(table, images.schema_metadata(["a", "b", "c"], (4, 5))))
    image, label = dataset[1]
    assert image.dtype == torch.uint8 and tuple(image.shape) == (1, 4, 5) and label == 1
    assert torch.equal(image[0], torch.from_numpy(pixels[1]))

    batches = list(DataLoader(dataset, batch_size=3, num_workers=2))
    assert [tuple(batch[0].shape) for batch in batches] == [(3, 1, 4, 5), (3, 1, 4, 5)]
    assert batches[1][1].tolist() == [0, 1, 2]
