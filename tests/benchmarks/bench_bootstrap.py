"""The bootstrap demo in a fresh clone, twice: the first run versions everything, the second
makes nothing new (every step line `unchanged`).

Targets (issue 13, 2-core machine): fresh run including the install <= 8 minutes, second run
<= 60 s. The install is measured by scripts/bootstrap-data-examples.sh itself on a fresh
machine; this script times the demo with the current interpreter (the install already done).
Usage: python tests/benchmarks/bench_bootstrap.py [--keep]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
SECOND_RUN_TARGET = 60.0
STEP_WORDS = ("created", "unchanged")


def demo(clone: Path) -> tuple[float, list[str]]:
    env = {**os.environ, "PYTHONPATH": str(clone / "src")}
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "scripts/bootstrap_demo.py"], cwd=clone, env=env, capture_output=True, text=True
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"bootstrap demo failed:\n{done.stdout}\n{done.stderr}")
    print(done.stdout)
    return elapsed, [line for line in done.stdout.splitlines() if line.startswith(STEP_WORDS)]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--keep", action="store_true", help="keep the clone")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-bootstrap-"))
    clone = folder / "clone"
    subprocess.run(["git", "clone", "-q", str(PROJECT), str(clone)], check=True)
    first, first_steps = demo(clone)
    second, second_steps = demo(clone)
    if not args.keep:
        subprocess.run(["rm", "-rf", str(folder)], check=True)
    created = sum(line.startswith("created") for line in first_steps)
    unchanged = all(line.startswith("unchanged") for line in second_steps)
    print(f"first run  {first:6.1f} s  ({created} of {len(first_steps)} steps created a version)")
    print(f"second run {second:6.1f} s  (all unchanged: {unchanged}; target <= {SECOND_RUN_TARGET:.0f} s)")
    ok = unchanged and len(second_steps) == len(first_steps) and second <= SECOND_RUN_TARGET
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
