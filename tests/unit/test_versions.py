"""data_registry.core.versions: semantic versions, immutable tag names, and which part a change bumps."""

from __future__ import annotations

import pytest

from data_registry.core import versions
from data_registry.core.errors import UsageError
from data_registry.core.lockfile import OutsChange
from data_registry.core.versions import Version

DATASET = "fashion-mnist"


@pytest.mark.parametrize("text", ["1.0.0", "0.0.0", "1.2.3", "10.20.30", "2.0.11"])
def test_parse_and_str_round_trip(text: str) -> None:
    assert str(Version.parse(text)) == text


def test_parse_reads_major_minor_patch_as_integers() -> None:
    assert Version.parse("1.12.3") == Version(1, 12, 3)


def test_parse_accepts_a_leading_v() -> None:
    assert Version.parse("v1.2.3") == Version(1, 2, 3)


@pytest.mark.parametrize(
    "text", ["1.2", "01.2.3", "1.02.3", "1.2.03", "a.b.c", "", "1.2.3.4", "1.2.3-rc1", " 1.2.3", "vv1.2.3"]
)
def test_parse_rejects_what_is_not_a_semver_core(text: str) -> None:
    with pytest.raises(UsageError, match="is not a version"):
        Version.parse(text)


def test_versions_order_numerically() -> None:
    assert Version(1, 10, 0) > Version(1, 9, 0)
    assert Version(2, 0, 0) > Version(1, 99, 99)
    assert Version(1, 0, 10) > Version(1, 0, 9)


def test_major_bump_resets_minor_and_patch() -> None:
    assert Version(1, 4, 7).bump("major") == Version(2, 0, 0)


def test_minor_bump_resets_patch_and_keeps_major() -> None:
    assert Version(1, 4, 7).bump("minor") == Version(1, 5, 0)


def test_patch_bump_only_increments_patch() -> None:
    assert Version(1, 4, 7).bump("patch") == Version(1, 4, 8)


def test_bump_returns_a_new_version_and_leaves_the_old_one() -> None:
    old = Version(1, 0, 0)

    old.bump("minor")

    assert old == Version(1, 0, 0)


def test_tag_name_is_dataset_dash_v_version() -> None:
    assert versions.tag_name(DATASET, Version(1, 2, 0)) == "fashion-mnist-v1.2.0"


def test_tag_pattern_is_a_glob_on_the_dataset_prefix() -> None:
    assert versions.tag_pattern(DATASET) == "fashion-mnist-v*"


def test_parse_tag_round_trips_tag_name() -> None:
    version = Version(3, 1, 4)

    assert versions.parse_tag(DATASET, versions.tag_name(DATASET, version)) == version


@pytest.mark.parametrize(
    "tag",
    [
        "fashion-mnist-v1.2",
        "fashion-mnist-vfoo",
        "fashion-mnist-extra-v1.0.0",
        "fashion-mnist-v01.0.0",
        "fashion-mnist-v1.0.0-rc1",
        "fashion-mnist-1.0.0",
        "fashion-v1.0.0",
        "mnist-v1.0.0",
        "v1.0.0",
    ],
)
def test_parse_tag_ignores_look_alikes(tag: str) -> None:
    assert versions.parse_tag(DATASET, tag) is None


def test_sorted_versions_drops_other_tags_and_sorts_numerically() -> None:
    tags = ["fashion-mnist-v1.10.0", "fashion-mnist-vfoo", "fashion-mnist-v1.9.0", "other-v9.0.0"]

    assert versions.sorted_versions(DATASET, tags) == [Version(1, 9, 0), Version(1, 10, 0)]


def test_latest_picks_the_semver_maximum_not_the_lexicographic_one() -> None:
    tags = ["fashion-mnist-v1.9.0", "fashion-mnist-v1.10.0", "fashion-mnist-v1.2.0"]

    assert versions.latest(DATASET, tags) == Version(1, 10, 0)


def test_latest_ignores_look_alikes_with_higher_numbers() -> None:
    tags = ["fashion-mnist-v1.0.0", "fashion-mnist-extra-v9.0.0", "fashion-mnist-v9.0"]

    assert versions.latest(DATASET, tags) == Version(1, 0, 0)


def test_latest_of_no_matching_tags_is_none() -> None:
    assert versions.latest(DATASET, []) is None
    assert versions.latest(DATASET, ["other-v1.0.0", "fashion-mnist-vfoo"]) is None


def test_schema_change_bumps_major_even_when_content_changed() -> None:
    assert versions.bump_part(OutsChange(content=["processed"]), schema_changed=True) == "major"
    assert versions.bump_part(OutsChange(), schema_changed=True) == "major"


def test_content_change_bumps_minor() -> None:
    change = OutsChange(content=["processed"], metadata=["metadata.json"])

    assert versions.bump_part(change, schema_changed=False) == "minor"


def test_metadata_only_change_bumps_patch() -> None:
    assert versions.bump_part(OutsChange(metadata=["metadata.json"]), schema_changed=False) == "patch"


@pytest.mark.parametrize("part", versions.PARTS)
def test_first_version_is_1_0_0_whatever_the_part(part: versions.Part) -> None:
    assert versions.next_version(None, part) == Version(1, 0, 0)
    assert str(versions.next_version(None, part)) == versions.FIRST


def test_next_version_bumps_the_previous_one() -> None:
    assert versions.next_version(Version(1, 2, 3), "minor") == Version(1, 3, 0)
    assert versions.next_version(Version(1, 2, 3), "major") == Version(2, 0, 0)
    assert versions.next_version(Version(1, 2, 3), "patch") == Version(1, 2, 4)


def test_split_tag_names_the_dataset_and_version_of_any_version_tag() -> None:
    assert versions.split_tag("collection-cats-v1.2.0") == ("collection-cats", versions.Version(1, 2, 0))
    assert versions.split_tag("fashion-mnist-v01.2.0") is None
    assert versions.split_tag("fashion-mnist-v1.2") is None
    assert versions.split_tag("fashion-mnist-v1\u0661.2.3") is None


def test_bump_decision_gives_the_reason_with_the_part() -> None:
    schema = {"train": {"columns": {"a": "int64"}, "rows": 3}}
    wider = {"train": {"columns": {"a": "int64", "b": "double"}, "rows": 3}}
    content = OutsChange(content=["processed"])

    assert versions.decide_bump(content, schema, wider) == versions.Bump("major", "schema changed")
    assert versions.decide_bump(content, schema, {"train": {**schema["train"], "rows": 4}}) == versions.Bump(
        "minor", "content changed"
    )
    assert versions.decide_bump(OutsChange(metadata=["m"]), None, schema) == versions.Bump(
        "patch", "metadata changed"
    )
    assert versions.decide_bump(content, schema, wider, "patch") == versions.Bump(
        "patch", "patch bump requested"
    )
