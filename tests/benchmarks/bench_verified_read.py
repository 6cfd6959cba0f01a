"""Cost of reading what a version's dvc.lock names (issue 17): the first read of one split of
the same version, verified vs unverified, side by side.

- verified: `intact.materialize`, what `client.split_files` / `read_*` / `torch_dataset` do on a
  cache miss: the `.dir` listing checked against dvc.lock, each file hashed while it streams
  into a staging folder, renamed into the client cache only when every file matched;
- unverified: the path it replaced, `DVCFileSystem.get_file` of each file into the same kind of
  staging folder (no hash: what `dvc get` and `dvc.api` do).

Both read the same tag from the local DVC remote (the DVC cache is dropped first, and each
round starts with an empty client cache); rounds alternate so machine noise hits both alike,
and the medians are compared, for the fetch alone and for fetch + `read_arrow` (what a
consumer's first call costs). Target: verified / unverified <= 1.2x (wall time). CPU time
(all threads, git children included) is printed too: on a shared machine it is the steadier
measure. "md5 alone" hashes the same objects and writes nothing: the floor of any check.

Run: .venv/bin/python tests/benchmarks/bench_verified_read.py [--rows N] [--rounds N] [--s3]
(--s3: the same from a moto S3 `minio` remote, where hashing overlaps the download)
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from data_registry import client
from data_registry.client import files, intact
from data_registry.client.location import Registry
from data_registry.core.atomic import atomic_dir
from tests.support.repo import make_registry, run_pipeline
from tests.support.s3 import running_s3

Reader = Callable[[Registry, str], object]
DS = "synthetic-tabular"
SPLIT = "train"
TARGET = 1.2


def unverified(registry: Registry, tag: str) -> Path:
    """The read path before verification (files.materialize as it was), kept here as the baseline."""
    target = registry.cache_dir(tag) / SPLIT
    fs = files.filesystem(registry, tag)
    with atomic_dir(target) as staging:
        for path in files.split_paths(fs, DS, SPLIT, tag):
            with files.dvc_errors(registry, tag):
                fs.get_file(path, str(staging / Path(path).name))
    return target


def verified(registry: Registry, tag: str) -> Path:
    return intact.materialize(registry, DS, tag, SPLIT)


def unverified_arrow(registry: Registry, tag: str) -> object:
    return pa.concat_tables([pq.read_table(path) for path in sorted(unverified(registry, tag).iterdir())])


def verified_arrow(registry: Registry, tag: str) -> object:
    """`client.read_arrow` minus its tag resolution, which the baseline does not do either."""
    return pa.concat_tables([pq.read_table(path) for path in sorted(verified(registry, tag).iterdir())])


def md5_alone(registry: Registry, tag: str) -> object:
    """The floor: hashing the split's objects in the remote, nothing written."""
    with intact.version_files(registry, DS, tag) as version:
        for entry in version.split(SPLIT, version.entries()):
            stream, _ = version.objects.open(entry.md5)
            with stream:
                hashlib.file_digest(stream, "md5")
    return None


PAIRS: dict[str, tuple[Reader, Reader]] = {
    "fetch into the client cache": (unverified, verified),
    "fetch + read_arrow": (unverified_arrow, verified_arrow),
}


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (git runs as one), all threads."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def timed(read: Reader, registry: Registry, tag: str) -> tuple[float, float]:
    """(wall, CPU) seconds of one first read into an empty client cache."""
    shutil.rmtree(registry.cache, ignore_errors=True)
    started, cpu = time.perf_counter(), cpu_seconds()
    read(registry, tag)
    return time.perf_counter() - started, cpu_seconds() - cpu


def summary(label: str, runs: list[float]) -> float:
    listed = ", ".join(f"{t:.2f}" for t in runs)
    print(f"  {label:<11} median {statistics.median(runs):.3f} s  (runs: {listed})")
    return statistics.median(runs)


def compare(name: str, readers: tuple[Reader, Reader], registry: Registry, tag: str, rounds: int) -> float:
    """Alternate the two readers `rounds` times; print wall and CPU medians; the wall ratio."""
    times: dict[str, list[tuple[float, float]]] = {"unverified": [], "verified": []}
    for _ in range(rounds):
        for label, read in zip(times, readers, strict=True):
            times[label].append(timed(read, registry, tag))
    ratios = []
    for index, kind in enumerate(("wall", "CPU")):
        print(f"{name}, {kind} time (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores):")
        medians = {label: summary(label, [run[index] for run in runs]) for label, runs in times.items()}
        ratios.append(medians["verified"] / medians["unverified"])
        print(f"  ratio verified / unverified: {ratios[-1]:.2f}x (target <= {TARGET}x)")
    return ratios[0]


def published(work: Path, rows: int, features: int) -> tuple[Registry, str]:
    """A registry under `work` holding one version of DS (rows x features), read from its remote
    only (the DVC cache dropped); the registry and the version's tag."""
    repo = make_registry(work / "registry")
    made = run_pipeline(repo, DS, "-S", f"n_samples={rows}", "-S", f"n_features={features}")
    assert made.returncode == 0, made.stderr
    shutil.rmtree(repo / ".dvc" / "cache")  # every side reads from the remote
    registry = client.locate(str(repo))
    return registry, client.tag(DS, "latest", registry)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--features", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--s3", action="store_true", help="read from a moto S3 remote instead")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work, contextlib.ExitStack() as stack:
        env = {"DATA_REGISTRY_CACHE": str(Path(work) / "client-cache")}
        if args.s3:
            env |= stack.enter_context(running_s3()).env()
        os.environ.update(env)
        registry, tag = published(Path(work), args.rows, args.features)
        size = sum(path.stat().st_size for path in verified(registry, tag).iterdir())
        print(f"{tag} {SPLIT}: {size / 1e6:.0f} MB of parquet in the {registry.remote or 'local'} remote")
        floor = [timed(md5_alone, registry, tag) for _ in range(args.rounds)]
        print(f"md5 alone (the floor): wall {statistics.median(t[0] for t in floor):.3f} s, "
              f"CPU {statistics.median(t[1] for t in floor):.3f} s")  # fmt: skip
        ratios = [compare(name, readers, registry, tag, args.rounds) for name, readers in PAIRS.items()]
        ratio = ratios[0]
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    raise SystemExit(main())
