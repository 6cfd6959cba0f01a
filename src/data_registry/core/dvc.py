"""The only place that drives DVC, in-process through its Python API; nothing else imports dvc.

In-process keeps a no-op run cheap (one import, one status) and lets the
environment override remotes without touching `.dvc/config`: every Repo opened
here gets the overrides `remotes.config_overrides` gives (the local remote
follows DATA_REGISTRY_HOME, S3 remotes follow AWS_ENDPOINT_URL), whether the
registry is this checkout or a git URL.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, cast

from data_registry.core import redact
from data_registry.core.errors import (
    CorruptObject,
    PipelineFileError,
    RegistryError,
    RemoteError,
    StageFailed,
    yaml_problem,
)
from data_registry.core.remotes import LOCAL_REMOTE, config_overrides
from data_registry.core.settings import Settings

if TYPE_CHECKING:
    from dvc.api import DVCFileSystem
    from dvc.repo import Repo

__all__ = ["LOCAL_REMOTE", "Access", "DVCFileSystem", "Repo", "config_overrides"]
OBJECTS = Path("files", "md5")  # where DVC 3 keeps md5 objects under a cache or remote
DIR_SUFFIX = ".dir"
PULL_STAGING = "verified-pull-"
CHUNK = 1 << 22


def committed_remotes(root: Path) -> dict[str, dict[str, Any]]:
    """{name: section} of a checkout's remotes: `.dvc/config` merged with `config.local`."""
    from dvc.config import Config

    return {name: dict(section) for name, section in Config(dvc_dir=str(root / ".dvc"))["remote"].items()}


def open_repo(settings: Settings) -> Repo:
    from dvc.repo import Repo

    repo = Repo(str(settings.root), config=config_overrides(settings, committed_remotes(settings.root)))
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


def pull(repo: Repo, target: Path, remote: str) -> frozenset[str]:
    """Fetch the previous version's outs, check every object against its md5, then check out;
    the md5s of the objects fetched and checked (`push` need not check those again).

    DVC's own fetch trusts the remote (unless it sets `verify = true`, and then a damaged object
    reads as a missing one): a tampered object would land in the cache and the workspace, and
    the run would call the version unchanged. So objects
    are fetched into a cache of their own under .dvc/tmp, each is hashed against its name (the
    names come from dvc.lock, and a `.dir` listing's name is the md5 of its bytes, so a good
    listing vouches for its entries), and only when all match are they moved into the real
    cache. Objects the remote does not hold stay absent and repro rebuilds them; any other
    fetch failure (network, credentials) fails the run.
    """
    cache = Path(repo.cache.local.path)
    for stale in Path(repo.tmp_dir).glob(f"{PULL_STAGING}*"):  # left by a killed run (runs never overlap)
        shutil.rmtree(stale, ignore_errors=True)
    staging = Path(tempfile.mkdtemp(prefix=PULL_STAGING, dir=repo.tmp_dir))
    try:
        failure = _fetch_into(repo, staging, target, remote)
        damaged = sorted(_damaged_objects(staging / OBJECTS))
        if damaged:
            named = _version_objects(repo, target, [staging / OBJECTS, cache])
            raise _corrupt(named, damaged, target, remote, "nothing was checked out")
        checked = frozenset(path.parent.name + path.name for path in (staging / OBJECTS).glob("*/*"))
        _adopt(staging / OBJECTS, cache)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    if failure is not None and not _absent_from_remote(repo, target, remote):
        raise RemoteError(f"pull from DVC remote {remote!r} failed: {reason(failure)}") from failure
    try:
        repo.drop_data_index()
        repo.checkout(targets=[str(target)], allow_missing=True)
    except Exception as error:  # a checkout can fail in as many ways as a fetch
        raise RemoteError(
            f"checkout after pull from DVC remote {remote!r} failed: {reason(error)}"
        ) from error
    return checked


def _fetch_into(repo: Repo, cache_dir: Path, target: Path, remote: str) -> Exception | None:
    """`dvc fetch` into `cache_dir` instead of the repo's cache; the error, if any, for later."""
    from dvc.repo import Repo

    # The overrides `open_repo` applied (remote URLs from the environment), plus the cache.
    config = {**(repo._config or {}), "cache": {"dir": str(cache_dir)}}
    try:
        with Repo(repo.root_dir, config=config) as fetcher, _quiet("dvc"):
            fetcher.fetch(targets=[str(target)], remote=remote)
    except Exception as error:  # network and credential errors surface as many types
        return error
    return None


