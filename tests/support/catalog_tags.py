"""Version tags written straight into a registry's git history (no pipeline run), for the
catalog's tests and its scale benchmark: one `git fast-import` stream for any number of tags."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.support.repo import tool_env

EPOCH = 1_790_000_000  # a fixed start date, one hour per version after it


@dataclass
class FakeVersion:
    dataset: str
    version: str
    document: dict[str, Any] | str  # metadata.json (a str is written as it is, e.g. broken JSON)
    labels: list[str] = field(default_factory=list)
    card: str = ""
    plot_csv: str | None = None
    reason: str = "content changed"


def metadata_document(dataset: str, rows: int, seed: int, n_features: int = 3) -> dict[str, Any]:
    """A valid metadata.json whose numbers move with `rows` and `seed`."""
    columns = {f"f{i}": "double" for i in range(n_features)} | {"label": "int8"}
    splits = {"train": rows * 4 // 5, "val": rows - rows * 4 // 5}
    return {
        "dataset": dataset,
        "source": {"generator": "tests", "licence": "CC0-1.0", "sha256": f"{seed:064x}"},
        "params": {"rows": rows, "seed": seed, "model": {"name": "m", "batch": 8}},
        "schema": {split: {"columns": columns, "metadata": {"class_names": ["a", "b"]}} for split in splits},
        "splits": splits,
        "metrics": {
            split: {
                "positive_fraction": round(0.4 + (seed % 7) / 50, 4),
                "label_counts": {"a": count // 2, "b": count - count // 2},
                "columns": {name: {"mean": seed / 100 + i, "std": 1.0} for i, name in enumerate(columns)},
            }
            for split, count in splits.items()
        },
    }


def dvc_yaml(dataset: str, labels: list[str]) -> str:
    return (
        f"artifacts:\n  {dataset}:\n    path: ../../data/{dataset}/processed\n    type: dataset\n"
        f"    desc: Generated for the catalog tests.\n    labels: {json.dumps(labels)}\n"
        "stages:\n  analyze:\n    cmd: python scripts/analyze.py\n    plots:\n"
        f"      - ../../data/{dataset}/plots/classes.csv:\n          cache: false\n"
        "          template: bar_horizontal\n          x: count\n          y: class\n"
        "          title: Rows per class\n"
    )


def dvc_lock(dataset: str, seed: int) -> str:
    return (
        "schema: '2.0'\nstages:\n  process:\n    cmd: python scripts/process.py\n    outs:\n"
        f"    - path: ../../data/{dataset}/processed\n      hash: md5\n"
        f"      md5: {seed:032x}.dir\n      size: {1000 + seed * 17}\n      nfiles: 2\n"
    )


def write_tags(repo: Path, versions: list[FakeVersion], branch: str = "refs/heads/generated-tags") -> None:
    """Commit each version's files on `branch` (never the checked-out one) and tag it, annotated."""
    chunks: list[bytes] = []
    for mark, item in enumerate(versions, start=1):
        when = EPOCH + mark * 3600
        seed = mark
        tag = f"{item.dataset}-v{item.version}"
        files = (
            _collection_files(item, seed)
            if item.dataset.startswith("collection-")
            else {
                f"pipelines/{item.dataset}/dvc.yaml": dvc_yaml(item.dataset, item.labels),
                f"pipelines/{item.dataset}/dvc.lock": dvc_lock(item.dataset, seed),
                f"pipelines/{item.dataset}/README.md": item.card or f"# {item.dataset}\n\nGenerated.\n",
                f"data/{item.dataset}/metadata.json": item.document
                if isinstance(item.document, str)
                else json.dumps(item.document, indent=2, sort_keys=True),
            }
        )
        if item.plot_csv is not None and not item.dataset.startswith("collection-"):
            files[f"data/{item.dataset}/plots/classes.csv"] = item.plot_csv
        chunks.append(_commit(branch, mark, when, f"version {tag}", files, first=mark == 1))
        chunks.append(
            _data(
                f"tag {tag}\nfrom :{mark}\ntagger Registry Test <test@registry.invalid> {when} +0000\n",
                f"{tag}: {item.reason}\n\ncreated: generated\n",
            )
        )
    subprocess.run(
        ["git", "fast-import", "--quiet"], cwd=repo, env=tool_env(), input=b"".join(chunks), check=True
    )


def _collection_files(item: FakeVersion, seed: int) -> dict[str, str]:
    """A collection version is its `.dvc` file (`collection-<name>-vX.Y.Z` tags)."""
    name = item.dataset.removeprefix("collection-")
    return {
        f"data/collections/{name}.dvc": (
            f"outs:\n- md5: {seed:032x}.dir\n  size: {2048 * seed}\n  nfiles: {10 + seed}\n"
            f"  hash: md5\n  path: {name}\n"
        )
    }


def _commit(branch: str, mark: int, when: int, message: str, files: dict[str, str], first: bool) -> bytes:
    head = f"commit {branch}\nmark :{mark}\ncommitter Registry Test <test@registry.invalid> {when} +0000\n"
    body = _data(head, message)
    if not first:
        body += f"from :{mark - 1}\n".encode()
    for path, text in files.items():
        body += _data(f"M 100644 inline {path}\n", text)
    return body + b"\n"


def _data(header: str, text: str) -> bytes:
    payload = text.encode()
    return header.encode() + f"data {len(payload)}\n".encode() + payload + b"\n"
