"""What a publisher is: a serving target a dataset version is copied to after its tag exists.

A publisher is built from the dataset, the environment's settings and its options in the
dataset's `serving.yaml`; `publish` is idempotent (it skips when the target already holds
this version's content), so the wrapper calls it on unchanged runs too and a lost serving
copy comes back on the next run. Run facts (tag, version) arrive as arguments, never
through params or metadata: serving is not part of what a version is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from data_registry.core.errors import PipelineFileError

if TYPE_CHECKING:
    from data_registry.core.datasets import Dataset
    from data_registry.core.settings import Settings

SERVING_FILE = "serving.yaml"
PUBLISHED = "published"
ALREADY_SERVED = "already served"


class ServingFileError(PipelineFileError):
    hint = f"fix {SERVING_FILE}: `publishers:` maps a known publisher name to its options"


def check_options(name: str, options: Mapping[str, Any], allowed: set[str]) -> None:
    """A publisher's options in serving.yaml: an unknown key is a typo, refused before the run."""
    unknown = sorted(set(options) - allowed)
    if unknown:
        raise ServingFileError(
            f"{SERVING_FILE}: unknown {name} options {unknown}", f"use {', '.join(sorted(allowed))}"
        )


@dataclass(frozen=True)
class VersionFacts:
    """The version now checked out, as the release path named it."""

    tag: str
    version: str


@dataclass(frozen=True)
class Report:
    """What one publish did, for the run's progress lines and its JSON summary."""

    publisher: str
    status: str  # PUBLISHED or ALREADY_SERVED
    target: str  # where it is served, for people: "table readmes_embeddings", "MLflow run 3f2a…"
    tag: str
    detail: str = ""
    seconds: float = 0.0

    def line(self) -> str:
        extra = f" ({self.detail})" if self.detail else ""
        return f"{self.publisher}: {self.status} {self.tag} in {self.target}{extra}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "publisher": self.publisher,
            "status": self.status,
            "target": self.target,
            "tag": self.tag,
            "detail": self.detail,
            "seconds": round(self.seconds, 3),
        }


@dataclass(frozen=True)
class Served:
    """One serving copy a target holds now: where, and which version of which dataset."""

    target: str
    dataset: str
    version: str
    content_hash: str = ""


class Publisher(Protocol):
    """A serving target. `name` is its key under `publishers:` in serving.yaml."""

    name: str

    def publish(self, facts: VersionFacts) -> Report:
        """Serve the version now checked out; a no-op when the target already holds it."""
        ...

    def served(self) -> list[Served]:
        """What this target serves for the dataset now, newest first."""
        ...


class PublisherFactory(Protocol):
    """How the registry builds a publisher; options are validated here, before any run step."""

    def __call__(self, dataset: Dataset, settings: Settings, options: Mapping[str, Any]) -> Publisher: ...
