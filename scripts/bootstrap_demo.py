#!/usr/bin/env python
"""The bootstrap's demo: the whole stack, offline, on the embedded defaults.

Versions `synthetic-tabular`; `readmes` from this checkout's own dataset cards (local mode,
a path relative to the pipeline, so no machine path is committed); `readmes-embeddings` on a
private Ray with the bundled model, published to the embedded Postgres + pgvector, and asks
it one question; a generated image collection (one file truncated) cleaned by `clean-images`.
Each step prints one line; what the tools print goes to <DATA_REGISTRY_HOME>/logs/bootstrap.log.
A second run makes nothing new: every line says `unchanged`.

Usage: python scripts/bootstrap_demo.py   (scripts/bootstrap-data-examples.sh runs it after install)
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from data_registry.core import atomic, settings

ROOT = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-c", "from data_registry.cli import main; main()"]
README_SOURCE = ["source.kind=local", "source.path=../..", "source.repositories=[pipelines]"]
QUESTION = "How are corrupted images removed from an image collection?"
COLLECTION = "demo-images"
# Per dataset, the metrics (dotted paths in metadata.json) the closing table shows.
KEY_METRICS = {
    "synthetic-tabular": ["metrics.train.positive_fraction"],
    "readmes": ["metrics.documents.lengths.mean"],
    "readmes-embeddings": ["metrics.retrieval.hit_at_5", "metrics.retrieval.mrr"],
    "clean-images": ["metrics.remove_corrupted.kept", "metrics.remove_corrupted.removed"],
}


class StepFailed(Exception):
    pass


def main() -> int:
    home = settings.load(ROOT).home
    log = home / "logs" / "bootstrap.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text("")
    made: list[dict[str, Any]] = []
    began = time.perf_counter()
    try:
        made.append(version(log, "synthetic-tabular"))
        made.append(version(log, "readmes", *(arg for item in README_SOURCE for arg in ("-S", item))))
        made.append(version(log, "readmes-embeddings"))
        ask(log, QUESTION)
        images = write_demo_images(home / "demo" / COLLECTION)
        started = time.perf_counter()
        collection = cli_json(log, "add-collection", COLLECTION, str(images), "--no-push")
        files = len(list(images.rglob("*.*")))
        report(
            collection,
            f"{COLLECTION}: {files} generated files, one truncated ({time.perf_counter() - started:.1f} s)",
        )
        made.append(collection)
        made.append(version(log, "clean-images", "-S", f"collections=[{collection['tag']}]"))
        print_removed()
    except StepFailed as failure:
        print(f"error: {failure} (the tools' output is in {log})", file=sys.stderr)
        return 1
    print_table(made)
    print(f"demo took {time.perf_counter() - began:.0f} s; the tools' output is in {log}")
    return 0


def version(log: Path, dataset: str, *args: str) -> dict[str, Any]:
    started = time.perf_counter()
    summary = cli_json(log, "run", dataset, "--no-push", *args)
    report(summary, f"{dataset} ({time.perf_counter() - started:.1f} s)")
    return summary


def cli_json(log: Path, *args: str) -> dict[str, Any]:
    """Run a `data-registry` command with --json: the summary from stdout, the rest into the log."""
    with log.open("a") as sink:
        sink.write(f"\n$ data-registry {' '.join(args)} --json\n")
        sink.flush()
        done = subprocess.run(
            [*CLI, *args, "--json"], cwd=ROOT, stdout=subprocess.PIPE, stderr=sink, text=True
        )
    if done.returncode != 0:
        raise StepFailed(f"data-registry {' '.join(args)} failed: {last_error_line(log)}")
    summary: dict[str, Any] = json.loads(done.stdout)
    return summary


def last_error_line(log: Path) -> str:
    lines = [line for line in log.read_text().splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error:")]
    return (errors or lines or ["no output"])[-1]


def report(summary: dict[str, Any], what: str) -> None:
    status = "created" if summary["changed"] else "unchanged"
    print(f"{status:<9}  {summary['tag']:<34}  {what}", flush=True)


def ask(log: Path, question: str) -> None:
    started = time.perf_counter()
    with log.open("a") as sink:
        done = subprocess.run(
            [*CLI, "search", question, "--k", "1", "--json"], cwd=ROOT, stdout=subprocess.PIPE, stderr=sink
        )
    if done.returncode != 0:
        raise StepFailed(f"data-registry search failed: {last_error_line(log)}")
    hit = json.loads(done.stdout)[0]
    excerpt = " ".join(hit["text"].split())[:110]
    print(f'search     "{question}" ({time.perf_counter() - started:.1f} s)')
    print(f"           -> {hit['score']:.3f}  {hit['repository']}/{hit['path']}: {excerpt}…", flush=True)


def write_demo_images(folder: Path) -> Path:
    """Twelve small shapes, PNG and JPEG, the same bytes every run; the last JPEG cut in half."""
    import numpy as np
    from PIL import Image, ImageDraw

    with atomic.atomic_dir(folder) as staging:
        for index in range(12):
            image = Image.new(
                "RGB", (48, 48), tuple(int(c) for c in np.random.default_rng(index).integers(0, 256, 3))
            )
            ImageDraw.Draw(image).ellipse((8 + index, 8, 40, 40 - index), fill=(255, 255, 255))
            fmt, ext = ("PNG", "png") if index % 2 else ("JPEG", "jpg")
            buffer = io.BytesIO()
            image.save(buffer, format=fmt)
            data = buffer.getvalue()
            name = f"shape-{index:02d}.{ext}"
            if index == 10:
                data, name = data[: len(data) // 2], "shape-10-truncated.jpg"
            (staging / name).write_bytes(data)
    return folder


def print_removed() -> None:
    document = json.loads((ROOT / "data" / "clean-images" / "metadata.json").read_text())
    for item in document["metrics"]["remove_corrupted"]["removed_files"]:
        print(f"removed    {item.get('path') or item.get('file')}: {item['reason']}")


def print_table(made: list[dict[str, Any]]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Versions in this registry", title_justify="left")
    for column in ("version", "status", "rows", "key metrics"):
        table.add_column(column, no_wrap=column != "key metrics")
    for summary in made:
        rows, metrics = facts(summary["dataset"])
        table.add_row(summary["tag"], "created" if summary["changed"] else "unchanged", rows, metrics)
    Console(width=max(100, Console().width)).print(table)


def facts(dataset: str) -> tuple[str, str]:
    path = ROOT / "data" / dataset / "metadata.json"
    if not path.is_file():
        return "-", "-"
    document = json.loads(path.read_text())
    rows = ", ".join(f"{split} {count}" for split, count in document.get("splits", {}).items())
    shown = []
    for dotted in KEY_METRICS.get(dataset, []):
        value: Any = document
        for key in dotted.split("."):
            value = value.get(key) if isinstance(value, dict) else None
        if value is not None:
            shown.append(
                f"{dotted.removeprefix('metrics.')} {round(value, 4) if isinstance(value, float) else value}"
            )
    return rows, ", ".join(shown) or "-"


if __name__ == "__main__":
    sys.exit(main())
