"""The pure rules of the wrapper: which dirty files a run tolerates, which remote settings the
environment overrides, and the run summary's metrics and JSON."""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from data_registry.commands import runner
from data_registry.core import dvc, settings
from data_registry.core.datasets import Dataset
from data_registry.core.errors import DirtyTree
from data_registry.core.git import Git
from data_registry.core.summary import MAX_METRICS, Summary, key_metrics

DATASET = "fashion-mnist"


@pytest.fixture
def dataset(tmp_path: Path) -> Dataset:
    return Dataset(DATASET, tmp_path)


@dataclass
class StubGit:
    """Stands in for Git where only `status()` matters: the (code, path) pairs it reports."""

    entries: list[tuple[str, str]] = field(default_factory=list)

    def status(self) -> list[tuple[str, str]]:
        return list(self.entries)


# --- which dirty files a run may leave -------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "path"),
    [
        (" M", "pipelines/fashion-mnist/params.yaml"),
        ("M ", "pipelines/fashion-mnist/params.yaml"),
        (" M", "pipelines/fashion-mnist/dvc.lock"),
        ("??", "pipelines/fashion-mnist/dvc.lock"),
        (" M", "pipelines/synthetic-tabular/dvc.lock"),
        (" D", "pipelines/synthetic-tabular/dvc.lock"),
        (" M", "data/fashion-mnist/metadata.json"),
        ("??", "data/fashion-mnist/plots/class_distribution.csv"),
        (" M", "data/fashion-mnist/.gitignore"),
        (" M", "data/synthetic-tabular/metadata.json"),
    ],
)
def test_files_the_run_writes_itself_may_be_dirty(code: str, path: str, dataset: Dataset) -> None:
    assert runner._run_may_write(code, path, dataset)


@pytest.mark.parametrize(
    ("code", "path"),
    [
        (" M", "pipelines/fashion-mnist/scripts/process.py"),
        (" M", "pipelines/fashion-mnist/dvc.yaml"),
        (" M", "pipelines/fashion-mnist/serving.yaml"),  # a tag holds the config it was served with
        ("??", "pipelines/fashion-mnist/serving.yaml"),
        (" M", "src/data_registry/formats/idx.py"),
        (" D", "src/data_registry/formats/idx.py"),
        (" M", "scripts/run_pipeline.py"),
        (" M", "pipelines/synthetic-tabular/params.yaml"),
        (" M", "README.md"),
        (" M", ".dvc/config"),
        ("A ", "notes.txt"),
    ],
)
def test_tracked_changes_to_code_or_other_datasets_params_are_refused(
    code: str, path: str, dataset: Dataset
) -> None:
    assert not runner._run_may_write(code, path, dataset)


@pytest.mark.parametrize(
    "path",
    [
        "src/data_registry/new_helper.py",
        "scripts/one_off.sh",
        "pipelines/fashion-mnist/scripts/helper.py",
        "pipelines/fashion-mnist/notes.md",
    ],
)
def test_untracked_files_where_they_could_be_this_datasets_code_are_refused(
    path: str, dataset: Dataset
) -> None:
    assert not runner._run_may_write("??", path, dataset)


@pytest.mark.parametrize(
    "path",
    [
        "notes.txt",
        "docs/draft.md",
        "tests/unit/test_scratch.py",
        "pipelines/synthetic-tabular/scripts/wip.py",
        "pipelines/fashion-mnist-extra/scripts/download.py",
    ],
)
def test_untracked_files_elsewhere_are_allowed(path: str, dataset: Dataset) -> None:
    assert runner._run_may_write("??", path, dataset)


def test_refuse_dirty_tree_passes_a_tree_dirty_only_where_the_run_writes(dataset: Dataset) -> None:
    git = StubGit(
        [
            (" M", "pipelines/fashion-mnist/params.yaml"),
            ("??", "pipelines/fashion-mnist/dvc.lock"),
            ("??", "data/fashion-mnist/metadata.json"),
            ("??", "scratch.txt"),
        ]
    )

    runner.refuse_dirty_tree(git, dataset)  # type: ignore[arg-type]


def test_refuse_dirty_tree_names_the_modified_script(dataset: Dataset) -> None:
    git = StubGit(
        [
            (" M", "pipelines/fashion-mnist/params.yaml"),
            (" M", "pipelines/fashion-mnist/scripts/process.py"),
        ]
    )

    with pytest.raises(DirtyTree) as raised:
        runner.refuse_dirty_tree(git, dataset)  # type: ignore[arg-type]

    assert str(raised.value) == (
        "the working tree has uncommitted changes: pipelines/fashion-mnist/scripts/process.py"
    )
    assert "commit or stash" in raised.value.one_line()


def test_refuse_dirty_tree_names_another_datasets_params(dataset: Dataset) -> None:
    git = StubGit([(" M", "pipelines/synthetic-tabular/params.yaml")])

    with pytest.raises(DirtyTree, match=re.escape("pipelines/synthetic-tabular/params.yaml")):
        runner.refuse_dirty_tree(git, dataset)  # type: ignore[arg-type]


