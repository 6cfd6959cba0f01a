"""The release path end to end, in-process and fast: `runner.run` on a one-stage toy registry
(real git, real DVC, a local DVC remote), so each rule of "what makes which version" fails here
in seconds instead of in the e2e suite. The rules come from a mutation pass over runner.py and
release.py: each test kills mutants that the other unit tests let through."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from data_registry import publish, release
from data_registry.commands import runner
from data_registry.core.datasets import Dataset
from data_registry.core.errors import (
    CorruptObject,
    DirtyTree,
    LockBusy,
    ParamsError,
    PublishFailed,
    RemoteError,
    StageFailed,
    StaleStageDeps,
)
from data_registry.core.git import Git
from data_registry.core.summary import Summary
from data_registry.publish.base import PUBLISHED, Report, Served, VersionFacts
from tests.support.repo import git
from tests.support.s3 import BUCKET, running_s3

DS = "toy"
IGNORED = "/.registry/\nruns.log\npublished.log\nfail-publish\n"
PARAMS = "rows: 2\nnote: first  # a metric only\ndtype: int\nspare: 0\nserving:\n  port: 1\n"
DVC_YAML = """\
stages:
  make:
    cmd: python make.py
    deps: [make.py]
    params: [rows, note, dtype, spare]
    outs: [../../data/toy/values.txt]
    metrics:
      - ../../data/toy/metadata.json:
          cache: false
"""
# The stage: values.txt is the data; metadata.json describes it (metrics, schema). It refuses
# to run under any python but the wrapper's: stages need the venv's packages.
MAKE = """\
import json, sys
from pathlib import Path

import yaml

if sys.prefix != WRAPPER_PREFIX:
    sys.exit(f"stage ran under {sys.executable}, not under the wrapper's python")
with Path("runs.log").open("a") as runs:
    runs.write("ran\\n")
params = yaml.safe_load(Path("params.yaml").read_text())
if params["rows"] < 0:
    sys.exit("rows must not be negative")
