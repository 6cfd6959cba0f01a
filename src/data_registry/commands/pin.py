"""`data-registry pin`: resolve what a pipeline's source leaves unpinned and write it into params.yaml.

Two kinds of source are pinned:

* a Hugging Face dataset (`source.repo` + `source.files.<key>.path`): the commit a branch or
  tag points at, and each file's sha256 at that commit. Both come from the hub API through
  `huggingface_hub` (it honours HF_ENDPOINT and knows the API's shapes and errors); a file
  stored without LFS has no sha256 there and is downloaded and hashed instead.
* plain HTTP files (`source.base_url` + `source.files.<key>.name` with a `sha256` key): each
  file is fetched through the shared downloader (DATA_REGISTRY_MIRROR, retries, any md5 already
  pinned is checked) and its sha256 recorded.

Existing pins are kept unless `update` is asked for: a pin is a decision someone made, and
silently moving it would make the next run a different dataset.
"""

from __future__ import annotations

import contextlib
import importlib
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from data_registry.core import params
from data_registry.core.datasets import Dataset
from data_registry.core.errors import DownloadError, ParamsError, UsageError
from data_registry.core.settings import Settings
from data_registry.sources.download import fetch, resolve_url
from data_registry.sources.hub import COMMIT_SHA, PUBLIC_ENDPOINT, revision_base

DEFAULT_REF = "main"


@dataclass
class PinResult:
    """What `pin` found for one dataset: the keys it wrote (old, new) and those it kept."""

    dataset: str
    kind: str  # "huggingface", "http" or "none"
    changed: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    kept: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "kind": self.kind,
            "changed": {key: {"old": old, "new": new} for key, (old, new) in self.changed.items()},
            "kept": self.kept,
        }


def pin(dataset: Dataset, settings: Settings, *, update: bool = False, ref: str | None = None) -> PinResult:
    """Resolve the dataset's unpinned (or, with `update`, all) source pins and write them."""
    source: Any = params.load(dataset.pipeline_dir).get("source")
    kind = source_kind(source)
    result = PinResult(dataset.name, kind)
    if kind == "huggingface":
        wanted = _hub_pins(source, settings, update, ref, result)
    elif kind == "http":
        wanted = _http_pins(source, settings, update, result)
    else:
        return result
    result.changed = {key: (old, new) for key, (old, new) in wanted.items() if old != new}
    if result.changed:
        params.write_values(dataset.pipeline_dir, {key: new for key, (_, new) in result.changed.items()})
    return result


def source_kind(source: Any) -> str:
    """Which pinning a `source:` block needs; "none" for generated or upstream-tagged data."""
    if not isinstance(source, Mapping) or not isinstance(source.get("files"), Mapping):
        return "none"
    entries = list(source["files"].values())
    if "repo" in source and all(isinstance(e, Mapping) and "path" in e for e in entries):
        return "huggingface"
    if "base_url" in source and all(isinstance(e, Mapping) and "name" in e for e in entries):
        return "http"
    return "none"


def _hub_pins(
    source: Mapping[str, Any], settings: Settings, update: bool, ref: str | None, result: PinResult
) -> dict[str, tuple[Any, Any]]:
    repo, current = str(source["repo"]), source.get("revision")
    pinned = isinstance(current, str) and COMMIT_SHA.fullmatch(current) is not None
    if pinned and not update:
        if ref is not None:
            raise UsageError(
                f"source.revision is pinned already ({str(current)[:12]})",
                "add --update to move it to --revision",
            )
        revision = str(current)
        result.kept.append("source.revision")
    else:
        wanted_ref = ref or (current if isinstance(current, str) and not pinned else DEFAULT_REF)
        revision = resolve_revision(repo, wanted_ref, settings.hf_endpoint)
    moved = revision != current
    files = source["files"]
    todo = {
        key: str(entry["path"])
        for key, entry in sorted(files.items())
        if update or moved or not entry.get("sha256")
    }
    result.kept += [f"source.files.{key}.sha256" for key in sorted(files) if key not in todo]
    digests = hub_digests(repo, revision, todo, settings.hf_endpoint) if todo else {}
    found: dict[str, tuple[Any, Any]] = {"source.revision": (current, revision)}
    for key, digest in digests.items():
        found[f"source.files.{key}.sha256"] = (files[key].get("sha256"), digest)
    return found


