"""Client targets, each measured side by side with its baseline:

1. a client read of an already-cached version vs a plain `pyarrow.parquet.read_table` of the
   same cached file (target: at most 1.3x);
2. `client.versions()` on a registry with 200 tags across 10 datasets (target: under 1 s),
   beside a bare `git ls-remote --tags` of the same repository.

Run: .venv/bin/python tests/benchmarks/bench_client.py
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from data_registry import client
from tests.support.repo import git, make_registry, run_pipeline

DS = "synthetic-tabular"
ROUNDS = 30


def best_and_median(action: Callable[[], object], rounds: int = ROUNDS) -> tuple[float, float]:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return min(times), statistics.median(times)


def cached_read(work: Path) -> None:
    registry = make_registry(work / "registry")
    made = run_pipeline(registry, DS, "--no-push", "-S", "n_samples=200000")
    assert made.returncode == 0, made.stderr
    os.environ["DATA_REGISTRY_CACHE"] = str(work / "cache")
    repo = str(registry)
    first = time.perf_counter()
    [path] = client.split_files(DS, "1.0.0", "train", repo)
    print(
        f"first read (fetch into the cache): {time.perf_counter() - first:.3f} s, {path.stat().st_size} bytes"
    )
    for _ in range(3):  # warm the page cache for both readers alike
        pq.read_table(path)
    results: dict[str, list[tuple[float, float]]] = {"plain": [], "client": []}
    for label, action in (
        ("plain", lambda: pq.read_table(path)),
        ("client", lambda: client.read_arrow(DS, "1.0.0", "train", repo)),
        ("plain", lambda: pq.read_table(path)),
    ):
        best, median = best_and_median(action)
        results[label].append((best, median))
        print(f"{label:<7} best {best * 1000:7.2f} ms  median {median * 1000:7.2f} ms")
    plain_best = min(best for best, _ in results["plain"])
    plain_median = statistics.mean(median for _, median in results["plain"])
    [(client_best, client_median)] = results["client"]
    print(
        f"ratio client / plain pyarrow: best {client_best / plain_best:.2f}x, "
        f"median {client_median / plain_median:.2f}x (target <= 1.3x)"
    )


def many_tags(work: Path) -> None:
    repo = work / "tags"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    git(repo, "commit", "-q", "--allow-empty", "-m", "empty")
    for dataset in range(10):
        for version in range(20):
            git(repo, "tag", "-a", f"ds{dataset}-v1.{version}.0", "-m", "version")
    url = f"file://{repo}"
    _, median = best_and_median(lambda: client.versions("ds3", url), rounds=10)
    _, plain_median = best_and_median(
        lambda: subprocess.run(["git", "ls-remote", "--tags", url], check=True, capture_output=True),
        rounds=10,
    )
    assert len(client.versions("ds3", url)) == 20
    print(f"git ls-remote --tags (200 tags)  median {plain_median * 1000:7.2f} ms")
    print(f"client.versions (200 tags)       median {median * 1000:7.2f} ms  (target < 1000 ms)")
    print(f"ratio versions / ls-remote: {median / plain_median:.2f}x")


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        many_tags(Path(folder))
        cached_read(Path(folder))


if __name__ == "__main__":
    main()
