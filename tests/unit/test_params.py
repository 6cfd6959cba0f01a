"""data_registry.core.params: reading params.yaml and `-S key=value` overrides written back into it."""

from __future__ import annotations

from pathlib import Path

import pytest

from data_registry.core import params
from data_registry.core.errors import ParamsError

PARAMS = """\
# Everything here changes the data.
n_samples: 5000   # rows before the split
name: tabular
noise: 0.1
shuffle: true
classes: [a, b]
split:
  # held-out share
  val_fraction: 0.2
  seed: 7
"""


@pytest.fixture
def pipeline(tmp_path: Path) -> Path:
    (tmp_path / "params.yaml").write_text(PARAMS)
    return tmp_path


def test_load_reads_the_pipeline_params(pipeline: Path) -> None:
    loaded = params.load(pipeline)

    assert loaded["n_samples"] == 5000
    assert loaded["split"] == {"val_fraction": 0.2, "seed": 7}


def test_load_of_a_missing_file_is_a_params_error(tmp_path: Path) -> None:
    with pytest.raises(ParamsError, match="does not exist"):
        params.load(tmp_path)


@pytest.mark.parametrize("text", ["a: [unclosed\n", "- just\n- a list\n", "plain scalar\n"])
def test_load_of_malformed_params_is_a_params_error(tmp_path: Path, text: str) -> None:
    (tmp_path / "params.yaml").write_text(text)

    with pytest.raises(ParamsError):
        params.load(tmp_path)


@pytest.mark.parametrize(
    ("text", "keys", "value"),
    [
        ("n_samples=3", ["n_samples"], 3),
        ("noise=0.5", ["noise"], 0.5),
        ("shuffle=false", ["shuffle"], False),
        ("classes=[x, y, z]", ["classes"], ["x", "y", "z"]),
        ("name=text", ["name"], "text"),
        ("name='007'", ["name"], "007"),
        ("split.seed=1", ["split", "seed"], 1),
        ("name=a=b", ["name"], "a=b"),
        ("name=", ["name"], ""),
    ],
)
def test_override_value_is_read_as_yaml(text: str, keys: list[str], value: object) -> None:
    assert params.parse_override(text) == (keys, value)


@pytest.mark.parametrize("text", ["novalue", "=3", " =3"])
def test_override_that_is_not_key_value_is_refused(text: str) -> None:
    with pytest.raises(ParamsError, match="not key=value"):
        params.parse_override(text)


def test_override_with_invalid_yaml_value_is_refused() -> None:
    with pytest.raises(ParamsError, match="not valid YAML"):
        params.parse_override("classes=[a, b")


def test_overrides_set_top_level_and_nested_keys(pipeline: Path) -> None:
    applied = params.apply_overrides(pipeline, ["n_samples=1200", "split.val_fraction=0.3"])

    assert applied == {"n_samples": 1200, "split.val_fraction": 0.3}
    loaded = params.load(pipeline)
    assert loaded["n_samples"] == 1200
    assert loaded["split"] == {"val_fraction": 0.3, "seed": 7}


def test_overrides_keep_comments_and_untouched_lines(pipeline: Path) -> None:
    params.apply_overrides(pipeline, ["n_samples=1200", "split.seed=8"])

    text = (pipeline / "params.yaml").read_text()
    assert "# Everything here changes the data." in text
    assert "n_samples: 1200   # rows before the split" in text
    assert "  # held-out share" in text
    assert "name: tabular\nnoise: 0.1\n" in text
    assert "  seed: 8\n" in text


def test_override_may_replace_a_list_with_a_list(pipeline: Path) -> None:
    params.apply_overrides(pipeline, ["classes=[c]"])

    assert params.load(pipeline)["classes"] == ["c"]


def test_no_overrides_leave_the_file_alone(pipeline: Path) -> None:
    assert params.apply_overrides(pipeline, []) == {}
    assert (pipeline / "params.yaml").read_text() == PARAMS


@pytest.mark.parametrize("override", ["n_sample=10", "split.val=0.1", "n_samples.deeper=1", "split=3"])
def test_override_of_an_unknown_or_non_scalar_key_is_refused(pipeline: Path, override: str) -> None:
    with pytest.raises(ParamsError):
        params.apply_overrides(pipeline, [override])


def test_unknown_key_error_names_the_first_missing_level(pipeline: Path) -> None:
    with pytest.raises(ParamsError, match=r"'split\.val'"):
        params.apply_overrides(pipeline, ["split.val.x=1"])


