"""Raw image collections, versioned on their own: `data-registry add-collection <name> <folder>`.

A collection is a folder of files under `data/collections/<name>`, tracked by a
`.dvc` file and tagged `collection-<name>-vX.Y.Z` with the same rules as datasets:
the data is pushed and verified before the tag exists, tags are never moved, and
adding the same content again makes no tag (the release path, `release`, does all of that).
Processed datasets pin a tag and pull it in with `collection_pins.fetch`, so a collection
can move on without changing any dataset built from an earlier version.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

from data_registry import release
from data_registry.core import datasets, layout, lockfile, settings, versions
from data_registry.core import dvc as dvc_ops
from data_registry.core.atomic import atomic_dir
from data_registry.core.git import Git
from data_registry.core.summary import Summary
from data_registry.sources import collection_folder

COLLECTIONS_DIR = Path(layout.COLLECTIONS)
TAG_PREFIX = layout.COLLECTION_TAG_PREFIX
# Copies are staged where git never looks (DVC's own ignored tmp folder, same file system as the
# target), so a copy killed half-way leaves nothing untracked in the working tree.
STAGING_DIR = Path(".dvc") / "tmp" / "collections"


@dataclass(frozen=True)
class AddRequest:
    name: str
    folder: Path
    env_name: str | None = None
    remote: str | None = None
    bump: versions.Part | None = None
    git_push: bool = True
    lock_timeout: float = 3600.0


def tag_prefix(name: str) -> str:
    """`cats` -> `collection-cats`: the "dataset" part of `collection-cats-v1.0.0`."""
    return layout.collection_tag_name(datasets.validate_collection_name(name))


def add(root: Path, request: AddRequest, progress: release.Progress = lambda _message: None) -> Summary:
    started = time.perf_counter()
    prefix = tag_prefix(request.name)
    source, files = collection_folder.regular_files(request.folder)
    target = root / COLLECTIONS_DIR / request.name
    git = Git(root)
    new_collection = not target.with_suffix(".dvc").exists()
    with release.repository_lock(git, request.lock_timeout, progress), _terminate_as_exit():
        env = settings.export_environment(root, request.env_name)
        # On failure the .dvc file goes back to the tagged version; `dvc checkout` restores the folder.
        # A new collection's folder is tracked by nothing until the commit: removed on failure.
        snapshot = release.Snapshot.of(
            target.with_suffix(".dvc"),
            target.parent / ".gitignore",
            new_folders=[target] if new_collection else [],
        )
        try:
            summary = _version(root, request, (source, files), target, prefix, git, env, snapshot, progress)
        except BaseException:
            if not snapshot.committed:
                snapshot.restore()
            raise
    summary.duration_s = round(time.perf_counter() - started, 3)
    return summary


def _version(
    root: Path,
    request: AddRequest,
    listed: tuple[Path, list[Path]],
    target: Path,
    prefix: str,
    git: Git,
    env: settings.Settings,
    snapshot: release.Snapshot,
    progress: release.Progress,
) -> Summary:
    repo = dvc_ops.open_repo(env)
    remote = request.remote or env.dvc_remote or dvc_ops.default_remote(repo)
    dvc_ops.check_remote(repo, remote)
    source, listing = listed
    if source != target.resolve():
        progress(f"copying {len(listing)} files from {source} to {target.relative_to(root)}")
        with atomic_dir(target, staging_parent=root / STAGING_DIR) as staging:
            collection_folder.copy_files(source, listing, staging)
    digest = dvc_ops.add(repo, target)
    dvc_file = target.with_suffix(".dvc").relative_to(root).as_posix()
    subject = release.Subject(
        prefix, target.with_suffix(".dvc"), (dvc_file, (COLLECTIONS_DIR / ".gitignore").as_posix())
    )
    latest, latest_tag = subject.latest(git)
    summary = Summary(
        dataset=prefix,
        status="unchanged",
        version=str(latest or ""),
        tag=latest_tag or "",
        remote=remote,
        environment=env.env_name,
        outs={target.relative_to(root).as_posix(): digest},
        metrics={"files": sum(1 for path in target.rglob("*") if path.is_file())},
    )
    if latest_tag and _tagged_digest(git, latest_tag, dvc_file) == digest:
        summary.reason = "same content as the latest tag"
        release.push_to_git(git, summary, request.git_push, progress)
        return summary
    change = lockfile.OutsChange(content=[dvc_file])
    bump = versions.decide_bump(change, None, None, request.bump)
    release.publish(repo, git, subject, summary, bump, snapshot, request.git_push, progress)
    return summary


@contextlib.contextmanager
def _terminate_as_exit() -> Iterator[None]:
    """SIGTERM (a CI cancel, `kill`) unwinds like Ctrl-C, so the clean-up in `add` runs;
    Python's default would end the process on the spot and leave the copy behind."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def _exit(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, _exit)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _tagged_digest(git: Git, tag: str, dvc_file: str) -> str | None:
    text = git.show(tag, dvc_file)
    outs = (yaml.safe_load(text) or {}).get("outs") if text else None
    return str(outs[0].get("md5")) if outs else None
