"""One path from "outs are ready" to "version published", for datasets and collections alike.

lock → snapshot → outs compared (by the caller) → bump and its reason → push and verify →
commit → tag → git push. Invariant: a tag exists only if every out it names is in the DVC
remote, so the push is verified before the tag is made.

The path heals itself. A crash between the version commit and its tag, or a tag deleted by
hand, leaves a version commit without its tag: the next run finds nothing to commit and tags
HEAD, which holds the same files. A tag made here but never pushed to the git remote is pushed
by the next run, changed or not; a tag name the git remote already holds is never reused.
"""

from __future__ import annotations

import contextlib
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from data_registry.core import dvc as dvc_ops
from data_registry.core import versions
from data_registry.core.errors import LockBusy, TagConflict
from data_registry.core.git import Git
from data_registry.core.summary import Summary
from data_registry.quality import gates

if TYPE_CHECKING:
    from data_registry.core.dvc import Repo

Progress = Callable[[str], None]
LOCK_NAME = "data-registry-run.lock"


@dataclass(frozen=True)
class Subject:
    """What one release versions: a dataset's pipeline or a collection's folder."""

    prefix: str  # the tag prefix: `fashion-mnist`, or `collection-cats`
    push_target: Path  # what `dvc push` sends: the pipeline's dvc.yaml or the collection's .dvc file
    paths: tuple[str, ...]  # repo-relative files the version commit holds

    def latest(self, git: Git) -> tuple[versions.Version | None, str | None]:
        """The newest version of this subject and its tag, or (None, None) before the first."""
        latest = versions.latest(self.prefix, git.tags(versions.tag_pattern(self.prefix)))
        return latest, versions.tag_name(self.prefix, latest) if latest else None


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


@dataclass
class Snapshot:
    """Files as they were before the run, to put back when it introduced a change it could not version."""

    files: dict[Path, bytes | None]
    committed: bool = False
    # Folders the run created (a first run's data/<ds>): DVC drops its .gitignore entries when a
    # stage fails, so the outs of the stages before it would be left untracked.
    new_folders: list[Path] = field(default_factory=list)

    @classmethod
    def of(cls, *paths: Path, new_folders: list[Path] | None = None) -> Snapshot:
        files = {path: path.read_bytes() if path.exists() else None for path in paths}
        return cls(files, new_folders=new_folders or [])

    def restore(self) -> None:
        for path, content in self.files.items():
            if content is None:
                path.unlink(missing_ok=True)
            else:
                path.write_bytes(content)
        for folder in self.new_folders:
            shutil.rmtree(folder, ignore_errors=True)


def publish(
    repo: Repo,
    git: Git,
    subject: Subject,
    summary: Summary,
    bump: versions.Bump,
    snapshot: Snapshot,
    git_push: bool,
    progress: Progress,
    checked: frozenset[str] = frozenset(),
) -> None:
    """Make the next version of `subject` from the workspace: push and verify its outs, commit,
    tag, push commit and tag. `summary` says what the workspace holds and gets the version;
    `checked` names the objects this run already hashed from the remote (`dvc.pull`).

    When HEAD already holds these files (a crash between commit and tag, a tag deleted by hand,
    a commit made by hand), there is nothing to commit and HEAD is tagged: its tree holds exactly
    the lock and params, and the dirty-tree rule means it holds the code that ran. The version
    number always comes from the bump rule, never from a commit message."""
    latest, latest_tag = subject.latest(git)
    version = versions.next_version(latest, bump.part)
    summary.version, summary.tag, summary.previous_tag = (
        str(version),
        versions.tag_name(subject.prefix, version),
        latest_tag,
    )
    summary.bump = bump.part if latest else None
    summary.reason = "first version" if latest is None else bump.reason
    paths = list(subject.paths)
    committed = not git.has_changes(paths)
    if committed:
        summary.reason += " (HEAD already holds it: tagged without a new commit)"
    refuse_reused_tag(git, summary.tag, git.head() if committed else None, git_push)
    progress(f"pushing outs to DVC remote {summary.remote} and verifying them")
    dvc_ops.push(repo, subject.push_target, str(summary.remote), checked)
    summary.commit = git.head() if committed else git.commit(paths, commit_message(summary))
    snapshot.committed = True
    git.create_tag(summary.tag, tag_message(summary))
    summary.status = "created"
    push_to_git(git, summary, git_push, progress)


def refuse_reused_tag(git: Git, tag: str, target: str | None, enabled: bool) -> None:
    """Tags are never reused: a name the git remote already holds on another commit than
    `target` (None: a commit still to be made) would name other bytes than the ones readers
    already got under it. The same commit is a deleted local tag coming back."""
    git_remote = git.push_remote() if enabled else None
    remote_commit = git.remote_tag_commit(git_remote, tag) if git_remote else None
    if remote_commit and remote_commit != target:
        raise TagConflict(
            f"tag {tag} already exists on git remote {git_remote!r} for another commit",
            f"tags are never reused: `git fetch --tags {git_remote}` and rerun",
        )


def push_to_git(git: Git, summary: Summary, enabled: bool, progress: Progress) -> None:
    """Push the branch and `summary.tag` where a git remote is set. A tag made by a run whose push
    failed goes out with the next run; a remote tag of that name on another commit is refused."""
    git_remote = git.push_remote() if enabled else None
    if not git_remote or not summary.tag:
        return
    remote_commit = git.remote_tag_commit(git_remote, summary.tag)
    if remote_commit and remote_commit != git.tag_commit(summary.tag):
        raise TagConflict(
            f"tag {summary.tag} on git remote {git_remote!r} names another commit than here",
            f"tags are immutable: delete the local tag, `git fetch --tags {git_remote}` and rerun",
        )
    if remote_commit:
        return
    progress(f"pushing {summary.tag} to git remote {git_remote}")
    git.push(git_remote, summary.tag)
    summary.git_pushed = True


def commit_message(summary: Summary) -> str:
    changes = "\n".join(f"param {key}: {old} -> {new}" for key, (old, new) in summary.params_changes.items())
    return f"{summary.tag}: {summary.reason}\n\n{changes}".strip()


def tag_message(summary: Summary) -> str:
    """Run facts live here, not in metadata.json, so they never change a dataset hash."""
    lines = [
        f"{summary.tag}: {summary.reason}",
        "",
        f"previous: {summary.previous_tag or 'none'}",
        f"dvc remote: {summary.remote}",
        f"environment: {summary.environment or 'embedded defaults'}",
        f"created: {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}",
        *(f"param {key}: {old} -> {new}" for key, (old, new) in summary.params_changes.items()),
        *gates.tag_lines(summary.gates),
        *(f"out: {path} {digest}" for path, digest in sorted(summary.outs.items())),
    ]
    return "\n".join(lines)
