"""`run`: a dataset's side of the release path: lock → clean tree → complete stage deps →
env → params → pull/repro → compare with the latest tag; `release` takes it from there (bump,
push + verify, commit, immutable tag, git push), then the dataset's serving copies are published.

Anything that fails before the tag leaves the previous version as it was; the
files this run may have written (params.yaml, dvc.lock) are put back when the
run introduced a change it could not version.
"""

from __future__ import annotations

import contextlib
import fnmatch
import json
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from data_registry import release
from data_registry.core import datasets, layout, lockfile, params, settings, stage_deps, versions
from data_registry.core import dvc as dvc_ops
from data_registry.core.datasets import Dataset
from data_registry.core.errors import DirtyTree, GateFailed, PublishFailed
from data_registry.core.git import Git
from data_registry.core.summary import Summary, key_metrics
from data_registry.formats import metadata
from data_registry.publish import serving
from data_registry.publish.base import Publisher, VersionFacts
from data_registry.quality import gates

if TYPE_CHECKING:
    from data_registry.core.dvc import Repo

Progress = release.Progress


@dataclass(frozen=True)
class RunRequest:
    dataset: str
    env_name: str | None = None
    remote: str | None = None
    overrides: list[str] = field(default_factory=list)
    bump: versions.Part | None = None
    git_push: bool = True
    lock_timeout: float = 3600.0
    accept: str | None = None  # publish despite failed quality checks, for this reason


def run(root: Path, request: RunRequest, progress: Progress = lambda _message: None) -> Summary:
    started = time.perf_counter()
    dataset = datasets.get(root, request.dataset)
    dvc_ops.check_pipeline_file(dataset.dvc_yaml, dataset.relative(dataset.dvc_yaml))
    git = Git(root)
    with release.repository_lock(git, request.lock_timeout, progress):
        refuse_dirty_tree(git, dataset)
        stage_deps.refuse_stale(root, dataset.name)
        env = settings.export_environment(root, request.env_name)
        _put_venv_first_on_path()
        with restore_on_failure(dataset) as snapshot:
            summary = _version(dataset, git, env, request, progress, snapshot)
    summary.duration_s = round(time.perf_counter() - started, 3)
    return summary


def _version(
    dataset: Dataset,
    git: Git,
    env: settings.Settings,
    request: RunRequest,
    progress: Progress,
    snapshot: release.Snapshot,
) -> Summary:
    publishers = serving.publishers(dataset, env)
    subject = release.Subject(dataset.name, dataset.dvc_yaml, _versioned_paths(dataset))
    pipeline = dataset.dvc_yaml.read_text()
    params.refuse_unread(
        params.override_keys(dataset.pipeline_dir, request.overrides), lockfile.declared_params(pipeline)
    )
    overrides = params.apply_overrides(dataset.pipeline_dir, request.overrides)
    repo = dvc_ops.open_repo(env)
    remote = request.remote or env.dvc_remote or dvc_ops.default_remote(repo)
    dvc_ops.check_remote(repo, remote)
    latest, latest_tag = subject.latest(git)
    checked = _reproduce(repo, dataset, remote, progress)

    current = lockfile.out_hashes(dataset.lock_file.read_text())
    previous = lockfile.out_hashes(_at_tag(git, latest_tag, dataset.lock_file, dataset))
    change = lockfile.compare(previous, current, lockfile.metadata_outs(pipeline))
    document = metadata.read(dataset.metadata_file)
    previous_params = _at_tag(git, latest_tag, dataset.params_file, dataset)
    summary = Summary(
        dataset=dataset.name,
        status="unchanged",
        version=str(latest) if latest else "",
        tag=latest_tag or "",
        remote=remote,
        environment=env.env_name,
        params_changes={
            key: [old, new]
            for key, (old, new) in params.changes(
                yaml.safe_load(previous_params) if previous_params else None,
                params.load(dataset.pipeline_dir),
            ).items()
        },
        outs={dataset.out_path(path): digest for path, digest in current.items()},
        metrics=key_metrics(document["metrics"]),
    )
    if latest and not change:
        summary.reason = "outs identical to the latest tag"
        summary.params_changes = {}  # no version holds them: nothing changed in what is published
        if overrides:
            snapshot.restore()  # an override that changes no out is not a version
            summary.reason += "; the -S overrides changed no out and were rolled back"
        release.push_to_git(git, summary, request.git_push, progress)
        _publish_serving_copies(publishers, summary, progress)
        return summary

    previous_metadata = _at_tag(git, latest_tag, dataset.metadata_file, dataset)
    previous_document = json.loads(previous_metadata) if previous_metadata else None
    report = gates.check(dataset.name, previous_document, document, request.accept, latest_tag)
    summary.gates, summary.accepted = report.to_dict(), report.accepted
    bump = versions.decide_bump(
        change,
        previous_document.get("schema") if previous_document else None,
        document["schema"],
        request.bump,
    )
    release.publish(repo, git, subject, summary, bump, snapshot, request.git_push, progress, checked)
    _publish_serving_copies(publishers, summary, progress)
    return summary


