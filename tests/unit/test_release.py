"""The release path at its git boundary: which HEAD is an unfinished release, when a tag goes to
the git remote, and what a version's messages record. Real git repositories in temp folders."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from data_registry import release, versions
from data_registry.git import Git
from data_registry.summary import Summary
from tests.support.repo import git

PREFIX = "toy"


@pytest.fixture
def repo(tmp_path: Path) -> Git:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    (root / "params.yaml").write_text("n: 1\n")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "start")
    return Git(root)


def subject(repo: Git) -> release.Subject:
    return release.Subject(PREFIX, repo.root / "dvc.yaml", ("params.yaml",))


def version_commit(repo: Git, tag: str, value: int) -> None:
    (repo.root / "params.yaml").write_text(f"n: {value}\n")
    git(repo.root, "commit", "-qam", f"{tag}: content changed")


def test_head_version_commit_without_its_tag_is_pending(repo: Git) -> None:
    version_commit(repo, "toy-v1.0.0", 2)

    assert release._pending_version(repo, subject(repo), None) == (
        versions.Version(1, 0, 0),
        "content changed",
    )


@pytest.mark.parametrize(
    "situation",
    ["tagged", "workspace moved on", "other dataset", "older than latest", "plain commit"],
)
def test_other_heads_are_not_pending(repo: Git, situation: str) -> None:
    tag = {"other dataset": "toy-extra-v1.0.0", "older than latest": "toy-v0.9.0"}.get(
        situation, "toy-v1.0.0"
    )
    if situation == "plain commit":
        (repo.root / "params.yaml").write_text("n: 5\n")
        git(repo.root, "commit", "-qam", "toy-v1.0.0 notes, not a version commit")
    else:
        version_commit(repo, tag, 2)
    if situation == "tagged":
        git(repo.root, "tag", "-a", tag, "-m", "x")
    if situation == "workspace moved on":
        (repo.root / "params.yaml").write_text("n: 3\n")
    latest = versions.Version(1, 0, 0) if situation == "older than latest" else None

    assert release._pending_version(repo, subject(repo), latest) is None


def summary(tag: str, status: str = "unchanged") -> Summary:
    return Summary(dataset=PREFIX, status=status, version="1.0.0", tag=tag)  # type: ignore[arg-type]


def test_unchanged_run_pushes_a_tag_the_git_remote_lacks_and_only_then(repo: Git, tmp_path: Path) -> None:
    origin = tmp_path / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", str(origin)], check=True)
    git(repo.root, "remote", "add", "origin", str(origin))
    git(repo.root, "tag", "-a", "toy-v1.0.0", "-m", "first")

    first, second = summary("toy-v1.0.0"), summary("toy-v1.0.0")
    release.push_to_git(repo, first, enabled=True, progress=lambda _m: None)
    release.push_to_git(repo, second, enabled=True, progress=lambda _m: None)

    assert (first.git_pushed, second.git_pushed) == (True, False)
    assert repo.remote_has_tag("origin", "toy-v1.0.0")
    assert git(repo.root, "ls-remote", "origin", "main").split()[0] == repo.head()


def test_no_push_and_no_remote_push_nothing(repo: Git) -> None:
    result = summary("toy-v1.0.0", "created")
    release.push_to_git(repo, result, enabled=True, progress=lambda _m: None)
    assert not result.git_pushed


def test_messages_record_every_params_change() -> None:
    result = summary("toy-v1.1.0", "created")
    result.reason = "content changed"
    result.params_changes = {"n": [1, 2], "source.url": [None, "https://x"]}

    assert release.commit_message(result).splitlines() == [
        "toy-v1.1.0: content changed",
        "",
        "param n: 1 -> 2",
        "param source.url: None -> https://x",
    ]
    assert "param n: 1 -> 2" in release.tag_message(result).splitlines()


def test_has_changes_sees_tracked_and_untracked_files(repo: Git) -> None:
    assert not repo.has_changes(["params.yaml", "data"])
    (repo.root / "data").mkdir()
    (repo.root / "data" / "new.json").write_text("{}")
    assert repo.has_changes(["params.yaml", "data"])
    assert not repo.has_changes(["params.yaml"])