@pytest.mark.parametrize(
    "override",
    [
        "n_samples=many",  # int -> str
        "n_samples=10.5",  # int -> float
        "name=5",  # str -> int
        "shuffle=1",  # bool -> int
        "n_samples=true",  # int -> bool
        "classes=a",  # list -> str
        "noise=[1]",  # float -> list
        "n_samples=null",  # int -> None: the stage would get None
        "n_samples=~",
        "split.seed=null",
        "classes=null",
    ],
)
def test_override_that_changes_the_type_is_refused(pipeline: Path, override: str) -> None:
    with pytest.raises(ParamsError, match=r"does not fit params\.yaml"):
        params.apply_overrides(pipeline, [override])


@pytest.mark.parametrize(
    "overrides",
    [["n_samples=many"], ["n_samples=10", "missing=1"], ["split.seed=1", "novalue"]],
)
def test_refused_overrides_leave_the_file_byte_for_byte_unchanged(
    pipeline: Path, overrides: list[str]
) -> None:
    with pytest.raises(ParamsError):
        params.apply_overrides(pipeline, overrides)

    assert (pipeline / "params.yaml").read_text() == PARAMS
    assert [path.name for path in pipeline.iterdir()] == ["params.yaml"]


def test_an_int_override_of_a_float_param_stays_a_float(pipeline: Path) -> None:
    # Written as `noise: 1`, the param would turn int and refuse the next `-S noise=0.5`.
    assert params.apply_overrides(pipeline, ["noise=1"]) == {"noise": 1.0}

    assert "noise: 1.0\n" in (pipeline / "params.yaml").read_text()
    params.apply_overrides(pipeline, ["noise=0.5"])


def test_a_null_param_takes_a_value_of_any_type(tmp_path: Path) -> None:
    (tmp_path / "params.yaml").write_text("limit: null\n")

    params.apply_overrides(tmp_path, ["limit=500"])

    assert params.load(tmp_path) == {"limit": 500}


def test_overrides_keep_quotes_and_never_wrap_a_long_value(tmp_path: Path) -> None:
    (tmp_path / "params.yaml").write_text('title: "Quoted title"\nprompt: short\n')
    prompt = " ".join(["describe the image in one careful sentence"] * 4)

    params.apply_overrides(tmp_path, [f"prompt={prompt}"])

    assert (tmp_path / "params.yaml").read_text() == f'title: "Quoted title"\nprompt: {prompt}\n'


def test_override_keys_checks_each_key_before_anything_is_written(pipeline: Path, tmp_path: Path) -> None:
    assert params.override_keys(pipeline, ["split.seed=1", "n_samples=2"]) == ["split.seed", "n_samples"]
    assert params.override_keys(tmp_path / "no-params-here", []) == []
    with pytest.raises(ParamsError, match=r"'split\.val'"):
        params.override_keys(pipeline, ["split.val=1"])
    assert (pipeline / "params.yaml").read_text() == PARAMS


def test_override_of_a_missing_params_file_is_a_params_error(tmp_path: Path) -> None:
    with pytest.raises(ParamsError, match="does not exist"):
        params.apply_overrides(tmp_path, ["n_samples=1"])


# --- what a version records and which keys an override may touch ------------------------------


def test_changes_lists_each_leaf_with_old_and_new_value() -> None:
    before = {"n": 1, "chunking": {"size": 800, "overlap": 120}, "gone": True, "same": [1, 2]}
    after = {"n": 1, "chunking": {"size": 500, "overlap": 120}, "added": "x", "same": [1, 2]}

    assert params.changes(before, after) == {
        "added": (None, "x"),
        "chunking.size": (800, 500),
        "gone": (True, None),
    }
    assert params.changes(None, {"n": 1}) == {"n": (None, 1)}


@pytest.mark.parametrize("key", ["chunking", "chunking.size", "model.name", "source.files.a"])
def test_keys_a_stage_reads_may_be_overridden(key: str) -> None:
    params.refuse_unread([key], {"chunking", "model.name", "source"})


@pytest.mark.parametrize("key", ["publish.pgvector.table", "model.revision", "chunk"])
def test_keys_no_stage_reads_are_refused(key: str) -> None:
    with pytest.raises(ParamsError, match="no stage"):
        params.refuse_unread([key], {"chunking", "model.name", "source"})


def test_malformed_params_are_refused_even_without_overrides(tmp_path: Path) -> None:
    (tmp_path / "params.yaml").write_text("n_samples: [1\n")

    with pytest.raises(ParamsError, match=r"is not valid YAML: .* at line 2"):
        params.apply_overrides(tmp_path, [])


def test_an_unset_param_may_be_given_a_value(tmp_path: Path) -> None:
    (tmp_path / "params.yaml").write_text("registry: null\n")

    assert params.apply_overrides(tmp_path, ["registry=/srv/registry"]) == {"registry": "/srv/registry"}
