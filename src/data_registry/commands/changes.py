"""Which datasets a range of commits affects, so CI runs only the pipelines whose inputs moved.

Each changed path counts for at most one rule, first match wins:

1. The registry's own version commits (those a `<ds>-vX.Y.Z` tag points at), `data/**` and
   `pipelines/<ds>/dvc.lock` never trigger a run: `run_pipeline.py` commits them with every
   version, and that commit must not start the next run (or versions would loop).
2. `pipelines/<ds>/**` triggers that dataset, if it still has a `dvc.yaml` at the head revision.
3. Shared code (`src/**` but its Markdown, `scripts/run_pipeline.py`, `pyproject.toml`,
   `constraints.txt`) triggers every dataset: any of it may change every pipeline's bytes.
4. Everything else (docs, tests, CI, deployment files, env files) triggers nothing.

Running a dataset whose data did not really change costs one no-op run that reports
`unchanged`; missing a dataset whose data did change costs a stale registry, so the rules
err towards running.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from data_registry.core.datasets import NAME_PATTERN, discover, get
from data_registry.core.errors import UsageError
from data_registry.core.git import Git
from data_registry.core.versions import parse_tag

SHARED_PREFIXES = ("src/",)
SHARED_FILES = frozenset({"scripts/run_pipeline.py", "pyproject.toml", "constraints.txt"})
# What git and GitHub's push event call the commit before a branch's first push.
NO_COMMIT = "0" * 40
ALL = "all"


@dataclass(frozen=True)
class Changes:
    """The datasets to run, each with the paths (or the request) that made it run."""

    base: str | None
    head: str | None
    reasons: dict[str, list[str]] = field(default_factory=dict)

    @property
    def datasets(self) -> list[str]:
        return sorted(self.reasons)

    def to_json(self) -> str:
        """One line, so CI can put it in a step output as it is."""
        return json.dumps(
            {"base": self.base, "head": self.head, "datasets": self.datasets, "reasons": self.reasons},
            sort_keys=True,
        )


def is_shared(path: str) -> bool:
    if path.endswith(".md"):
        return False
    return path in SHARED_FILES or path.startswith(SHARED_PREFIXES)


def dataset_of(path: str) -> str | None:
    """`pipelines/<ds>/...` → `<ds>`, but for the `dvc.lock` that runs write; anything else → None."""
    parts = path.split("/")
    if len(parts) >= 3 and parts[0] == "pipelines" and NAME_PATTERN.fullmatch(parts[1]):
        return None if parts[2:] == ["dvc.lock"] else parts[1]
    return None


def reasons_for(paths: list[str], datasets: list[str]) -> dict[str, list[str]]:
    """Apply the module's rules to changed paths; `datasets` are those that exist at head."""
    reasons: dict[str, list[str]] = {}
    shared = [path for path in paths if not path.startswith("data/") and is_shared(path)]
    for name in datasets:
        own = [path for path in paths if dataset_of(path) == name]
        if own or shared:
            reasons[name] = sorted({*own, *shared})
    return reasons


def changed_datasets(root: Path, base: str, head: str = "HEAD") -> Changes:
    """The datasets whose pipelines or shared code changed between `base` and `head`."""
    git = Git(root)
    head_commit = _resolve(git, head, "--head")
    names = datasets_at(git, head_commit)
    if base.strip("0") == "" and len(base) == len(NO_COMMIT):
        return Changes(None, head_commit, {name: ["(no previous commit: every dataset)"] for name in names})
    base_commit = _resolve(git, base, "--base")
    paths = changed_paths(git, base_commit, head_commit, skip=version_commits(git, names))
    return Changes(base_commit, head_commit, reasons_for(paths, names))


def changed_paths(git: Git, base: str, head: str, skip: set[str]) -> list[str]:
    """Paths touched by the commits in `base..head`, leaving out the commits in `skip`.

    Commit by commit rather than one tree diff, so a version commit's own paths can be
    left out while a person's commit to the same file still counts. Merges add nothing of
    their own here: the commits they bring in are listed one by one.
    """
    # --no-renames: a move is a deletion plus an addition, so both folders count.
    listing = git.run(
        "-c",
        "core.quotePath=false",
        "log",
        "--no-merges",
        "--no-renames",
        "--name-only",
        "--format=%x00%H",
        f"{base}..{head}",
    )
    paths: set[str] = set()
    for entry in listing.split("\0")[1:]:
        commit, *names = entry.strip("\n").split("\n")
        if commit not in skip:
            paths.update(name for name in names if name)
    return sorted(paths)


def version_commits(git: Git, datasets: list[str]) -> set[str]:
    """Commits that a dataset's version tag points at: `run_pipeline.py` made them."""
    listing = git.run("for-each-ref", "--format=%(refname:short) %(objectname) %(*objectname)", "refs/tags")
    commits: set[str] = set()
    for line in listing.splitlines():
        tag, *objects = line.split()
        if any(parse_tag(name, tag) for name in datasets):
            commits.add(objects[-1])  # the peeled commit of an annotated tag, else the tag's own
    return commits


def requested(root: Path, name: str) -> Changes:
    """A manual run: the dataset asked for (validated), or every dataset for `all`."""
    names = [d.name for d in discover(root)] if name == ALL else [get(root, name).name]
    return Changes(None, None, {dataset: ["(requested)"] for dataset in names})


def datasets_at(git: Git, commit: str) -> list[str]:
    """Dataset names with a `dvc.yaml` at `commit` (not in the working tree: CI may be elsewhere)."""
    listing = git.run("ls-tree", "-r", "--name-only", "-z", commit, "--", "pipelines")
    return sorted(
        parts[1]
        for parts in (path.split("/") for path in listing.split("\0"))
        if len(parts) == 3 and parts[2] == "dvc.yaml" and NAME_PATTERN.fullmatch(parts[1])
    )


def _resolve(git: Git, ref: str, option: str) -> str:
    commit = git.run("rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}", check=False)
    if not commit.strip():
        raise UsageError(
            f"{option} {ref!r} is not a commit in {git.root}",
            "fetch the full history (actions/checkout with fetch-depth: 0) or pass --dataset all",
        )
    return commit.strip()
