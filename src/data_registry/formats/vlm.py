"""Image-caption sources -> VLM instruction records in the Qwen-VL conversation format.

A record is `{"image": <bytes>, "conversations": [{"from": "human", "value": "<image>\\n<prompt>"},
{"from": "gpt", "value": "<caption>"}]}` plus a stable `id` and facts a consumer filters on
(modality, image size and format). Rows a fine-tuning job could not use (an unreadable image,
an empty caption) are dropped here and returned with the reason, so lineage names each one.
Image decoding is image_checks' job; this module only feeds it the bytes.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from data_registry.core.errors import CorruptSource
from data_registry.formats import image_checks, parquet, prompts, splits

IMAGE_TOKEN = "<image>"
HUMAN, ASSISTANT = "human", "gpt"
UNKNOWN_MODALITY = "unknown"
SHARD_NAME = "part-{index:05d}.parquet"
TURN = pa.struct([("from", pa.string()), ("value", pa.string())])
RECORD_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("image", pa.binary()),
        ("conversations", pa.list_(TURN)),
        ("modality", pa.string()),
        ("width", pa.int32()),
        ("height", pa.int32()),
        ("image_format", pa.string()),
        ("cui", pa.list_(pa.string())),
    ]
)
# Extension a temporary file gets for a format, so image_checks' extension rule holds for bytes
# that never had a file name.
FORMAT_EXTENSIONS = {fmt: ext for ext, fmt in reversed(image_checks.EXTENSION_FORMATS.items())}


@dataclass(frozen=True)
class Dropped:
    """A source row left out of the dataset: which file and row it was, and why."""

    id: str
    file: str
    row: int
    reason: str


def read_source(path: Path, columns: Mapping[str, str]) -> pa.Table:
    """One published parquet file as `id`, `image` (bytes), `image_path`, `caption`, `cui`, plus
    `source_file` / `source_row` so a dropped row can be named in lineage.

    `columns` maps those names to the file's own (e.g. `id: image_id`); the image column may be
    the `datasets` Image struct (`{bytes, path}`) or plain bytes.
    """
    try:
        table = parquet.read(path)
    except (OSError, pa.ArrowInvalid) as error:
        raise CorruptSource(f"{path.name} is not a readable parquet file: {error}") from error
    missing = sorted(set(columns.values()) - set(table.column_names))
    if missing:
        raise CorruptSource(f"{path.name} lacks the columns {missing}")
    image = table[columns["image"]]
    if pa.types.is_struct(image.type):
        image_path = pc.struct_field(image, "path") if "path" in {f.name for f in image.type} else None
        image = pc.struct_field(image, "bytes")
    else:
        image_path = None
    n_rows = table.num_rows
    cui = table[columns["cui"]] if "cui" in columns else pa.nulls(n_rows, pa.list_(pa.string()))
    return pa.table(
        {
            "id": table[columns["id"]].cast(pa.string()),
            "image": image.cast(pa.binary()),
            "image_path": image_path.cast(pa.string())
            if image_path is not None
            else pa.nulls(n_rows, pa.string()),
            "caption": table[columns["caption"]].cast(pa.string()),
            "cui": cui.cast(pa.list_(pa.string())),
            "source_file": pa.array([path.name] * n_rows, pa.string()),
            "source_row": pa.array(np.arange(n_rows, dtype=np.int64)),
        }
    )


def sample(table: pa.Table, seed: int, max_samples: int = 0) -> pa.Table:
    """The rows in a seeded shuffled order, cut to `max_samples` (0: all) for a development subset."""
    order = np.random.default_rng([seed, splits.SPLIT_STREAM]).permutation(table.num_rows)
    return table.take(order[:max_samples] if max_samples else order)


def check_rows(
    table: pa.Table, formats: Sequence[str], workers: int | None = None
) -> tuple[pa.Table, list[Dropped]]:
    """Keep rows with a non-empty caption and a fully decodable image of an allowed format;
    adds `width`, `height`, `image_format`. Returns the kept rows and the dropped ones."""
    empty = pc.fill_null(pc.equal(pc.utf8_trim_whitespace(table["caption"]), ""), True).to_pylist()
    verdicts = _image_verdicts(table, formats, workers)
    reasons = [
        "empty caption" if no_caption else verdict.reason
        for no_caption, verdict in zip(empty, verdicts, strict=True)
    ]
    keep = np.array([reason is None for reason in reasons], dtype=bool)
    kept = table.filter(pa.array(keep))
    usable = [verdict for verdict, ok in zip(verdicts, keep, strict=True) if ok]
    kept = kept.append_column("width", pa.array([v.width for v in usable], pa.int32()))
    kept = kept.append_column("height", pa.array([v.height for v in usable], pa.int32()))
    kept = kept.append_column("image_format", pa.array([v.format for v in usable], pa.string()))
    ids, files, rows = (table[name].to_pylist() for name in ("id", "source_file", "source_row"))
    dropped = [
        Dropped(ids[index], files[index], rows[index], reason)
        for index, reason in enumerate(reasons)
        if reason is not None
    ]
    return kept, sorted(dropped, key=lambda item: (item.file, item.row))


def modalities(cuis: pa.ChunkedArray, concepts: Mapping[str, str]) -> pa.Array:
    """Each row's imaging modality: the first of its UMLS concepts that `concepts` names
    (e.g. C0040405 -> CT), else `unknown`."""
    found = [
        next((concepts[cui] for cui in row or [] if cui in concepts), UNKNOWN_MODALITY)
        for row in cuis.to_pylist()
    ]
    return pa.array(found, pa.string())


def records(table: pa.Table, template: str, concepts: Mapping[str, str]) -> pa.Table:
    """Rows with their conversation: the prompt (its `{{modality}}` filled per row) asks, the
    caption answers. Typed with RECORD_SCHEMA."""
    modality = modalities(table["cui"], concepts)
    rendered = {
        name: prompts.render(template, {"modality": name}) for name in pc.unique(modality).to_pylist()
    }
    conversations = [
        [
            {"from": HUMAN, "value": f"{IMAGE_TOKEN}\n{rendered[name]}"},
            {"from": ASSISTANT, "value": caption.strip()},
        ]
        for name, caption in zip(modality.to_pylist(), table["caption"].to_pylist(), strict=True)
    ]
    columns = {
        "id": table["id"],
        "image": table["image"],
        "conversations": pa.array(conversations, pa.list_(TURN)),
        "modality": modality,
        "width": table["width"],
        "height": table["height"],
        "image_format": table["image_format"],
        "cui": table["cui"],
    }
    return pa.table(columns, schema=RECORD_SCHEMA)


def train_val_test(
    table: pa.Table, val_fraction: float, test_fraction: float, seed: int
) -> dict[str, pa.Table]:
    """Three splits of an already shuffled table; each keeps that (seeded) order."""
    rest, test = splits.train_val_indices(table.num_rows, test_fraction, seed)
    remaining = table.take(rest)
    train, val = splits.train_val_indices(remaining.num_rows, val_fraction / (1 - test_fraction), seed)
    return {"train": remaining.take(train), "val": remaining.take(val), "test": table.take(test)}


def write_shards(table: pa.Table, folder: Path, shard_rows: int, metadata: Mapping[str, Any]) -> list[Path]:
    """A split as a few parquet files of at most `shard_rows` rows (one file at least)."""
    paths = []
    for index, start in enumerate(range(0, max(table.num_rows, 1), shard_rows)):
        path = folder / SHARD_NAME.format(index=index)
        parquet.write(table.slice(start, shard_rows), path, metadata)
        paths.append(path)
    return paths


def captions(table: pa.Table) -> pa.ChunkedArray:
    """The answers of the records' conversations: the captions as they were kept."""
    return pc.struct_field(pc.list_element(table["conversations"], 1), "value")


