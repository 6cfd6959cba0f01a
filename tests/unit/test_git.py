"""data_registry.core.git in real temporary repositories: status, show, scoped commits, immutable
annotated tags, the push remote, atomic pushes and the fallback identity."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from data_registry.core.errors import GitError, TagConflict
from data_registry.core.git import Git

IDENTITY_VARIABLES = (
    "GIT_AUTHOR_NAME",
    "GIT_AUTHOR_EMAIL",
    "GIT_COMMITTER_NAME",
    "GIT_COMMITTER_EMAIL",
    "EMAIL",
)
LOCATION_VARIABLES = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_CONFIG_GLOBAL", "XDG_CONFIG_HOME")


@pytest.fixture(autouse=True)
def isolated_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No user, system or inherited git configuration and no identity from the environment."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for name in (*IDENTITY_VARIABLES, *LOCATION_VARIABLES):
        monkeypatch.delenv(name, raising=False)


def sh(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout.strip()


def init(path: Path, *, identity: bool = True) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    sh(path, "init", "-q", "-b", "main")
    if identity:
        sh(path, "config", "user.name", "Registry Test")
        sh(path, "config", "user.email", "test@registry.invalid")
    return path


def write(repo: Path, name: str, text: str) -> None:
    path = repo / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository with one commit holding a pipeline's params, a script and a README."""
    repo = init(tmp_path / "repo")
    write(repo, "pipelines/ds/params.yaml", "seed: 1\n")
    write(repo, "pipelines/ds/scripts/process.py", "print('process')\n")
    write(repo, "README.md", "registry\n")
    write(repo, ".gitignore", "/ignored/\n")
    sh(repo, "add", "-A")
    sh(repo, "commit", "-q", "-m", "initial")
    return repo


def test_status_of_a_clean_tree_is_empty(repo: Path) -> None:
    assert Git(repo).status() == []


def test_status_lists_modified_untracked_staged_and_deleted_paths(repo: Path) -> None:
    write(repo, "pipelines/ds/params.yaml", "seed: 2\n")
    write(repo, "notes/todo.txt", "x\n")
    write(repo, "staged.txt", "y\n")
    sh(repo, "add", "staged.txt")
    (repo / "README.md").unlink()

    assert sorted(Git(repo).status(), key=lambda entry: entry[1]) == [
        (" D", "README.md"),
        ("??", "notes/todo.txt"),
        (" M", "pipelines/ds/params.yaml"),
        ("A ", "staged.txt"),
    ]


def test_status_lists_each_untracked_file_inside_a_new_folder(repo: Path) -> None:
    write(repo, "src/new/a.py", "")
    write(repo, "src/new/b.py", "")

    assert sorted(Git(repo).status()) == [("??", "src/new/a.py"), ("??", "src/new/b.py")]


def test_status_leaves_out_ignored_files(repo: Path) -> None:
    write(repo, "ignored/cache.bin", "x")

    assert Git(repo).status() == []


def test_status_keeps_unusual_file_names_unquoted(repo: Path) -> None:
    write(repo, "data/with space/ünïcode.txt", "x")

    assert Git(repo).status() == [("??", "data/with space/ünïcode.txt")]


def test_status_of_a_rename_names_both_the_new_and_the_old_path(repo: Path) -> None:
    (repo / "docs").mkdir()
    sh(repo, "mv", "README.md", "docs/README.md")
    write(repo, "zz-untracked.txt", "after the rename in git's output\n")

    status = Git(repo).status()

    assert ("R ", "docs/README.md") in status
    assert ("R ", "README.md") in status, "moving code away is a change of the code"
    assert ("??", "zz-untracked.txt") in status
    assert len(status) == 3


def test_show_returns_the_file_text_at_a_revision(repo: Path) -> None:
    first = sh(repo, "rev-parse", "HEAD")
    write(repo, "pipelines/ds/params.yaml", "seed: 2\n")
    sh(repo, "commit", "-q", "-am", "seed 2")

    git = Git(repo)
    assert git.show(first, "pipelines/ds/params.yaml") == "seed: 1\n"
    assert git.show("HEAD", "pipelines/ds/params.yaml") == "seed: 2\n"


def test_show_returns_none_for_a_missing_path(repo: Path) -> None:
    assert Git(repo).show("HEAD", "pipelines/ds/dvc.lock") is None


def test_show_returns_none_for_a_missing_revision(repo: Path) -> None:
    assert Git(repo).show("ds-v9.9.9", "pipelines/ds/params.yaml") is None


