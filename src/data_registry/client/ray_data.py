"""A version's split as a Ray Dataset, read straight from the DVC remote.

Ray workers read the content-addressed objects of the split's files, named by the version's
`.dir` listing (checked against dvc.lock), so no data goes through the driver. They read them
with the effective remote's own filesystem (`data_registry.core.dvc`: endpoint, credentials and
the environment's overrides as every other reader gets them), for any remote type DVC supports.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from data_registry.client import files, intact
from data_registry.client.api import Repo, tag
from data_registry.client.location import locate
from data_registry.core import dvc

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
    # read_parquet keeps only names ending in .parquet, and remote objects are named by their hash:
    # each Ray task reads its objects straight from the remote with the same pyarrow reader instead.
    return ray.data.from_items([{"path": path} for path in objects]).map_batches(
        ParquetObjects(filesystem), batch_size=1, batch_format="pyarrow"
    )


@dataclass(frozen=True)
class ParquetObjects:
    """Reads the parquet objects named in a batch; picklable, so it runs in Ray's workers."""

    filesystem: Any

    def __call__(self, batch: pa.Table) -> pa.Table:
        import pyarrow as pa
        import pyarrow.parquet as pq

        tables = [
            pq.read_table(path, filesystem=self.filesystem) for path in batch.column("path").to_pylist()
        ]
        return pa.concat_tables(tables)
