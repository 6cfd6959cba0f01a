"""`data-registry add-collection` and the clean-images pipeline in temp registries: a moto S3
server as the `minio` remote, real DVC and git, generated JPEG/PNG collections."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.support.repo import dvc, git, run_pipeline, tool_env
from tests.support.s3 import S3Server
from tests.support.sources import inject_corrupted, write_image_collection

pytestmark = pytest.mark.e2e
DS = "clean-images"


def add_collection(registry: Path, name: str, folder: Path, *args: str, **env: str):  # type: ignore[no-untyped-def]
    return subprocess.run(
        [str(Path(sys.executable).parent / "data-registry"), "add-collection", name, str(folder), "--json", *args],
        cwd=registry,
        env=tool_env(**env),
        capture_output=True,
        text=True,
    )


def collection_tags(registry: Path, name: str) -> list[str]:
    return git(registry, "tag", "--list", f"collection-{name}-v*").split()


def test_add_collection_tags_pushed_content_once_and_bumps_on_change(
    registry: Path, s3: S3Server, tmp_path: Path
) -> None:
    folder = tmp_path / "cats"
    write_image_collection(folder, n_good=6, seed=1)

    first = add_collection(registry, "cats", folder, **s3.env())
    assert first.returncode == 0, first.stderr
    summary = json.loads(first.stdout)
    assert summary["tag"] == "collection-cats-v1.0.0" and summary["status"] == "created"
    digest = summary["outs"]["data/collections/cats"]
    assert f"files/md5/{digest[:2]}/{digest[2:]}" in s3.object_keys()
    assert len(s3.object_keys()) == 6 + 1
    assert git(registry, "status", "--porcelain") == ""
    assert git(registry, "show", "--stat", "--format=", "HEAD").count("|") == 2  # .dvc + .gitignore

    again = add_collection(registry, "cats", folder, **s3.env())
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["status"] == "unchanged"

    (folder / "part0" / "extra.png").write_bytes((folder / "part1").iterdir().__next__().read_bytes())
    changed = add_collection(registry, "cats", folder, **s3.env())
    assert changed.returncode == 0, changed.stderr
    assert json.loads(changed.stdout)["tag"] == "collection-cats-v1.1.0"
    assert collection_tags(registry, "cats") == ["collection-cats-v1.0.0", "collection-cats-v1.1.0"]


def test_add_collection_user_errors_are_one_line(registry: Path, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    for name, folder in (("Bad_Name", tmp_path), ("cats", tmp_path / "missing"), ("cats", tmp_path / "empty")):
        result = add_collection(registry, name, folder)
        assert result.returncode == 2, result.stderr
        assert result.stderr.strip().count("\n") == 0 and result.stderr.startswith("error: ")
    assert collection_tags(registry, "cats") == []
