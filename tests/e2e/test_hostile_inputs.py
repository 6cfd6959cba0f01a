"""Hostile input, table-driven: every case is one `error:` line (at most one more), the exit code
of its kind (errors.py: 2 bad input, 1 failure outside the input), no traceback, and the
registry exactly as before (HEAD, tags, `git status` with untracked files).

One registry serves the whole table (module scope): a copy of this project with the
collection `cats` tagged twice on the local remote. Cases that need a broken file make it
in `setup` and the tree is reset after them.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.repo import git, make_registry, tool_env
from tests.support.sources import write_image_collection

pytestmark = pytest.mark.e2e
CLI = str(Path(sys.executable).parent / "data-registry")
LONG = "a" * 300
# Lines a command may print on the way that are neither the error nor the outcome: our own
# progress bullets and DVC's stage chatter (cases that reach `dvc repro` get that far).
PROGRESS = ("• ", "Running stage ", "> python ", "Generating lock file ", "Updating lock file ")


@dataclass(frozen=True)
class Case:
    args: tuple[str, ...]
    code: int
    setup: Callable[[Path, Path], object] | None = None  # (registry, scratch folder)


def _write(relative: str, text: str, commit: bool) -> Callable[[Path, Path], None]:
    def setup(registry: Path, _scratch: Path) -> None:
        (registry / relative).write_text(text)
        if commit:
            git(registry, "commit", "-q", "-am", f"break {relative}")

    return setup


def _folder(kind: str) -> Callable[[Path, Path], None]:
    def setup(_registry: Path, scratch: Path) -> None:
        folder = scratch / "src"
        folder.mkdir()
        (folder / "ok.png").write_bytes(b"\x89PNG\r\n\x1a\n")
        if kind == "file-link":
            (folder / "passwd.png").symlink_to("/etc/passwd")
        elif kind == "dir-link":
            (folder / "etc").symlink_to("/etc")
        elif kind == "fifo":
            os.mkfifo(folder / "pipe.png")
        elif kind == "dangling":
            (folder / "gone.png").symlink_to(scratch / "nowhere")
        elif kind == "inside-link":
            (folder / "again.png").symlink_to(folder / "ok.png")

    return setup


DVC_YAML = "pipelines/synthetic-tabular/dvc.yaml"
PARAMS = "pipelines/synthetic-tabular/params.yaml"
RUN = ("run", "synthetic-tabular")
CASES = {
    # run: names
    "run empty name": Case(("run", ""), 2),
    "run 300-char name": Case(("run", LONG), 2),
    "run path traversal": Case(("run", "../../etc"), 2),
    "run upper case": Case(("run", "Fashion-MNIST"), 2),
    "run newline in name": Case(("run", "fashion-mnist\nx"), 2),
    "run non-ascii name": Case(("run", "fäshion"), 2),
    "run unknown dataset": Case(("run", "nosuch"), 2),
    "run collection prefix": Case(("run", "collection-cats"), 2),
    "run bad bump": Case((*RUN, "--bump", "huge"), 2),
    "run unknown env": Case((*RUN, "--env", "nosuch"), 2),
    "run unknown remote": Case((*RUN, "--remote", "nosuch"), 1),
    "run unknown option": Case((*RUN, "--frobnicate"), 2),
    # run: -S
    "-S null on an int": Case((*RUN, "-S", "n_samples=null"), 2),
    "-S tilde on an int": Case((*RUN, "-S", "n_samples=~"), 2),
    "-S string on an int": Case((*RUN, "-S", "n_samples=many"), 2),
    "-S float on an int": Case((*RUN, "-S", "n_samples=1.5"), 2),
    "-S bool on an int": Case((*RUN, "-S", "n_samples=true"), 2),
    "-S list on a float": Case((*RUN, "-S", "noise=[1]"), 2),
    "-S unknown key": Case((*RUN, "-S", "nope=1"), 2),
    "-S key under a scalar": Case((*RUN, "-S", "n_samples.x=1"), 2),
    "-S no equals": Case((*RUN, "-S", "n_samples"), 2),
    "-S empty key": Case((*RUN, "-S", "=5"), 2),
    "-S broken YAML value": Case((*RUN, "-S", "n_samples=[1"), 2),
    "-S value the stage rejects": Case((*RUN, "-S", "n_samples=-5"), 1),
    "-S rejected by a later stage": Case(
        ("run", "clean-images", "-S", "collections=[collection-cats-v1.0.0]", "-S", "max_pixels=0"), 1
    ),
    # run: malformed files
    "params.yaml YAML syntax": Case(RUN, 2, _write(PARAMS, "n_samples: [1\n", commit=False)),
    "params.yaml not a mapping": Case(RUN, 2, _write(PARAMS, "- 1\n- 2\n", commit=False)),
    "dvc.yaml YAML syntax": Case(RUN, 2, _write(DVC_YAML, "stages: [\n", commit=True)),
    "dvc.yaml unknown key": Case(
        RUN, 2, _write(DVC_YAML, "stages:\n  generate:\n    cmd: x\n    bogus: 1\n", commit=True)
    ),
    "dvc.yaml stages not a mapping": Case(RUN, 2, _write(DVC_YAML, "stages: 3\n", commit=True)),
    # add-collection
    "add upper-case name": Case(("add-collection", "Bad", "{scratch}"), 2),
    "add 300-char name": Case(("add-collection", LONG, "{scratch}"), 2),
    "add name with colon": Case(("add-collection", "collection:cats", "{scratch}"), 2),
    "add missing folder": Case(("add-collection", "dogs", "{scratch}/missing"), 2),
    "add a file, not a folder": Case(("add-collection", "dogs", "/etc/hostname"), 2),
    "add empty folder": Case(("add-collection", "dogs", "{scratch}"), 2),
    "add link to /etc/passwd": Case(("add-collection", "dogs", "{scratch}/src"), 2, _folder("file-link")),
    "add link to /etc": Case(("add-collection", "dogs", "{scratch}/src"), 2, _folder("dir-link")),
    "add FIFO": Case(("add-collection", "dogs", "{scratch}/src"), 2, _folder("fifo")),
    "add dangling link": Case(("add-collection", "dogs", "{scratch}/src"), 2, _folder("dangling")),
    "add link inside the folder": Case(
        ("add-collection", "dogs", "{scratch}/src"), 2, _folder("inside-link")
    ),
    # get / show / versions / diff / verify
    "get unknown dataset": Case(("get", "nosuch", "--out", "{scratch}/out"), 2),
    "get unversioned dataset": Case(("get", "fashion-mnist", "--out", "{scratch}/out"), 2),
    "get unknown collection": Case(("get", "collection:nosuch", "--out", "{scratch}/out"), 2),
    "get bad collection name": Case(("get", "collection:Bad", "--out", "{scratch}/out"), 2),
    "get missing version": Case(("get", "collection:cats", "--version", "9", "--out", "{scratch}/out"), 2),
    "get garbage version": Case(("get", "collection:cats", "--version", "x;y", "--out", "{scratch}/out"), 2),
    "get collection split": Case(("get", "collection:cats", "--split", "train", "--out", "{scratch}/o"), 2),
    "get existing out": Case(("get", "collection:cats", "--out", "{scratch}"), 2),
    "get bad remote-config": Case(
        ("get", "collection:cats", "--out", "{scratch}/o", "--remote-config", "x"), 2
    ),
    "get 300-char name": Case(("get", LONG, "--out", "{scratch}/out"), 2),
    "show unknown dataset": Case(("show", "nosuch"), 2),
    "show unknown collection": Case(("show", "collection:nosuch"), 2),
    "show tag prefix as dataset": Case(("show", "collection-cats"), 2),
    "show garbage version": Case(("show", "collection:cats", "--version", "../1"), 2),
    "show 300-char name": Case(("show", LONG), 2),
    "versions unknown dataset": Case(("versions", "nosuch"), 2),
    "versions collection without prefix": Case(("versions", "cats"), 2),
    "versions unknown collection": Case(("versions", "collection:nosuch"), 2),
    "diff unknown version": Case(("diff", "collection:cats", "1.0.0", "7"), 2),
    "diff unknown dataset": Case(("diff", "nosuch", "1", "2"), 2),
    "verify unknown dataset": Case(("verify", "nosuch"), 2),
    "verify unknown collection": Case(("verify", "collection:nosuch"), 2),
    "list unreachable registry": Case(("list", "--repo", "{scratch}/nowhere"), 1),
    # search / prompts
    "search k zero": Case(("search", "query", "--k", "0"), 2),
    "search k negative": Case(("search", "query", "--k", "-3"), 2),
    "search k not a number": Case(("search", "query", "--k", "abc"), 2),
    "prompts register missing file": Case(("prompts", "register", "{scratch}/none.yaml"), 2),
    "prompts register malformed": Case(
        ("prompts", "register", "{scratch}/p.yaml"), 2, lambda _r, s: (s / "p.yaml").write_text("name: [x\n")
    ),
    "prompts register no template": Case(
        ("prompts", "register", "{scratch}/p.yaml"), 2, lambda _r, s: (s / "p.yaml").write_text("name: x\n")
    ),
    "prompts show version and alias": Case(("prompts", "show", "x", "--version", "1", "--alias", "a"), 2),
    "prompts show version not a number": Case(("prompts", "show", "x", "--version", "one"), 2),
    "unknown command": Case(("frobnicate",), 2),
}


@pytest.fixture(scope="module")
def hostile_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    base = tmp_path_factory.mktemp("hostile")
    registry = make_registry(base / "registry")
    cats = base / "cats"
    write_image_collection(cats, n_good=4, seed=1)
    for _ in range(2):
        result = _cli(registry, "add-collection", "cats", str(cats), "--no-push")
        assert result.returncode == 0, result.stderr
        (cats / "part0" / "extra.png").write_bytes((cats / "part1").iterdir().__next__().read_bytes())
    yield registry


def _cli(registry: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = tool_env(
        DATA_REGISTRY_HOME=str(registry / ".registry"),
        MLFLOW_TRACKING_URI=f"sqlite:///{registry / '.registry' / 'mlflow.db'}",
    )
    return subprocess.run([CLI, *args], cwd=registry, env=env, capture_output=True, text=True, timeout=300)


def _state(registry: Path) -> tuple[str, str, str]:
    return (
        git(registry, "rev-parse", "HEAD"),
        git(registry, "tag", "--list"),
        git(registry, "status", "--porcelain", "--untracked-files=all"),
    )


@pytest.mark.parametrize("case", CASES.values(), ids=list(CASES))
def test_hostile_input_is_one_line_with_its_exit_code_and_changes_nothing(
    hostile_registry: Path, tmp_path: Path, case: Case
) -> None:
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    base = git(hostile_registry, "rev-parse", "HEAD")
    try:
        if case.setup:
            case.setup(hostile_registry, scratch)
        before = _state(hostile_registry)
        result = _cli(hostile_registry, *(arg.replace("{scratch}", str(scratch)) for arg in case.args))
        after = _state(hostile_registry)
    finally:
        git(hostile_registry, "reset", "-q", "--hard", base)
    output = result.stdout + result.stderr
    lines = [line for line in output.splitlines() if line.strip() and not line.startswith(PROGRESS)]

    assert result.returncode == case.code, output
    assert "Traceback" not in output and len(lines) <= 2, output
    assert lines and lines[0].startswith("error: "), output
    assert after == before
    assert not (scratch / "out").exists() and not (scratch / "o").exists()


def test_the_table_covers_every_command_the_issue_names() -> None:
    commands = {case.args[0] for case in CASES.values()}
    assert {"run", "add-collection", "get", "show", "search", "prompts"} <= commands
    assert sum(1 for case in CASES.values() if "-S" in case.args) >= 10 and len(CASES) >= 40
