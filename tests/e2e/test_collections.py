"""`data-registry add-collection` and the clean-images pipeline in temp registries: a moto S3
server as the `minio` remote, real DVC and git, generated JPEG/PNG collections."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.support.repo import dvc, git, run_pipeline, tags, tool_env
from tests.support.s3 import S3Server
from tests.support.sources import inject_corrupted, write_image_collection

pytestmark = pytest.mark.e2e
DS = "clean-images"


def add_collection(registry: Path, name: str, folder: Path, *args: str, **env: str):  # type: ignore[no-untyped-def]
    return subprocess.run(
        [
            str(Path(sys.executable).parent / "data-registry"),
            "add-collection",
            name,
            str(folder),
            "--json",
            *args,
        ],
        cwd=registry,
        env=tool_env(**env),
        capture_output=True,
        text=True,
    )


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
    assert tags(registry, "collection-cats") == ["collection-cats-v1.0.0", "collection-cats-v1.1.0"]


def test_add_collection_user_errors_are_one_line(registry: Path, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    for name, folder in (
        ("Bad_Name", tmp_path),
        ("cats", tmp_path / "missing"),
        ("cats", tmp_path / "empty"),
    ):
        result = add_collection(registry, name, folder)
        assert result.returncode == 2, result.stderr
        assert result.stderr.strip().count("\n") == 0 and result.stderr.startswith("error: ")
    assert tags(registry, "collection-cats") == []


def test_clean_images_removes_exactly_the_injected_files_and_picks_up_a_branch_collection(
    registry: Path, s3: S3Server, tmp_path: Path
) -> None:
    cats = tmp_path / "cats"
    good = write_image_collection(cats, n_good=10, seed=5)
    injected = inject_corrupted(cats / "bad", seed=6)
    assert add_collection(registry, "cats", cats, **s3.env()).returncode == 0

    run = run_pipeline(registry, DS, "-S", "collections=[collection-cats-v1.0.0]", "--json", **s3.env())

    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["tag"] == f"{DS}-v1.0.0"
    document = json.loads(git(registry, "show", f"{DS}-v1.0.0:data/{DS}/metadata.json"))
    report = document["metrics"]["remove_corrupted"]
    assert {item["path"] for item in report["removed_files"]} == {f"cats/bad/{name}" for name in injected}
    for item in report["removed_files"]:
        assert injected[item["path"].rsplit("/", 1)[1]] in item["reason"], item
    assert report["kept"] == len(good) and document["splits"] == {"images": len(good)}
    assert document["upstream"] == {"collections": {"cats": "collection-cats-v1.0.0"}}

    git(registry, "checkout", "-q", "-b", "add-birds")
    birds = tmp_path / "birds"
    write_image_collection(birds, n_good=4, seed=7)
    assert add_collection(registry, "birds", birds, **s3.env()).returncode == 0
    params_file = registry / "pipelines" / DS / "params.yaml"
    config = yaml.safe_load(params_file.read_text())
    config["collections"] = ["collection-cats-v1.0.0", "collection-birds-v1.0.0"]
    params_file.write_text(yaml.safe_dump(config))
    git(registry, "commit", "-q", "-am", "pin birds")

    repro = dvc(registry, "repro", f"pipelines/{DS}/dvc.yaml", **s3.env())

    assert repro.returncode == 0, repro.stdout + repro.stderr
    metrics = json.loads((registry / "data" / DS / "metadata.json").read_text())["metrics"]
    assert metrics["images"]["class_counts"] == {"cats": len(good), "birds": 4}
    assert metrics["remove_corrupted"]["removed"] == len(injected)


def test_clean_images_with_no_or_unknown_collection_fails_in_one_line(registry: Path) -> None:
    result = dvc(registry, "repro", f"pipelines/{DS}/dvc.yaml")
    assert result.returncode != 0
    assert "error: params.yaml pins no collection" in result.stderr

    params_file = registry / "pipelines" / DS / "params.yaml"
    for pinned, expected in (
        ("collection-dogs-v1.0.0", "error: cannot get data/collections/dogs at collection-dogs-v1.0.0"),
        ("dogs-1.0", "error: 'dogs-1.0' is not a collection tag"),
    ):
        params_file.write_text(params_file.read_text().replace("collections: []", f"collections: [{pinned}]"))
        git(registry, "commit", "-q", "-am", f"pin {pinned}")
        result = dvc(registry, "repro", f"pipelines/{DS}/dvc.yaml")
        assert result.returncode != 0
        assert expected in result.stderr, result.stderr
        params_file.write_text(params_file.read_text().replace(f"collections: [{pinned}]", "collections: []"))
    assert not (registry / "data" / DS / "collections").exists()
