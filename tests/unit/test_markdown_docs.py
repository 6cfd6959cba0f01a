from __future__ import annotations

from pathlib import Path

import pytest

from data_registry.core.errors import CorruptSource
from data_registry.sources.markdown_docs import MANIFEST, from_folder, read_raw, write_raw
from tests.support.readmes import REPOSITORIES


def make_folder(root: Path) -> Path:
    for repository, files in REPOSITORIES.items():
        for path, text in files.items():
            target = root / repository.split("/")[1] / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
    return root


def test_local_folder_gives_sorted_markdown_documents_that_round_trip(tmp_path: Path) -> None:
    documents = from_folder(make_folder(tmp_path / "src"), ["*.md"], max_files=10, max_bytes=10_000)
    assert [d.name for d in documents] == [
        "breadbox/README.md",
        "starchart/README.md",
        "tidepool/README.md",
        "tidepool/docs/moon.md",
    ]
    write_raw(reversed(documents), tmp_path / "raw")
    first = (tmp_path / "raw" / MANIFEST).read_bytes()
    assert read_raw(tmp_path / "raw") == documents
    write_raw(documents, tmp_path / "raw")
    assert (tmp_path / "raw" / MANIFEST).read_bytes() == first


def test_local_folder_reads_only_the_named_repositories(tmp_path: Path) -> None:
    folder = make_folder(tmp_path / "src")
    (folder / ".venv" / "lib").mkdir(parents=True)
    (folder / ".venv" / "lib" / "README.md").write_text("# a dependency's readme")
    documents = from_folder(folder, ["*.md"], 10, 10_000, repositories=["tidepool", "starchart"])
    assert [d.name for d in documents] == [
        "starchart/README.md",
        "tidepool/README.md",
        "tidepool/docs/moon.md",
    ]


def test_a_file_that_no_longer_matches_its_manifest_is_refused(tmp_path: Path) -> None:
    write_raw(from_folder(make_folder(tmp_path / "src"), ["*.md"], 10, 10_000), tmp_path / "raw")
    (tmp_path / "raw" / "files" / "breadbox" / "README.md").write_text("tampered")
    with pytest.raises(CorruptSource, match="manifest checksum"):
        read_raw(tmp_path / "raw")
