"""Each concern has one owner module; these scans fail when its knowledge leaks elsewhere.

- paths and tag names: `layout` (no path or tag f-string anywhere else in src/ or pipelines/);
- DVC: `data_registry.core.dvc` (no `import dvc...` elsewhere in src/);
- git: `data_registry.core.git` (no subprocess running git elsewhere in src/).

Scanned with `ast`, so comments, docstrings and plain messages never trip them.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "data_registry"
SOURCES = sorted([*SRC.rglob("*.py"), *(ROOT / "pipelines").glob("*/scripts/*.py")])

# An f-string template (formatted values as `{}`) that spells out a registry path or a tag.
PATH_OR_TAG = re.compile(
    r"pipelines/\{"  # f"pipelines/{ds}/..."
    r"|(?:^|[^\w.-])data/\{"  # f"data/{ds}/..."
    r"|processed/\{|\{\}/processed\b"
    r"|\}/(?:dvc\.lock|dvc\.yaml|params\.yaml|metadata\.json|metrics\.json|README\.md)"
    r"|\}\.parquet|\}\.dvc\b"
    r"|-v\{\}|\{\}-v(?:\*|X\.Y\.Z|\d)"  # tag names: f"{ds}-v{version}", f"{ds}-v*"
    r"|collection-\{\}"
)
# Path parts a pipeline script must take from its Dataset's layout (`dataset.split_file(split)`).
LAYOUT_PARTS = {"processed", "raw", "interim", "plots", "metadata.json", "metrics.json"}
LAYOUT_OWNERS = {SRC / "core" / "layout.py"}


def _template(node: ast.JoinedStr) -> str:
    return "".join(str(part.value) if isinstance(part, ast.Constant) else "{}" for part in node.values)


def _trees() -> Iterator[tuple[Path, ast.AST]]:
    for path in SOURCES:
        yield path, ast.parse(path.read_text(), str(path))


def _where(path: Path, node: ast.AST) -> str:
    return f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', '?')}"


def test_paths_and_tags_are_spelled_only_in_layout() -> None:
    found = []
    for path, tree in _trees():
        if path in LAYOUT_OWNERS:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.JoinedStr) and PATH_OR_TAG.search(_template(node)):
                found.append(f"{_where(path, node)}: f{_template(node)!r}")
            if (
                path.is_relative_to(ROOT / "pipelines")
                and isinstance(node, ast.BinOp)
                and isinstance(node.op, ast.Div)
                and isinstance(node.right, ast.Constant)
                and node.right.value in LAYOUT_PARTS
            ):
                found.append(f"{_where(path, node)}: / {node.right.value!r}")
    assert found == [], "use data_registry.core.layout (or a Dataset's properties) instead:\n" + "\n".join(
        found
    )


def _imported_modules(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
        return [node.module]
    return []


def test_only_the_dvc_module_imports_dvc() -> None:
    found = [
        f"{_where(path, node)}: {module}"
        for path, tree in _trees()
        if path != SRC / "core" / "dvc.py"
        for node in ast.walk(tree)
        for module in _imported_modules(node)
        if module == "dvc" or module.startswith("dvc.")
    ]
    assert found == [], "reach DVC through data_registry.core.dvc:\n" + "\n".join(found)


def _runs_git(node: ast.AST) -> bool:
    """A call whose first argument is a list or tuple starting with "git"."""
    if not isinstance(node, ast.Call) or not node.args:
        return False
    first = node.args[0]
    if not isinstance(first, ast.List | ast.Tuple) or not first.elts:
        return False
    head = first.elts[0]
    return isinstance(head, ast.Constant) and head.value == "git"


def test_only_the_git_module_runs_git() -> None:
    found = [
        _where(path, node)
        for path, tree in _trees()
        if path != SRC / "core" / "git.py"
        for node in ast.walk(tree)
        if _runs_git(node)
    ]
    assert found == [], "run git through data_registry.core.git:\n" + "\n".join(found)


@pytest.mark.parametrize(
    ("source", "caught"),
    [
        ('f"pipelines/{name}/dvc.lock"', True),
        ('f"{tag}:data/{name}/metadata.json"', True),
        ('f"{dataset}-v{version}"', True),
        ('f"{split}.parquet"', True),
        ('f"{name} has no processed out in dvc.lock"', False),
        ('f"cannot read {tag} from {url}"', False),
    ],
)
def test_the_scan_catches_path_f_strings(source: str, caught: bool) -> None:
    node = ast.parse(source, mode="eval").body
    assert isinstance(node, ast.JoinedStr)
    assert bool(PATH_OR_TAG.search(_template(node))) is caught
