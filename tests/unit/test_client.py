"""Client rules without a registry: version specs, URL redaction, diffs, tags via ls-remote, torch rows."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from data_registry import client
from data_registry.client import compare, remote_tags, render
from data_registry.client.location import Registry
from data_registry.core.errors import UnknownVersion
from data_registry.core.versions import Version
from data_registry.formats import images
from data_registry.formats.parquet import with_metadata
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


LONG_VALUE = "x" * 150  # wider than an 80-column log: printed whole, wrapped


def test_show_has_one_row_per_metric_with_the_splits_as_columns() -> None:
    document = {
        "version": "1.1.0",
        "tag": "ds-v1.1.0",
        "registry": "/srv/registry",
        "splits": {"train": 8, "val": 2},
        "schema": {"train": {"columns": {f"feature_{index}": "double" for index in range(12)}}},
        "params": {"seed": 1},
        "metrics": {
            "train": {"columns": {"f0": {"mean": 0.25}}, "label_counts": {"cat": 5}},
            "val": {"columns": {"f0": {"mean": -1.5}}},
            "class_names": ["cat", "dog"],
            "note": LONG_VALUE,
        },
    }
    text = render.shown("# ds", document, [])
    table = text.split("metrics:\n")[1].splitlines()
    assert table[0].split() == ["metric", "train", "val", "(all)"]
    assert [line.split() for line in table if line.startswith(("columns", "label", "class"))] == [
        ["class_names", "-", "-", '["cat",', '"dog"]'],
        ["columns.f0.mean", "0.25", "-1.5", "-"],
        ["label_counts.cat", "5", "-", "-"],
    ]
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "".join(text.split()).count(LONG_VALUE) == 1  # folded, not cut with an ellipsis
    schema = text.split("schema train: ")[1].split("\nparams:")[0]
    assert [part.strip() for part in schema.split(",")] == [f"feature_{i} double" for i in range(12)]


def one_param_change(unchanged: bool) -> dict[str, object]:
    """A report as compare.diff builds it: one param, rows, two metrics and one file changed."""
    old = {
        "params": {"n_samples": 5000, "seed": 42},
        "schema": {"train.f0": "double"},
        "rows": {"train": 4000, "val": 1000},
        "metrics": {"train.mean": 0.5, "val.mean": 0.25, "train.max": 3.0, "val.max": 3.0},
        "outs": {"data/ds/processed": "aa.dir", "data/ds/metadata.json": "bb"},
    }
    new = {
        **old,
        "params": {"n_samples": 1500, "seed": 42},
        "rows": {"train": 1200, "val": 300},
        "metrics": {**old["metrics"], "train.mean": 0.75, "val.mean": 0.125},
        "outs": {**old["outs"], "data/ds/processed": "cc.dir"},
    }
    sections = {key: compare.changed(old[key], new[key], unchanged) for key in old}
    return {"dataset": "ds", "old": "ds-v1.0.0", "new": "ds-v1.1.0", **sections, "checks": []}


def test_diff_shows_only_the_changed_groups_and_lines() -> None:
    text = render.differences(one_param_change(unchanged=True))
    lines = text.splitlines()
    assert [line for line in lines if line.endswith("changed")] == [
        "params: 1 changed",
        "rows: 2 changed",
        "metrics: 2 changed",
        "files: 1 changed",
    ]
    assert "schema" not in text and "seed" not in text and "max" not in text and "bb" not in text
    assert ["n_samples", "5000", "1500", "-3500"] in [line.split() for line in lines]
    assert [line.split() for line in lines if "mean" in line or line.startswith(" " * 8)] == [
        ["mean", "train", "0.5", "0.75", "+0.25"],
        ["val", "0.25", "0.125", "-0.125"],
    ]
    assert "    aa.dir → cc.dir" in lines
    assert max(len(line) for line in lines) <= 80
    # a report without the unchanged keys (as --json prints it) reads the same
    assert render.differences(one_param_change(unchanged=False)) == text


def test_diff_all_shows_every_group_and_key() -> None:
    text = render.differences(one_param_change(unchanged=True), everything=True)
    lines = [line.split() for line in text.splitlines()]
    assert [line for line in text.splitlines() if " changed" in line] == [
        "params: 1 changed, 1 unchanged",
        "schema: 0 changed, 1 unchanged",
        "rows: 2 changed, 0 unchanged",
        "metrics: 2 changed, 2 unchanged",
        "files: 1 changed, 1 unchanged",
    ]
    assert ["seed", "42", "42", "="] in lines and ["max", "train", "3.0", "3.0", "="] in lines
    assert ["bb", "(unchanged)"] in lines


def test_diff_lists_failed_checks_and_counts_the_passed_ones() -> None:
    report = {
        **one_param_change(unchanged=False),
        "checks": [
            {"check": "rows train", "passed": True, "observed": 1200, "allowed": ">= 400"},
            {"check": "drift psi train.f0", "passed": False, "observed": 0.4, "allowed": "<= 0.25"},
        ],
    }
    assert render.differences(report).splitlines()[-2:] == [
        "quality checks: 1 passed, 1 failed (--all lists every check)",
        "  FAILED drift psi train.f0: observed 0.4, allowed <= 0.25",
    ]
    assert "  passed rows train: observed 1200, allowed >= 400" in render.differences(report, True)


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
