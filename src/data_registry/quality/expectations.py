"""expectations.yaml: what every version of a dataset must satisfy, declared beside params.yaml.

The file is a DVC dep of the analyze stage, so changing an expectation makes a new
version (metadata-only: a patch). This module owns its format and the result type of
one check; `checks` runs them on the data, `gates` decides whether a tag may be made.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from data_registry.core.errors import ExpectationsError

FILE_NAME = "expectations.yaml"
# On a few hundred rows a class share or a PSI is mostly sampling noise (PSI's noise floor is
# about bins * (1/n_old + 1/n_new)): below this many rows those checks are not judged.
MIN_ROWS = 1000


@dataclass(frozen=True)
class Bounds:
    """Inclusive bounds; a missing side is unbounded."""

    min: float | None = None
    max: float | None = None

    def holds(self, value: float) -> bool:
        return (self.min is None or value >= self.min) and (self.max is None or value <= self.max)

    def describe(self) -> str:
        if self.min is not None and self.max is not None:
            return f"{_number(self.min)}..{_number(self.max)}"
        if self.min is None and self.max is None:
            return "any"
        return f">= {_number(self.min)}" if self.min is not None else f"<= {_number(self.max or 0.0)}"


@dataclass(frozen=True)
class ColumnRule:
    """Rules for one column (the name may be a glob such as `f*`), in every split."""

    type: str | None = None  # the arrow type as metadata.json's schema spells it, e.g. int64
    nullable: bool = True
    unique: bool = False
    range: Bounds | None = None  # from the file's `min`/`max`
    allowed: tuple[int | float | str | bool, ...] | None = None
    length: Bounds | None = None  # characters of a string, items of a list, bytes of a binary
    norm: Bounds | None = None  # L2 norm of each vector in a list column


@dataclass(frozen=True)
class ClassBalance:
    """Share of rows per class, per split: catches a vanished class or flipped labels."""

    column: str
    names: tuple[str, ...] | None = None  # class names by id; default: the table's `class_names`
    share: Bounds | None = None  # every class
    classes: dict[str, Bounds] = field(default_factory=dict)  # per class, overriding `share`
    min_rows: int = MIN_ROWS  # smaller splits are not judged: their shares are noise


@dataclass(frozen=True)
class Drift:
    """Thresholds against the previous version's metadata.json; no old data is read again."""

    rows: float | None = None  # largest |new - old| / old row count per split
    numeric: tuple[str, ...] = ()  # column globs compared by quantiles
    psi: float | None = None  # population stability index; 0.1 small, 0.25 large by convention
    ks: float | None = None  # Kolmogorov-Smirnov statistic, 0..1
    categorical: tuple[str, ...] = ()  # column globs compared by value counts
    js: float | None = None  # Jensen-Shannon distance (base 2), 0..1
    metrics: dict[str, Bounds] = field(default_factory=dict)  # allowed change (new - old) per metric
    min_rows: int = MIN_ROWS  # splits smaller than this on either side are not compared


@dataclass(frozen=True)
class Expectations:
    rows: dict[str, Bounds] = field(default_factory=dict)  # per split
    columns: dict[str, ColumnRule] = field(default_factory=dict)
    classes: ClassBalance | None = None
    metrics: dict[str, Bounds] = field(default_factory=dict)  # dotted paths into metadata metrics
    schema_metadata: dict[str, Any] = field(default_factory=dict)  # exact values, e.g. image_shape
    drift: Drift = field(default_factory=Drift)


@dataclass(frozen=True)
class CheckResult:
    """One check as people and CI see it: `check: observed …, allowed …`."""

    check: str
    observed: str
    allowed: str
    passed: bool

    def line(self) -> str:
        status = "passed" if self.passed else "FAILED"
        return f"{status} {self.check}: observed {self.observed}, allowed {self.allowed}"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, entry: dict[str, Any]) -> CheckResult:
        return cls(str(entry["check"]), str(entry["observed"]), str(entry["allowed"]), bool(entry["passed"]))


def load(pipeline_dir: Path) -> Expectations:
    """The pipeline's expectations; a missing or malformed file is a user error in one line."""
    path = pipeline_dir / FILE_NAME
    try:
        raw = yaml.safe_load(path.read_text())
    except FileNotFoundError as error:
        raise ExpectationsError(f"{path} is missing: every pipeline declares its expectations") from error
    except yaml.YAMLError as error:
        raise ExpectationsError(f"{path} is not valid YAML: {' '.join(str(error).split())}") from error
    try:
        return parse(raw or {})
    except _Invalid as error:
        raise ExpectationsError(f"{path}: {error}") from error


class _Invalid(ValueError):
    """Where in the file and what is wrong, e.g. `drift.psi: expected a number`."""


def parse(raw: object) -> Expectations:
    data = _mapping(raw, "", {"rows", "columns", "classes", "metrics", "schema_metadata", "drift"})
    return Expectations(
        rows={str(k): _bounds(v, f"rows.{k}") for k, v in _mapping(data.get("rows", {}), "rows").items()},
        columns={
            str(k): _column(v, f"columns.{k}")
            for k, v in _mapping(data.get("columns", {}), "columns").items()
        },
        classes=None if data.get("classes") is None else _classes(data["classes"], "classes"),
        metrics={
            str(k): _bounds(v, f"metrics.{k}")
            for k, v in _mapping(data.get("metrics", {}), "metrics").items()
        },
        schema_metadata=dict(_mapping(data.get("schema_metadata", {}), "schema_metadata")),
        drift=drift_from_dict(data.get("drift", {})),
    )


