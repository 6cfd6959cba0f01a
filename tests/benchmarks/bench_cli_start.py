"""`data-registry --help` against `dvc --help`, side by side.

Target (issue 12): no slower than `dvc --help` (ratio <= 1.0). Both run as fresh processes from
the same environment, alternating, so machine noise hits them alike; medians of N rounds are
compared. Usage: python tests/benchmarks/bench_cli_start.py [--rounds N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

TARGET = 1.0
BIN = Path(sys.executable).parent


def timed(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=11)
    args = parser.parse_args()
    ours, dvc = [str(BIN / "data-registry"), "--help"], [str(BIN / "dvc"), "--help"]
    timed(ours), timed(dvc)  # warm the page cache for both
    times: dict[str, list[float]] = {"data-registry --help": [], "dvc --help": []}
    for _ in range(args.rounds):
        times["data-registry --help"].append(timed(ours))
        times["dvc --help"].append(timed(dvc))
    for name, values in times.items():
        runs = ", ".join(f"{value:.3f}" for value in values)
        print(f"{name:<22} median {statistics.median(values):.3f} s  (runs: {runs})")
    ratio = statistics.median(times["data-registry --help"]) / statistics.median(times["dvc --help"])
    print(f"ratio {ratio:.2f} (target <= {TARGET})")
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    raise SystemExit(main())
