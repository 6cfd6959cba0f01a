"""Find the images of a collection that a training job could not use, and say why.

Every file is fully decoded (`Image.load()`): `Image.verify()` alone reads only the
headers and chunk checksums, so a JPEG cut off mid-scan passes it. Decoding is
CPU-bound, so files are spread over a process pool; each worker opens the files
itself, so only paths and short verdicts cross process boundaries.
"""

from __future__ import annotations

import contextlib
import io
import os
import warnings
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from data_registry.formats import parquet

# What a file's extension promises; a file whose decoded format differs is "wrong format".
EXTENSION_FORMATS = {
    ".jpg": "JPEG",
    ".jpeg": "JPEG",
    ".png": "PNG",
    ".gif": "GIF",
    ".bmp": "BMP",
    ".webp": "WEBP",
    ".tif": "TIFF",
    ".tiff": "TIFF",
}
CHUNK_FILES = 64
# Pillow's own decompression-bomb limit (Image.MAX_IMAGE_PIXELS, ~89.5 megapixels): the default
# of clean-images' `max_pixels` param. A 30000x30000 PNG is under 1 MB on disk but 900 MB decoded.
DEFAULT_MAX_PIXELS = 89_478_485


@dataclass(frozen=True)
class Verdict:
    """One file's check: `reason` is None for a usable image, else why it is removed."""

    path: str
    reason: str | None
    format: str | None = None
    width: int = 0
    height: int = 0
    content: bytes = field(default=b"", repr=False, compare=False)


def check_file(path: str, formats: Sequence[str], max_pixels: int = DEFAULT_MAX_PIXELS) -> Verdict:
    """Decode one file fully; a short, stable reason when it cannot be used.

    The bytes are read once and kept with a usable image's verdict, so what is stored
    is exactly what was checked, and the file is not read a second time. The pixel
    count is checked from the header, before `load()` allocates the decoded image.
    """
    from PIL import Image, UnidentifiedImageError

    try:
        content = Path(path).read_bytes()
        if not content:
            return Verdict(path, "empty file")
        with pillow_limit(None), Image.open(io.BytesIO(content)) as image:
            found = image.format or "unknown"
            expected = EXTENSION_FORMATS.get(Path(path).suffix.lower())
            if found not in formats:
                return Verdict(path, f"wrong format: {found}, expected one of {', '.join(formats)}")
            if expected != found:
                return Verdict(path, f"wrong format: {found} data in a {Path(path).suffix} file")
            if image.width * image.height > max_pixels:
                return Verdict(path, _too_large(image.width, image.height, max_pixels))
            image.load()
            return Verdict(path, None, found, image.width, image.height, content)
    except UnidentifiedImageError:
        return Verdict(path, "unreadable: not an image")
    except (OSError, SyntaxError, ValueError) as error:  # Pillow's decoders raise all three
        message = str(error)
        reason = "truncated" if "truncated" in message or "broken data stream" in message else "undecodable"
        return Verdict(path, f"{reason}: {message}"[:200])


def _too_large(width: int, height: int, max_pixels: int) -> str:
    return f"too large: {width}x{height} = {width * height} pixels, over the limit of {max_pixels}"


@contextlib.contextmanager
def pillow_limit(max_pixels: int | None) -> Iterator[None]:
    """Pillow's own bomb check at `open` set to `max_pixels` (None: off, as in `check_file`, whose
    size check right after `open` reports the file with a stable reason instead of Pillow's warning
    or error). Pillow keeps the limit in a module global, so it is changed only around one open."""
    from PIL import Image

    previous = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = max_pixels
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            yield
    finally:
        Image.MAX_IMAGE_PIXELS = previous


def _check_chunk(paths: Sequence[str], formats: Sequence[str], max_pixels: int) -> list[Verdict]:
    return [check_file(path, formats, max_pixels) for path in paths]


def check_files(
    paths: Iterable[Path],
    formats: Sequence[str],
    workers: int | None = None,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> list[Verdict]:
    """Verdicts in the order of `paths`; `workers` processes (default: the usable cores), or
    in-process for `workers=1` and small inputs where starting a pool costs more than it saves."""
    names = [str(path) for path in paths]
    workers = workers or usable_cores()
    chunks = [names[start : start + CHUNK_FILES] for start in range(0, len(names), CHUNK_FILES)]
    if workers == 1 or len(chunks) <= 1:
        return _check_chunk(names, formats, max_pixels)
    with ProcessPoolExecutor(max_workers=workers) as pool:
        results = pool.map(_check_chunk, chunks, [tuple(formats)] * len(chunks), [max_pixels] * len(chunks))
        return [verdict for chunk in results for verdict in chunk]


def usable_cores() -> int:
    """Cores this process may run on (a container's CPU set, not the host's count)."""
    if hasattr(os, "sched_getaffinity"):  # Linux; macOS and Windows lack it
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def list_files(folder: Path) -> list[Path]:
    """Every regular file under `folder` in a stable order, hidden files included: a stray
    `.DS_Store` is reported as unreadable rather than silently ignored."""
    return sorted(path for path in folder.rglob("*") if path.is_file())


@dataclass(frozen=True)
class Removal:
    """The outcome of `remove_corrupted`: how many files were checked and which were dropped."""

    checked: int
    kept: int
    removed: list[dict[str, str]]  # {"path": relative path, "reason": why}, sorted by path


def remove_corrupted(
    folder: Path,
    out: Path,
    classes: Sequence[str],
    formats: Sequence[str],
    workers: int | None = None,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> Removal:
    """Check every file under `folder` (one subfolder per class) and write the usable ones to `out`.

    The parquet holds `path` (relative to `folder`), `label` (index of the subfolder in
    `classes`), `format`, `width`, `height` and `image` (the file's bytes, unchanged).
    """
    verdicts = check_files(list_files(folder), formats, workers, max_pixels)
    kept = [verdict for verdict in verdicts if verdict.reason is None]
    parquet.write(_kept_table(kept, folder, classes), out, metadata={"classes": list(classes)})
    removed = [
        {"path": Path(verdict.path).relative_to(folder).as_posix(), "reason": verdict.reason}
        for verdict in verdicts
        if verdict.reason is not None
    ]
    return Removal(checked=len(verdicts), kept=len(kept), removed=removed)


def reason_kind(reason: str) -> str:
    """`truncated: image file is truncated (3 bytes…)` -> `truncated`: for counting by kind."""
    return reason.split(":", 1)[0]


def _kept_table(kept: Sequence[Verdict], folder: Path, classes: Sequence[str]) -> pa.Table:
    relative = [Path(verdict.path).relative_to(folder) for verdict in kept]
    index = {name: label for label, name in enumerate(classes)}
    return pa.table(
        {
            "path": pa.array([path.as_posix() for path in relative], pa.string()),
            "label": pa.array([index[path.parts[0]] for path in relative], pa.int64()),
            "format": pa.array([verdict.format for verdict in kept], pa.string()),
            "width": pa.array([verdict.width for verdict in kept], pa.int32()),
            "height": pa.array([verdict.height for verdict in kept], pa.int32()),
            "image": pa.array([verdict.content for verdict in kept], pa.binary()),
        }
    )
