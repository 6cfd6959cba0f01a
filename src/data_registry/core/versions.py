"""Semantic versions of datasets, their immutable tag names, and the bump rules."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from data_registry.core import layout
from data_registry.core.errors import UsageError
from data_registry.core.lockfile import OutsChange

Part = Literal["major", "minor", "patch"]
PARTS: tuple[Part, ...] = ("major", "minor", "patch")
FIRST = "1.0.0"
_VERSION = re.compile(r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)")
_TAG = re.compile(r"([a-z0-9][a-z0-9-]*)-v((?:0|[1-9][0-9]*)\.(?:0|[1-9][0-9]*)\.(?:0|[1-9][0-9]*))")


@dataclass(frozen=True, order=True)
class Version:
    major: int
    minor: int
    patch: int

    @classmethod
    def parse(cls, text: str) -> Version:
        match = _VERSION.fullmatch(text.removeprefix("v"))
        if not match:
            raise UsageError(f"{text!r} is not a version", "versions look like 1.2.0")
        return cls(*(int(group) for group in match.groups()))

    def bump(self, part: Part) -> Version:
        if part == "major":
            return Version(self.major + 1, 0, 0)
        if part == "minor":
            return Version(self.major, self.minor + 1, 0)
        return Version(self.major, self.minor, self.patch + 1)

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}"


def tag_name(dataset: str, version: Version) -> str:
    return layout.tag_name(dataset, version)


def tag_pattern(dataset: str) -> str:
    """Glob for `git tag -l`; `parse_tag` then drops look-alikes such as `<ds>-vfoo`."""
    return layout.tag_pattern(dataset)


def parse_tag(dataset: str, tag: str) -> Version | None:
    prefix = layout.tag_prefix(dataset)
    if not tag.startswith(prefix) or not _VERSION.fullmatch(tag[len(prefix) :]):
        return None
    return Version.parse(tag[len(prefix) :])


def split_tag(tag: str) -> tuple[str, Version] | None:
    """`fashion-mnist-v1.2.0` -> ("fashion-mnist", 1.2.0); None for anything that is no version tag."""
    match = _TAG.fullmatch(tag)
    return (match.group(1), Version.parse(match.group(2))) if match else None


def sorted_versions(dataset: str, tags: Iterable[str]) -> list[Version]:
    return sorted(version for tag in tags if (version := parse_tag(dataset, tag)) is not None)


def latest(dataset: str, tags: Iterable[str]) -> Version | None:
    found = sorted_versions(dataset, tags)
    return found[-1] if found else None


REASONS: dict[Part, str] = {
    "major": "schema changed",
    "minor": "content changed",
    "patch": "metadata changed",
}


@dataclass(frozen=True)
class Bump:
    """Which part of the version moves, and the reason the tag message and summary give."""

    part: Part
    reason: str


def bump_part(change: OutsChange, schema_changed: bool) -> Part:
    """Schema change → major, data change → minor, only the description of the data → patch."""
    if schema_changed:
        return "major"
    return "minor" if change.content else "patch"


def decide_bump(
    change: OutsChange,
    previous_schema: Mapping[str, Any] | None,
    schema: Mapping[str, Any] | None,
    forced: Part | None = None,
) -> Bump:
    """The bump rule in one place. A schema is {split: {"columns": ...}}: only column names and
    types count, the part of a schema consumers' code depends on."""
    if forced:
        return Bump(forced, f"{forced} bump requested")
    schema_changed = previous_schema is not None and _columns(previous_schema) != _columns(schema or {})
    part = bump_part(change, schema_changed)
    return Bump(part, REASONS[part])


def _columns(schema: Mapping[str, Any]) -> dict[str, Any]:
    return {split: section.get("columns") for split, section in schema.items()}


def next_version(previous: Version | None, part: Part) -> Version:
    return Version.parse(FIRST) if previous is None else previous.bump(part)
