"""Markdown-aware chunking: sections under their header trail, packed into size-bounded chunks.

Chunks never straddle a section, so each one can be labelled with the headers it
sits under (what a reader of a search hit needs), and headers inside fenced code
blocks are not mistaken for sections. Sizes are in characters: cheap, deterministic,
and below the model's token window for the default sizes.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pyarrow as pa

_HEADER = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
HEADER_SEPARATOR = " > "
CHUNK_COLUMNS = ("id", "repository", "path", "headers", "chunk_index", "text")


@dataclass(frozen=True)
class Chunk:
    headers: str
    index: int
    text: str


def sections(markdown: str) -> Iterator[tuple[str, str]]:
    """(header trail, body) per section, in document order; empty bodies are skipped."""
    trail: list[tuple[int, str]] = []
    body: list[str] = []
    in_fence = False

    def flush() -> tuple[str, str]:
        return HEADER_SEPARATOR.join(title for _, title in trail), "\n".join(body).strip()

    for line in markdown.splitlines():
        if _FENCE.match(line):
            in_fence = not in_fence
        header = None if in_fence else _HEADER.match(line)
        if header is None:
            body.append(line)
            continue
        headers, text = flush()
        if text:
            yield headers, text
        level = len(header.group(1))
        trail = [*(entry for entry in trail if entry[0] < level), (level, header.group(2))]
        body = []
    headers, text = flush()
    if text:
        yield headers, text


def split_text(text: str, size: int, overlap: int) -> list[str]:
    """Pack paragraphs into pieces of at most `size` characters; each new piece starts with the
    last `overlap` characters of the previous one (cut at a word start) so no sentence is lost
    at a boundary."""
    if size <= overlap:
        raise ValueError("chunk size must be larger than the overlap")
    pieces: list[str] = []
    current = ""
    for paragraph in _paragraph_windows(text, size - overlap):
        candidate = f"{current}\n\n{paragraph}" if current else paragraph
        if len(candidate) <= size:
            current = candidate
            continue
        pieces.append(current)
        carried = _tail(current, overlap)
        current = f"{carried} {paragraph}" if carried else paragraph
    if current:
        pieces.append(current)
    return pieces


def _paragraph_windows(text: str, width: int) -> Iterator[str]:
    """Paragraphs, with any paragraph longer than `width` cut into word-aligned windows."""
    for paragraph in re.split(r"\n\s*\n", text):
        paragraph = paragraph.strip()
        while len(paragraph) > width:
            cut = paragraph.rfind(" ", 0, width)
            cut = cut if cut > 0 else width
            yield paragraph[:cut].strip()
            paragraph = paragraph[cut:].strip()
        if paragraph:
            yield paragraph


def _tail(text: str, length: int) -> str:
    """The last `length` characters from the first word that starts inside them: all of them
    when a word starts exactly there (that word used to be dropped too)."""
    if length <= 0:
        return ""
    start = max(len(text) - length, 0)
    if start == 0 or text[start - 1] == " ":
        return text[start:]
    space = text.find(" ", start)
    return text[space + 1 :] if 0 <= space < len(text) - 1 else text[start:]


def chunk_markdown(markdown: str, size: int, overlap: int) -> list[Chunk]:
    chunks: list[Chunk] = []
    for headers, body in sections(markdown):
        for text in split_text(body, size, overlap):
            chunks.append(Chunk(headers, len(chunks), text))
    return chunks


def chunk_id(repository: str, path: str, index: int, text: str) -> str:
    """Stable id from what the chunk is (never a random UUID): same input, same id, same bytes."""
    digest = hashlib.sha256("\0".join((repository, path, str(index), text)).encode())
    return digest.hexdigest()[:32]


def embedding_input(chunk_headers: str, text: str) -> str:
    """What the model sees: the header trail gives a short chunk its topic."""
    return f"{chunk_headers}\n{text}" if chunk_headers else text


def chunk_documents(documents: pa.Table, size: int, overlap: int) -> pa.Table:
    """One row per chunk of each document (`repository`, `path`, `text` columns), in input order."""
    import pyarrow as pa

    rows: dict[str, list[Any]] = {name: [] for name in CHUNK_COLUMNS}
    for repository, path, markdown in zip(
        *(documents.column(name).to_pylist() for name in ("repository", "path", "text")), strict=True
    ):
        for chunk in chunk_markdown(markdown, size, overlap):
            rows["id"].append(chunk_id(repository, path, chunk.index, chunk.text))
            rows["repository"].append(repository)
            rows["path"].append(path)
            rows["headers"].append(chunk.headers)
            rows["chunk_index"].append(chunk.index)
            rows["text"].append(chunk.text)
    return pa.table(rows, schema=chunk_schema())


def chunk_schema() -> pa.Schema:
    import pyarrow as pa

    return pa.schema(
        [
            ("id", pa.string()),
            ("repository", pa.string()),
            ("path", pa.string()),
            ("headers", pa.string()),
            ("chunk_index", pa.int32()),
            ("text", pa.string()),
        ]
    )
