"""A decompression bomb in the real PNG format, written cheaply: a 30000x30000 grayscale PNG
(900 megapixels) is ~0.9 MB on disk, since its rows of zeros compress ~1000:1."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

BOMB_SIDE = 30_000


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def write_png_bomb(path: Path, width: int = BOMB_SIDE, height: int = BOMB_SIDE) -> Path:
    """8-bit grayscale, every row filter 0 and all zero pixels, streamed through one compressor."""
    compressor = zlib.compressobj(9)
    block_rows = max(1, (32 << 20) // (width + 1))
    block = b"\0" * ((width + 1) * block_rows)  # per row: filter byte 0, then the pixels
    parts = [compressor.compress(block) for _ in range(height // block_rows)]
    parts.append(compressor.compress(b"\0" * ((width + 1) * (height % block_rows))))
    parts.append(compressor.flush())
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", b"".join(parts))
        + _chunk(b"IEND", b"")
    )
    return path
