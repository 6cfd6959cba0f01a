"""The release path at its git boundary: which HEAD is an unfinished release, when a tag goes to
the git remote, and what a version's messages record. Real git repositories in temp folders."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from data_registry import release
from data_registry.core.errors import TagConflict
from data_registry.core.git import Git
from data_registry.core.summary import Summary
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


@pytest.fixture
def origin(repo: Git, tmp_path: Path) -> Path:
    bare = tmp_path / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True)
    git(repo.root, "remote", "add", "origin", str(bare))
    return bare


def test_a_tag_name_the_git_remote_holds_elsewhere_is_never_reused(repo: Git, origin: Path) -> None:
    git(repo.root, "tag", "-a", "toy-v1.0.0", "-m", "first")
    git(repo.root, "push", "-q", "origin", "main", "toy-v1.0.0")
    tagged = repo.head()
    git(repo.root, "tag", "-d", "toy-v1.0.0")

    release.refuse_reused_tag(repo, "toy-v1.0.0", tagged, enabled=True)  # the same commit comes back
    release.refuse_reused_tag(repo, "toy-v1.1.0", None, enabled=True)  # a new name
    release.refuse_reused_tag(repo, "toy-v1.0.0", None, enabled=False)  # no git remote in play
    with pytest.raises(TagConflict, match=r"toy-v1\.0\.0 already exists on git remote 'origin'"):
        release.refuse_reused_tag(repo, "toy-v1.0.0", None, enabled=True)


def test_an_unchanged_run_refuses_a_remote_tag_on_another_commit(repo: Git, origin: Path) -> None:
    git(repo.root, "tag", "-a", "toy-v1.0.0", "-m", "first")
    git(repo.root, "push", "-q", "origin", "main", "toy-v1.0.0")
    git(repo.root, "tag", "-d", "toy-v1.0.0")
    (repo.root / "params.yaml").write_text("n: 2\n")
    git(repo.root, "commit", "-qam", "moved on")
    git(repo.root, "tag", "-a", "toy-v1.0.0", "-m", "same name, other commit")

    with pytest.raises(TagConflict, match="names another commit"):
        release.push_to_git(repo, summary("toy-v1.0.0"), enabled=True, progress=lambda _m: None)


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
    assert repo.remote_tag_commit("origin", "toy-v1.0.0") == repo.head()
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
