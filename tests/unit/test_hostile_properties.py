"""Property tests (Hypothesis) for the two gates every hostile input passes first: `-S key=value`
parsing and name validation. Whatever the text, the answer is a value or a usage error, never
another exception, and a refused override never touches params.yaml."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from data_registry.client import collection
from data_registry.core import datasets, params
from data_registry.core.errors import InvalidDatasetName, ParamsError, UsageError

PARAMS = "n_samples: 5000\nnoise: 0.1\nname: tabular\nsplit:\n  seed: 7\nregistry: null\n"
NAME = st.from_regex(r"[a-z0-9][a-z0-9-]{0,63}", fullmatch=True)
ANY_TEXT = st.text(st.characters(codec="utf-8"), max_size=400)


@given(ANY_TEXT)
def test_override_parsing_returns_a_pair_or_a_params_error(text: str) -> None:
    try:
        keys, _value = params.parse_override(text)
    except ParamsError as error:
        assert "\n" not in error.one_line()
        return
    assert keys and all(isinstance(key, str) for key in keys)
    assert ".".join(keys) == text.partition("=")[0].strip()


@given(st.sampled_from(["n_samples", "noise", "name", "split.seed", "registry", "nope", "split"]), ANY_TEXT)
@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
def test_an_override_is_applied_with_its_type_or_refused_leaving_the_file_as_it_was(
    key: str, raw: str
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "params.yaml"
        path.write_text(PARAMS)
        try:
            applied = params.apply_overrides(Path(folder), [f"{key}={raw}"])
        except ParamsError:
            assert path.read_text() == PARAMS
            return
        loaded = params.load(Path(folder))
        value = loaded["split"]["seed"] if key == "split.seed" else loaded[key]
        assert applied == {key: value}
        if key in ("n_samples", "split.seed"):
            assert type(value) is int
        elif key == "noise":
            assert type(value) is float
        elif key == "name":
            assert isinstance(value, str)


@given(NAME.filter(lambda name: not name.startswith("collection-")))
def test_every_name_of_the_grammar_is_accepted(name: str) -> None:
    assert datasets.validate_name(name) == name
    assert datasets.validate_collection_name(name) == name
    assert collection.named(f"collection:{name}") == name


@given(ANY_TEXT.filter(lambda text: not datasets.NAME_PATTERN.fullmatch(text) or len(text) > 64))
def test_any_other_name_is_a_one_line_usage_error_of_bounded_length(text: str) -> None:
    for check in (datasets.validate_name, datasets.validate_collection_name):
        with pytest.raises(InvalidDatasetName) as raised:
            check(text)
        line = raised.value.one_line()
        assert raised.value.exit_code == 2 and "\n" not in line and len(line) < 400
    with pytest.raises(UsageError):
        collection.named(f"collection:{text}")
