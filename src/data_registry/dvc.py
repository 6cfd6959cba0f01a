"""The only place that drives DVC, in-process through its Python API.

In-process keeps a no-op run cheap (one import, one status) and lets the
environment override remotes without touching `.dvc/config`: the local remote
follows DATA_REGISTRY_HOME and S3 remotes follow AWS_ENDPOINT_URL.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from data_registry.errors import RegistryError, RemoteError, StageFailed
from data_registry.settings import Settings

if TYPE_CHECKING:
    from dvc.repo import Repo

LOCAL_REMOTE = "local"


def config_overrides(settings: Settings, remotes: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Environment values that must win over the committed remote settings."""
    overrides: dict[str, dict[str, Any]] = {}
    if LOCAL_REMOTE in remotes and settings.home != (settings.root / ".registry").resolve():
        overrides[LOCAL_REMOTE] = {"url": str(settings.local_remote_dir)}
    if settings.aws_endpoint_url:
        for name, remote in remotes.items():
            if str(remote.get("url", "")).startswith("s3://"):
                overrides[name] = {"endpointurl": settings.aws_endpoint_url}
    return {"remote": overrides} if overrides else {}


def open_repo(settings: Settings) -> Repo:
    from dvc.config import Config
    from dvc.repo import Repo

    committed = Config(dvc_dir=str(settings.root / ".dvc"))
    repo = Repo(str(settings.root), config=config_overrides(settings, dict(committed["remote"])))
    repo.scm_context.quiet = True  # the runner commits what DVC would tell the user to `git add`
    return repo


def default_remote(repo: Repo) -> str:
    name = repo.config["core"].get("remote")
    if not name:
        raise RemoteError("no DVC remote chosen", "pass --remote, set DVC_REMOTE, or set core.remote")
    return str(name)


def check_remote(repo: Repo, remote: str) -> None:
    if remote not in repo.config["remote"]:
        known = ", ".join(sorted(repo.config["remote"])) or "none"
        raise RemoteError(f"unknown DVC remote {remote!r} (configured: {known})", "pick one of those")


def is_up_to_date(repo: Repo, target: Path) -> bool:
    """True when every stage's deps and outs match dvc.lock: nothing to pull or rerun."""
    return not repo.status(targets=[str(target)])


def pull(repo: Repo, target: Path, remote: str) -> None:
    """Fetch the previous version's outs; objects absent from the remote are rebuilt by repro."""
    try:
        repo.pull(targets=[str(target)], remote=remote, allow_missing=True)
    except Exception as error:  # network and credential errors surface as many types
        raise RemoteError(f"pull from DVC remote {remote!r} failed: {_reason(error)}") from error


def reproduce(repo: Repo, target: Path) -> None:
    from dvc.exceptions import DvcException

    try:
        # run_cache=False: DVC's run-cache key drops every key named `size` or `nfiles` at any
        # depth, params included (dvc#10296, fix in PR dvc#11079, unmerged as of DVC 3.67), so
        # `-S chunking.size=500` would restore the outs recorded for another size. Drop this
        # once a DVC release keys the run cache on all params.
        repo.reproduce(targets=[str(target)], run_cache=False)
    except DvcException as error:
        raise StageFailed(f"pipeline {target.parent.name} failed: {_reason(error)}") from error


def push(repo: Repo, target: Path, remote: str) -> None:
    """Push the outs, then check the remote really holds every object (push does not verify)."""
    try:
        repo.push(targets=[str(target)], remote=remote)
        missing = repo.status(targets=[str(target)], cloud=True, remote=remote)
    except Exception as error:  # network and credential errors surface as many types
        raise RemoteError(f"push to DVC remote {remote!r} failed: {_reason(error)}") from error
    if missing:
        raise RemoteError(f"DVC remote {remote!r} is missing {sorted(missing)} after push")


def add(repo: Repo, path: Path) -> str:
    """`dvc add` a folder (writes `<path>.dvc` and the .gitignore entry); the md5 of its content."""
    from dvc.exceptions import DvcException

    try:
        stages = repo.add(str(path))
    except DvcException as error:
        raise RegistryError(
            f"dvc add {path.name} failed: {_reason(error)}", "fix the cause and rerun; nothing was tagged"
        ) from error
    return str(stages[0].outs[0].hash_info.value)


def get(settings: Settings, url: str, path: str, rev: str, out: Path, remote: str | None = None) -> None:
    """`dvc get` of `path` at `rev` from the registry at `url` (a git URL or a local checkout).

    When `url` is this checkout, its remotes get the same environment overrides as
    `open_repo` (local remote under DATA_REGISTRY_HOME, AWS_ENDPOINT_URL), and its cache
    serves what it already holds.
    """
    from dvc.config import Config
    from dvc.repo import Repo

    config = None
    if Path(url).resolve() == settings.root.resolve():
        committed = Config(dvc_dir=str(settings.root / ".dvc"))
        config = config_overrides(settings, dict(committed["remote"])) or None
    try:
        Repo.get(url, path, out=str(out), rev=rev, remote=remote, config=config)
    except Exception as error:  # git, network and missing-object errors surface as many types
        raise RemoteError(f"cannot get {path} at {rev} from {url}: {_reason(error)}") from error


def _reason(error: BaseException) -> str:
    """DVC wraps the cause: keep the innermost message, on one line."""
    while error.__cause__ is not None:
        error = error.__cause__
    return " ".join(str(error).split()) or type(error).__name__
