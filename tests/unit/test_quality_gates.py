"""expectations.yaml parsing, the drift distances and the checks, on small in-memory tables."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from data_registry.core.errors import ExpectationsError, GateFailed
from data_registry.quality import checks, drift, expectations, gates

SPEC = {
    "rows": {"train": {"min": 3}},
    "columns": {
        "id": {"type": "int64", "nullable": False, "unique": True},
        "f*": {"type": "double", "min": -1, "max": 1},
        "label": {"allowed": [0, 1]},
        "text": {"length": {"min": 1}},
        "vector": {"norm": {"min": 0.99, "max": 1.01}},
    },
    "classes": {"column": "label", "names": ["no", "yes"], "share": {"min": 0.3, "max": 0.7}, "min_rows": 0},
    "metrics": {"train.score": {"min": 0.5}},
    "drift": {"rows": 0.5, "numeric": ["f*"], "psi": 0.25, "ks": 0.2, "categorical": ["label"], "js": 0.1},
}


def table(
    ids: list[int], f0: list[float], labels: list[int], texts: list[str], norms: list[float]
) -> pa.Table:
    vectors = [[norm, 0.0] for norm in norms]
    return pa.table(
        {
            "id": pa.array(ids, pa.int64()),
            "f0": pa.array(f0, pa.float64()),
            "label": pa.array(labels, pa.int8()),
            "text": pa.array(texts),
            "vector": pa.array(vectors, pa.list_(pa.float32(), 2)),
        }
    )


def failed(section: dict) -> set[str]:
    return {check["check"] for check in section["checks"] if not check["passed"]}


def test_every_broken_rule_fails_its_own_check_and_nothing_else() -> None:
    spec = expectations.parse(SPEC)
    good = table([1, 2, 3, 4], [-0.5, 0.0, 0.2, 0.9], [0, 1, 0, 1], ["a", "b", "c", "d"], [1.0] * 4)
    bad = table([1, 1, 3, 4], [-0.5, 0.0, 0.2, 3.0], [1, 1, 1, 2], ["a", "", "c", "d"], [1.0, 1.0, 1.0, 0.5])

    assert failed(checks.section(spec, {"train": good}, {"train": {"score": 0.9}})) == set()
    assert failed(checks.section(spec, {"train": bad}, {"train": {"score": 0.1}})) == {
        "unique train.id",
        "range train.f0",
        "values train.label",
        "length train.text",
        "norm train.vector",
        "class share train.no",
        "class share train.yes",
        "class share train.2",
        "metric train.score",
    }


def test_missing_column_and_wrong_type_are_reported() -> None:
    spec = expectations.parse({"columns": {"id": {"type": "int32"}, "missing": {}}})
    results = checks.section(spec, {"train": pa.table({"id": pa.array([1], pa.int64())})}, {})["checks"]

    assert {(c["check"], c["observed"], c["passed"]) for c in results} == {
        ("type train.id", "int64", False),
        ("column train.missing", "missing", False),
    }


@pytest.mark.parametrize("rule", [{"min": 0}, {"allowed": [1, 2]}, {"norm": {"max": 1}}])
def test_rule_that_does_not_fit_the_column_type_is_an_expectations_error(rule: dict) -> None:
    spec = expectations.parse({"columns": {"name": rule}})
    with pytest.raises(
        ExpectationsError, match=r"a rule for column train\.name does not fit its type string"
    ):
        checks.section(spec, {"train": pa.table({"name": ["a", "b"]})}, {})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("drift: {psi: high}", "drift.psi: expected a number"),
        ("columns: {id: {uniqe: true}}", "columns.id: unknown key 'uniqe'"),
        ("rows: [1]", "rows: expected a mapping"),
        ("classes: {share: {min: 0.1}}", "classes.column: name the label column"),
        ("a: [", "not valid YAML"),
    ],
)
def test_malformed_file_is_one_clear_error(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / expectations.FILE_NAME).write_text(text)
    with pytest.raises(ExpectationsError, match=message.replace("[", r"\[")):
        expectations.load(tmp_path)


def test_distances_are_small_for_samples_of_one_distribution_and_large_for_a_shift() -> None:
    rng = np.random.default_rng(0)
    base = checks.numeric_profile(pa.chunked_array([rng.standard_normal(50_000)]))["quantiles"]
    same = checks.numeric_profile(pa.chunked_array([rng.standard_normal(30_000)]))["quantiles"]
    shifted = checks.numeric_profile(pa.chunked_array([rng.standard_normal(30_000) + 0.5]))["quantiles"]

    assert drift.psi(base, same) < 0.01 and drift.ks(base, same) < 0.02
    assert drift.psi(base, shifted) > 0.2 and 0.15 < drift.ks(base, shifted) < 0.25  # true KS: 0.197
    assert drift.jensen_shannon({"a": 50, "b": 50}, {"a": 50, "b": 50}) == 0.0
    assert drift.jensen_shannon({"a": 50, "b": 50}, {"a": 100}) > 0.5


def document(rows: int, shift: float, positive: float, score: float = 0.9) -> dict:
    rng = np.random.default_rng(1)
    labels = (rng.random(rows) < positive).astype(np.int8)
    data = table(
        list(range(rows)),
        list(np.tanh(rng.standard_normal(rows)) * 0.5 + shift),
        list(labels),
        ["x"] * rows,
        [1.0] * rows,
    )
    return {
        "splits": {"train": rows},
        "metrics": {"train": {"score": score}},
        "quality": checks.section(expectations.parse(SPEC), {"train": data}, {"train": {"score": score}}),
    }


def test_gate_passes_within_bounds_blocks_drift_and_records_an_accepted_reason() -> None:
    before = document(4000, 0.0, 0.5)

    passed = gates.check("ds", before, document(3000, 0.0, 0.5), previous_tag="ds-v1.0.0")
    assert not passed.failed and passed.accepted is None
    assert {"drift psi train.f0", "drift ks train.f0", "drift js train.label", "drift rows train"} <= {
        check.check for check in passed.checks
    }

    with pytest.raises(GateFailed) as blocked:
        gates.check("ds", before, document(4000, 0.3, 0.5))
    assert blocked.value.exit_code == 3
    assert [line.split(":")[0] for line in blocked.value.lines] == [
        "FAILED drift psi train.f0",
        "FAILED drift ks train.f0",
    ]
    assert "allowed <= 0.25" in blocked.value.one_line().splitlines()[1]

    accepted = gates.check("ds", before, document(1000, 0.0, 0.5), accept="reviewed")
    assert accepted.accepted == "reviewed" and [c.check for c in accepted.failed] == ["drift rows train"]
    assert "accepted despite failed checks: reviewed" in gates.tag_lines(accepted.to_dict())


def test_small_splits_are_not_judged_on_distributions() -> None:
    names = {
        check.check for check in gates.check("ds", document(200, 0.0, 0.5), document(200, 0.4, 0.5)).checks
    }
    assert not any(name.startswith(("drift psi", "drift ks", "drift js")) for name in names)
