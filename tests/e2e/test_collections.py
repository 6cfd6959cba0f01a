"""`data-registry add-collection` and the clean-images pipeline in temp registries: a moto S3
server as the `minio` remote, real DVC and git, generated JPEG/PNG collections."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from tests.support.bomb import write_png_bomb
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
    write_png_bomb(cats / "bad" / "bomb.png")  # 30000x30000: fatal to the stage before max_pixels
    injected["bomb.png"] = "too large: 30000x30000"
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
    assert report["removed_by_reason"]["too large"] == 1
    assert git(registry, "status", "--porcelain", "--untracked-files=all") == ""

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


def _cli(registry: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [str(Path(sys.executable).parent / "data-registry"), *args]
    return subprocess.run(command, cwd=registry, env=tool_env(), capture_output=True, text=True)


def test_collections_are_first_class_in_list_versions_show_diff_get_and_verify(
    registry: Path, tmp_path: Path
) -> None:
    cats = tmp_path / "cats"
    write_image_collection(cats, n_good=4, seed=11)
    assert add_collection(registry, "cats", cats, "--no-push").returncode == 0
    removed = sorted((cats / "part1").iterdir())[0]
    removed.unlink()
    (cats / "part0" / "new.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    assert add_collection(registry, "cats", cats, "--no-push").returncode == 0

    listed = json.loads(_cli(registry, "list", "--json").stdout)
    entry = next(item for item in listed if item["kind"] == "collection")
    assert entry == {
        "kind": "collection",
        "name": "cats",
        "latest": "1.1.0",
        "versions": 2,
        "rows": None,
        "files": 4,
        "size_bytes": entry["size_bytes"],
    }
    assert {item["name"] for item in listed if item["kind"] == "dataset"} >= {"fashion-mnist", DS}
    assert _cli(registry, "versions", "collection:cats").stdout.split() == ["1.0.0", "1.1.0"]

    shown = json.loads(_cli(registry, "show", "collection:cats", "--json").stdout)
    relative_removed = removed.relative_to(cats).as_posix()
    assert shown["changes"] == {"added": ["part0/new.png"], "removed": [relative_removed], "changed": []}
    assert shown["files"] == 4 and sum(shown["formats"].values()) == 4
    report = json.loads(_cli(registry, "diff", "collection:cats", "1.0.0", "1.1.0", "--json").stdout)
    assert (report["added"], report["removed"]) == (["part0/new.png"], [relative_removed])

    got = _cli(registry, "get", "collection:cats", "--version", "1.0", "--out", str(tmp_path / "got"))
    assert got.returncode == 0, got.stderr
    assert (tmp_path / "got" / relative_removed).read_bytes() and not (
        tmp_path / "got" / "part0" / "new.png"
    ).exists()
    verified = _cli(registry, "verify", "collection:cats")
    assert verified.returncode == 0 and "collection-cats-v1.1.0: 5 objects" in verified.stdout, (
        verified.stderr
    )

    metadata = registry / "data" / "collections" / "cats.dvc"  # a broken entry costs only itself
    git(registry, "tag", "collection-dogs-v1.0.0", git(registry, "rev-list", "--max-parents=0", "HEAD"))
    still = _cli(registry, "list")
    assert still.returncode == 0 and "dogs" in still.stdout and "does not exist" in still.stdout, still.stderr
    assert metadata.exists()


def test_add_collection_killed_mid_copy_or_failing_after_it_leaves_nothing_untracked(
    registry: Path, tmp_path: Path
) -> None:
    big = tmp_path / "big"
    for index in range(40):
        (big / f"d{index % 4}").mkdir(parents=True, exist_ok=True)
        (big / f"d{index % 4}" / f"{index}.png").write_bytes(os.urandom(1 << 20))
    command = [str(Path(sys.executable).parent / "data-registry"), "add-collection", "big", str(big)]
    process = subprocess.Popen(command, cwd=registry, env=tool_env(), stderr=subprocess.PIPE, text=True)
    staging = registry / ".dvc" / "tmp" / "collections"
    deadline = time.monotonic() + 60
    while not (staging.is_dir() and any(staging.iterdir())) and time.monotonic() < deadline:
        time.sleep(0.01)
    process.kill()
    process.wait()

    assert git(registry, "status", "--porcelain", "--untracked-files=all") == ""

    home_is_a_file = tmp_path / "home"
    home_is_a_file.write_text("the local remote cannot live under a file")
    failed = subprocess.run(
        [*command, "--no-push"],
        cwd=registry,
        env=tool_env(DATA_REGISTRY_HOME=str(home_is_a_file)),
        capture_output=True,
        text=True,
    )
    assert failed.returncode != 0 and "Traceback" not in failed.stderr, failed.stderr
    assert git(registry, "status", "--porcelain", "--untracked-files=all") == ""
    assert tags(registry, "collection-big") == []
