"""synthetic-tabular's analyze stage on a 1,000,000-row table, with quality gates and without.

Target (issue 15): gates add at most 10% to analyze. "Without" is the same analyze.py with
its `quality=` argument and import removed, so the gates' import cost is counted too. Both
run as fresh processes, interleaved. On a shared machine single runs vary 3x, so the figure
judged is the ratio of the fastest runs (timeit's rule: the minimum is the code's cost, the
rest is other load); the median of the per-round ratios is printed beside it.
Usage: python tests/benchmarks/bench_quality_gates.py [--rounds N] [--rows N]
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

from tests.support.repo import make_registry, tool_env

TARGET = 1.10
DS = "synthetic-tabular"


def timed(script: str, cwd: Path) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, script], cwd=cwd, env=tool_env(), check=True, capture_output=True)
    return time.perf_counter() - started


def without_gates(source: str) -> str:
    lines = [line for line in source.splitlines() if "quality=checks.evaluate(" not in line]
    stripped = "\n".join(lines).replace(", quality, ", ", ")
    assert "quality" not in stripped, "analyze.py changed shape: update the benchmark's rewrite"
    return stripped + "\n"


def report(name: str, times: list[float]) -> None:
    runs = ", ".join(f"{t:.2f}" for t in times)
    print(f"{name:<24} median {statistics.median(times):.3f} s  (runs: {runs})")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        repo = make_registry(Path(tmp) / "registry")
        pipeline = repo / "pipelines" / DS
        params = pipeline / "params.yaml"
        params.write_text(params.read_text().replace("n_samples: 5000", f"n_samples: {args.rows}"))
        for stage in ("generate", "process"):
            subprocess.run([sys.executable, f"scripts/{stage}.py"], cwd=pipeline, env=tool_env(), check=True)
        plain = pipeline / "scripts" / "analyze_without_gates.py"
        plain.write_text(without_gates((pipeline / "scripts" / "analyze.py").read_text()))
        gated, baseline = [], []
        for _ in range(args.rounds):
            gated.append(timed("scripts/analyze.py", pipeline))
            baseline.append(timed("scripts/analyze_without_gates.py", pipeline))
    ratio = min(gated) / min(baseline)
    paired = statistics.median(g / b for g, b in zip(gated, baseline, strict=True))
    report(f"analyze, gates ({args.rows:,} rows)", gated)
    report("analyze, no gates", baseline)
    print(f"fastest runs {min(gated):.3f} s vs {min(baseline):.3f} s; median paired ratio {paired:.3f}x")
    print(f"ratio {ratio:.3f}x (target <= {TARGET}x): {'ok' if ratio <= TARGET else 'MISSED'}")
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    raise SystemExit(main())