data = Path("../../data/toy")
data.mkdir(parents=True, exist_ok=True)
(data / "values.txt").write_text("".join(f"{i}\\n" for i in range(params["rows"])))
metadata = {
    "dataset": "toy",
    "source": {},
    "params": {"rows": params["rows"]},
    "schema": {"all": {"columns": {"value": params["dtype"]}}},
    "splits": {"all": params["rows"]},
    "metrics": {"note": params["note"]},
}
(data / "metadata.json").write_text(json.dumps(metadata, sort_keys=True) + "\\n")
"""


class ToyPublisher:
    """A serving target registered for these tests: records the facts it was given in the
    pipeline folder, and fails while a `fail-publish` file is there."""

    name = "toy"

    def __init__(self, dataset: Dataset, settings: object, options: Mapping[str, Any]) -> None:
        self.folder = dataset.pipeline_dir

    def publish(self, facts: VersionFacts) -> Report:
        if (self.folder / "fail-publish").exists():
            raise RuntimeError("the toy target is down")
        with (self.folder / "published.log").open("a") as log:
            log.write(f"--tag {facts.tag} --version {facts.version}\n")
        return Report(self.name, PUBLISHED, "published.log", facts.tag)

    def served(self) -> list[Served]:
        return []


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A committed toy registry whose DVC remote is a folder under its (git-ignored) home."""
    root = tmp_path / "registry"
    files = {
        ".gitignore": IGNORED,
        f"pipelines/{DS}/dvc.yaml": DVC_YAML,
        f"pipelines/{DS}/params.yaml": PARAMS,
        f"pipelines/{DS}/make.py": MAKE.replace("WRAPPER_PREFIX", repr(sys.prefix)),
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    git(root, "init", "-q", "-b", "main")
    from dvc.repo import Repo

    Repo.init(str(root)).close()
    (root / ".dvc" / "config").write_text(
        "[core]\n    remote = local\n    autostage = false\n    analytics = false\n"
        "['remote \"local\"']\n    url = ../.registry/dvc-remote\n"
    )
    git(root, "add", "-A")
    git(root, "commit", "-qm", "toy registry")
    for name in ("DATA_REGISTRY_ENV", "DVC_REMOTE", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    # run() exports these; setting them here makes monkeypatch put them back afterwards.
    monkeypatch.setenv("DATA_REGISTRY_HOME", str(root / ".registry"))
    venv_bin = Path(sys.executable).parent
    monkeypatch.setenv(
        "PATH", os.pathsep.join(d for d in os.environ["PATH"].split(os.pathsep) if Path(d) != venv_bin)
    )
    monkeypatch.setenv("GIT_AUTHOR_NAME", "Registry Test")
    monkeypatch.setenv("GIT_AUTHOR_EMAIL", "test@registry.invalid")
    monkeypatch.setenv("GIT_COMMITTER_NAME", "Registry Test")
    monkeypatch.setenv("GIT_COMMITTER_EMAIL", "test@registry.invalid")
    monkeypatch.chdir(root)  # as the wrapper does: DVC resolves stage paths against the cwd
    yield root


def run(root: Path, *overrides: str, **options: object) -> Summary:
    return runner.run(root, runner.RunRequest(DS, overrides=list(overrides), **options))


def params_text(root: Path) -> str:
    return (root / "pipelines" / DS / "params.yaml").read_text()


def remote_objects(root: Path) -> set[str]:
    remote = root / ".registry" / "dvc-remote"
    return {path.name for path in remote.rglob("*") if path.is_file()} if remote.exists() else set()


def tag_message(root: Path, tag: str) -> str:
    return git(root, "tag", "--list", "--format=%(contents)", tag)


def test_first_then_unchanged_then_changed_content(root: Path) -> None:
    first = run(root)

    repo = Git(root)
    assert (first.status, first.version, first.tag) == ("created", "1.0.0", "toy-v1.0.0")
    assert (first.reason, first.bump, first.previous_tag) == ("first version", None, None)
    assert (
        first.commit == repo.head() and git(root, "log", "-1", "--format=%s") == "toy-v1.0.0: first version"
    )
    assert repo.tags("toy-v*") == ["toy-v1.0.0"]
    digest = first.outs["data/toy/values.txt"]
    assert digest and digest[2:] in remote_objects(root), "a tag exists only if its data is in the remote"
    assert f"out: data/toy/values.txt {digest}" in tag_message(root, "toy-v1.0.0").splitlines()
    assert "environment: embedded defaults" in tag_message(root, "toy-v1.0.0").splitlines()
    assert first.metrics == {"note": "first"} and first.duration_s > 0
    assert repo.status() == [], "the version commit holds everything the run wrote"

    again = run(root)
    assert (again.status, again.version, again.tag) == ("unchanged", "1.0.0", "toy-v1.0.0")
    assert again.reason == "outs identical to the latest tag" and again.commit is None
    assert repo.head() == first.commit and repo.tags("toy-v*") == ["toy-v1.0.0"]

    changed = run(root, "rows=3")
    assert (changed.status, changed.version, changed.previous_tag) == ("created", "1.1.0", "toy-v1.0.0")
    assert (changed.bump, changed.reason) == ("minor", "content changed")
    assert changed.params_changes == {"rows": [2, 3]}
    assert git(root, "log", "-1", "--format=%B").strip().splitlines() == [
        "toy-v1.1.0: content changed",
        "",
        "param rows: 2 -> 3",
    ]
    assert "rows: 3\n" in git(root, "show", "toy-v1.1.0:pipelines/toy/params.yaml")
    assert "previous: toy-v1.0.0" in tag_message(root, "toy-v1.1.0").splitlines()


def test_metadata_only_is_a_patch_schema_a_major_and_a_bump_can_be_forced(root: Path) -> None:
    run(root)

    patch = run(root, "note=second")
    assert (patch.version, patch.bump, patch.reason) == ("1.0.1", "patch", "metadata changed")
    major = run(root, "dtype=str")
    assert (major.version, major.bump, major.reason) == ("2.0.0", "major", "schema changed")
    forced = run(root, "rows=4", bump="major")
    assert (forced.version, forced.bump, forced.reason) == ("3.0.0", "major", "major bump requested")


def test_overrides_that_change_no_out_or_no_stage_reads_leave_nothing_behind(root: Path) -> None:
    run(root)
    before = params_text(root)

    idle = run(root, "spare=1")
    assert (idle.status, idle.version, idle.params_changes) == ("unchanged", "1.0.0", {})
    assert idle.reason.endswith("; the -S overrides changed no out and were rolled back")
    assert params_text(root) == before

    with pytest.raises(ParamsError, match=r"no stage of this pipeline reads 'serving\.port'"):
        run(root, "serving.port=2")
    assert params_text(root) == before and Git(root).status() == []

    # A hand edit that changes no out stays in the tree, and is not reported as part of a version.
    (root / "pipelines" / DS / "params.yaml").write_text(before.replace("spare: 0", "spare: 2"))
    edited = run(root)
    assert (edited.status, edited.params_changes) == ("unchanged", {})


def test_a_stage_running_an_unlisted_helper_script_is_refused_before_anything_runs(root: Path) -> None:
    """DVC would call the stage up to date after the helper changed: the version made next would
    hold the helper's new code beside outs its old code made."""
    run(root)
    pipeline = root / "pipelines" / DS
    (pipeline / "helper.py").write_text("SCALE = 1\n")
    make = pipeline / "make.py"
    make.write_text("import helper\n" + make.read_text())
    git(root, "add", "-A")
    git(root, "commit", "-qm", "make.py uses a helper")
    head, before, runs = Git(root).head(), params_text(root), (pipeline / "runs.log").read_text()

    with pytest.raises(StaleStageDeps) as refused:
        run(root, "rows=3")

    assert refused.value.one_line().startswith(
        "pipelines/toy/dvc.yaml: stage make runs helper.py (imported by make.py) but its deps lack it"
    )
    assert "data-registry deps --write" in refused.value.one_line()
    assert (pipeline / "runs.log").read_text() == runs, "no stage ran"
    assert params_text(root) == before and Git(root).status() == [] and Git(root).head() == head
    assert Git(root).tags("toy-v*") == ["toy-v1.0.0"]


def test_a_failed_stage_puts_params_back_and_tags_nothing(root: Path) -> None:
    run(root)
    before = params_text(root)

    with pytest.raises(StageFailed):
        run(root, "rows=-1")

    assert params_text(root) == before
    assert Git(root).tags("toy-v*") == ["toy-v1.0.0"]


def test_a_version_commit_whose_tag_was_lost_is_tagged_by_the_next_run(root: Path) -> None:
    first = run(root)
    git(root, "tag", "-d", "toy-v1.0.0")

    healed = run(root)

    assert (healed.status, healed.tag, healed.commit) == ("created", "toy-v1.0.0", first.commit)
    assert healed.reason == "first version (HEAD already holds it: tagged without a new commit)"
    assert Git(root).head() == first.commit, "no second commit for the same version"


def test_git_remote_gets_each_tag_once_and_again_when_it_lost_it(root: Path, tmp_path: Path) -> None:
    origin = tmp_path / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", str(origin)], check=True)
    git(root, "remote", "add", "origin", str(origin))

    first = run(root)
    assert first.git_pushed and Git(root).remote_tag_commit("origin", "toy-v1.0.0") == first.commit
    assert git(origin, "rev-parse", "main") == first.commit
    assert not run(root).git_pushed
    assert not run(root, git_push=False).git_pushed

    git(origin, "tag", "-d", "toy-v1.0.0")
    assert run(root).git_pushed and Git(root).remote_tag_commit("origin", "toy-v1.0.0") == first.commit


def test_serving_copies_are_published_for_every_run_and_a_failure_is_an_error(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(publish.PUBLISHERS, "toy", f"{__name__}:ToyPublisher")
    (root / "pipelines" / DS / "serving.yaml").write_text("publishers:\n  toy: {}\n")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "publish serving copies")

    assert run(root).published and run(root).published
    log = (root / "pipelines" / DS / "published.log").read_text().splitlines()
    assert log == ["--tag toy-v1.0.0 --version 1.0.0"] * 2

    (root / "pipelines" / DS / "fail-publish").touch()
    with pytest.raises(PublishFailed, match=r"publishing toy-v1\.0\.0 to toy failed: the toy target is down"):
        run(root)
    # A failure after the tag keeps the files of the version it made: the tree stays clean.
    with pytest.raises(PublishFailed, match=r"publishing toy-v1\.1\.0 to toy failed"):
        run(root, "rows=3")
    assert Git(root).tags("toy-v*") == ["toy-v1.0.0", "toy-v1.1.0"] and Git(root).status() == []


def test_the_repository_lock_admits_one_run_at_a_time(tmp_path: Path) -> None:
    from filelock import FileLock, Timeout

    git(tmp_path, "init", "-q")
    repo, waits = Git(tmp_path), list[str]()
    path = str(repo.common_dir() / release.LOCK_NAME)
    with release.repository_lock(repo, 1, waits.append), pytest.raises(Timeout):
        FileLock(path).acquire(timeout=0)
    after = FileLock(path)
    after.acquire(timeout=0)  # released on exit: the next run gets it at once
    after.release()
    assert waits == []

    held = FileLock(path)
    held.acquire()
    with (
        pytest.raises(LockBusy, match="held for more than 0 s"),
        release.repository_lock(repo, 0.1, waits.append),
    ):
        pass
    held.release()
    assert waits == ["waiting for another run to finish"]


def test_a_snapshot_puts_files_back_and_removes_files_that_were_not_there(tmp_path: Path) -> None:
    kept, absent, never = tmp_path / "params.yaml", tmp_path / "dvc.lock", tmp_path / "plots.csv"
    kept.write_text("n: 1\n")
    snapshot = release.Snapshot.of(kept, absent, never)
    kept.write_text("n: 2\n")
    absent.write_text("stages: {}\n")

    snapshot.restore()

    assert kept.read_text() == "n: 1\n" and not absent.exists() and not never.exists()
    assert not snapshot.committed


def test_a_checkout_without_the_outs_pulls_them_instead_of_recomputing(root: Path) -> None:
    run(root)
    shutil.rmtree(root / ".dvc" / "cache")
    (root / "data" / DS / "values.txt").unlink()

    again = run(root)

    assert (again.status, again.tag) == ("unchanged", "toy-v1.0.0")
    assert (root / "data" / DS / "values.txt").read_text() == "0\n1\n"
    assert (root / "pipelines" / DS / "runs.log").read_text() == "ran\n", "pulled, not recomputed"


def test_outs_the_local_cache_holds_are_checked_out_without_asking_the_remote(root: Path) -> None:
    run(root)
    (root / "data" / DS / "values.txt").unlink()
    # The remote is gone, the cache is whole: nothing needs fetching (nor verifying, since
    # nothing is read back from a remote), so the run neither fails nor recomputes.
    shutil.rmtree(root / ".registry" / "dvc-remote")

    again = run(root)

    assert (again.status, again.tag) == ("unchanged", "toy-v1.0.0")
    assert (root / "data" / DS / "values.txt").read_text() == "0\n1\n"
    assert (root / "pipelines" / DS / "runs.log").read_text() == "ran\n", "checked out, not recomputed"


def parts_pipeline(root: Path, one: str) -> Path:
    """A committed pipeline `parts` with a folder out: `one.txt` (`one` formatted with param n,
    e.g. "one" or "one {n}") and `n.txt`."""
    pipeline = root / "pipelines" / "parts"
    pipeline.mkdir()
    (pipeline / "params.yaml").write_text("n: 1\n")
    (pipeline / "make.py").write_text(
        "import json\nfrom pathlib import Path\nimport yaml\n"
        "n = yaml.safe_load(Path('params.yaml').read_text())['n']\n"
        "out = Path('../../data/parts/all')\nout.mkdir(parents=True, exist_ok=True)\n"
        f"(out / 'one.txt').write_text(f'{one}\\n')\n(out / 'n.txt').write_text(str(n))\n"
        "facts = dict(dataset='parts', source={}, params={}, schema={}, splits={}, metrics={})\n"
        "Path('../../data/parts/metadata.json').write_text(json.dumps(facts))\n"
    )
    (pipeline / "dvc.yaml").write_text(
        "stages:\n  make:\n    cmd: python make.py\n    deps: [make.py]\n    params: [n]\n"
        "    outs: [../../data/parts/all]\n"
        "    metrics:\n      - ../../data/parts/metadata.json:\n          cache: false\n"
    )
    git(root, "add", "-A")
    git(root, "commit", "-qm", "a pipeline with a folder out")
    return pipeline


def test_a_version_reusing_an_object_the_remote_holds_damaged_gets_no_tag(root: Path) -> None:
    """A run pulls the previous outs from the remote and hashes them, even when the local cache
    holds them: a push sends only what the remote lacks, so a new version that reuses a damaged
    object would be tagged on bytes every reader refuses. (Linking the cached objects in to
    skip the download, tried once, let exactly this through.)"""
    pipeline = parts_pipeline(root, "one")
    runner.run(root, runner.RunRequest("parts"))
    shutil.rmtree(root / "data" / "parts" / "all")
    remote = root / ".registry" / "dvc-remote"
    [remote_copy] = [path for path in remote.rglob("*") if path.is_file() and path.read_text() == "one\n"]
    remote_copy.chmod(0o644)
    remote_copy.write_text("tampered\n")

    with pytest.raises(CorruptObject, match=r"corrupt object for data/parts/all/one\.txt"):
        runner.run(root, runner.RunRequest("parts", overrides=["n=2"]))

    assert Git(root).tags("parts-v*") == ["parts-v1.0.0"]
    assert "n: 1\n" in (pipeline / "params.yaml").read_text()


def test_a_folder_file_an_older_version_left_damaged_on_a_local_remote_gets_no_tag(root: Path) -> None:
    """v3 goes back to v1's params: its folder reuses v1's one.txt, damaged on the remote. A local
    remote's existence check hashes the file and drops the damaged copy; `dvc push` then sends
    no file of a folder whose listing the remote holds, and `dvc status` only asks for that
    listing. Every object of the version is checked after the push instead."""
    parts_pipeline(root, "one {n}")
    runner.run(root, runner.RunRequest("parts"))
    runner.run(root, runner.RunRequest("parts", overrides=["n=2"]))
    remote = root / ".registry" / "dvc-remote"
    [remote_copy] = [path for path in remote.rglob("*") if path.is_file() and path.read_text() == "one 1\n"]
    remote_copy.chmod(0o644)
    remote_copy.write_text("tampered\n")

    with pytest.raises(RemoteError) as refused:
        runner.run(root, runner.RunRequest("parts", overrides=["n=1"]))

    assert re.search(
        r"missing data/parts/all/one\.txt .*nothing was tagged .*Repairing a remote", refused.value.one_line()
    )
    assert Git(root).tags("parts-v*") == ["parts-v1.0.0", "parts-v1.1.0"]


def test_a_version_reusing_an_older_versions_damaged_object_gets_no_tag(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """v3 goes back to v1's params, so its out is v1's object. S3 already holds it, so the push
    sends nothing, and the pull only hashed v2's objects: the remote's copy is hashed before the
    tag instead of being trusted because it exists. (A local remote's own existence check hashes
    the file, so DVC re-uploads a damaged one there; S3's only asks for the key.)"""
    with (root / ".dvc" / "config").open("a") as config:
        config.write("['remote \"minio\"']\n    url = s3://dvcstore\n")
    git(root, "commit", "-qam", "an S3 remote")
    with running_s3() as s3:
        for name, value in s3.env().items():
            monkeypatch.setenv(name, value)
        first = run(root)
        run(root, "rows=3")
        digest = first.outs["data/toy/values.txt"]
        s3.client().put_object(Bucket=BUCKET, Key=f"files/md5/{digest[:2]}/{digest[2:]}", Body=b"tampered\n")

        with pytest.raises(CorruptObject, match=r"for data/toy/values\.txt .*nothing was pushed or tagged"):
            run(root, "rows=2")

    assert Git(root).tags("toy-v*") == ["toy-v1.0.0", "toy-v1.1.0"]
    assert "rows: 3\n" in params_text(root) and Git(root).status() == []


def test_the_chosen_dvc_remote_gets_the_data_and_a_bad_one_gets_no_tag(root: Path, tmp_path: Path) -> None:
    not_a_folder = tmp_path / "not-a-folder"
    not_a_folder.write_text("")
    with (root / ".dvc" / "config").open("a") as config:
        config.write(f"['remote \"backup\"']\n    url = {tmp_path / 'backup'}\n")
        config.write(f"['remote \"broken\"']\n    url = {not_a_folder / 'store'}\n")
    git(root, "commit", "-qam", "two more remotes")
    lock = root / "pipelines" / DS / "dvc.lock"

    with pytest.raises(RemoteError, match="unknown DVC remote 'nope'"):
        run(root, remote="nope")
    assert not lock.exists(), "an unknown remote is refused before anything is reproduced"

    with pytest.raises(RemoteError):
        run(root, remote="broken")
    assert Git(root).tags("toy-v*") == []
    assert lock.exists(), "dvc.lock is kept, so the next run does not redo the stages that ran"

    first = run(root, remote="backup")
    assert (first.status, first.remote) == ("created", "backup")
    backup = {path.name for path in (tmp_path / "backup").rglob("*") if path.is_file()}
    assert first.outs["data/toy/values.txt"][2:] in backup
    assert (root / "pipelines" / DS / "runs.log").read_text() == "ran\n"


def test_a_dirty_tree_is_refused_before_anything_runs(root: Path) -> None:
    (root / "pipelines" / DS / "make.py").write_text(MAKE + "# edited\n")

    with pytest.raises(DirtyTree, match=r"pipelines/toy/make\.py"):
        run(root)
    assert Git(root).tags("toy-v*") == [] and not (root / "pipelines" / DS / "dvc.lock").exists()