def shards(folder: Path) -> list[Path]:
    return sorted(folder.glob("part-*.parquet"))


def _image_verdicts(
    table: pa.Table, formats: Sequence[str], workers: int | None
) -> list[image_checks.Verdict]:
    """Check the images as files, the form image_checks decodes in parallel."""
    with tempfile.TemporaryDirectory(prefix="vlm-images-") as folder:
        paths = []
        for index, (data, name) in enumerate(
            zip(table["image"].to_pylist(), table["image_path"].to_pylist(), strict=True)
        ):
            path = Path(folder) / f"{index:07d}{_extension(data or b'', name)}"
            path.write_bytes(data or b"")
            paths.append(path)
        return image_checks.check_files(paths, formats, workers)


def _extension(data: bytes, name: str | None) -> str:
    """The published file name's extension when it has a known one (so a PNG posing as .jpg is
    caught), else the one of the format the bytes announce."""
    suffix = Path(name or "").suffix.lower()
    if suffix in image_checks.EXTENSION_FORMATS:
        return suffix
    from PIL import Image, UnidentifiedImageError

    try:
        # Header only, no limit: a bomb gets its real extension here and is removed as
        # "too large" by check_files, before anything is decoded.
        with image_checks.pillow_limit(None), Image.open(io.BytesIO(data)) as image:
            return FORMAT_EXTENSIONS.get(image.format or "", ".unknown")
    except (UnidentifiedImageError, OSError, ValueError):
        return ".unknown"
