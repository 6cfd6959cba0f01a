"""Read a collection's source folder without ever reading anything outside it.

`add-collection` copies what a user points it at and pushes it to a shared remote,
so the walk refuses, rather than follows, everything that is not a regular file
or a real folder: a link (`passwd.png -> /etc/passwd`, `etc -> /etc`) would publish
files from outside the folder, and a FIFO or device would block or never end.
Refusing (instead of skipping) is deliberate: a collection that silently lost
files would be versioned as if complete. The copy re-checks each file as it opens
it (`O_NOFOLLOW`, then `fstat`), so a file swapped for a link after the walk is
refused too.
"""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

from data_registry.core.errors import UnsafeCollectionFolder, UsageError

SHOWN_ENTRIES = 5
COPY_CHUNK = 1 << 20


def regular_files(folder: Path) -> tuple[Path, list[Path]]:
    """The resolved folder and its regular files (relative, sorted); one error naming every
    entry that is a link, socket, FIFO or device."""
    source = folder.expanduser()
    if not source.is_dir():
        raise UsageError(
            f"collection folder {folder} does not exist or is not a folder",
            "pass the folder that holds the collection's images",
        )
    source = source.resolve()  # the folder the user named may itself be a link; its entries may not
    files: list[Path] = []
    refused: list[str] = []
    _walk(source, Path(), files, refused)
    if refused:
        shown = ", ".join(refused[:SHOWN_ENTRIES])
        more = f" and {len(refused) - SHOWN_ENTRIES} more" if len(refused) > SHOWN_ENTRIES else ""
        raise UnsafeCollectionFolder(
            f"collection folder {folder} holds {len(refused)} entries that are not regular files or folders: "
            f"{shown}{more}; "
            "nothing was copied"
        )
    if not files:
        raise UsageError(
            f"collection folder {folder} holds no files", "a collection needs at least one image"
        )
    return source, sorted(files)


def _walk(root: Path, relative: Path, files: list[Path], refused: list[str]) -> None:
    with os.scandir(root / relative) as entries:
        for entry in sorted(entries, key=lambda item: item.name):
            path = relative / entry.name
            mode = entry.stat(follow_symlinks=False).st_mode
            if stat.S_ISDIR(mode):
                _walk(root, path, files, refused)
            elif stat.S_ISREG(mode):
                files.append(path)
            else:
                refused.append(f"{path.as_posix()!r} ({_kind(mode)})")


def _kind(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "symlink"
    if stat.S_ISFIFO(mode):
        return "FIFO"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    return "special file"


def copy_files(source: Path, files: list[Path], dest: Path) -> None:
    """Copy each listed file from `source` to `dest`, refusing any that is no longer a regular file."""
    for relative in files:
        target = dest / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        _copy_one(source / relative, target, relative)


def _copy_one(path: Path, target: Path, relative: Path) -> None:
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    try:
        descriptor = os.open(path, flags)
    except OSError as error:
        raise UnsafeCollectionFolder(
            f"cannot open {relative.as_posix()!r} safely: {error.strerror}"
        ) from error
    with os.fdopen(descriptor, "rb") as reader:
        info = os.fstat(reader.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise UnsafeCollectionFolder(f"{relative.as_posix()!r} changed into a {_kind(info.st_mode)}")
        with open(target, "wb") as writer:
            shutil.copyfileobj(reader, writer, COPY_CHUNK)
