"""The Python files each pipeline stage runs, so its `deps:` in dvc.yaml names every one.

DVC reruns a stage only when a listed dep changed. A stage that imports a `data_registry`
module it does not list is called up to date after that module changes, and the old bytes
stay published under a version whose commit holds the new code. So the
`../../src/data_registry/...` entries of every `deps:` list are derived here, and only
here, from the stage's scripts (the `.py` files of its `cmd` and its `deps`): every
`import` anywhere in them, inside functions too (heavy imports are lazy), followed through
the package, package `__init__.py` files included. Imports under `if TYPE_CHECKING:` are
left out: they never run. The pipeline's own Python files are the author's entries, but one
left out is just as stale-making: each script the cmd runs, and each helper script those
import from their folder, must be listed, and `--write` adds a missing one after the stage's
scripts. Every other dep is the pipeline author's and is never touched.

`data-registry deps --check` reports the differences; `--write` rewrites the lists with
ruamel.yaml's round trip, which keeps comments, formatting and the order of other deps; `run`
refuses a dataset whose stages lack a file they run (`refuse_stale`).
"""

from __future__ import annotations

import ast
import contextlib
import functools
import io
import os
import posixpath
import shlex
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from data_registry.core import atomic, lockfile
from data_registry.core.datasets import Dataset, discover
from data_registry.core.errors import RegistryError, StaleStageDeps

PACKAGE = "data_registry"


@dataclass(frozen=True)
class Difference:
    """One dep a stage lacks (`missing`) or lists without importing it: a shared module, or
    (`script`) one of the pipeline's own files, which is only ever missing."""

    dvc_yaml: str
    stage: str
    dep: str
    missing: bool
    imported_by: str = ""
    script: bool = False

    @property
    def module(self) -> str:
        parts = [PACKAGE, *self.dep.split(f"/{PACKAGE}/", 1)[1].removesuffix(".py").split("/")]
        return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)

    def line(self) -> str:
        if self.script:
            how = "from its cmd" if self.imported_by == self.dep else f"imported by {self.imported_by}"
            return f"{self.dvc_yaml}: stage {self.stage} runs {self.dep} ({how}) but its deps lack it"
        if self.missing:
            return (
                f"{self.dvc_yaml}: stage {self.stage} imports {self.module} (from {self.imported_by})"
                f" but its deps lack {self.dep}"
            )
        return f"{self.dvc_yaml}: stage {self.stage} lists {self.dep} but never imports {self.module}"


def differences(root: Path, names: Iterable[str] | None = None) -> list[Difference]:
    """Every missing or extra dep of every stage of the pipelines under `root` (only those in
    `names` when given, e.g. the one a run is about to version)."""
    found: list[Difference] = []
    wanted_names = None if names is None else set(names)
    for dataset in discover(root):
        if wanted_names is not None and dataset.name not in wanted_names:
            continue
        with _readable(dataset.dvc_yaml):
            document = yaml.safe_load(dataset.dvc_yaml.read_text()) or {}
        for name, stage, words in _derivable_stages(dataset, document):
            listed = {dep for dep in stage.get("deps") or [] if _is_managed(dataset, dep)}
            wanted, scripts = _runs(dataset, stage, words)
            where = dataset.relative(dataset.dvc_yaml)
            unlisted = _unlisted(scripts, stage)
            found += [
                Difference(where, name, dep, True, by, script=True) for dep, by in sorted(unlisted.items())
            ]
            found += [Difference(where, name, dep, True, wanted[dep]) for dep in sorted(set(wanted) - listed)]
            found += [Difference(where, name, dep, False) for dep in sorted(listed - set(wanted))]
    return found


def refuse_stale(root: Path, name: str) -> None:
    """Before a run versions `name`: a stage whose deps miss a file it runs could be called up to
    date with outs its old code made, so the run stops here, before anything runs."""
    found = [difference for difference in differences(root, [name]) if difference.missing]
    if found:
        more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
        raise StaleStageDeps(found[0].line() + more)


