"""Instruction prompts kept in MLflow's Prompt Registry: register them from a prompt file,
resolve a pinned version (or alias) for a pipeline, and render their `{{var}}` templates.

A pipeline never reads the prompt file directly: it loads an exact registered version, so
the same params always give the same prompt text, and a new version is an explicit choice
in params.yaml. What lands in a dataset's lineage is the name, the number and a hash of the
template, never the tracking URI (an environment parameter that may hold credentials).
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from data_registry.core import redact
from data_registry.core.errors import PromptError, UnknownPrompt

VARIABLE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


@dataclass(frozen=True)
class PromptFile:
    """A prompt as written in a pipeline folder: what `prompts register` sends to MLflow."""

    name: str
    template: str
    commit_message: str | None = None
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ResolvedPrompt:
    """One exact registered version: everything a dataset records about the prompt it used."""

    name: str
    version: int
    template: str
    template_sha256: str
    uri: str
    aliases: list[str] = field(default_factory=list)

    @property
    def variables(self) -> list[str]:
        return variables(self.template)

    def lineage(self) -> dict[str, Any]:
        """The metadata.json `prompt` section: no aliases, since an alias moves and the data does not."""
        return {key: value for key, value in asdict(self).items() if key != "aliases"}


def read_file(path: Path) -> PromptFile:
    """Parse a prompt YAML file (`name`, `template`, optional `commit_message`, `tags`)."""
    try:
        data = yaml.safe_load(path.read_text())
    except OSError as error:
        raise PromptError(f"cannot read prompt file {path}: {error.strerror}") from error
    except yaml.YAMLError as error:
        raise PromptError(f"prompt file {path} is not valid YAML".splitlines()[0]) from error
    if not isinstance(data, dict) or not isinstance(data.get("name"), str) or not data.get("template"):
        raise PromptError(f"prompt file {path} needs a `name` and a non-empty `template`")
    if not NAME.fullmatch(data["name"]):
        raise PromptError(f"prompt name {data['name']!r} in {path} is not a valid MLflow prompt name")
    tags = data.get("tags") or {}
    return PromptFile(
        name=data["name"],
        template=str(data["template"]),
        commit_message=data.get("commit_message"),
        tags={str(key): str(value) for key, value in tags.items()},
    )


def template_sha256(template: str) -> str:
    return hashlib.sha256(template.encode()).hexdigest()


def variables(template: str) -> list[str]:
    """The `{{var}}` names a template uses, sorted."""
    return sorted(set(VARIABLE.findall(template)))


def render(template: str, values: Mapping[str, Any]) -> str:
    """Fill every `{{var}}`; a variable without a value is an error, never left as braces."""
    missing = [name for name in variables(template) if name not in values]
    if missing:
        raise PromptError(
            f"the prompt template uses {{{{{missing[0]}}}}}, which has no value here",
            f"use only the variables the pipeline provides: {', '.join(sorted(values)) or 'none'}",
        )
    return VARIABLE.sub(lambda match: str(values[match.group(1)]), template)


def use_tracking_uri(uri: str) -> None:
    """Point MLflow at `uri`, creating a SQLite store's folder (the embedded default)."""
    import mlflow

    if uri.startswith("sqlite:///"):
        Path(uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    logging.getLogger("alembic").setLevel(logging.WARNING)  # schema set-up chatter of a new store
    mlflow.set_tracking_uri(uri)


def register(prompt: PromptFile, uri: str, alias: str | None = None) -> tuple[ResolvedPrompt, bool]:
    """Register the file's template as a new version unless the latest version already holds it.

    Returns the version and whether it is new: registering an unchanged file twice makes no
    second version, so `prompts register` can run in every set-up script.
    """
    import mlflow.genai

    use_tracking_uri(uri)
    latest = _latest(prompt.name)
    created = latest is None or latest.template != prompt.template
    if created:
        version = mlflow.genai.register_prompt(
            name=prompt.name, template=prompt.template, commit_message=prompt.commit_message, tags=prompt.tags
        )
        latest = resolve(prompt.name, uri, version=int(version.version))
    assert latest is not None
    if alias:
        mlflow.genai.set_prompt_alias(prompt.name, alias=alias, version=latest.version)
        latest = resolve(prompt.name, uri, version=latest.version)
    return latest, created


def resolve(
    name: str, uri: str, *, version: int | str | None = None, alias: str | None = None
) -> ResolvedPrompt:
    """The exact version pinned by number or alias; UnknownPrompt when the registry lacks it."""
    if (version is None) == (alias is None):
        raise PromptError(f"prompt {name!r}: give exactly one of a version number and an alias")
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    use_tracking_uri(uri)
    client = MlflowClient()
    wanted = f"version {version}" if alias is None else f"alias @{alias}"
    try:
        if alias is not None:
            found = client.get_prompt_version_by_alias(name, alias)
        else:
            found = client.get_prompt_version(name, str(_version_number(name, version)))
    except MlflowException as error:
        found = None
        if error.error_code not in ("RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE"):
            raise PromptError(
                f"cannot read prompt {name!r} from {redact.url(uri)}: {error.message}"
            ) from error
    if found is None:
        raise UnknownPrompt(f"prompt {name!r} has no {wanted} in the MLflow registry at {redact.url(uri)}")
    return _resolved(found)


def list_prompts(uri: str) -> list[dict[str, Any]]:
    """Every registered prompt with its latest version and aliases, by name."""
    import mlflow.genai

    use_tracking_uri(uri)
    found = []
    for prompt in mlflow.genai.search_prompts(max_results=1000):
        versions = _versions(prompt.name)
        found.append(
            {
                "name": prompt.name,
                "latest_version": max((item.version for item in versions), default=None),
                "aliases": {alias: item.version for item in versions for alias in item.aliases},
            }
        )
    return sorted(found, key=lambda entry: entry["name"])


def latest_version(name: str, uri: str) -> int:
    """The newest version number of `name`; UnknownPrompt when nothing is registered under it."""
    use_tracking_uri(uri)
    latest = _latest(name)
    if latest is None:
        raise UnknownPrompt(f"no prompt {name!r} in the MLflow registry at {redact.url(uri)}")
    return latest.version


def _versions(name: str) -> list[ResolvedPrompt]:
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    client = MlflowClient()
    try:
        found = client.search_prompt_versions(name)
    except MlflowException:
        return []  # no such prompt yet
    # Search results leave aliases out; fetching each version fills them in.
    return sorted(
        (_resolved(client.get_prompt_version(name, item.version)) for item in found),
        key=lambda item: item.version,
    )


def _latest(name: str) -> ResolvedPrompt | None:
    versions = _versions(name)
    return versions[-1] if versions else None


def _version_number(name: str, version: int | str | None) -> int:
    try:
        number = int(str(version))
    except ValueError:
        number = 0
    if number < 1:
        raise UnknownPrompt(f"prompt {name!r} version {version!r} is not a version number (1, 2, ...)")
    return number


def _resolved(found: Any) -> ResolvedPrompt:
    if not isinstance(found.template, str):
        raise PromptError(
            f"prompt {found.name!r} version {found.version} is a chat prompt; a text template is needed"
        )
    return ResolvedPrompt(
        name=found.name,
        version=int(found.version),
        template=found.template,
        template_sha256=template_sha256(found.template),
        uri=f"prompts:/{found.name}/{found.version}",
        aliases=sorted(found.aliases or []),
    )