def test_commit_commits_only_the_given_paths_and_leaves_other_staged_files(repo: Path) -> None:
    write(repo, "pipelines/ds/params.yaml", "seed: 2\n")
    write(repo, "other.txt", "staged but not part of the version\n")
    sh(repo, "add", "other.txt")

    commit = Git(repo).commit(["pipelines/ds/params.yaml"], "ds-v1.0.0: first version")

    assert commit == sh(repo, "rev-parse", "HEAD")
    assert sh(repo, "show", "--name-only", "--format=%s", "HEAD").splitlines() == [
        "ds-v1.0.0: first version",
        "",
        "pipelines/ds/params.yaml",
    ]
    assert Git(repo).status() == [("A ", "other.txt")]


def test_commit_adds_new_and_removes_deleted_files_under_a_given_folder(repo: Path) -> None:
    write(repo, "data/ds/metadata.json", "{}\n")
    write(repo, "data/ds/.gitignore", "/processed\n")
    sh(repo, "add", "data/ds")
    sh(repo, "commit", "-q", "-m", "data")
    (repo / "data/ds/metadata.json").unlink()
    write(repo, "data/ds/plots/counts.csv", "class,count\n")
    write(repo, "unrelated.txt", "untracked elsewhere\n")

    Git(repo).commit(["data/ds"], "version")

    assert sh(repo, "ls-tree", "-r", "--name-only", "HEAD", "data/ds").splitlines() == [
        "data/ds/.gitignore",
        "data/ds/plots/counts.csv",
    ]
    assert Git(repo).status() == [("??", "unrelated.txt")]


def test_create_tag_makes_an_annotated_tag_on_head_with_the_message(repo: Path) -> None:
    git = Git(repo)

    git.create_tag("ds-v1.0.0", "ds-v1.0.0: first version\n\nout: processed abc.dir")

    assert sh(repo, "cat-file", "-t", "ds-v1.0.0") == "tag"
    assert sh(repo, "rev-parse", "ds-v1.0.0^{commit}") == git.head()
    assert sh(repo, "tag", "-l", "--format=%(contents)", "ds-v1.0.0") == (
        "ds-v1.0.0: first version\n\nout: processed abc.dir"
    )
    assert git.tags("ds-v*") == ["ds-v1.0.0"]


def test_create_tag_refuses_an_existing_tag_and_does_not_move_it(repo: Path) -> None:
    git = Git(repo)
    git.create_tag("ds-v1.0.0", "first")
    tagged = sh(repo, "rev-parse", "ds-v1.0.0^{commit}")
    write(repo, "README.md", "changed\n")
    git.commit(["README.md"], "later")

    with pytest.raises(TagConflict, match=r"ds-v1\.0\.0 already exists"):
        git.create_tag("ds-v1.0.0", "second")

    assert sh(repo, "rev-parse", "ds-v1.0.0^{commit}") == tagged
    assert sh(repo, "tag", "-l", "--format=%(contents)", "ds-v1.0.0") == "first"


def test_tags_lists_only_those_matching_the_pattern(repo: Path) -> None:
    for name in ("ds-v1.0.0", "ds-v1.1.0", "other-v1.0.0"):
        sh(repo, "tag", name)

    assert sorted(Git(repo).tags("ds-v*")) == ["ds-v1.0.0", "ds-v1.1.0"]


def test_push_remote_is_none_without_remotes(repo: Path) -> None:
    assert Git(repo).push_remote() is None


def test_push_remote_is_the_only_remote_whatever_its_name(repo: Path) -> None:
    sh(repo, "remote", "add", "backup", "/nonexistent/backup.git")

    assert Git(repo).push_remote() == "backup"


def test_push_remote_prefers_origin_among_several(repo: Path) -> None:
    sh(repo, "remote", "add", "backup", "/nonexistent/backup.git")
    sh(repo, "remote", "add", "origin", "/nonexistent/origin.git")
    sh(repo, "remote", "add", "zebra", "/nonexistent/zebra.git")

    assert Git(repo).push_remote() == "origin"


def test_push_remote_is_none_for_several_remotes_without_origin(repo: Path) -> None:
    sh(repo, "remote", "add", "backup", "/nonexistent/backup.git")
    sh(repo, "remote", "add", "mirror", "/nonexistent/mirror.git")

    assert Git(repo).push_remote() is None


@pytest.fixture
def bare(tmp_path: Path, repo: Path) -> Path:
    """A bare remote `origin` of `repo`, holding nothing yet."""
    bare = tmp_path / "remote.git"
    sh(tmp_path, "init", "-q", "--bare", str(bare))
    sh(repo, "remote", "add", "origin", str(bare))
    return bare


