"""A version's processed files, copied out only as the bytes its dvc.lock names.

Plain `dvc get` and `DVCFileSystem` trust the remote: a flipped byte in an object reaches the
reader with no error. Here the expected digests come only from trusted places: the processed
out's md5 in dvc.lock at the tag (git), and the `.dir` listing, which itself comes from the
remote and is trusted only once its bytes hash to the `<md5>.dir` the lock names. Each file is
hashed while it streams into a staging folder (one pass), and the folder is renamed into place
only when every file matched: a mismatch leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import posixpath
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO, Protocol

from data_registry.client import files
from data_registry.client.location import Registry
from data_registry.core import dvc, layout, lockfile
from data_registry.core.atomic import atomic_dir
from data_registry.core.errors import CorruptObject, RemoteError, UnknownSplit

CHUNK = 1 << 23
PARALLEL_FILES = 4  # each holds three CHUNK buffers


@dataclass(frozen=True)
class Entry:
    """One file of the processed out: its path inside the out and its md5 from the listing."""

    relpath: str
    md5: str

    @property
    def split(self) -> str:
        return self.relpath.split(posixpath.sep, 1)[0]


class ObjectSource(Protocol):
    """Where objects come from (`dvc.Objects`: the DVC cache, else the remote); never trusted."""

    @property
    def location(self) -> str: ...

    def open(self, md5: str) -> tuple[BinaryIO, str | None]: ...


@dataclass
class VersionFiles:
    """A folder out of one tag (a dataset's processed data, a collection), read through DVC's
    object stores and checked on the way."""

    dataset: str  # as `data-registry verify` names it: `fashion-mnist`, `collection:cats`
    tag: str
    objects: ObjectSource
    folder_md5: str
    folder: str  # repo-relative path of the folder out

    def entries(self) -> list[Entry]:
        """The `.dir` listing, trusted only if it hashes to the md5 dvc.lock gives the folder."""
        with self._open(self.folder_md5, self.folder) as (stream, cached):
            content = stream.read()
        actual = hashlib.md5(content, usedforsecurity=False).hexdigest()
        self.checks.digest(actual, self.folder_md5, self.folder, cached)
        return [Entry(item["relpath"], item["md5"]) for item in json.loads(content)]

    def split(self, name: str, entries: list[Entry]) -> list[Entry]:
        """The split's parquet files, sorted; a clear error naming the splits there are."""
        chosen = sorted(
            (entry for entry in entries if entry.split == name and entry.relpath.endswith(layout.PARQUET)),
            key=lambda entry: entry.relpath,
        )
        if not chosen:
            known = ", ".join(_splits(entries)) or "none"
            raise UnknownSplit(f"{self.dataset} at {self.tag} has no split {name!r} (splits: {known})")
        return chosen

    def copy(self, entries: list[Entry], folder: Path, keep_paths: bool = False) -> None:
        """Stream each file into `folder` (by file name, or at its path in the out with
        `keep_paths`), hashing as it goes; a mismatch raises.

        One md5 runs on one core, so the shards of a split are copied side by side."""
        names = [entry.relpath if keep_paths else PurePosixPath(entry.relpath).name for entry in entries]
        clashing = sorted({name for name in names if names.count(name) > 1})
        if clashing:  # two shards of one name in nested folders would overwrite each other
            raise RemoteError(f"{self.tag}: {self.folder} holds more than one {clashing[0]!r} in a split")
        folder.mkdir(parents=True, exist_ok=True)
        with ThreadPoolExecutor(max_workers=max(1, min(len(entries), PARALLEL_FILES))) as pool:
            copies = [pool.submit(self._copy, entry, folder, keep_paths) for entry in entries]
            for copied in copies:
                copied.result()

    def _copy(self, entry: Entry, folder: Path, keep_paths: bool) -> None:
        path = self.path_of(entry)
        relative = PurePosixPath(entry.relpath)
        if keep_paths and (relative.is_absolute() or ".." in relative.parts):
            raise RemoteError(f"{self.tag} lists a file outside its folder: {entry.relpath!r}")
        target = folder / (relative if keep_paths else relative.name)
        target.parent.mkdir(parents=True, exist_ok=True)
        with (
            self._open(entry.md5, path) as (source, cached),
            target.open("wb") as sink,
        ):
            digest = stream_md5(source, sink)
        self.checks.digest(digest, entry.md5, path, cached)

    def path_of(self, entry: Entry) -> str:
        """The entry's repo-relative path, as errors name it."""
        return f"{self.folder}/{entry.relpath}"

    @functools.cached_property
    def checks(self) -> Checks:
        """This version's checks, for readers that fetch the objects themselves (Ray's workers)."""
        version = self.tag.rsplit("-v", 1)[-1]
        hint = (
            f"run `data-registry verify {self.dataset} --version {version}` to list what is damaged, "
            "then push the version again from a checkout of its tag"
        )
        return Checks(self.tag, self.objects.location, hint)

    @contextlib.contextmanager
    def _open(self, md5: str, path: str) -> Iterator[tuple[Any, str | None]]:
        try:
            stream, cached = self.objects.open(md5)
        except FileNotFoundError:
            raise self.checks.missing(path, md5) from None
        with stream:
            yield stream, cached


@dataclass(frozen=True)
class Checks:
    """What a read of one version's objects must hold to, and the errors that say it did not;
    plain data, so it pickles into Ray's workers with the object paths."""

    tag: str
    location: str  # where the objects come from: the remote's URL
    hint: str

    def digest(
        self,
        actual: str,
        expected: str,
        path: str,
        cached: str | None = None,
        outcome: str = "nothing was written",
    ) -> None:
        """Raise CorruptObject unless `actual` is the md5 the version names for `path`."""
        if actual == expected.removesuffix(dvc.DIR_SUFFIX):
            return
        # a damaged local DVC cache is not the remote's fault, and `verify` would not see it
        hint = f"delete {cached} from the DVC cache and read again" if cached else self.hint
        raise CorruptObject(
            f"{self.tag}: {path} from {cached or self.location} does not match its md5 in "
            f"dvc.lock (expected {expected}, got {actual}); {outcome}",
            hint,
        )

    def missing(self, path: str, md5: str) -> RemoteError:
        return RemoteError(f"{self.tag}: {path} (md5 {md5}) is missing from {self.location}", self.hint)


class Readable(Protocol):
    def readinto(self, buffer: memoryview, /) -> int: ...


def stream_md5(source: Readable, sink: BinaryIO) -> str:
    """Copy `source` to `sink` in one pass and return the md5 of exactly the bytes written.

    md5 is the cost of verifying; reading the next chunk and writing the last one run in
    threads beside it (hashlib and file I/O release the GIL), so a verified copy takes about
    as long as hashing alone. Three buffers rotate (one read into, one hashed, one written)
    instead of a fresh 8 MiB allocation per chunk.
    """
    md5 = hashlib.md5(usedforsecurity=False)
    buffers = [bytearray(CHUNK) for _ in range(3)]

    def read(index: int) -> memoryview:
        view = memoryview(buffers[index % 3])
        return view[: source.readinto(view)]

    with ThreadPoolExecutor(max_workers=2) as pool:
        index = 0
        reading = pool.submit(read, index)
        writing: Future[int] | None = None
        while chunk := reading.result():
            index += 1
            # buffer index % 3 last held chunk index - 3, whose write was awaited below
            reading = pool.submit(read, index)
            md5.update(chunk)
            if writing is not None:
                writing.result()
            writing = pool.submit(sink.write, chunk)
        if writing is not None:
            writing.result()
    return md5.hexdigest()


def version_files(
    registry: Registry, dataset: str, tag: str
) -> contextlib.AbstractContextManager[VersionFiles]:
    """The processed out of `dataset` at `tag`, its md5 read from dvc.lock in git."""
    lock = files.read_text(registry, tag, layout.lock_path(dataset))
    outs = {layout.out_path(dataset, path): digest for path, digest in lockfile.out_hashes(lock).items()}
    folder_md5 = outs.get(layout.processed_path(dataset), "")
    if not folder_md5.endswith(dvc.DIR_SUFFIX):
        raise RemoteError(f"{tag}: dvc.lock names no processed folder for {dataset}")
    return folder_files(registry, dataset, tag, layout.processed_path(dataset), folder_md5)


@contextlib.contextmanager
def folder_files(
    registry: Registry, name: str, tag: str, folder: str, folder_md5: str
) -> Iterator[VersionFiles]:
    """The folder out at `folder` of `tag`, whose md5 the caller read from git (dvc.lock, .dvc)."""
    with files.dvc_errors(registry, tag), dvc.open_objects(registry.access, tag) as objects:
        yield VersionFiles(name, tag, objects, folder_md5, folder)


def materialize(registry: Registry, dataset: str, tag: str, split: str) -> Path:
    """The split's files in the client cache, fetched and checked once per registry and tag."""
    target = registry.cache_dir(tag) / split
    if target.is_dir():
        return target
    with version_files(registry, dataset, tag) as version:
        chosen = version.split(split, version.entries())
        with atomic_dir(target) as staging:
            version.copy(chosen, staging)
    return target


def copy_out(registry: Registry, dataset: str, tag: str, out: Path, split: str | None = None) -> Path:
    """Every split (or one) into `out`, one folder per split; all or nothing."""
    with version_files(registry, dataset, tag) as version:
        entries = version.entries()
        splits = [split] if split else _splits(entries)
        chosen = {name: version.split(name, entries) for name in splits}
        with atomic_dir(out) as staging:
            for name, listed in chosen.items():
                version.copy(listed, staging / name)
    return out


def _splits(entries: list[Entry]) -> list[str]:
    return sorted({entry.split for entry in entries if posixpath.sep in entry.relpath})