def test_refuse_dirty_tree_names_an_untracked_library_file(dataset: Dataset) -> None:
    git = StubGit([("??", "src/data_registry/new.py"), ("??", "elsewhere.txt")])

    with pytest.raises(DirtyTree) as raised:
        runner.refuse_dirty_tree(git, dataset)  # type: ignore[arg-type]

    assert "src/data_registry/new.py" in str(raised.value)
    assert "elsewhere.txt" not in str(raised.value)


def test_refuse_dirty_tree_shows_five_files_and_counts_the_rest(dataset: Dataset) -> None:
    git = StubGit([(" M", f"src/data_registry/m{index}.py") for index in range(7)])

    with pytest.raises(DirtyTree) as raised:
        runner.refuse_dirty_tree(git, dataset)  # type: ignore[arg-type]

    message = str(raised.value)
    assert message.endswith("src/data_registry/m4.py and 2 more")
    assert "m5.py" not in message


@pytest.mark.parametrize(("count", "rest"), [(5, ""), (6, " and 1 more")])
def test_refuse_dirty_tree_counts_the_rest_only_beyond_five(dataset: Dataset, count: int, rest: str) -> None:
    git = StubGit([(" M", f"src/m{index}.py") for index in range(count)])

    with pytest.raises(DirtyTree) as raised:
        runner.refuse_dirty_tree(git, dataset)  # type: ignore[arg-type]

    shown = ", ".join(f"src/m{index}.py" for index in range(5))
    assert raised.value.args[0] == f"the working tree has uncommitted changes: {shown}{rest}"


def _git(repo: Path, *args: str) -> None:
    identity = ("-c", "user.name=Registry Test", "-c", "user.email=test@registry.invalid")
    subprocess.run(["git", *identity, *args], cwd=repo, check=True, capture_output=True)


def test_refuse_dirty_tree_reads_a_real_repository(tmp_path: Path) -> None:
    files = {
        "pipelines/fashion-mnist/params.yaml": "seed: 1\n",
        "pipelines/fashion-mnist/scripts/process.py": "print(1)\n",
        "src/data_registry/formats/idx.py": "X = 1\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    _git(tmp_path, "init", "-q", "-b", "main")
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "commit", "-q", "-m", "initial")
    dataset = Dataset(DATASET, tmp_path)
    git = Git(tmp_path)

    (tmp_path / "pipelines/fashion-mnist/params.yaml").write_text("seed: 2\n")
    (tmp_path / "pipelines/fashion-mnist/dvc.lock").write_text("schema: '2.0'\n")
    (tmp_path / "data/fashion-mnist").mkdir(parents=True)
    (tmp_path / "data/fashion-mnist/metadata.json").write_text("{}\n")
    runner.refuse_dirty_tree(git, dataset)

    (tmp_path / "src/data_registry/formats/idx.py").write_text("X = 2\n")
    with pytest.raises(DirtyTree, match=re.escape("src/data_registry/formats/idx.py")):
        runner.refuse_dirty_tree(git, dataset)


def test_code_moved_into_data_is_still_a_dirty_tree(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src/lib.py").write_text("X = 1\n")
    _git(tmp_path, "init", "-q", "-b", "main")
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "commit", "-q", "-m", "initial")
    (tmp_path / "data").mkdir()
    _git(tmp_path, "mv", "src/lib.py", "data/lib.py")

    with pytest.raises(DirtyTree, match=re.escape("src/lib.py")):
        runner.refuse_dirty_tree(Git(tmp_path), Dataset(DATASET, tmp_path))


# --- remote settings the environment overrides ------------------------------------------------

REMOTES = {
    "local": {"url": "../.registry/dvc-remote"},
    "minio": {"url": "s3://dvcstore", "endpointurl": "http://localhost:9000"},
}


def test_no_overrides_with_the_default_home_and_no_endpoint(tmp_path: Path) -> None:
    env = settings.load(tmp_path, environ={})

    assert dvc.config_overrides(env, REMOTES) == {}


def test_an_explicit_home_equal_to_the_default_is_not_an_override(tmp_path: Path) -> None:
    env = settings.load(tmp_path, environ={"DATA_REGISTRY_HOME": str(tmp_path / ".registry")})

    assert dvc.config_overrides(env, REMOTES) == {}


def test_local_remote_follows_a_non_default_home(tmp_path: Path) -> None:
    home = tmp_path / "state"
    env = settings.load(tmp_path, environ={"DATA_REGISTRY_HOME": str(home)})

    assert dvc.config_overrides(env, REMOTES) == {"remote": {"local": {"url": str(home / "dvc-remote")}}}


def test_a_relative_home_is_resolved_against_the_root(tmp_path: Path) -> None:
    env = settings.load(tmp_path, environ={"DATA_REGISTRY_HOME": "state"})

    overrides = dvc.config_overrides(env, REMOTES)

    assert overrides == {"remote": {"local": {"url": str((tmp_path / "state" / "dvc-remote").resolve())}}}