def test_push_sends_the_branch_and_the_annotated_tag(repo: Path, bare: Path) -> None:
    git = Git(repo)
    write(repo, "pipelines/ds/params.yaml", "seed: 2\n")
    commit = git.commit(["pipelines/ds/params.yaml"], "ds-v1.0.0: first version")
    git.create_tag("ds-v1.0.0", "first version")

    git.push("origin", "ds-v1.0.0")

    assert sh(bare, "rev-parse", "refs/heads/main") == commit
    assert sh(bare, "cat-file", "-t", "refs/tags/ds-v1.0.0") == "tag"
    assert sh(bare, "rev-parse", "refs/tags/ds-v1.0.0^{commit}") == commit


def test_push_is_atomic_a_rejected_tag_leaves_the_remote_branch_untouched(repo: Path, bare: Path) -> None:
    git = Git(repo)
    git.create_tag("ds-v1.0.0", "first version")
    git.push("origin", "ds-v1.0.0")
    published = sh(bare, "rev-parse", "refs/heads/main")
    # Someone else's ds-v1.0.0 is on the remote; locally the same name now points elsewhere.
    sh(repo, "tag", "-d", "ds-v1.0.0")
    write(repo, "README.md", "changed\n")
    git.commit(["README.md"], "a competing version")
    git.create_tag("ds-v1.0.0", "competing")

    with pytest.raises(GitError, match="git push"):
        git.push("origin", "ds-v1.0.0")

    assert sh(bare, "rev-parse", "refs/heads/main") == published
    assert sh(bare, "rev-parse", "refs/tags/ds-v1.0.0^{commit}") == published


def test_push_from_a_detached_head_sends_only_the_tag(repo: Path, bare: Path) -> None:
    sh(repo, "checkout", "-q", "--detach")
    git = Git(repo)
    assert git.branch() is None
    git.create_tag("ds-v1.0.0", "detached")

    git.push("origin", "ds-v1.0.0")

    assert sh(bare, "for-each-ref", "--format=%(refname)").splitlines() == ["refs/tags/ds-v1.0.0"]


def test_branch_names_the_checked_out_branch(repo: Path) -> None:
    assert Git(repo).branch() == "main"


def test_run_raises_git_error_with_the_last_line_of_stderr(repo: Path) -> None:
    with pytest.raises(GitError, match=r"`git rev-parse --verify no-such-rev` failed: .*Needed a single"):
        Git(repo).run("rev-parse", "--verify", "no-such-rev")


def test_run_without_check_returns_output_of_a_failing_command(repo: Path) -> None:
    assert Git(repo).run("config", "no.such-key", check=False) == ""


def test_common_dir_is_the_absolute_git_folder(repo: Path) -> None:
    assert Git(repo).common_dir() == (repo / ".git").resolve()


def test_fallback_identity_is_used_when_no_user_email_is_configured(tmp_path: Path) -> None:
    repo = init(tmp_path / "bare-machine", identity=False)
    write(repo, "a.txt", "a\n")
    no_email = subprocess.run(["git", "config", "user.email"], cwd=repo, capture_output=True, text=True)
    assert no_email.returncode == 1  # precondition: no identity at any level
    git = Git(repo)

    git.commit(["a.txt"], "first")
    git.create_tag("ds-v1.0.0", "first version")

    assert sh(repo, "log", "-1", "--format=%an <%ae>|%cn <%ce>") == (
        "data-registry <data-registry@localhost>|data-registry <data-registry@localhost>"
    )
    assert sh(repo, "tag", "-l", "--format=%(taggername) %(taggeremail)", "ds-v1.0.0") == (
        "data-registry <data-registry@localhost>"
    )
    assert "user." not in sh(repo, "config", "--list", "--local")  # nothing written to the config


def test_configured_identity_wins_over_the_fallback(repo: Path) -> None:
    write(repo, "a.txt", "a\n")

    Git(repo).commit(["a.txt"], "mine")

    assert sh(repo, "log", "-1", "--format=%an <%ae>") == "Registry Test <test@registry.invalid>"


def test_identity_from_git_env_variables_wins_over_the_fallback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = init(tmp_path / "ci", identity=False)
    write(repo, "a.txt", "a\n")
    monkeypatch.setenv("GIT_AUTHOR_NAME", "CI Bot")
    monkeypatch.setenv("GIT_AUTHOR_EMAIL", "ci@registry.invalid")
    monkeypatch.setenv("GIT_COMMITTER_NAME", "CI Bot")
    monkeypatch.setenv("GIT_COMMITTER_EMAIL", "ci@registry.invalid")

    Git(repo).commit(["a.txt"], "from CI")

    assert sh(repo, "log", "-1", "--format=%an <%ae>") == "CI Bot <ci@registry.invalid>"