def write(root: Path) -> list[Path]:
    """Rewrite each dvc.yaml whose managed deps differ; returns the files changed. Every file is
    computed before any is written, so one that does not parse leaves all of them as they were."""
    texts = {dataset.dvc_yaml: (dataset.dvc_yaml.read_text(), dataset) for dataset in discover(root)}
    new = {path: rewritten(dataset, text) for path, (text, dataset) in texts.items()}
    changed = [path for path, text in new.items() if text != texts[path][0]]
    for path in changed:
        atomic.write_text(path, new[path])
    return changed


def rewritten(dataset: Dataset, text: str) -> str:
    """`text` (the dataset's dvc.yaml) with every stage's managed deps set to the expected ones."""
    from ruamel.yaml import YAML
    from ruamel.yaml import YAMLError as RoundTripError
    from ruamel.yaml.comments import CommentedSeq
    from ruamel.yaml.util import load_yaml_guess_indent as guess_indent

    rt = YAML()
    rt.preserve_quotes = True
    rt.width = 4096  # never re-wrap a long line
    _, sequence, offset = guess_indent(text)  # `- x` under its key, or indented like dvc writes it
    rt.indent(mapping=2, sequence=sequence or 4, offset=2 if offset is None else offset)
    with _readable(dataset.dvc_yaml, RoundTripError):
        document = rt.load(text)
    for _, stage, words in _derivable_stages(dataset, document):
        modules, scripts = _runs(dataset, stage, words)
        wanted, unlisted = sorted(modules), sorted(_unlisted(scripts, stage))
        if stage.get("deps") is None and not wanted and not unlisted:
            continue
        if "deps" not in stage:
            stage.insert(list(stage).index("cmd") + 1 if "cmd" in stage else 0, "deps", CommentedSeq())
        elif stage["deps"] is None:  # an empty `deps:`
            stage["deps"] = CommentedSeq()
        _set_deps(stage["deps"], wanted, unlisted, lambda dep: _is_managed(dataset, dep))
    buffer = io.StringIO()
    rt.dump(document, buffer)
    return buffer.getvalue()


def _runs(
    dataset: Dataset, stage: Mapping[str, Any], words: list[str]
) -> tuple[dict[str, str], dict[str, str]]:
    """What the stage runs, as dep entries with what runs each (a module or a script, for the
    report): the shared `data_registry` modules, and the pipeline's own Python files."""
    src = dataset.root / "src"
    reached = _reached(_stage_scripts(dataset.pipeline_dir, stage, words, src), src, dataset.pipeline_dir)
    modules: dict[str, str] = {}
    scripts: dict[str, str] = {}
    for path, by in reached.items():
        (modules if _inside(path, src) else scripts)[_relative(path, dataset.pipeline_dir)] = _name(
            by, src, dataset
        )
    return modules, scripts


def _unlisted(scripts: Mapping[str, str], stage: Mapping[str, Any]) -> dict[str, str]:
    """The scripts the stage's deps do not list."""
    listed = {posixpath.normpath(str(dep)) for dep in stage.get("deps") or []}
    return {dep: by for dep, by in scripts.items() if not _covered(dep, listed)}


def _covered(dep: str, listed: set[str]) -> bool:
    """Listed itself, or inside a listed folder (DVC hashes a folder dep's every file)."""
    return any(dep == entry or dep.startswith(f"{entry}/") for entry in listed)


def _stage_scripts(pipeline_dir: Path, stage: Mapping[str, Any], words: list[str], src: Path) -> list[Path]:
    """Python files the stage runs: `*.py` words and `-m module` of its cmd (`words`), `*.py` deps."""
    modules = [words[i + 1] for i, word in enumerate(words[:-1]) if word == "-m"]
    paths = [pipeline_dir / word for word in words if word.endswith(".py")]
    # `python -m a.b` imports package `a` first, then runs `a/b.py`, from the working folder
    packages = [part for name in modules for part in _with_parents(name)]
    paths += [
        file
        for name in packages
        if (file := _module_file(src, name) or _local_module(pipeline_dir, name)) is not None
    ]
    # a listed shared module is what is checked, never a reason for itself
    deps = [pipeline_dir / str(dep) for dep in stage.get("deps") or [] if str(dep).endswith(".py")]
    paths += [path for path in deps if not _inside(path, src)]
    return [path for path in dict.fromkeys(paths) if path.is_file()]