@contextlib.contextmanager
def _quiet(name: str) -> Iterator[None]:
    """DVC logs each failed transfer; the caller decides whether it is an error and says so once."""
    logger = logging.getLogger(name)
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


def _damaged_objects(objects: Path) -> Iterator[str]:
    """Names of the objects under `objects` (a cache's files/md5) that do not hash to their name."""
    for path in objects.glob("*/*"):
        name = path.parent.name + path.name
        if file_md5(path) != name.removesuffix(DIR_SUFFIX):
            yield name


def _corrupt(
    named: dict[str, str], damaged: list[str], target: Path, remote: str, outcome: str
) -> CorruptObject:
    name = named.get(damaged[0], "an out of this version")
    return CorruptObject(
        f"DVC remote {remote!r} holds a corrupt object for {name} (md5 {damaged[0]}; "
        f"{len(damaged)} corrupt in all); {outcome}",
        f"`data-registry verify {target.parent.name}` lists the damaged objects; "
        "README, 'Repairing a remote', says how to replace them",
    )


def _version_objects(repo: Repo, target: Path, caches: list[Path], remote: Any = None) -> dict[str, str]:
    """{md5: repo-relative path} of the cached outs of `target`'s stages, files inside a folder
    out included where one of `caches` (files/md5 folders), else `remote`, holds its listing intact."""
    named: dict[str, str] = {}
    for stage in repo.index.stages:
        if Path(stage.path).resolve() != target.resolve():
            continue
        for out in stage.outs:
            value = out.hash_info.value
            if not (out.use_cache and value):
                continue
            path = Path(out.fs_path).relative_to(repo.root_dir).as_posix()
            named[value] = path
            for entry in _listing(value, caches, remote):
                named[entry["md5"]] = f"{path}/{entry['relpath']}"
    return named


def _listing(value: str, caches: list[Path], remote: Any) -> list[dict[str, str]]:
    """A `.dir` object's entries from the first place that holds it intact; [] otherwise."""
    if not value.endswith(DIR_SUFFIX):
        return []
    for cache in caches:
        path = cache / value[:2] / value[2:]
        if path.is_file() and file_md5(path) == value.removesuffix(DIR_SUFFIX):
            return list(json.loads(path.read_bytes()))
    if remote is not None and remote.exists(value):
        content = remote.fs.cat_file(remote.oid_to_path(value))
        if hashlib.md5(content, usedforsecurity=False).hexdigest() == value.removesuffix(DIR_SUFFIX):
            return list(json.loads(content))
    return []


def _absent_from_remote(repo: Repo, target: Path, remote: str) -> bool:
    """True when the fetch failed only because the remote lacks objects of the version: every
    file the cache still lacks is absent there too (a folder's listing is not saved by DVC
    when one of its files failed). Repro rebuilds those, as `allow_missing` intends."""
    cache = Path(repo.cache.local.path)
    try:
        odb = repo.cloud.get_remote_odb(remote, command="pull")
        named = _version_objects(repo, target, [cache], odb)
        lacking = [md5 for md5 in named if not (cache / md5[:2] / md5[2:]).exists()]
        held = [md5 for md5 in lacking if odb.exists(md5)]
    except Exception:  # the remote cannot even be asked: the fetch error stands
        return False
    return len(held) < len(lacking) and all(md5.endswith(DIR_SUFFIX) for md5 in held)


def _adopt(staging: Path, cache: Path) -> None:
    """Move verified objects into the real cache (a rename where both share a filesystem)."""
    for path in staging.glob("*/*"):
        destination = cache / path.parent.name / path.name
        if not destination.exists():
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(path, destination)


def file_md5(path: Path) -> str:
    with path.open("rb") as stream:
        return _md5_of(stream)


def _md5_of(stream: BinaryIO) -> str:
    md5 = hashlib.md5(usedforsecurity=False)
    while chunk := stream.read(CHUNK):
        md5.update(chunk)
    return md5.hexdigest()


def reproduce(repo: Repo, target: Path) -> None:
    from dvc.exceptions import DvcException

    try:
        # run_cache=False: DVC's run-cache key drops every key named `size` or `nfiles` at any
        # depth, params included (dvc#10296, fix in PR dvc#11079, unmerged as of DVC 3.67), so
        # `-S chunking.size=500` would restore the outs recorded for another size. Drop this
        # once a DVC release keys the run cache on all params.
        repo.reproduce(targets=[str(target)], run_cache=False)
    except DvcException as error:
        raise StageFailed(f"pipeline {target.parent.name} failed: {reason(error)}") from error


