"""A small ROCO-style source in the published format of unsloth/Radiology_mini: a parquet file
with the `datasets` Image struct (`bytes`, `path`), `image_id`, `caption` and `cui` columns,
including rows a VLM dataset must drop (corrupted images, empty captions)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

CT, MRI = "C0040405", "C0024485"
FEATURES = {
    "info": {
        "features": {
            "image": {"_type": "Image"},
            "image_id": {"dtype": "string", "_type": "Value"},
            "caption": {"dtype": "string", "_type": "Value"},
            "cui": {"feature": {"dtype": "string", "_type": "Value"}, "_type": "Sequence"},
        }
    }
}
IMAGE = pa.struct([("bytes", pa.binary()), ("path", pa.string())])


def scan(seed: int, fmt: str, size: tuple[int, int]) -> bytes:
    """A grayscale, radiograph-like picture: a bright disc on a dark, noisy background."""
    from PIL import Image

    width, height = size
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width]
    disc = ((xx - width / 2) ** 2 + (yy - height / 2) ** 2) < (min(size) / 3) ** 2
    pixels = np.clip(disc * 170 + rng.normal(40, 15, size=(height, width)), 0, 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels, mode="L").save(buffer, format=fmt)
    return buffer.getvalue()


def rows(prefix: str, n_good: int, seed: int) -> list[dict]:
    """`n_good` usable rows, JPEG and PNG alternating, CT / MRI / no modality concept in turn."""
    concepts = [[CT, "C0817096"], [MRI], ["C0000726"]]
    found = []
    for index in range(n_good):
        fmt, ext = ("JPEG", "jpg") if index % 2 == 0 else ("PNG", "png")
        words = " ".join(["lesion", "in", "the", "left", "lobe"][: 2 + index % 4])
        found.append(
            {
                "image": {
                    "bytes": scan(seed + index, fmt, (24 + index % 3 * 8, 20)),
                    "path": f"{prefix}_{index:04d}.{ext}",
                },
                "image_id": f"{prefix}_{index:04d}",
                "caption": f"Axial image {index} showing a {words}. ",
                "cui": concepts[index % 3],
            }
        )
    return found


BAD = {
    "truncated": "truncated",
    "empty-image": "empty file",
    "not-an-image": "unreadable",
    "png-as-jpg": "wrong format",
    "no-caption": "empty caption",
    "blank-caption": "empty caption",
}


def broken(prefix: str, seed: int) -> list[dict]:
    jpeg, png = scan(seed, "JPEG", (48, 48)), scan(seed + 1, "PNG", (32, 32))
    images = {
        "truncated": (jpeg[: len(jpeg) // 2], "jpg"),
        "empty-image": (b"", "jpg"),
        "not-an-image": (b"<html>rate limited</html>" * 4, "png"),
        "png-as-jpg": (png, "jpg"),
        "no-caption": (png, "png"),
        "blank-caption": (jpeg, "jpg"),
    }
    captions = {"no-caption": None, "blank-caption": "   \n"}
    return [
        {
            "image": {"bytes": data, "path": f"{prefix}_{name}.{ext}"},
            "image_id": f"{prefix}_{name}",
            "caption": captions.get(name, f"A caption for {name}."),
            "cui": [CT],
        }
        for name, (data, ext) in images.items()
    ]


def write_source(path: Path, records: list[dict]) -> str:
    """The parquet file as the hub serves it; returns its sha256."""
    import hashlib

    table = pa.table(
        {
            "image": pa.array([row["image"] for row in records], IMAGE),
            "image_id": pa.array([row["image_id"] for row in records], pa.string()),
            "caption": pa.array([row["caption"] for row in records], pa.string()),
            "cui": pa.array([row["cui"] for row in records], pa.list_(pa.string())),
        }
    ).replace_schema_metadata({b"huggingface": json.dumps(FEATURES).encode()})
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path)
    return hashlib.sha256(path.read_bytes()).hexdigest()
