"""params.yaml: reading it in stages, and `-S key=value` overrides from the wrapper.

Overrides are data changes, so they are written into params.yaml (comments kept)
and committed with the version they produce.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from data_registry.core import atomic
from data_registry.core.errors import ParamsError, yaml_problem

PARAMS_FILE = "params.yaml"


def load(pipeline_dir: Path = Path()) -> dict[str, Any]:
    path = pipeline_dir / PARAMS_FILE
    try:
        data = yaml.safe_load(path.read_text())
    except FileNotFoundError as error:
        raise ParamsError(f"{path} does not exist", "every pipeline folder needs a params.yaml") from error
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise ParamsError(
            f"{path} is not valid YAML: {yaml_problem(error)}", "fix the file, then rerun"
        ) from error
    if not isinstance(data, dict):
        raise ParamsError(f"{path} must hold a mapping of parameters", "fix the file, then rerun")
    return data


def parse_override(text: str) -> tuple[list[str], Any]:
    """`a.b=3` → (["a", "b"], 3); the value is read as YAML so numbers and lists keep their types."""
    key, sep, raw = text.partition("=")
    if not sep or not key.strip():
        raise ParamsError(f"override {text!r} is not key=value")
    try:
        value = yaml.safe_load(raw) if raw.strip() else ""
    except yaml.YAMLError as error:
        raise ParamsError(f"value of override {text!r} is not valid YAML") from error
    return key.strip().split("."), value


def apply_overrides(pipeline_dir: Path, overrides: Iterable[str]) -> dict[str, Any]:
    """Set each dotted key in params.yaml; unknown keys and type changes are refused.

    The file is read even without overrides: this is where a run first reads it, so a
    malformed params.yaml fails here in one line rather than inside `dvc repro`."""
    parsed = [parse_override(text) for text in overrides]
    load(pipeline_dir)
    if not parsed:
        return {}
    from ruamel.yaml import YAML  # round-trip keeps comments; only needed when overriding

    rt = YAML()
    rt.preserve_quotes = True
    rt.width = 4096  # never wrap a long value (an md5, a URL) onto a second line
    path = pipeline_dir / PARAMS_FILE
    document = rt.load(path.read_text())
    applied: dict[str, Any] = {}
    for keys, value in parsed:
        parent = _parent_of(document, keys)
        current = parent[keys[-1]]
        if isinstance(current, Mapping) or _type_changes(current, value):
            raise ParamsError(
                f"-S {'.'.join(keys)}={value!r} does not fit params.yaml, which holds {current!r} there",
                "give a value of the same type as the one in params.yaml",
            )
        if isinstance(current, float) and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)  # `-S noise=1` on a float param stays a float in the file
        parent[keys[-1]] = value
        applied[".".join(keys)] = value
    buffer = io.StringIO()
    rt.dump(document, buffer)
    atomic.write_text(path, buffer.getvalue())
    return applied


def _parent_of(document: Any, keys: list[str]) -> Any:
    """The mapping that holds the last key, checking every level exists on the way."""
    node = document
    for depth, key in enumerate(keys):
        if not isinstance(node, Mapping) or key not in node:
            raise ParamsError(f"params.yaml has no key {'.'.join(keys[: depth + 1])!r}")
        if depth < len(keys) - 1:
            node = node[key]
    return node


def _type_changes(current: Any, value: Any) -> bool:
    if isinstance(current, bool) or isinstance(value, bool):
        return type(current) is not type(value)
    if isinstance(current, int | float) and isinstance(value, int | float):
        return isinstance(current, int) and isinstance(value, float)
    if current is None:
        return False  # an unset param (e.g. `registry: null`) may be given any value
    if value is None:
        return True  # nulling a typed key would reach the stage as None
    return not isinstance(value, type(current)) and not isinstance(current, type(value))


def override_keys(pipeline_dir: Path, overrides: Iterable[str]) -> list[str]:
    """The dotted keys of `-S key=value` overrides, each checked to exist in params.yaml, for
    checks made before anything is written."""
    parsed = [parse_override(text)[0] for text in overrides]
    document = load(pipeline_dir) if parsed else {}
    for keys in parsed:
        _parent_of(document, keys)
    return [".".join(keys) for keys in parsed]


def refuse_unread(keys: Iterable[str], read_by_stages: Iterable[str]) -> None:
    """An override of a key no stage reads would change no data and make no version, so it would
    be reported and then silently dropped: refuse it instead. A key counts as read when a stage
    declares it, one of its parent sections, or a key inside it."""
    declared = list(read_by_stages)
    for key in keys:
        if not any(_covers(name, key) or _covers(key, name) for name in declared):
            raise ParamsError(
                f"-S {key}: no stage of this pipeline reads {key!r}, so it changes no data",
                "override only the params a stage lists under `params:` in dvc.yaml; "
                "where a version is served goes in serving.yaml, which is not versioned data",
            )


def _covers(section: str, key: str) -> bool:
    return key == section or key.startswith(f"{section}.")


def changes(before: Mapping[str, Any] | None, after: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
    """{dotted key: (old, new)} for every leaf that differs; a key that appears or goes has None
    on the missing side. A version records these, whether -S or a hand edit made them."""
    old, new = leaves(before or {}), leaves(after)
    return {
        key: (old.get(key), new.get(key))
        for key in sorted(old.keys() | new.keys())
        if old.get(key) != new.get(key)
    }


def leaves(document: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested params as dotted keys (`chunking.size`); an empty mapping is a value of its own."""
    found: dict[str, Any] = {}
    for key, value in document.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            found.update(leaves(value, f"{name}."))
        else:
            found[name] = value
    return found


def write_values(pipeline_dir: Path, values: Mapping[str, Any]) -> None:
    """Set existing dotted keys to the given values, comments kept (for `data-registry pin`).

    Unlike `apply_overrides`, values are already typed (a sha is a string even when it is all
    digits), so nothing is parsed from text."""
    from ruamel.yaml import YAML

    rt = YAML()
    rt.preserve_quotes = True
    rt.width = 4096
    path = pipeline_dir / PARAMS_FILE
    load(pipeline_dir)
    document = rt.load(path.read_text())
    for dotted, value in values.items():
        keys = dotted.split(".")
        _parent_of(document, keys)[keys[-1]] = value
    buffer = io.StringIO()
    rt.dump(document, buffer)
    atomic.write_text(path, buffer.getvalue())