def push(repo: Repo, target: Path, remote: str, checked: frozenset[str] = frozenset()) -> None:
    """Push the outs, then check the remote really holds every object (push does not verify).

    DVC sends only what the remote lacks, so an object it already holds (one an older version
    had too) is never read: if its copy there were damaged, the tag would name bytes every
    reader refuses. So before the push, each object of the version the remote holds is hashed
    there, unless this run already checked it (`checked`: what `pull` fetched and hashed).
    After the push every object of the version must be there: `dvc status` asks a folder only
    for its listing, and `dvc push` sends no file of a folder whose listing the remote holds.
    """
    try:
        named, damaged = _damaged_on_remote(repo, target, remote, checked)
        if not damaged:
            repo.push(targets=[str(target)], remote=remote)
            missing = repo.status(targets=[str(target)], cloud=True, remote=remote)
            lost = sorted(
                set(named) - set(Objects(repo, remote, use_cache=False).remote.oids_exist(list(named)))
            )
    except Exception as error:  # network and credential errors surface as many types
        raise RemoteError(f"push to DVC remote {remote!r} failed: {reason(error)}") from error
    if damaged:
        raise _corrupt(named, damaged, target, remote, "nothing was pushed or tagged")
    if lost:
        raise RemoteError(
            f"DVC remote {remote!r} is missing {named[lost[0]]} (md5 {lost[0]}; {len(lost)} missing "
            "in all) after push, and dvc push will not resend a file of a folder the remote lists; "
            "nothing was tagged",
            "README, 'Repairing a remote', says how to replace them",
        )
    if missing:
        raise RemoteError(f"DVC remote {remote!r} is missing {sorted(missing)} after push")


def _damaged_on_remote(
    repo: Repo, target: Path, remote: str, checked: frozenset[str]
) -> tuple[dict[str, str], list[str]]:
    """The version's objects ({md5: path}) and those the remote holds damaged, of the ones not
    `checked` yet; one batched existence query, then a read only of what the remote holds."""
    named = _version_objects(repo, target, [Path(repo.cache.local.path)])
    objects = Objects(repo, remote, use_cache=False)
    held = objects.remote.oids_exist([md5 for md5 in named if md5 not in checked])
    damaged = []
    for md5 in sorted(held):
        stream, _ = objects.open(md5)
        with stream:
            if _md5_of(stream) != md5.removesuffix(DIR_SUFFIX):
                damaged.append(md5)
    return named, damaged


def add(repo: Repo, path: Path) -> str:
    """`dvc add` a folder (writes `<path>.dvc` and the .gitignore entry); the md5 of its content."""
    from dvc.exceptions import DvcException

    try:
        stages = repo.add(str(path))
    except DvcException as error:
        raise RegistryError(
            f"dvc add {path.name} failed: {reason(error)}", "fix the cause and rerun; nothing was tagged"
        ) from error
    return str(stages[0].outs[0].hash_info.value)


def get(settings: Settings, url: str, path: str, rev: str, out: Path, remote: str | None = None) -> None:
    """`dvc get` of `path` at `rev` from the registry at `url` (a git URL or a local checkout).

    When `url` is this checkout, its remotes get the same environment overrides as
    `open_repo` (local remote under DATA_REGISTRY_HOME, AWS_ENDPOINT_URL), and its cache
    serves what it already holds.
    """
    from dvc.repo import Repo

    config = None
    if Path(url).resolve() == settings.root.resolve():
        config = config_overrides(settings, committed_remotes(settings.root)) or None
    try:
        Repo.get(url, path, out=str(out), rev=rev, remote=remote, config=config)
    except Exception as error:  # git, network and missing-object errors surface as many types
        raise RemoteError(
            f"cannot get {path} at {rev} from {redact.url(url)}: {redact.within(reason(error), url)}"
        ) from error