def _reached(scripts: Iterable[Path], src: Path, pipeline_dir: Path) -> dict[Path, Path]:
    """Every Python file running `scripts` may execute (the scripts, the helper modules beside
    them or in the pipeline folder, `data_registry` modules), each with the file that imports it."""
    reached: dict[Path, Path] = {}
    queue = deque((script, script) for script in scripts)
    seen: set[Path] = set()
    while queue:
        path, importer = queue.popleft()
        if path in seen:
            continue
        seen.add(path)
        reached[path] = importer
        for name in sorted(imported_names(path, _package_of(path, src))):
            file = _module_file(src, name) or _sibling_script(path, src, name, pipeline_dir)
            if file is not None and file not in seen:
                queue.append((file, path))
    return reached


def imported_names(path: Path, package: str | None) -> frozenset[str]:
    """Dotted names of every module an import in `path` may load, parents included (`a`, `a.b`).

    Every stage of every pipeline reaches the same core modules: each file is parsed once per
    content (its mtime and size are in the key, so an edited file is parsed again)."""
    stat = path.stat()
    return _parsed_names(path, package, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=4096)
def _parsed_names(path: Path, package: str | None, _mtime_ns: int, _size: int) -> frozenset[str]:
    collector = _ImportCollector(package)
    with _readable(path):
        collector.visit(ast.parse(path.read_bytes(), filename=str(path)))
    return frozenset(collector.names)


@contextlib.contextmanager
def _readable(path: Path, *parse_errors: type[Exception]) -> Iterator[None]:
    """A file that does not parse is one error line naming it, not a traceback (`parse_errors`:
    a parser's own, beyond PyYAML's and Python's)."""
    caught: tuple[type[Exception], ...] = (yaml.YAMLError, SyntaxError, ValueError, *parse_errors)
    try:
        yield
    except caught as error:
        first = (str(error).strip().splitlines() or [type(error).__name__])[0]
        raise RegistryError(
            f"cannot read {path}: {first}", "fix the file, then rerun `data-registry deps`"
        ) from error


class _ImportCollector(ast.NodeVisitor):
    def __init__(self, package: str | None) -> None:
        self.package = package
        self.names: set[str] = set()

    def visit_If(self, node: ast.If) -> None:
        if _is_type_checking(node.test):
            for child in node.orelse:
                self.visit(child)
        else:
            self.generic_visit(node)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.names.update(_with_parents(alias.name))

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        base = _absolute(node.module, node.level, self.package)
        if base is None:
            return
        self.names.update(_with_parents(base))
        # `from data_registry.embeddings import chunking`: the name may be a module (or just an attribute)
        self.names.update(f"{base}.{alias.name}" for alias in node.names if alias.name != "*")


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _with_parents(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[: index + 1]) for index in range(len(parts))]


def _absolute(module: str | None, level: int, package: str | None) -> str | None:
    """The absolute name a (possibly relative) `from` import refers to."""
    if level == 0:
        return module
    if package is None:
        return None  # a relative import in a script cannot run
    parts = package.split(".")
    base = parts[: len(parts) - (level - 1)]
    return ".".join([*base, module] if module else base) or None


def _module_file(src: Path, name: str) -> Path | None:
    is_shared = name == PACKAGE or name.startswith(f"{PACKAGE}.")
    return _local_module(src, name) if is_shared else None


def _sibling_script(path: Path, src: Path, name: str, pipeline_dir: Path) -> Path | None:
    """A script's own (real) folder is first on sys.path, the working folder under `python -m`:
    `import helpers` may be `scripts/helpers.py` or a package `scripts/helpers/`."""
    if _inside(path, src) or name == PACKAGE or name.startswith(f"{PACKAGE}."):
        return None
    own = path.resolve().parent if path.is_symlink() else path.parent
    return _local_module(own, name) or _local_module(pipeline_dir, name)


def _local_module(folder: Path, name: str) -> Path | None:
    """`a.b` as `folder/a/b/__init__.py` or `folder/a/b.py`, when it is there (a package first,
    as Python's import looks)."""
    base = folder.joinpath(*name.split("."))
    return next((file for file in (base / "__init__.py", base.with_suffix(".py")) if file.is_file()), None)


