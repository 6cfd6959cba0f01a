"""`data-registry catalog --html` on a generated registry of 100 datasets and 2,000 version tags.

Targets (issue 14): the build takes under 10 s and no page weighs more than 1 MB. The tags
and their metadata.json / dvc.lock / card / plots data are written straight into git
(`git fast-import`), with realistic metadata (24 feature columns, per-column stats per split).
Side by side, the same registry's `data-registry list` (the latest version of each dataset
only) is timed as a reference, and the build is repeated from a file:// URL (bare clone).
Usage: python tests/benchmarks/bench_catalog.py [--datasets 100] [--versions 20] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.support.catalog_tags import FakeVersion, metadata_document, write_tags
from tests.support.repo import make_registry, tool_env

SECONDS, PAGE_BYTES = 10.0, 1_000_000
LABELS = ["image", "text", "tabular", "audio", "offline"]


def generated(datasets: int, versions: int) -> list[FakeVersion]:
    """Versions interleaved across datasets, as a busy registry makes them."""
    out = []
    for minor in range(versions):
        for index in range(datasets):
            name = f"dataset-{index:03d}"
            rows = 10_000 + 500 * minor + index
            document = metadata_document(name, rows, seed=minor * 7 + index, n_features=24)
            card = f"# {name}\n\n" + "A generated dataset card paragraph. " * 40 + "\n"
            plot = "class,count\n" + "".join(f"class-{c},{rows // 10 + c}\n" for c in range(10))
            labels = [LABELS[index % len(LABELS)], LABELS[(index + 2) % len(LABELS)]]
            out.append(FakeVersion(name, f"1.{minor}.0", document, labels, card, plot))
    return out


CPU: list[float] = []  # user + sys seconds of each timed command (it and its git children)


def timed(command: list[str], cwd: Path) -> float:
    """Wall seconds; the CPU seconds go to CPU, since on a shared machine wall time mostly
    measures the other tenants."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, env=tool_env(), capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(result.stderr)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--datasets", type=int, default=100)
    parser.add_argument("--versions", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    cli = str(Path(sys.executable).parent / "data-registry")
    with tempfile.TemporaryDirectory() as tmp:
        repo = make_registry(Path(tmp) / "registry")
        started = time.perf_counter()
        write_tags(repo, generated(args.datasets, args.versions))
        print(f"generated {args.datasets * args.versions} tags in {time.perf_counter() - started:.1f} s")
        site = Path(tmp) / "site"
        build, listing, from_url = [], [], []
        build_cpu, listing_cpu, url_cpu = [], [], []
        for _ in range(args.rounds):
            build.append(timed([cli, "catalog", "--html", str(site)], repo))
            build_cpu.append(CPU[-1])
            listing.append(timed([cli, "list", "--json"], repo))
            listing_cpu.append(CPU[-1])
            from_url.append(timed([cli, "catalog", "--html", str(site), "--repo", repo.as_uri()], repo))
            url_cpu.append(CPU[-1])
        sizes = {path.relative_to(site): path.stat().st_size for path in site.rglob("*.html")}
    largest = max(sizes, key=lambda path: sizes[path])
    built, listed, cloned = (statistics.median(times) for times in (build, listing, from_url))
    biggest, total, pages = sizes[largest], sum(sizes.values()), list(sizes)
    cpu = {
        name: statistics.median(times)
        for name, times in (("build", build_cpu), ("list", listing_cpu), ("url", url_cpu))
    }
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(
        f"catalog --html (checkout)  median {built:.2f} s wall, {cpu['build']:.2f} s CPU  "
        f"runs {[round(t, 2) for t in build]}"
    )
    print(f"catalog --html (file:// URL, bare clone) median {cloned:.2f} s wall, {cpu['url']:.2f} s CPU")
    print(
        f"list --json (reference)    median {listed:.2f} s wall, {cpu['list']:.2f} s CPU "
        f"-> catalog/list {built / listed:.2f}x wall, {cpu['build'] / cpu['list']:.2f}x CPU"
    )
    print(f"{len(pages)} pages, {total / 1e6:.1f} MB in all; largest {largest} {biggest / 1e3:.0f} KB")
    ok = max(built, cloned) < SECONDS and biggest <= PAGE_BYTES
    print(f"targets: build < {SECONDS:.0f} s, every page <= 1 MB: {'ok' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
