"""Prompts in a SQLite MLflow registry: register (idempotent), aliases, resolve, unknown versions."""

from __future__ import annotations

from pathlib import Path

import pytest

from data_registry.core.errors import PromptError, UnknownPrompt
from data_registry.formats import prompts

PIPELINE_PROMPT = (
    Path(__file__).resolve().parents[2] / "pipelines/roco-radiology/prompts/radiology_caption.yaml"
)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> str:
    """One tracking store per module: creating MLflow's SQLite schema takes seconds."""
    return f"sqlite:///{tmp_path_factory.mktemp('mlflow')}/mlflow.db"


def test_render_fills_variables_and_refuses_missing_ones() -> None:
    assert prompts.variables("Describe this {{ modality }} image of {{part}}.") == ["modality", "part"]
    assert prompts.render("A {{modality}} scan.", {"modality": "CT"}) == "A CT scan."
    with pytest.raises(PromptError, match="part"):
        prompts.render("A {{part}} scan.", {"modality": "CT"})


def test_prompt_file_needs_a_name_and_a_template(tmp_path: Path) -> None:
    assert prompts.read_file(PIPELINE_PROMPT).name == "radiology-caption"
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: radiology-caption\n")
    with pytest.raises(PromptError, match="template"):
        prompts.read_file(bad)


def test_registering_an_unchanged_file_makes_no_new_version(store: str) -> None:
    file = prompts.PromptFile("unit-caption", "Describe this {{modality}} image.")
    first, created = prompts.register(file, store)
    again, created_again = prompts.register(file, store)
    assert (first.version, created, again.version, created_again) == (1, True, 1, False)
    assert first.template_sha256 == prompts.template_sha256(file.template)
    assert first.uri == "prompts:/unit-caption/1"


def test_alias_resolves_to_the_version_it_points_at(store: str) -> None:
    prompts.register(prompts.PromptFile("alias-caption", "v1"), store)
    second, _ = prompts.register(prompts.PromptFile("alias-caption", "v2"), store, alias="production")
    assert prompts.resolve("alias-caption", store, alias="production").version == second.version == 2
    assert prompts.resolve("alias-caption", store, version=1).template == "v1"
    listed = {entry["name"]: entry for entry in prompts.list_prompts(store)}
    assert listed["alias-caption"]["latest_version"] == 2
    assert listed["alias-caption"]["aliases"] == {"production": 2}


def test_unknown_version_alias_or_name_is_one_clear_error(store: str) -> None:
    prompts.register(prompts.PromptFile("known-caption", "text"), store)
    for name, pin in [
        ("known-caption", {"version": 5}),
        ("known-caption", {"alias": "nope"}),
        ("missing", {"version": 1}),
    ]:
        with pytest.raises(UnknownPrompt) as raised:
            prompts.resolve(name, store, **pin)
        assert "prompts register" in raised.value.one_line()
