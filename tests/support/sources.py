"""Small generated sources in their real published formats, for the pipelines under test:
UCI wine CSVs (semicolon-separated, quoted header), Hugging Face parquet splits, and image
folders with good and corrupted JPEG/PNG files."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

WINE_HEADER = (
    '"fixed acidity";"volatile acidity";"citric acid";"residual sugar";"chlorides";'
    '"free sulfur dioxide";"total sulfur dioxide";"density";"pH";"sulphates";"alcohol";"quality"'
)
# Per-measurement ranges inside those of the real UCI files, so the pipeline's expectations hold.
WINE_LOW = np.array([4.6, 0.12, 0.0, 0.9, 0.012, 1, 6, 0.99, 2.9, 0.33, 8.4])
WINE_HIGH = np.array([15.0, 1.5, 1.0, 60.0, 0.6, 70, 400, 1.03, 4.0, 1.9, 14.5])
EMOTION_CLASSES = ["sadness", "joy", "love", "anger", "fear", "surprise"]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_wine_csv(path: Path, n_rows: int, seed: int, duplicates: int = 0) -> str:
    """A UCI-style wine CSV; the last `duplicates` rows repeat earlier ones. Returns its sha256."""
    rng = np.random.default_rng(seed)
    lines = [WINE_HEADER]
    for _ in range(n_rows - duplicates):
        values = rng.uniform(WINE_LOW, WINE_HIGH).round(3)
        free_sulfur = int(rng.integers(1, 70))  # whole numbers in the real files too
        quality = int(rng.choice([3, 4, 5, 6, 7, 8], p=[0.05, 0.1, 0.35, 0.3, 0.15, 0.05]))
        fields = [f"{v:g}" for v in values[:5]] + [str(free_sulfur)] + [f"{v:g}" for v in values[6:]]
        lines.append(";".join([*fields, str(quality)]))
    lines += lines[1 : duplicates + 1]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    return sha256(path)


def write_hf_parquet(path: Path, texts: list[str], labels: list[int]) -> str:
    """A split as `datasets` publishes it: `text` string, `label` int64, features in the schema."""
    features = (
        '{"info": {"features": {"text": {"dtype": "string", "_type": "Value"}, '
        '"label": {"names": ' + str(EMOTION_CLASSES).replace("'", '"') + ', "_type": "ClassLabel"}}}}'
    )
    table = pa.table({"text": pa.array(texts, pa.string()), "label": pa.array(labels, pa.int64())})
    table = table.replace_schema_metadata({b"huggingface": features.encode()})
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path)
    return sha256(path)


def emotion_texts(n_rows: int, seed: int) -> tuple[list[str], list[int]]:
    rng = np.random.default_rng(seed)
    words = ["i", "feel", "so", "very", "today", "happy", "sad", "angry", "loved", "scared", "amazed"]
    texts = [" ".join(rng.choice(words, size=int(rng.integers(3, 12)))) for _ in range(n_rows)]
    return texts, [int(label) for label in rng.integers(0, len(EMOTION_CLASSES), size=n_rows)]


def image_bytes(fmt: str, seed: int, size: tuple[int, int] = (16, 12)) -> bytes:
    from PIL import Image

    pixels = np.random.default_rng(seed).integers(0, 256, size=(size[1], size[0], 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format=fmt)
    return buffer.getvalue()


def write_image_collection(folder: Path, n_good: int, seed: int) -> list[Path]:
    """`n_good` valid images (JPEG and PNG alternating, in two subfolders), sorted."""
    written = []
    for index in range(n_good):
        fmt, ext = ("JPEG", "jpg") if index % 2 == 0 else ("PNG", "png")
        path = folder / f"part{index % 2}" / f"img{seed}_{index:05d}.{ext}"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(image_bytes(fmt, seed * 100_000 + index))
        written.append(path)
    return sorted(written)


def inject_corrupted(folder: Path, seed: int) -> dict[str, str]:
    """One file of each corruption the pipeline must catch; {path relative to folder: reason word}."""
    folder.mkdir(parents=True, exist_ok=True)
    jpeg, png = image_bytes("JPEG", seed, (64, 64)), image_bytes("PNG", seed + 1, (64, 64))
    bad = {
        "empty.jpg": (b"", "empty"),
        "truncated.jpg": (jpeg[: len(jpeg) // 2], "truncated"),
        "truncated.png": (png[: len(png) * 2 // 3], "truncated"),
        "notes.png": (b"this is not an image at all\n" * 20, "unreadable"),
        "animation.gif": (image_bytes("GIF", seed + 2), "format"),
        "really-a-png.jpg": (png, "format"),
    }
    for name, (content, _) in bad.items():
        (folder / name).write_bytes(content)
    return {name: reason for name, (_, reason) in bad.items()}
