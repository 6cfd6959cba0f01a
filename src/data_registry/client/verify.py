"""`verify`: every cached out of a version's tag is in the remote, and hashes to its name.

`dvc status --cloud` only checks that object names exist; this reads each object
back from the remote and recomputes its md5, so a truncated or overwritten object
is caught too. The DVC cache is never consulted: a healthy local cache must not
hide a broken remote. DVC is reached only through `data_registry.core.dvc`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from data_registry.client import collection, files
from data_registry.client.api import Repo, tag
from data_registry.client.location import Registry, locate
from data_registry.core import dvc, layout, lockfile
from data_registry.core.errors import RemoteError

CHUNK = 1 << 20


@dataclass
class VerifyReport:
    tag: str
    remote: str
    objects: int = 0
    bytes: int = 0
    missing: list[str] = field(default_factory=list)
    corrupt: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.missing or self.corrupt)

    def to_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "ok": self.ok}


def verify(
    dataset: str, version: str = "latest", repo: Repo = None, *, remote: str | None = None
) -> VerifyReport:
    """Check the version's objects in the remote; raises RemoteError listing what is missing or corrupt.
    `dataset` may name a collection as `collection:<name>`."""
    registry = locate(repo, remote=remote)
    name = collection.named(dataset)
    if name is not None:
        version_tag = collection.resolve_tag(name, version, registry)
        return verify_objects(registry, version_tag, [collection.digest(name, version_tag, registry)])
    version_tag = tag(dataset, version, registry)
    lock = files.read_text(registry, version_tag, layout.lock_path(dataset))
    described = lockfile.metadata_outs(files.read_text(registry, version_tag, layout.dvc_yaml_path(dataset)))
    digests = [digest for path, digest in lockfile.out_hashes(lock).items() if path not in described]
    return verify_objects(registry, version_tag, digests)


def verify_objects(registry: Registry, version_tag: str, digests: list[str]) -> VerifyReport:
    """Read each object (and every file of a `.dir` listing) back from the remote and hash it."""

    with (
        files.dvc_errors(registry, version_tag),
        dvc.open_objects(registry.access, version_tag, use_cache=False) as objects,
    ):
        report = VerifyReport(version_tag, objects.location)
        for digest in digests:
            _check(objects, digest, report)
    if not report.ok:
        raise RemoteError(
            f"{version_tag} is not intact in {report.remote}: "
            f"{len(report.missing)} objects missing {report.missing[:3]}, "
            f"{len(report.corrupt)} corrupt {report.corrupt[:3]}",
            "`dvc push` from a checkout of the tag (git checkout <tag> && dvc pull/repro && dvc push)",
        )
    return report


def _check(objects: dvc.Objects, digest: str, report: VerifyReport) -> None:
    content = _read(objects, digest, report)
    if content is None or not digest.endswith(dvc.DIR_SUFFIX):
        return
    for entry in json.loads(content):
        _read(objects, entry["md5"], report)


def _read(objects: dvc.Objects, digest: str, report: VerifyReport) -> bytes | None:
    """Stream one object, count it and check its md5; the bytes are kept only for a .dir listing."""
    report.objects += 1
    md5 = hashlib.md5(usedforsecurity=False)
    kept = bytearray()
    try:
        stream, _ = objects.open(digest)
    except FileNotFoundError:
        report.missing.append(digest)
        return None
    with stream:
        while chunk := stream.read(CHUNK):
            md5.update(chunk)
            report.bytes += len(chunk)
            if digest.endswith(dvc.DIR_SUFFIX):
                kept += chunk
    if md5.hexdigest() != digest.removesuffix(dvc.DIR_SUFFIX):
        report.corrupt.append(digest)
        return None
    return bytes(kept)
