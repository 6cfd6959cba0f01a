"""Cost of checking each object in Ray's workers (`client.read_ray`): the same split of the
same version read into a materialized Ray Dataset, verified vs unverified, side by side.

- verified: `client.read_ray` as it is: each worker streams its object into memory while
  hashing it, compares the md5 with the version's `.dir` listing, then parses the buffer;
- unverified: the reader it replaced, kept here as the baseline: each worker hands the
  object's path and the remote's filesystem to `pyarrow.parquet.read_table`.

Both read the same tag from the local DVC remote with one local Ray (2 CPUs); rounds
alternate so machine noise hits both alike, and medians are compared (`bench_verified_read`'s
`compare`). Target: verified / unverified <= 1.2x (wall time).

Run: .venv/bin/python tests/benchmarks/bench_ray_read.py [--rows N] [--rounds N]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from data_registry import client
from data_registry.client import intact
from data_registry.client.location import Registry
from tests.benchmarks.bench_verified_read import DS, SPLIT, TARGET, compare, published


@dataclass(frozen=True)
class UncheckedParquet:
    """The worker-side reader before verification."""

    filesystem: Any

    def __call__(self, batch: pa.Table) -> pa.Table:
        paths = batch.column("object").to_pylist()
        return pa.concat_tables([pq.read_table(path, filesystem=self.filesystem) for path in paths])


def unverified(registry: Registry, tag: str) -> object:
    import ray.data

    with intact.version_files(registry, DS, tag) as version:
        chosen = version.split(SPLIT, version.entries())
        filesystem, objects = version.objects.remote_paths([entry.md5 for entry in chosen])  # type: ignore[attr-defined]
    items = [{"object": path} for path in objects]
    reader = UncheckedParquet(filesystem)
    return ray.data.from_items(items).map_batches(reader, batch_size=1, batch_format="pyarrow").materialize()


def verified(registry: Registry, tag: str) -> object:
    return client.read_ray(DS, tag.rsplit("-v", 1)[-1], SPLIT, registry).materialize()


def main() -> int:
    import ray

    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--features", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        os.environ["DATA_REGISTRY_CACHE"] = str(Path(work) / "client-cache")
        registry, tag = published(Path(work), args.rows, args.features)
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
        try:
            verified(registry, tag)  # warm the workers for both sides
            ratio = compare("read_ray + materialize", (unverified, verified), registry, tag, args.rounds)
        finally:
            ray.shutdown()
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    raise SystemExit(main())
