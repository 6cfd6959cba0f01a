"""A version's split as a Ray Dataset, read straight from the DVC remote and checked there.

Ray workers read the content-addressed objects of the split's files, named by the version's
`.dir` listing (checked against dvc.lock), so no data goes through the driver. They read them
with the effective remote's own filesystem (`data_registry.core.dvc`: endpoint, credentials and
the environment's overrides as every other reader gets them), for any remote type DVC supports.
Each worker hashes an object before it parses it: bytes that do not match the listing's md5
fail the read with a `CorruptObject` naming the tag, the file and what to do, inside the error
Ray raises (Ray Data wraps a task's exception in its own `UserCodeException`).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from data_registry.client import files, intact
from data_registry.client.api import Repo, tag
from data_registry.client.location import locate
from data_registry.core import dvc
from data_registry.core.errors import RegistryError

if TYPE_CHECKING:
    import pyarrow as pa
    import ray.data


def read_ray(
    dataset: str,
    version: str = "latest",
    split: str = "train",
    repo: Repo = None,
    *,
    remote: str | None = None,
    remote_config: dict[str, Any] | None = None,
) -> ray.data.Dataset:
    import ray.data

    registry = locate(repo, remote=remote, remote_config=remote_config)
    version_tag = tag(dataset, version, registry)
    with intact.version_files(registry, dataset, version_tag) as version_files:
        chosen = version_files.split(split, version_files.entries())
        with files.dvc_errors(registry, version_tag):
            source = version_files.objects
            assert isinstance(source, dvc.Objects)  # a read through DVC, not a test's store
            filesystem, objects = source.remote_paths([entry.md5 for entry in chosen])
        items = [
            {"object": path, "md5": entry.md5, "path": version_files.path_of(entry)}
            for path, entry in zip(objects, chosen, strict=True)
        ]
        reader = VerifiedParquet(filesystem, version_files.checks)
    # read_parquet keeps only names ending in .parquet, and remote objects are named by their hash:
    # each Ray task reads its objects straight from the remote with the same pyarrow reader instead.
    return ray.data.from_items(items).map_batches(reader, batch_size=1, batch_format="pyarrow")


@dataclass(frozen=True)
class VerifiedParquet:
    """Reads the parquet objects named in a batch, each only once its bytes hash to the md5 the
    version lists; picklable, so it runs in Ray's workers."""

    filesystem: Any
    checks: intact.Checks

    def __call__(self, batch: pa.Table) -> pa.Table:
        import pyarrow as pa

        rows = zip(*(batch.column(name).to_pylist() for name in ("object", "md5", "path")), strict=True)
        return pa.concat_tables([self._read(*row) for row in rows])

    def _read(self, location: str, md5: str, path: str) -> pa.Table:
        import pyarrow as pa
        import pyarrow.parquet as pq

        content = io.BytesIO()
        try:
            with self.filesystem.open(location, "rb") as source:
                digest = intact.stream_md5(source, content)
            self.checks.digest(digest, md5, path, outcome="this object was not parsed")
        except FileNotFoundError:
            failure: RegistryError = self.checks.missing(path, md5)
        except RegistryError as error:
            failure = error
        else:
            return pq.read_table(pa.BufferReader(content.getbuffer()))
        # Ray's report shows the worker's exception as `Type: str(error)`: the hint goes in it
        raise type(failure)(failure.one_line(), hint="")
