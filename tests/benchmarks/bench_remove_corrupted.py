"""The remove_corrupted stage on a 10,000-image collection: process pool vs a serial decode.

Target (issue 4): under 10 s on this machine (2 cores), and the report lists every
corrupted file the benchmark injected and nothing else. Both sides run the same
library function (`image_checks.remove_corrupted`: full decode of every file, parquet
of the usable ones), the parallel one over all usable cores, the baseline with
workers=1, alternating, so machine noise hits them alike; medians are compared.
Usage: python tests/benchmarks/bench_remove_corrupted.py [--images N] [--rounds N]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from data_registry.formats import image_checks
from tests.support.sources import image_bytes, inject_corrupted

TARGET_S = 10.0
FORMATS = ("JPEG", "PNG")
DISTINCT = 200
SIZE = (96, 72)  # small photos: decode cost per file like thumbnails in a real collection


def build_collection(folder: Path, n_images: int) -> set[str]:
    """`n_images` files, of which every corruption kind is injected in several subfolders."""
    # 200 distinct pictures cycled: real decode work per file without minutes of encoding.
    pictures = [image_bytes("JPEG" if i % 2 == 0 else "PNG", i, SIZE) for i in range(DISTINCT)]
    injected: set[str] = set()
    for batch in range(5):
        names = inject_corrupted(folder / "photos" / f"bad{batch}", seed=10 + batch)
        injected |= {f"photos/bad{batch}/{name}" for name in names}
    for index in range(n_images - len(injected)):
        ext, content = ("jpg" if index % 2 == 0 else "png"), pictures[index % DISTINCT]
        path = folder / "photos" / f"part{index % 20:02d}" / f"{index:05d}.{ext}"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    return injected


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (the pool's workers)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed(folder: Path, out: Path, workers: int) -> tuple[float, float, image_checks.Removal]:
    """Wall and CPU seconds of one run; CPU time shows how much of a slow wall time is waiting
    for cores that other processes on the machine hold."""
    started, cpu = time.perf_counter(), cpu_seconds()
    removal = image_checks.remove_corrupted(folder, out, ["photos"], FORMATS, workers=workers)
    return time.perf_counter() - started, cpu_seconds() - cpu, removal


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--images", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    cores = image_checks.usable_cores()
    with tempfile.TemporaryDirectory() as tmp:
        folder, out = Path(tmp) / "collections", Path(tmp) / "out" / "images.parquet"
        injected = build_collection(folder, args.images)
        parallel, serial, parallel_cpu, serial_cpu = [], [], [], []
        for _ in range(args.rounds):
            seconds, cpu, removal = timed(folder, out, workers=cores)
            parallel.append(seconds)
            parallel_cpu.append(cpu)
            seconds, cpu, _ = timed(folder, out, workers=1)
            serial.append(seconds)
            serial_cpu.append(cpu)
        reported = {item["path"] for item in removal.removed}
    fast, slow = statistics.median(parallel), statistics.median(serial)
    print(
        f"{removal.checked} files, {len(injected)} injected corrupt, {cores} cores, "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    for name, walls, cpus in (
        (f"pool of {cores}", parallel, parallel_cpu),
        ("serial baseline", serial, serial_cpu),
    ):
        runs = ", ".join(f"{t:.2f}" for t in walls)
        print(
            f"{name:<16} median {statistics.median(walls):.2f} s wall, "
            f"{statistics.median(cpus):.2f} s CPU  (runs: {runs})"
        )
    print(f"speed-up {slow / fast:.2f}x; target under {TARGET_S:.0f} s")
    exact = reported == injected
    print(f"report lists exactly the injected files: {exact}")
    if not exact:
        print(f"  missed: {sorted(injected - reported)}\n  extra: {sorted(reported - injected)}")
    return 0 if exact and fast < TARGET_S else 1


if __name__ == "__main__":
    raise SystemExit(main())
