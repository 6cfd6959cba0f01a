"""data_registry.sources.collection_folder: a collection's source folder is read without ever leaving it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from data_registry.core.errors import UnsafeCollectionFolder
from data_registry.sources import collection_folder


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    source = tmp_path / "cats"
    (source / "part0").mkdir(parents=True)
    (source / "part0" / "a.png").write_bytes(b"a")
    (source / "b.jpg").write_bytes(b"b")
    return source


def test_regular_files_are_listed_sorted_and_copied_byte_for_byte(folder: Path, tmp_path: Path) -> None:
    source, files = collection_folder.regular_files(folder)

    assert files == [Path("b.jpg"), Path("part0/a.png")]
    collection_folder.copy_files(source, files, tmp_path / "copy")
    assert (tmp_path / "copy" / "part0" / "a.png").read_bytes() == b"a"


def test_every_link_fifo_and_socket_is_named_in_one_refusal(folder: Path) -> None:
    import socket

    (folder / "passwd.png").symlink_to("/etc/passwd")
    (folder / "part0" / "etc").symlink_to("/etc")
    os.mkfifo(folder / "pipe.png")
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(folder / "sock"))
    try:
        with pytest.raises(UnsafeCollectionFolder) as raised:
            collection_folder.regular_files(folder)
    finally:
        server.close()

    line = raised.value.one_line()
    for named in ("'passwd.png' (symlink)", "'part0/etc' (symlink)", "'pipe.png' (FIFO)", "'sock' (socket)"):
        assert named in line
    assert "\n" not in line and raised.value.exit_code == 2


def test_a_file_swapped_for_a_link_after_the_walk_is_refused_at_copy(folder: Path, tmp_path: Path) -> None:
    source, files = collection_folder.regular_files(folder)
    (folder / "b.jpg").unlink()
    (folder / "b.jpg").symlink_to("/etc/passwd")

    with pytest.raises(UnsafeCollectionFolder, match=r"'b\.jpg'"):
        collection_folder.copy_files(source, files, tmp_path / "copy")
    assert not (tmp_path / "copy" / "b.jpg").exists()