def _words(pipeline_dir: Path, stage: Mapping[str, Any]) -> list[str]:
    """The cmd's words, shell operators apart (`a.py&&b.py` is `a.py`, `&&`, `b.py`)."""
    words: list[str] = []
    with _readable(pipeline_dir / "dvc.yaml"):  # an unclosed quote in a cmd
        for command in _as_list(stage.get("cmd") or []):
            lexer = shlex.shlex(str(command), posix=True, punctuation_chars=True)
            lexer.whitespace_split = True
            words += list(lexer)
    return words


def _derivable_stages(dataset: Dataset, document: Mapping[str, Any]) -> Iterator[tuple[str, Any, list[str]]]:
    """(name, body, cmd words) per stage, refusing one whose scripts cannot be followed from the
    pipeline folder: skipping it would let its deps go stale without a word."""
    for name, stage in lockfile.stages(document):
        where = f"{dataset.relative(dataset.dvc_yaml)}: stage {name}"
        wdir = stage.get("wdir")
        if wdir not in (None, ".", "./"):
            raise RegistryError(
                f"{where} sets wdir: {wdir}, so its deps cannot be derived",
                "drop `wdir:` and call the script by its path from the pipeline folder",
            )
        words = _words(dataset.pipeline_dir, stage)
        templated = [word for word in words if "${" in word and word.endswith(".py")]
        if templated:
            raise RegistryError(
                f"{where} runs {templated[0]}, a templated script its deps cannot name",
                "name each script in the cmd (a stage per script)",
            )
        yield name, stage, words


def _package_of(path: Path, src: Path) -> str | None:
    """`src/data_registry/client/api.py` → `data_registry.client` (what relative imports start from)."""
    if not _inside(path, src):
        return None
    return ".".join(path.parent.relative_to(src).parts)


def _name(path: Path, src: Path, dataset: Dataset) -> str:
    """`data_registry.embeddings.chunking` for a module, `scripts/chunk.py` for a script."""
    if not _inside(path, src):
        return _relative(path, dataset.pipeline_dir)
    parts = path.relative_to(src).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _relative(path: Path, start: Path) -> str:
    return os.path.relpath(path, start).replace(os.sep, "/")


def _inside(path: Path, folder: Path) -> bool:
    return path.resolve().is_relative_to(folder.resolve())


def _is_managed(dataset: Dataset, dep: object) -> bool:
    prefix = os.path.relpath(dataset.root / "src" / PACKAGE, dataset.pipeline_dir).replace(os.sep, "/")
    return isinstance(dep, str) and dep.startswith(f"{prefix}/") and dep.endswith(".py")


def _as_list(value: object) -> list[object]:
    return list(value) if isinstance(value, list) else [value]


def _set_deps(deps: Any, wanted: list[str], scripts: list[str], is_managed: Callable[[object], bool]) -> None:
    """Rewrite a ruamel sequence of deps: the managed entries become `wanted`, one sorted block
    where the first managed entry was (else after the stage's scripts), and the unlisted
    `scripts` join the stage's scripts; comments travel with their entry."""
    entries = [(value, deps.ca.items.get(index)) for index, value in enumerate(deps)]
    comments = {value: comment for value, comment in entries if is_managed(value)}
    others = [(value, comment) for value, comment in entries if not is_managed(value)]
    # the first managed entry's index is also how many other entries come before it
    at = next((index for index, (value, _) in enumerate(entries) if is_managed(value)), None)
    after = max(
        (index + 1 for index, (value, _) in enumerate(others) if str(value).endswith(".py")), default=0
    )
    others[after:after] = [(script, None) for script in scripts]
    if at is None or after <= at:
        at = (after if at is None else at) + len(scripts)
    block = [(dep, comments.get(dep)) for dep in wanted]
    result = others[:at] + block + others[at:]
    deps.clear()
    deps.ca.items.clear()
    for index, (value, comment) in enumerate(result):
        deps.append(value)
        if comment is not None:
            deps.ca.items[index] = comment
