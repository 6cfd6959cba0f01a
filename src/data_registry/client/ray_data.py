"""A version's split as a Ray Dataset, read straight from the DVC remote.

Ray workers read the content-addressed objects `dvc.api.get_url` points at, so
no data goes through the driver; an S3 remote gets a pyarrow S3FileSystem
built from the remote's own endpoint and credentials (credentials missing from
the DVC config come from the standard AWS variables, read by the AWS SDK).
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from data_registry.client import files
from data_registry.client.api import Repo, tag
from data_registry.client.location import locate

if TYPE_CHECKING:
    import pyarrow as pa
    import pyarrow.fs
    import ray.data

S3 = "s3://"
DEFAULT_REGION = "us-east-1"


def read_ray(
    dataset: str,
    version: str = "latest",
    split: str = "train",
    repo: Repo = None,
    *,
    remote: str | None = None,
    remote_config: dict[str, Any] | None = None,
) -> ray.data.Dataset:
    import dvc.api
    import ray.data

    registry = locate(repo, remote=remote, remote_config=remote_config)
    version_tag = tag(dataset, version, registry)
    fs = files.filesystem(registry, version_tag)
    paths = files.split_paths(fs, dataset, split, version_tag)
    options = registry.dvc_options()
    with files.dvc_errors(registry, version_tag):
        urls = [dvc.api.get_url(path, rev=version_tag, **options) for path in paths]
        remote_settings = remote_section(fs, registry.remote)
    filesystem = s3_filesystem(remote_settings) if urls and urls[0].startswith(S3) else None
    objects = [url.removeprefix(S3) for url in urls] if filesystem else urls
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


def remote_section(fs: Any, remote: str | None) -> dict[str, Any]:
    """The chosen remote's merged config (committed, config.local, remote_config overrides)."""
    config = fs.repo.config
    name = remote or config["core"].get("remote")
    return dict(config["remote"].get(name, {})) if name else {}


def s3_filesystem(remote: dict[str, Any]) -> pyarrow.fs.S3FileSystem:
    from pyarrow.fs import S3FileSystem

    options: dict[str, Any] = {"region": remote.get("region") or DEFAULT_REGION}
    endpoint = remote.get("endpointurl")
    if endpoint:
        parts = urllib.parse.urlsplit(endpoint)
        options.update(endpoint_override=parts.netloc or endpoint, scheme=parts.scheme or "https")
    if remote.get("access_key_id") and remote.get("secret_access_key"):
        options.update(access_key=remote["access_key_id"], secret_key=remote["secret_access_key"])
    return S3FileSystem(**options)
