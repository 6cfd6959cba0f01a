"""A no-op `run_pipeline.py` (nothing changed) against `dvc status` + `git tag -l` on the same repo.

Target (issue 3): at most 1.5x. Both sides run as fresh processes, interleaved, so
machine noise hits them alike; medians of N rounds are compared.
Usage: python tests/benchmarks/bench_noop_run.py [--rounds N] [--dataset NAME]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.support.repo import make_registry, run_pipeline, tool_env

TARGET = 1.5


def timed(command: list[str], cwd: Path) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=tool_env(), check=True, capture_output=True)
    return time.perf_counter() - started


def report(name: str, times: list[float]) -> None:
    runs = ", ".join(f"{t:.2f}" for t in times)
    print(f"{name:<26} median {statistics.median(times):.3f} s  (runs: {runs})")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--dataset", default="synthetic-tabular")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        repo = make_registry(Path(tmp) / "registry")
        first = run_pipeline(repo, args.dataset, "--json")
        if first.returncode != 0:
            print(first.stderr, file=sys.stderr)
            return 1
        wrapper = [sys.executable, "scripts/run_pipeline.py", args.dataset, "--json"]
        status = [sys.executable, "-m", "dvc", "status", f"pipelines/{args.dataset}/dvc.yaml"]
        tag_list = ["git", "tag", "-l"]
        noop, baseline = [], []
        for _ in range(args.rounds):
            noop.append(timed(wrapper, repo))
            baseline.append(timed(status, repo) + timed(tag_list, repo))
    ratio = statistics.median(noop) / statistics.median(baseline)
    report("no-op run_pipeline.py", noop)
    report("dvc status + git tag -l", baseline)
    print(f"ratio {ratio:.2f}x (target <= {TARGET}x): {'ok' if ratio <= TARGET else 'MISSED'}")
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    raise SystemExit(main())