class Objects:
    """DVC objects of one registry by md5: from the local cache when it holds them, else from
    the remote. Nothing here checks the bytes; the caller hashes what it reads."""

    def __init__(self, repo: Repo, remote: str | None, use_cache: bool) -> None:
        self._repo = repo
        self._remote_name = remote
        self._use_cache = use_cache
        self._remote: Any = None

    @property
    def remote(self) -> Any:
        if self._remote is None:
            self._remote = self._repo.cloud.get_remote_odb(self._remote_name, command="read")
        return self._remote

    @property
    def location(self) -> str:
        """The remote's URL, for messages: without credentials, even where the URL holds them."""
        return redact.url(str(self.remote.fs.unstrip_protocol(self.remote.path)))

    def remote_paths(self, md5s: list[str]) -> tuple[Any, list[str]]:
        """The remote's fsspec filesystem (picklable, for Ray workers) and each object's path on it,
        for any remote type DVC supports; its endpoint and credentials are the effective remote's."""
        return self.remote.fs.fs, [self.remote.oid_to_path(md5) for md5 in md5s]

    def open(self, md5: str) -> tuple[BinaryIO, str | None]:
        """A binary stream of the object, and the cache file it comes from (None: the remote);
        FileNotFoundError when neither cache nor remote has it."""
        if self._use_cache:
            cached = self._repo.cache.local
            path = cached.oid_to_path(md5)
            if cached.fs.exists(path):
                return cast(BinaryIO, cached.fs.open(path, "rb")), str(path)
        path = self.remote.oid_to_path(md5)
        if not self.remote.fs.exists(path):
            raise FileNotFoundError(md5)
        return cast(BinaryIO, self.remote.fs.open(path, "rb")), None


@dataclass(frozen=True)
class Access:
    """How DVC reaches a registry: `url` (a checkout or a git URL), the remote asked for (None:
    the registry's default) with extra settings, and the environment whose overrides apply."""

    url: str
    remote: str | None = None
    remote_config: dict[str, Any] | None = field(default=None, compare=False, repr=False)
    settings: Settings | None = field(default=None, compare=False, repr=False)

    def overrides(self, rev: str) -> dict[str, Any] | None:
        """The effective remotes' overrides (see `remotes`): from the checkout's config, or for a
        git URL from the config at `rev` (one clone, which DVC keeps for the process)."""
        if self.settings is None:
            return None
        if (Path(self.url) / ".dvc").is_dir():
            return config_overrides(self.settings, committed_remotes(Path(self.url))) or None
        from dvc.repo import Repo

        with Repo.open(self.url, rev=rev) as repo:
            remotes = {name: dict(section) for name, section in repo.config["remote"].items()}
        return config_overrides(self.settings, remotes) or None


@contextlib.contextmanager
def open_objects(access: Access, rev: str, *, use_cache: bool = True) -> Iterator[Objects]:
    """The object stores of the registry as of `rev`, through its effective remote."""
    from dvc.repo import Repo

    with Repo.open(
        access.url,
        rev=rev,
        remote=access.remote,
        remote_config=access.remote_config,
        config=access.overrides(rev),
    ) as repo:
        yield Objects(repo, access.remote, use_cache)


def filesystem(access: Access, rev: str) -> DVCFileSystem:
    """The registry's tree at `rev` (git-tracked files and DVC outs), outs read from its effective remote."""
    from dvc.api import DVCFileSystem

    return DVCFileSystem(
        url=access.url,
        rev=rev,
        remote=access.remote,
        remote_config=access.remote_config,
        config=access.overrides(rev),
    )


def read_text(url: str, rev: str, path: str) -> str:
    """A git-tracked file's text at `rev` of a registry at a git URL (DVC clones it once per process)."""
    import dvc.api

    return str(dvc.api.read(path, repo=url, rev=rev))


def get_version(url: str, path: str, rev: str, out: Path) -> None:
    """`dvc get` with the registry's own remote choice (what an MLflow dataset source loads)."""
    from dvc.repo import Repo

    Repo.get(url, path, out=str(out), rev=rev)


def check_pipeline_file(dvc_yaml: Path, path: str) -> None:
    """dvc.yaml (`path`, repo-relative, for the message) must be YAML that DVC's own schema
    accepts: one clear line here, before DVC reads it and fails with a traceback deep inside `repro`."""
    import yaml
    from dvc.schema import COMPILED_MULTI_STAGE_SCHEMA
    from voluptuous import Invalid

    try:
        document = yaml.safe_load(dvc_yaml.read_text())
    except yaml.YAMLError as error:
        raise PipelineFileError(f"{path} is not valid YAML: {yaml_problem(error)}") from error
    try:
        COMPILED_MULTI_STAGE_SCHEMA(document)
    except Invalid as error:
        where = ".".join(str(part) for part in error.path) or "top level"
        raise PipelineFileError(f"{path} does not fit DVC's schema at {where}: {error.msg}") from error


def reason(error: BaseException) -> str:
    """DVC wraps the cause: keep the innermost message, on one line."""
    while error.__cause__ is not None:
        error = error.__cause__
    return " ".join(str(error).split()) or type(error).__name__
