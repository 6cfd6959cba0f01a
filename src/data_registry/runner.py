"""The run_pipeline contract (DESIGN.md): lock → clean tree → env → params → pull/repro →
compare with the latest tag → push + verify → commit + immutable tag → git push.

Anything that fails before the tag leaves the previous version as it was; the
files this run may have written (params.yaml, dvc.lock) are put back when the
run introduced a change it could not version.
"""

from __future__ import annotations

import contextlib
import fnmatch
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from data_registry import datasets, gates, lockfile, metadata, params, settings, versions
from data_registry import dvc as dvc_ops
from data_registry.datasets import Dataset
from data_registry.errors import DirtyTree, GateFailed, LockBusy, PublishFailed
from data_registry.git import Git
from data_registry.summary import Summary, key_metrics

if TYPE_CHECKING:
    from dvc.repo import Repo

Progress = Callable[[str], None]
LOCK_NAME = "data-registry-run.lock"


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
    git = Git(root)
    with repository_lock(git, request.lock_timeout, progress):
        refuse_dirty_tree(git, dataset)
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
    snapshot: Snapshot,
) -> Summary:
    overrides = params.apply_overrides(dataset.pipeline_dir, request.overrides)
    repo = dvc_ops.open_repo(env)
    remote = request.remote or env.dvc_remote or dvc_ops.default_remote(repo)
    dvc_ops.check_remote(repo, remote)
    latest = versions.latest(dataset.name, git.tags(versions.tag_pattern(dataset.name)))
    latest_tag = versions.tag_name(dataset.name, latest) if latest else None
    _reproduce(repo, dataset, remote, progress)

    current = lockfile.out_hashes(dataset.lock_file.read_text())
    previous = lockfile.out_hashes(
        git.show(latest_tag, dataset.relative(dataset.lock_file)) if latest_tag else None
    )
    change = lockfile.compare(previous, current, lockfile.metadata_outs(dataset.dvc_yaml.read_text()))
    document = metadata.read(dataset.metadata_file)
    summary = Summary(
        dataset=dataset.name,
        status="unchanged",
        version=str(latest) if latest else "",
        tag=latest_tag or "",
        remote=remote,
        environment=env.env_name,
        params_overrides=overrides,
        outs={dataset.out_path(path): digest for path, digest in current.items()},
        metrics=key_metrics(document["metrics"]),
    )
    if latest and not change:
        if overrides:
            snapshot.restore()  # an override that changes no out is not a version
        summary.reason = "outs identical to the latest tag"
        _publish_serving_copies(dataset, summary, progress)
        return summary

    previous_document = _tag_metadata(git, dataset, latest_tag)
    report = gates.check(dataset.name, previous_document, document, request.accept, latest_tag)
    summary.gates, summary.accepted = report.to_dict(), report.accepted
    part = _bump_part(dataset, git, latest_tag, change, document, request.bump)
    version = versions.next_version(latest, part)
    summary.version, summary.tag, summary.previous_tag = (
        str(version),
        versions.tag_name(dataset.name, version),
        latest_tag,
    )
    summary.bump = part if latest else None
    summary.reason = "first version" if latest is None else _describe(part, request.bump)
    progress(f"pushing outs to DVC remote {remote} and verifying them")
    dvc_ops.push(repo, dataset.dvc_yaml, remote)
    _commit_and_tag(dataset, git, summary, snapshot)
    publish_tag(git, summary, request.git_push, progress)
    summary.status = "created"
    _publish_serving_copies(dataset, summary, progress)
    return summary


def _reproduce(repo: Repo, dataset: Dataset, remote: str, progress: Progress) -> None:
    """Pull what the previous version produced, then rerun what changed; a no-op when up to date."""
    if dvc_ops.is_up_to_date(repo, dataset.dvc_yaml):
        return
    if dataset.lock_file.exists():
        progress(f"pulling the previous outs from {remote}")
        dvc_ops.pull(repo, dataset.dvc_yaml, remote)
    progress(f"reproducing {dataset.name}")
    dvc_ops.reproduce(repo, dataset.dvc_yaml)


def _commit_and_tag(dataset: Dataset, git: Git, summary: Summary, snapshot: Snapshot) -> None:
    overrides = "\n".join(f"-S {key}={value}" for key, value in summary.params_overrides.items())
    summary.commit = git.commit(
        _versioned_paths(dataset), f"{summary.tag}: {summary.reason}\n\n{overrides}".strip()
    )
    snapshot.committed = True
    git.create_tag(summary.tag, tag_message(summary))


def publish_tag(git: Git, summary: Summary, enabled: bool, progress: Progress) -> None:
    git_remote = git.push_remote() if enabled else None
    if git_remote:
        progress(f"pushing {summary.tag} to git remote {git_remote}")
        git.push(git_remote, summary.tag)
        summary.git_pushed = True