def resolve_revision(repo: str, ref: str, endpoint: str | None) -> str:
    """The commit sha `ref` (a branch, a tag or a sha) names in the hub's dataset repo."""
    info = _hub_call(lambda api: api.dataset_info(repo, revision=ref), repo, ref, endpoint)
    sha = getattr(info, "sha", None)
    if not isinstance(sha, str) or not COMMIT_SHA.fullmatch(sha):
        raise DownloadError(f"the hub named no commit for {repo} at {ref!r}")
    return sha


def hub_digests(repo: str, revision: str, paths: Mapping[str, str], endpoint: str | None) -> dict[str, str]:
    """sha256 of each file (key → path) at `revision`: the LFS oid the hub lists, else a download's."""
    infos = _hub_call(
        lambda api: api.get_paths_info(repo, list(paths.values()), repo_type="dataset", revision=revision),
        repo,
        revision,
        endpoint,
    )
    by_path = {info.path: info for info in infos}
    digests = {}
    for key, path in paths.items():
        info = by_path.get(path)
        if info is None or not hasattr(info, "blob_id"):
            raise ParamsError(
                f"source.files.{key}.path {path!r} is not a file of {repo} at {revision[:12]}",
                f"check the path on {PUBLIC_ENDPOINT}/datasets/{repo}/tree/{revision}",
            )
        lfs = getattr(info, "lfs", None)
        digests[key] = (
            lfs.sha256
            if lfs is not None
            else _downloaded_sha256(resolve_url(revision_base(repo, revision, endpoint), path))
        )
    return digests


def _hub_call(call: Any, repo: str, ref: str, endpoint: str | None) -> Any:
    """One hub API call; its failures become one line naming the repo and what to check."""
    from huggingface_hub import HfApi
    from huggingface_hub.errors import (
        HfHubHTTPError,
        OfflineModeIsEnabled,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    try:
        return call(HfApi(endpoint=endpoint or PUBLIC_ENDPOINT))
    except RepositoryNotFoundError as error:
        raise ParamsError(
            f"no dataset {repo} on the hub", "check source.repo in params.yaml (and HF_TOKEN if it is gated)"
        ) from error
    except RevisionNotFoundError as error:
        raise ParamsError(f"{repo} has no branch, tag or commit {ref!r}", "pass --revision REF") from error
    except OfflineModeIsEnabled as error:
        raise DownloadError("HF_HUB_OFFLINE is set, so the hub cannot be asked", "unset it") from error
    except HfHubHTTPError as error:
        status = error.response.status_code if error.response is not None else "?"
        raise DownloadError(f"the hub API answered HTTP {status} for {repo} at {ref!r}") from error
    except _transport_errors() as error:  # connection refused, DNS, TLS, timeouts
        raise DownloadError(f"cannot reach the hub for {repo}: {type(error).__name__}") from error


def _transport_errors() -> tuple[type[Exception], ...]:
    """The hub client's connection errors: huggingface_hub 2.x speaks httpx2, 1.x httpx."""
    for module in ("httpx2", "httpx"):
        with contextlib.suppress(ImportError):
            return (importlib.import_module(module).TransportError, OSError)
    return (OSError,)


def _http_pins(
    source: Mapping[str, Any], settings: Settings, update: bool, result: PinResult
) -> dict[str, tuple[Any, Any]]:
    found: dict[str, tuple[Any, Any]] = {}
    for key, entry in sorted(source["files"].items()):
        if "sha256" not in entry:  # pinned by the checksum its publisher lists (e.g. an md5)
            result.kept.append(f"source.files.{key}.md5")
            continue
        if entry["sha256"] and not update:
            result.kept.append(f"source.files.{key}.sha256")
            continue
        url = resolve_url(str(source["base_url"]), str(entry["name"]), settings.mirror)
        found[f"source.files.{key}.sha256"] = (entry["sha256"], _downloaded_sha256(url, entry.get("md5")))
    return found


def _downloaded_sha256(url: str, md5: str | None = None) -> str:
    """sha256 of `url` as fetched by the shared downloader, into a temp folder that is then removed."""
    with tempfile.TemporaryDirectory(prefix="data-registry-pin-") as folder:
        return fetch(url, Path(folder) / "file", md5=md5).sha256
