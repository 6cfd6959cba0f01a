from __future__ import annotations

import itertools

import pyarrow as pa
import pytest

from data_registry.embeddings.chunking import chunk_documents, chunk_id, chunk_markdown, sections, split_text

MARKDOWN = """Intro line before any header.

# Title

Top text.

## Install

pip install thing

```bash
# a comment, not a header
make
```

### Deep

Deep text.

## Usage

Use it.
"""


def test_sections_carry_their_header_trail_and_ignore_headers_in_code_fences() -> None:
    found = list(sections(MARKDOWN))
    assert [headers for headers, _ in found] == [
        "",
        "Title",
        "Title > Install",
        "Title > Install > Deep",
        "Title > Usage",
    ]
    assert "# a comment, not a header" in found[2][1]


def test_chunks_respect_size_and_repeat_the_overlap() -> None:
    text = " ".join(f"word{index}" for index in range(400))
    pieces = split_text(text, size=200, overlap=40)
    assert all(len(piece) <= 200 for piece in pieces)
    for previous, current in itertools.pairwise(pieces):
        carried = current.split(" ")[0]
        assert carried in previous.split(" ")[-8:]
    rebuilt = set(" ".join(pieces).split())
    assert rebuilt == set(text.split())


def _last_words_within(text: str, limit: int) -> str:
    """The longest run of whole words ending `text` that is at most `limit` characters long."""
    starts = [0, *(index + 1 for index, char in enumerate(text) if char == " ")]
    return next(text[start:] for start in starts if len(text) - start <= limit)


@pytest.mark.parametrize("overlap", [20, 41, 64])
def test_each_chunk_starts_with_the_previous_chunks_last_overlap_characters_cut_at_a_word(
    overlap: int,
) -> None:
    # words of 2 to 9 characters, so the last `overlap` characters sometimes start exactly at a word
    text = " ".join(f"w{index}" + "x" * (index * 5 % 7) for index in range(600))
    pieces = split_text(text, size=200, overlap=overlap)

    carried = []
    for previous, current in itertools.pairwise(pieces):
        expected = _last_words_within(previous, overlap)
        assert current.startswith(f"{expected} "), (previous[-overlap - 10 :], current[: overlap + 10])
        carried.append(len(expected))
    assert overlap in carried  # the exact case (a word starts `overlap` characters from the end) ran
    assert min(carried) < overlap  # and the cut case (the last `overlap` characters start mid-word)


def test_chunk_ids_are_stable_and_depend_on_every_field() -> None:
    assert chunk_id("o/r", "README.md", 0, "text") == chunk_id("o/r", "README.md", 0, "text")
    variants = {
        chunk_id("o/r", "README.md", 0, "text"),
        chunk_id("o/x", "README.md", 0, "text"),
        chunk_id("o/r", "docs.md", 0, "text"),
        chunk_id("o/r", "README.md", 1, "text"),
        chunk_id("o/r", "README.md", 0, "other"),
    }
    assert len(variants) == 5


def test_chunk_documents_numbers_chunks_per_document() -> None:
    documents = pa.table(
        {"repository": ["o/a", "o/b"], "path": ["README.md", "README.md"], "text": [MARKDOWN, "# B\n\nb"]}
    )
    table = chunk_documents(documents, size=200, overlap=20)
    assert table.column("chunk_index").to_pylist() == [*range(len(chunk_markdown(MARKDOWN, 200, 20))), 0]
    assert table.column("headers").to_pylist()[-1] == "B"
    assert table.equals(chunk_documents(documents, size=200, overlap=20))
