"""Temporary registry checkouts for tests: a copy of this project as a fresh git repo."""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "Registry Test",
    "GIT_AUTHOR_EMAIL": "test@registry.invalid",
    "GIT_COMMITTER_NAME": "Registry Test",
    "GIT_COMMITTER_EMAIL": "test@registry.invalid",
}


def project_files() -> list[str]:
    """Tracked and untracked-but-not-ignored files, so tests see the working tree as it is,
    minus what runs of the checkout itself produced: every test registry starts unversioned."""
    listing = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"],
        cwd=PROJECT,
        check=True,
        capture_output=True,
    ).stdout.decode()
    return [
        name
        for name in listing.split("\0")
        if name
        and (PROJECT / name).is_file()
        and not name.startswith("data/")
        and not name.endswith("/dvc.lock")
    ]


# A version commit's subject: runs of this checkout (the bootstrap's demo) commit their -S
# overrides into params.yaml with each version they make.
VERSION_COMMIT = re.compile(r"[a-z0-9][a-z0-9-]*-v[0-9]+\.[0-9]+\.[0-9]+: ")


@functools.cache
def authored_params() -> dict[str, bytes]:
    """Each committed, unedited `pipelines/<ds>/params.yaml` as its pipeline defines it: from
    the newest commit touching it that is not a version commit, so a test registry never starts
    from the demo's overrides. An uncommitted edit is left alone: tests see the working tree."""
    edited = set(_git_lines("diff", "--name-only", "HEAD"))
    authored: dict[str, bytes] = {}
    for name in _git_lines("ls-files", "pipelines/*/params.yaml"):
        if name in edited:
            continue
        for line in _git_lines("log", "--format=%H %s", "--", name):
            commit, _, subject = line.partition(" ")
            if not VERSION_COMMIT.match(subject):
                authored[name] = subprocess.run(
                    ["git", "show", f"{commit}:{name}"], cwd=PROJECT, check=True, capture_output=True
                ).stdout
                break
    return authored


def _git_lines(*args: str) -> list[str]:
    result = subprocess.run(["git", *args], cwd=PROJECT, check=True, capture_output=True, text=True)
    return result.stdout.splitlines()


def tool_env(**extra: str) -> dict[str, str]:
    """Environment for child processes: this venv's tools first on PATH, a fixed git identity."""
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.update(GIT_IDENTITY)
    env.update(extra)
    return env


def git(repo: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", *args], cwd=repo, env=tool_env(), check=True, capture_output=True, text=True
    )
    return result.stdout.strip()


def make_registry(dest: Path) -> Path:
    """Copy the project into `dest` and commit it on a fresh `main` branch."""
    authored = authored_params()
    for name in project_files():
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if name in authored:
            target.write_bytes(authored[name])
        else:
            shutil.copy2(PROJECT / name, target)
    git(dest, "init", "-q", "-b", "main")
    git(dest, "add", "-A")
    git(dest, "commit", "-q", "-m", "registry under test")
    return dest


def dvc(repo: Path, *args: str, cwd: Path | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dvc", *args],
        cwd=cwd or repo,
        env=tool_env(**env),
        capture_output=True,
        text=True,
    )


def run_pipeline(repo: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run the production wrapper of `repo` the way CI and Argo do."""
    return subprocess.run(
        [sys.executable, str(repo / "scripts" / "run_pipeline.py"), *args],
        cwd=repo,
        env=tool_env(**env),
        capture_output=True,
        text=True,
    )


def tags(repo: Path, dataset: str) -> list[str]:
    return git(repo, "tag", "--list", f"{dataset}-v*").split()