def _at_tag(git: Git, tag: str | None, path: Path, dataset: Dataset) -> str | None:
    """A versioned file's text at the latest tag; None before the first version."""
    return git.show(tag, dataset.relative(path)) if tag else None


def _reproduce(repo: Repo, dataset: Dataset, remote: str, progress: Progress) -> frozenset[str]:
    """Pull what the previous version produced, then rerun what changed; a no-op when up to date.
    The objects the pull hashed from the remote, which the push need not read again."""
    if dvc_ops.is_up_to_date(repo, dataset.dvc_yaml):
        return frozenset()
    checked: frozenset[str] = frozenset()
    if dataset.lock_file.exists():
        progress(f"pulling the previous outs from {remote}")
        checked = dvc_ops.pull(repo, dataset.dvc_yaml, remote)
    progress(f"reproducing {dataset.name}")
    dvc_ops.reproduce(repo, dataset.dvc_yaml)
    return checked


def _publish_serving_copies(publishers: list[Publisher], summary: Summary, progress: Progress) -> None:
    """Call the publishers the dataset's serving.yaml declares, for the version now current.

    They run on unchanged runs too: publishing is idempotent (skips when the target already
    holds this content), so a lost serving copy comes back on the next run. Run facts reach
    them as arguments, never through params or metadata.
    """
    if not publishers:
        return
    progress(f"publishing serving copies of {summary.tag}")
    facts = VersionFacts(summary.tag, summary.version)
    for publisher in publishers:
        try:
            report = publisher.publish(facts)
        except Exception as error:
            raise PublishFailed(f"publishing {summary.tag} to {publisher.name} failed: {error}") from error
        progress(report.line())
    summary.published = True


def _versioned_paths(dataset: Dataset) -> tuple[str, ...]:
    """What a version commit holds: params, lock, and git-tracked files under data/<ds> (metadata,
    plots, DVC's .gitignore entries); the DVC outs themselves are ignored by git."""
    return tuple(
        dataset.relative(path) for path in (dataset.params_file, dataset.lock_file, dataset.data_dir)
    )


def refuse_dirty_tree(git: Git, dataset: Dataset) -> None:
    blocking = [path for code, path in git.status() if not _run_may_write(code, path, dataset)]
    if blocking:
        shown = ", ".join(blocking[:5]) + (f" and {len(blocking) - 5} more" if len(blocking) > 5 else "")
        raise DirtyTree(f"the working tree has uncommitted changes: {shown}")


def _run_may_write(code: str, path: str, dataset: Dataset) -> bool:
    """Files a run writes itself (any dataset's lock and data folder, this dataset's params)
    may be dirty; untracked files only matter where they could be code of this dataset."""
    if path.startswith("data/") or fnmatch.fnmatch(path, "pipelines/*/dvc.lock"):
        return True
    if path == dataset.relative(dataset.params_file):
        return True
    untracked = code == "??"
    return untracked and not path.startswith(("src/", "scripts/", layout.pipeline_path(dataset.name) + "/"))


@contextlib.contextmanager
def restore_on_failure(dataset: Dataset) -> Iterator[release.Snapshot]:
    snapshot = release.Snapshot.of(
        dataset.params_file,
        dataset.lock_file,
        *_described_data(dataset),
        new_folders=[] if dataset.data_dir.exists() else [dataset.data_dir],
    )
    try:
        yield snapshot
    except BaseException as error:
        # A blocked version leaves the tree as it was, like one whose -S changed params.
        if not snapshot.committed and (_params_changed(snapshot) or isinstance(error, GateFailed)):
            snapshot.restore()
        raise


def _described_data(dataset: Dataset) -> list[Path]:
    """metadata.json, metrics.json and plots data: a blocked version puts them back too."""
    folder = dataset.data_dir / "plots"
    plots = sorted(path for path in folder.iterdir() if path.is_file()) if folder.is_dir() else []
    return [dataset.metadata_file, dataset.data_dir / metadata.METRICS_FILE, *plots]


def _params_changed(snapshot: release.Snapshot) -> bool:
    """Put files back only when -S changed params: otherwise dvc.lock matches the workspace
    and keeping it lets the next run skip the stages that already succeeded."""
    return any(
        path.name == params.PARAMS_FILE and path.read_bytes() != content
        for path, content in snapshot.files.items()
    )


def _put_venv_first_on_path() -> None:
    """Stage commands say `python`: make that the interpreter running the wrapper."""
    bin_dir = str(Path(sys.executable).parent)
    if os.environ.get("PATH", "").split(os.pathsep)[0] != bin_dir:
        os.environ["PATH"] = f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"