def drift_from_dict(raw: object) -> Drift:
    """The `drift` section, from the file or from the copy analyze keeps in metadata.json."""
    keys = {"rows", "numeric", "psi", "ks", "categorical", "js", "metrics", "min_rows"}
    data = _mapping(raw, "drift", keys)
    metrics = _mapping(data.get("metrics", {}), "drift.metrics")
    return Drift(
        rows=_optional_number(data.get("rows"), "drift.rows"),
        numeric=_names(data.get("numeric", []), "drift.numeric"),
        psi=_optional_number(data.get("psi"), "drift.psi"),
        ks=_optional_number(data.get("ks"), "drift.ks"),
        categorical=_names(data.get("categorical", []), "drift.categorical"),
        js=_optional_number(data.get("js"), "drift.js"),
        metrics={str(k): _bounds(v, f"drift.metrics.{k}") for k, v in metrics.items()},
        min_rows=_count(data.get("min_rows", MIN_ROWS), "drift.min_rows"),
    )


def drift_to_dict(drift: Drift) -> dict[str, Any]:
    document = asdict(drift)
    document["numeric"], document["categorical"] = list(drift.numeric), list(drift.categorical)
    return {key: value for key, value in document.items() if value not in (None, [], {})}


def _column(raw: object, where: str) -> ColumnRule:
    keys = {"type", "nullable", "unique", "min", "max", "allowed", "length", "norm"}
    data = _mapping(raw, where, keys)
    low, high = (
        _optional_number(data.get("min"), f"{where}.min"),
        _optional_number(data.get("max"), f"{where}.max"),
    )
    allowed = data.get("allowed")
    if allowed is not None and not isinstance(allowed, list):
        raise _Invalid(f"{where}.allowed: expected a list of values")
    return ColumnRule(
        type=None if data.get("type") is None else str(data["type"]),
        nullable=_flag(data.get("nullable", True), f"{where}.nullable"),
        unique=_flag(data.get("unique", False), f"{where}.unique"),
        range=None if low is None and high is None else Bounds(low, high),
        allowed=None if allowed is None else tuple(allowed),
        length=None if data.get("length") is None else _bounds(data["length"], f"{where}.length"),
        norm=None if data.get("norm") is None else _bounds(data["norm"], f"{where}.norm"),
    )


def _classes(raw: object, where: str) -> ClassBalance:
    data = _mapping(raw, where, {"column", "names", "share", "classes", "min_rows"})
    if not isinstance(data.get("column"), str):
        raise _Invalid(f"{where}.column: name the label column")
    per_class = _mapping(data.get("classes", {}), f"{where}.classes")
    return ClassBalance(
        column=data["column"],
        names=None if data.get("names") is None else _names(data["names"], f"{where}.names"),
        share=None if data.get("share") is None else _bounds(data["share"], f"{where}.share"),
        classes={str(k): _bounds(v, f"{where}.classes.{k}") for k, v in per_class.items()},
        min_rows=_count(data.get("min_rows", MIN_ROWS), f"{where}.min_rows"),
    )


def _bounds(raw: object, where: str) -> Bounds:
    data = _mapping(raw, where, {"min", "max"})
    return Bounds(
        _optional_number(data.get("min"), f"{where}.min"), _optional_number(data.get("max"), f"{where}.max")
    )


def _mapping(raw: object, where: str, keys: set[str] | None = None) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise _Invalid(f"{where or 'the file'}: expected a mapping")
    unknown = sorted(set(map(str, raw)) - keys) if keys is not None else []
    if unknown:
        # A misspelt key would otherwise silently check nothing.
        known = ", ".join(sorted(keys or ()))
        raise _Invalid(f"{where + ': ' if where else ''}unknown key {unknown[0]!r}; known: {known}")
    return raw


def _optional_number(raw: object, where: str) -> float | None:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise _Invalid(f"{where}: expected a number, got {raw!r}")
    return float(raw)


def _count(raw: object, where: str) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0:
        raise _Invalid(f"{where}: expected a whole number >= 0, got {raw!r}")
    return raw


def _flag(raw: object, where: str) -> bool:
    if not isinstance(raw, bool):
        raise _Invalid(f"{where}: expected true or false, got {raw!r}")
    return raw


def _names(raw: object, where: str) -> tuple[str, ...]:
    if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
        raise _Invalid(f"{where}: expected a list of names")
    return tuple(raw)


def matching(patterns: Iterable[str], names: Iterable[str]) -> list[str]:
    """Column names matched by any of the glob patterns, in the table's order."""
    pattern_list = list(patterns)
    return [name for name in names if any(fnmatch.fnmatchcase(name, pattern) for pattern in pattern_list)]


def lookup(tree: Mapping[str, Any], dotted: str) -> float | None:
    """A number at a dotted path (`retrieval.mrr`), or None where there is none."""
    node: Any = tree
    for part in dotted.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return float(node) if isinstance(node, int | float) and not isinstance(node, bool) else None


def _number(value: float) -> str:
    return f"{value:g}"
