"""The only place that runs git: tags, dirty checks, commits, annotated tags, pushes."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from data_registry.core import redact
from data_registry.core.errors import GitError, RegistryUnreachable, TagConflict

# Used only when the machine has no git identity (fresh CI runners, containers).
FALLBACK_IDENTITY = ("user.name=data-registry", "user.email=data-registry@localhost")


@dataclass(frozen=True)
class Git:
    root: Path

    def run(self, *args: str, check: bool = True) -> str:
        result = subprocess.run(["git", *args], cwd=self.root, capture_output=True, text=True)
        if check and result.returncode != 0:
            reason = (result.stderr.strip().splitlines() or ["no output"])[-1]
            raise GitError(f"`git {' '.join(args[:3])}` failed: {reason}")
        return result.stdout

    def common_dir(self) -> Path:
        return (self.root / self.run("rev-parse", "--git-common-dir").strip()).resolve()

    def tags(self, pattern: str) -> list[str]:
        return self.run("tag", "--list", pattern).split()

    def show(self, rev: str, path: str) -> str | None:
        """A file's text at a revision, or None where it did not exist."""
        result = subprocess.run(
            ["git", "show", f"{rev}:{path}"], cwd=self.root, capture_output=True, text=True
        )
        return result.stdout if result.returncode == 0 else None

    def status(self) -> list[tuple[str, str]]:
        """(two-letter status, path) for tracked changes and untracked, non-ignored files."""
        entries = self.run("status", "--porcelain=v1", "-z", "--untracked-files=all").split("\0")
        changes: list[tuple[str, str]] = []
        rename_code: str | None = None
        for entry in entries:
            if rename_code:
                # -z puts a rename's or copy's source right after it: the source changed too.
                changes.append((rename_code, entry))
                rename_code = None
            elif entry:
                code = entry[:2]
                changes.append((code, entry[3:]))
                rename_code = code if code[0] in "RC" else None
        return changes

    def head(self) -> str:
        return self.run("rev-parse", "HEAD").strip()

    def has_changes(self, paths: list[str]) -> bool:
        """Whether any of `paths` differs from HEAD (tracked changes or untracked, non-ignored files)."""
        return bool(self.run("status", "--porcelain=v1", "--untracked-files=all", "--", *paths).strip())

    def remote_tag_commit(self, remote: str, tag: str) -> str | None:
        """The commit `tag` names on the git remote (peeled, for annotated tags); None if absent."""
        listing = self.run("ls-remote", "--tags", remote, f"refs/tags/{tag}", f"refs/tags/{tag}^{{}}")
        found: dict[str, str] = {}
        for line in listing.splitlines():
            commit, _, ref = line.partition("\t")
            found[ref] = commit
        return found.get(f"refs/tags/{tag}^{{}}") or found.get(f"refs/tags/{tag}")

    def tag_commit(self, tag: str) -> str:
        return self.run("rev-parse", f"{tag}^{{commit}}").strip()

    def branch(self) -> str | None:
        name = self.run("symbolic-ref", "--quiet", "--short", "HEAD", check=False).strip()
        return name or None

    def _identity(self) -> list[str]:
        if self.run("config", "user.email", check=False).strip():
            return []
        return [arg for pair in FALLBACK_IDENTITY for arg in ("-c", pair)]

    def commit(self, paths: list[str], message: str) -> str:
        self.run("add", "-A", "--", *paths)
        self.run(*self._identity(), "commit", "--quiet", "-m", message, "--", *paths)
        return self.head()

    def create_tag(self, name: str, message: str) -> None:
        if self.run("tag", "--list", name).strip():
            raise TagConflict(f"tag {name} already exists")
        self.run(*self._identity(), "tag", "--annotate", name, "-m", message)

    def push_remote(self) -> str | None:
        """The git remote to publish to: `origin` if present, else the only one, else none."""
        remotes = self.run("remote").split()
        if "origin" in remotes:
            return "origin"
        return remotes[0] if len(remotes) == 1 else None

    def push(self, remote: str, tag: str) -> None:
        """Push the branch and the tag in one atomic push, so a remote never gets one without the other."""
        refs = [f"refs/tags/{tag}"]
        branch = self.branch()
        if branch:
            refs.insert(0, f"HEAD:refs/heads/{branch}")
        try:
            self.run("push", "--atomic", "--quiet", remote, *refs)
        except GitError as error:
            raise GitError(
                f"{tag} was made here but not pushed to git remote {remote!r}: {error}",
                f"push it by hand: git push --atomic {remote} {' '.join(refs)}",
            ) from error

    def tag_records(self, pattern: str = "refs/tags") -> list[TagRecord]:
        """Every tag with its date and message in one call (the catalog's timeline).

        The date is the tagger's for an annotated tag, the commit's for a lightweight one.
        """
        fields = "%(refname:strip=2)%1f%(creatordate:iso-strict)%1f%(contents)%1e"
        records = []
        for entry in self.run("for-each-ref", f"--format={fields}", pattern).split("\x1e"):
            parts = entry.lstrip("\n").split("\x1f")
            if len(parts) == 3:
                records.append(TagRecord(parts[0], parts[1], parts[2].strip()))
        return records

    def read_many(self, specs: list[str]) -> list[str | None]:
        """`rev:path` texts in one `git cat-file --batch` process; None where a spec does not exist.

        One process for thousands of files keeps a catalog of 2,000 tags in seconds.
        """
        if not specs:
            return []
        request = "".join(f"{spec}\n" for spec in specs).encode()
        result = subprocess.run(
            ["git", "cat-file", "--batch"], cwd=self.root, input=request, capture_output=True
        )
        if result.returncode != 0:
            raise GitError(f"`git cat-file --batch` failed: {result.stderr.decode(errors='replace').strip()}")
        return _batch_texts(result.stdout, len(specs))


