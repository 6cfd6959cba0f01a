"""Verified copies of a version's files, against an in-memory object store that can lie.

The store stands in for the remote (what is untrusted); what is tested is the checking:
the `.dir` listing must hash to the md5 dvc.lock names, and every file to its entry.
"""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path
from typing import BinaryIO

import pytest

from data_registry.client import intact
from data_registry.core import layout
from data_registry.core.errors import CorruptObject, RemoteError, UnknownSplit

TAG = "ds-v1.2.0"


def md5(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


class Store:
    """Objects by md5, as a remote holds them: whatever bytes were put under a name."""

    location = "memory://remote"

    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}
        self.cached: dict[str, str] = {}  # objects served from a local cache file instead

    def put(self, data: bytes, name: str | None = None) -> str:
        self.objects[name or md5(data)] = data
        return name or md5(data)

    def open(self, name: str) -> tuple[BinaryIO, str | None]:
        if name not in self.objects:
            raise FileNotFoundError(name)
        return io.BytesIO(self.objects[name]), self.cached.get(name)

    def put_listing(self, files: dict[str, bytes]) -> str:
        entries = [{"md5": self.put(data), "relpath": relpath} for relpath, data in sorted(files.items())]
        # the exact bytes DVC hashes for a .dir object (dvc_data.hashfile.tree.Tree.as_bytes)
        listing = json.dumps(entries, sort_keys=True).encode()
        return self.put(listing, name=md5(listing) + ".dir")


FILES = {"train/train.parquet": b"train rows" * 1000, "val/val.parquet": b"val rows", "README": b"x"}


def version(store: Store, folder_md5: str) -> intact.VersionFiles:
    return intact.VersionFiles("ds", TAG, store, folder_md5, layout.processed_path("ds"))


def test_good_files_are_copied_by_split(tmp_path: Path) -> None:
    store = Store()
    files = version(store, store.put_listing(FILES))
    entries = files.entries()

    files.copy(files.split("train", entries), tmp_path / "train")

    assert (tmp_path / "train" / "train.parquet").read_bytes() == FILES["train/train.parquet"]
    with pytest.raises(UnknownSplit, match=r"splits: train, val\)"):
        files.split("test", entries)


def test_shards_of_one_name_in_nested_folders_are_refused_not_overwritten(tmp_path: Path) -> None:
    store = Store()
    nested = {"train/a/part-0.parquet": b"first half", "train/b/part-0.parquet": b"second half"}
    files = version(store, store.put_listing(nested))

    with pytest.raises(RemoteError, match=r"more than one 'part-0\.parquet'"):
        files.copy(files.split("train", files.entries()), tmp_path / "train")
    assert not (tmp_path / "train").exists()
    files.copy(files.entries(), tmp_path / "kept", keep_paths=True)  # a collection keeps paths
    assert (tmp_path / "kept" / "train" / "b" / "part-0.parquet").read_bytes() == b"second half"


def test_a_flipped_byte_names_tag_file_and_verify(tmp_path: Path) -> None:
    store = Store()
    files = version(store, store.put_listing(FILES))
    good = FILES["train/train.parquet"]
    store.put(good[:5] + b"X" + good[6:], name=md5(good))

    with pytest.raises(CorruptObject) as raised:
        files.copy(files.split("train", files.entries()), tmp_path / "train")

    line = raised.value.one_line()
    assert f"{TAG}: data/ds/processed/train/train.parquet from memory://remote" in line
    assert "`data-registry verify ds --version 1.2.0`" in line


def test_a_replaced_listing_is_refused_even_when_its_entries_are_consistent() -> None:
    """An attacker who rewrites the .dir can point it at objects that hash to their own names:
    only the md5 from dvc.lock (git) catches that."""
    store = Store()
    trusted = store.put_listing(FILES)
    forged = store.put_listing({**FILES, "train/train.parquet": b"poisoned rows"})
    store.put(store.objects[forged], name=trusted)

    with pytest.raises(CorruptObject, match="data/ds/processed from memory://remote does not match"):
        version(store, trusted).entries()


def test_a_missing_object_is_named(tmp_path: Path) -> None:
    store = Store()
    files = version(store, store.put_listing(FILES))
    del store.objects[md5(FILES["val/val.parquet"])]

    with pytest.raises(RemoteError, match=r"val/val\.parquet \(md5 \w+\) is missing from memory://remote"):
        files.copy(files.split("val", files.entries()), tmp_path / "val")


@pytest.mark.parametrize("size", [0, 1, 63, 64, 65, 2 * 64 + 7])
def test_stream_md5_writes_and_hashes_exactly_the_bytes_read(
    size: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(intact, "CHUNK", 64)  # several chunks in flight through the threads
    data = bytes(index % 251 for index in range(size))
    sink = io.BytesIO()
    assert intact.stream_md5(io.BytesIO(data), sink) == md5(data)
    assert sink.getvalue() == data


def test_a_damaged_local_cache_is_named_as_such(tmp_path: Path) -> None:
    """`data-registry verify` checks the remote only: pointing at it would send the user astray."""
    store = Store()
    files = version(store, store.put_listing(FILES))
    store.put(b"rotten", name=md5(FILES["val/val.parquet"]))
    store.cached[md5(FILES["val/val.parquet"])] = "/home/u/.dvc/cache/files/md5/ab/cdef"

    with pytest.raises(CorruptObject) as raised:
        files.copy(files.split("val", files.entries()), tmp_path / "val")

    line = raised.value.one_line()
    assert "val/val.parquet from /home/u/.dvc/cache/files/md5/ab/cdef does not match" in line
    assert line.endswith("(delete /home/u/.dvc/cache/files/md5/ab/cdef from the DVC cache and read again)")