def _publish_serving_copies(dataset: Dataset, summary: Summary, progress: Progress) -> None:
    """Run the pipeline's optional `scripts/publish.py` for the version now current.

    It runs on unchanged runs too: publishing must be idempotent (skip when the target
    already holds this content hash), so a lost serving copy comes back on the next run.
    Run facts reach it as arguments, never through params or metadata.
    """
    if not dataset.publish_script.is_file():
        return
    progress(f"publishing serving copies of {summary.tag}")
    command = [sys.executable, "scripts/publish.py", "--tag", summary.tag, "--version", summary.version]
    if subprocess.run(command, cwd=dataset.pipeline_dir).returncode != 0:
        raise PublishFailed(f"publishing {summary.tag} failed")
    summary.published = True


def _bump_part(
    dataset: Dataset,
    git: Git,
    latest_tag: str | None,
    change: lockfile.OutsChange,
    document: dict,
    forced: versions.Part | None,
) -> versions.Part:
    if forced:
        return forced
    previous_text = git.show(latest_tag, dataset.relative(dataset.metadata_file)) if latest_tag else None
    previous_schema = json.loads(previous_text).get("schema") if previous_text else None
    schema_changed = previous_schema is not None and _columns(previous_schema) != _columns(document["schema"])
    return versions.bump_part(change, schema_changed)


def _tag_metadata(git: Git, dataset: Dataset, tag: str | None) -> dict | None:
    text = git.show(tag, dataset.relative(dataset.metadata_file)) if tag else None
    return json.loads(text) if text else None


def _columns(schema: dict) -> dict:
    """Column names and types per split: the part of the schema consumers' code depends on."""
    return {split: section.get("columns") for split, section in schema.items()}


def _describe(part: versions.Part, forced: versions.Part | None) -> str:
    if forced:
        return f"{part} bump requested"
    return {"major": "schema changed", "minor": "content changed", "patch": "metadata changed"}[part]


def _versioned_paths(dataset: Dataset) -> list[str]:
    """What a version commit holds: params, lock, and git-tracked files under data/<ds> (metadata,
    plots, DVC's .gitignore entries); the DVC outs themselves are ignored by git."""
    return [dataset.relative(path) for path in (dataset.params_file, dataset.lock_file, dataset.data_dir)]


def tag_message(summary: Summary) -> str:
    """Run facts live here, not in metadata.json, so they never change a dataset hash."""
    lines = [
        f"{summary.tag}: {summary.reason}",
        "",
        f"previous: {summary.previous_tag or 'none'}",
        f"dvc remote: {summary.remote}",
        f"environment: {summary.environment or 'embedded defaults'}",
        f"created: {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}",
        *(f"override: {key}={value}" for key, value in summary.params_overrides.items()),
        *gates.tag_lines(summary.gates),
        *(f"out: {path} {digest}" for path, digest in sorted(summary.outs.items())),
    ]
    return "\n".join(lines)


@contextlib.contextmanager
def repository_lock(git: Git, timeout: float, progress: Progress) -> Iterator[None]:
    """One run per repository at a time, so two runs can never pick the same next tag."""
    from filelock import FileLock, Timeout

    lock = FileLock(str(git.common_dir() / LOCK_NAME))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        progress("waiting for another run to finish")
        try:
            lock.acquire(timeout=timeout)
        except Timeout as error:
            raise LockBusy(f"the repository lock was held for more than {timeout:.0f} s") from error
    try:
        yield
    finally:
        lock.release()


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
    return untracked and not path.startswith(("src/", "scripts/", f"pipelines/{dataset.name}/"))


@dataclass
class Snapshot:
    """params.yaml and dvc.lock as they were before the run, to put back on failure."""

    files: dict[Path, bytes | None]
    committed: bool = False

    def restore(self) -> None:
        for path, content in self.files.items():
            if content is None:
                path.unlink(missing_ok=True)
            else:
                path.write_bytes(content)


@contextlib.contextmanager
def restore_on_failure(dataset: Dataset) -> Iterator[Snapshot]:
    files = {
        path: path.read_bytes() if path.exists() else None
        for path in (dataset.params_file, dataset.lock_file, dataset.metadata_file, *_plots(dataset))
    }
    snapshot = Snapshot(files)
    try:
        yield snapshot
    except BaseException as error:
        # A blocked version leaves the tree as it was, like one whose -S changed params.
        if not snapshot.committed and (_params_changed(snapshot) or isinstance(error, GateFailed)):
            snapshot.restore()
        raise


def _plots(dataset: Dataset) -> list[Path]:
    folder = dataset.data_dir / "plots"
    return sorted(path for path in folder.iterdir() if path.is_file()) if folder.is_dir() else []


def _params_changed(snapshot: Snapshot) -> bool:
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