def test_a_non_default_home_leaves_a_repo_without_a_local_remote_alone(tmp_path: Path) -> None:
    env = settings.load(tmp_path, environ={"DATA_REGISTRY_HOME": str(tmp_path / "state")})

    assert dvc.config_overrides(env, {"minio": REMOTES["minio"]}) == {}


def test_aws_endpoint_url_overrides_the_endpoint_of_s3_remotes_only(tmp_path: Path) -> None:
    remotes = {
        **REMOTES,
        "archive": {"url": "s3://archive/datasets"},
        "gcs": {"url": "gs://bucket/path"},
        "web": {"url": "https://example.invalid/store"},
    }
    env = settings.load(tmp_path, environ={"AWS_ENDPOINT_URL": "http://127.0.0.1:5000"})

    assert dvc.config_overrides(env, remotes) == {
        "remote": {
            "minio": {"endpointurl": "http://127.0.0.1:5000"},
            "archive": {"endpointurl": "http://127.0.0.1:5000"},
        }
    }


def test_home_and_endpoint_overrides_combine(tmp_path: Path) -> None:
    home = tmp_path / "state"
    env = settings.load(
        tmp_path, environ={"DATA_REGISTRY_HOME": str(home), "AWS_ENDPOINT_URL": "http://minio:9000"}
    )

    assert dvc.config_overrides(env, REMOTES) == {
        "remote": {
            "local": {"url": str(home / "dvc-remote")},
            "minio": {"endpointurl": "http://minio:9000"},
        }
    }


def test_an_empty_aws_endpoint_url_overrides_nothing(tmp_path: Path) -> None:
    env = settings.load(tmp_path, environ={"AWS_ENDPOINT_URL": ""})

    assert dvc.config_overrides(env, REMOTES) == {}


# --- the summary's metrics and JSON ----------------------------------------------------------


def test_key_metrics_flattens_nested_metrics_to_dotted_keys() -> None:
    metrics = {"train": {"pixel_mean": 72.5, "rows": 60000}, "val": {"rows": 10000}}

    assert key_metrics(metrics) == {"train.pixel_mean": 72.5, "train.rows": 60000, "val.rows": 10000}


def test_key_metrics_keeps_at_most_eight_in_sorted_key_order() -> None:
    metrics = {f"m{index:02d}": index for index in range(20)}

    found = key_metrics(metrics)

    assert MAX_METRICS == 8
    assert list(found) == [f"m{index:02d}" for index in range(8)]


def test_key_metrics_stops_at_eight_inside_a_nested_section() -> None:
    metrics = {"a": {f"k{index}": index for index in range(10)}, "b": 1}

    assert list(key_metrics(metrics)) == [f"a.k{index}" for index in range(8)]


def test_key_metrics_rounds_floats_to_six_places_and_keeps_other_scalars() -> None:
    metrics = {"mean": 0.12345678912, "count": 7, "balanced": True, "unit": "px"}

    assert key_metrics(metrics) == {"balanced": True, "count": 7, "mean": 0.123457, "unit": "px"}
    assert key_metrics(metrics)["balanced"] is True


def test_key_metrics_skips_lists_none_and_sections_nested_too_deep() -> None:
    metrics = {
        "class_distribution": [6000, 6000],
        "missing": None,
        "train": {"per_class": {"0": 6000}, "pixel_std": 90.0},
    }

    assert key_metrics(metrics) == {"train.pixel_std": 90.0}


def test_key_metrics_of_no_metrics_is_empty() -> None:
    assert key_metrics({}) == {}


def _summary(status: str) -> Summary:
    return Summary(
        dataset=DATASET,
        status=status,  # type: ignore[arg-type]
        version="1.1.0",
        tag="fashion-mnist-v1.1.0",
        previous_tag="fashion-mnist-v1.0.0",
        bump="minor",
        outs={"data/fashion-mnist/processed": "abc.dir"},
        metrics={"train.rows": 60000},
    )


def test_summary_json_of_a_created_version_says_changed() -> None:
    document = json.loads(_summary("created").to_json())

    assert document["changed"] is True
    assert document["status"] == "created"
    assert document["tag"] == "fashion-mnist-v1.1.0"
    assert document["outs"] == {"data/fashion-mnist/processed": "abc.dir"}
    assert document["metrics"] == {"train.rows": 60000}


def test_summary_json_of_an_unchanged_run_says_not_changed() -> None:
    document = json.loads(_summary("unchanged").to_json())

    assert document["changed"] is False
    assert document["status"] == "unchanged"


def test_summary_json_holds_every_field_with_sorted_keys() -> None:
    text = _summary("created").to_json()
    document = json.loads(text)

    assert set(document) == {*Summary.__dataclass_fields__, "changed"}
    assert list(document) == sorted(document)
