"""The client's core: which versions exist, what a version says about itself, and its data.

Every read is of an exact tag. A tag is immutable, so a split fetched once is kept in
the client cache and later reads of the same version touch neither git nor DVC.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from data_registry.client import files, intact, remote_tags
from data_registry.client.location import Registry, locate
from data_registry.core import layout, lockfile
from data_registry.core.datasets import Dataset, validate_name
from data_registry.core.errors import UnknownDataset, UsageError
from data_registry.core.versions import tag_name
from data_registry.formats import metadata as metadata_schema

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

Repo = str | Path | Registry | None
LATEST = remote_tags.LATEST


def versions(dataset: str, repo: Repo = None) -> list[str]:
    """The dataset's versions, oldest first (semver order), from the registry's tags; a pipeline
    of a local checkout with no version yet gives []. Neither tag nor pipeline: UnknownDataset."""
    registry = locate(repo)
    tags = remote_tags.list_tags(registry)
    found = remote_tags.dataset_versions(validate_name(dataset), tags)
    root = registry.local_root
    if not found and (root is None or not Dataset(dataset, root).dvc_yaml.is_file()):
        is_collection = bool(remote_tags.dataset_versions(layout.collection_tag_name(dataset), tags))
        raise UnknownDataset(
            f"no dataset {dataset!r} in {registry.public_url} (no tag {layout.tag_shape(dataset)})",
            f"{dataset} is a collection: name it collection:{dataset}" if is_collection else None,
        )
    return [str(version) for version in found]


def resolve(dataset: str, version: str = LATEST, repo: Repo = None) -> str:
    """`latest`, `1`, `1.2` or `1.2.0` → the exact version that exists, e.g. `1.2.3`."""
    registry = locate(repo)
    available = remote_tags.dataset_versions(validate_name(dataset), remote_tags.list_tags(registry))
    return str(remote_tags.pick(dataset, version, available, registry.public_url))


def tag(dataset: str, version: str = LATEST, repo: Repo = None) -> str:
    """The immutable git tag of a version, e.g. `fashion-mnist-v1.2.0`."""
    return layout.tag_name(dataset, resolve(dataset, version, repo))


def metadata(dataset: str, version: str = LATEST, repo: Repo = None) -> dict[str, Any]:
    """metadata.json at the version's tag, plus `version`, `tag` and `registry` (facts of the tag,
    never stored in the file)."""
    registry = locate(repo)
    exact = resolve(dataset, version, registry)
    version_tag = layout.tag_name(dataset, exact)
    document = json.loads(files.read_text(registry, version_tag, layout.metadata_path(dataset)))
    metadata_schema.validate(document)
    return {**document, "version": exact, "tag": version_tag, "registry": registry.public_url}


def outs(dataset: str, version: str = LATEST, repo: Repo = None) -> dict[str, str]:
    """{repo-relative out path: md5} from dvc.lock at the version's tag: the version's identity."""
    registry = locate(repo)
    version_tag = tag(dataset, version, registry)
    lock = files.read_text(registry, version_tag, layout.lock_path(dataset))
    return {layout.out_path(dataset, path): digest for path, digest in lockfile.out_hashes(lock).items()}


def split_files(
    dataset: str,
    version: str = LATEST,
    split: str = "train",
    repo: Repo = None,
    *,
    remote: str | None = None,
    remote_config: dict[str, Any] | None = None,
) -> list[Path]:
    """The split's parquet files on this machine, fetched into the client cache on first use
    and checked against the version's dvc.lock on the way in (a damaged file raises, caches nothing)."""
    registry = locate(repo, remote=remote, remote_config=remote_config)
    exact = remote_tags.exact(validate_name(dataset), version)
    if exact is not None:
        cached = registry.cache_dir(tag_name(dataset, exact)) / split
        if cached.is_dir():
            return _parquet_in(cached)
    return _parquet_in(intact.materialize(registry, dataset, tag(dataset, version, registry), split))


def read_arrow(
    dataset: str,
    version: str = LATEST,
    split: str = "train",
    repo: Repo = None,
    *,
    columns: list[str] | None = None,
    remote: str | None = None,
    remote_config: dict[str, Any] | None = None,
) -> pa.Table:
    """One split of one version as a pyarrow Table (schema metadata included)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    paths = split_files(dataset, version, split, repo, remote=remote, remote_config=remote_config)
    tables = [pq.read_table(path, columns=columns) for path in paths]
    return tables[0] if len(tables) == 1 else pa.concat_tables(tables)


def read_pandas(
    dataset: str,
    version: str = LATEST,
    split: str = "train",
    repo: Repo = None,
    *,
    columns: list[str] | None = None,
    remote: str | None = None,
    remote_config: dict[str, Any] | None = None,
) -> pd.DataFrame:
    """One split of one version as a pandas DataFrame."""
    table = read_arrow(
        dataset, version, split, repo, columns=columns, remote=remote, remote_config=remote_config
    )
    return table.to_pandas()


def get(
    dataset: str,
    version: str,
    out: Path,
    split: str | None = None,
    repo: Repo = None,
    *,
    remote: str | None = None,
    remote_config: dict[str, Any] | None = None,
) -> Path:
    """Copy a version's processed data (or one split of it) into `out`, which must not exist yet;
    like `dvc get`, but by dataset and version, all-or-nothing, and every file checked against
    the md5 the version's dvc.lock names (`dvc get` trusts the remote)."""
    if out.exists():
        raise UsageError(f"{out} already exists", "choose a new --out folder or remove that one first")
    registry = locate(repo, remote=remote, remote_config=remote_config)
    return intact.copy_out(registry, dataset, tag(dataset, version, registry), out, split)


def _parquet_in(folder: Path) -> list[Path]:
    return sorted(folder.glob(f"*{layout.PARQUET}"))


def card(dataset: str, version: str = LATEST, repo: Repo = None) -> str:
    """The dataset card (pipelines/<ds>/README.md) as it was at the version's tag."""
    registry = locate(repo)
    return files.read_text(registry, tag(dataset, version, registry), layout.card_path(dataset))