@dataclass(frozen=True)
class TagRecord:
    name: str
    date: str
    message: str


def _batch_texts(output: bytes, count: int) -> list[str | None]:
    texts: list[str | None] = []
    position = 0
    for _ in range(count):
        end = output.index(b"\n", position)
        header = output[position:end].split()
        position = end + 1
        if len(header) != 3 or header[1] != b"blob":
            texts.append(None)  # "<spec> missing", or a tree where a file was expected
            if len(header) == 3:
                position += int(header[2]) + 1
            continue
        size = int(header[2])
        texts.append(output[position : position + size].decode(errors="replace"))
        position += size + 1
    return texts


def clone_bare(url: str, dest: Path) -> Git:
    """A bare clone of a registry URL (refs and tags, no working tree) for read-only batch reads.
    An error names the URL without its credentials."""
    result = subprocess.run(
        ["git", "clone", "--bare", "--quiet", url, str(dest)], capture_output=True, text=True
    )
    if result.returncode != 0:
        reason = redact.within((result.stderr.strip().splitlines() or ["no output"])[-1], url)
        raise RegistryUnreachable(f"cannot clone {redact.url(url)}: {reason.removeprefix('fatal: ')}")
    return Git(dest)


def ls_remote_tags(url: str) -> list[str]:
    """Every tag name at `url`: one `git ls-remote` round trip, no clone, peeled entries left out.
    An error names the URL without its credentials."""
    result = subprocess.run(["git", "ls-remote", "--tags", "--refs", url], capture_output=True, text=True)
    if result.returncode != 0:
        reason = (result.stderr.strip().splitlines() or ["no output"])[0].removeprefix("fatal: ")
        raise RegistryUnreachable(f"cannot list the tags of {redact.url(url)}: {redact.within(reason, url)}")
    return [line.split("refs/tags/", 1)[1] for line in result.stdout.splitlines() if "refs/tags/" in line]
