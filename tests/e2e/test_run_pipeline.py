"""The wrapper contract end to end: temp git registries, a moto S3 `minio` remote, real DVC."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from data_registry.core import settings
from data_registry.core.datasets import Dataset
from data_registry.publish import mlflow_runs
from tests.support.repo import dvc, git, run_pipeline, tags, tool_env
from tests.support.s3 import OutageProxy, S3Server

pytestmark = pytest.mark.e2e
DS = "synthetic-tabular"


def summary_of(result: subprocess.CompletedProcess[str]) -> dict:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_same_params_twice_makes_no_second_version(registry: Path, s3: S3Server) -> None:
    first = summary_of(run_pipeline(registry, DS, "--json", **s3.env()))
    second = summary_of(run_pipeline(registry, DS, "--json", **s3.env()))

    assert first["status"] == "created" and first["tag"] == f"{DS}-v1.0.0"
    assert second["status"] == "unchanged" and second["tag"] == f"{DS}-v1.0.0"
    assert tags(registry, DS) == [f"{DS}-v1.0.0"]
    assert git(registry, "status", "--porcelain") == ""


def test_params_override_makes_minor_version_with_params_committed(registry: Path, s3: S3Server) -> None:
    summary_of(run_pipeline(registry, DS, "--json", **s3.env()))
    second = summary_of(run_pipeline(registry, DS, "-S", "n_samples=1500", "--json", **s3.env()))

    assert (second["tag"], second["bump"], second["previous_tag"]) == (
        f"{DS}-v1.1.0",
        "minor",
        f"{DS}-v1.0.0",
    )
    committed = git(registry, "show", f"{DS}-v1.1.0:pipelines/{DS}/params.yaml")
    assert "n_samples: 1500" in committed
    assert git(registry, "status", "--porcelain") == ""


def test_schema_change_makes_major_version(registry: Path, s3: S3Server) -> None:
    summary_of(run_pipeline(registry, DS, "--json", **s3.env()))
    second = summary_of(run_pipeline(registry, DS, "-S", "n_features=3", "--json", **s3.env()))

    assert (second["tag"], second["bump"], second["reason"]) == (f"{DS}-v2.0.0", "major", "schema changed")


def test_forced_bump_and_override_that_changes_nothing(registry: Path, s3: S3Server) -> None:
    summary_of(run_pipeline(registry, DS, "--json", **s3.env()))
    same = summary_of(run_pipeline(registry, DS, "-S", "seed=42", "--json", **s3.env()))
    params_before = (registry / "pipelines" / DS / "params.yaml").read_text()

    assert same["status"] == "unchanged"
    assert git(registry, "status", "--porcelain") == "", "an override that changes nothing is rolled back"
    forced = summary_of(
        run_pipeline(registry, DS, "-S", "noise=0.25", "--bump", "patch", "--json", **s3.env())
    )
    assert forced["tag"] == f"{DS}-v1.0.1"
    assert params_before != (registry / "pipelines" / DS / "params.yaml").read_text()


def test_tag_outs_are_retrievable_from_s3_in_a_fresh_clone(
    registry: Path, s3: S3Server, tmp_path: Path
) -> None:
    summary = summary_of(run_pipeline(registry, DS, "--json", **s3.env()))
    processed = summary["outs"][f"data/{DS}/processed"]

    assert f"files/md5/{processed[:2]}/{processed[2:]}" in s3.object_keys()
    clone = tmp_path / "clone"
    subprocess.run(
        [
            "git",
            "-c",
            "advice.detachedHead=false",
            "clone",
            "-q",
            "--branch",
            summary["tag"],
            str(registry),
            str(clone),
        ],
        check=True,
    )
    # The committed endpoint is MinIO's; point the clone at moto the way a user would, in config.local.
    dvc(clone, "remote", "modify", "--local", "minio", "endpointurl", s3.url)
    pulled = dvc(clone, "pull", "-r", "minio", f"pipelines/{DS}/dvc.yaml", **s3.env())
    assert pulled.returncode == 0, pulled.stderr
    original = registry / "data" / DS / "processed" / "train" / "train.parquet"
    assert (
        clone / "data" / DS / "processed" / "train" / "train.parquet"
    ).read_bytes() == original.read_bytes()


def test_s3_down_during_push_fails_without_tag_and_rerun_recovers(registry: Path, s3: S3Server) -> None:
    s3.stop()
    failed = run_pipeline(registry, DS, "--json", **s3.env())

    assert failed.returncode != 0
    error_lines = [line for line in failed.stderr.splitlines() if line.startswith("error:")]
    assert len(error_lines) == 1 and "minio" in error_lines[0], failed.stderr
    assert failed.stdout == ""
    assert tags(registry, DS) == []

    s3.start()
    recovered = summary_of(run_pipeline(registry, DS, "--json", **s3.env()))
    assert recovered["tag"] == f"{DS}-v1.0.0"
    assert any(key.endswith(".dir") for key in s3.object_keys())


def test_s3_lost_mid_push_keeps_no_tag_and_rerun_completes_the_upload(registry: Path, s3: S3Server) -> None:
    proxy = OutageProxy(s3.port, cut_after_puts=1)
    proxy.start()
    try:
        failed = run_pipeline(registry, DS, "--json", **{**s3.env(), "AWS_ENDPOINT_URL": proxy.url})
        assert proxy.cut.is_set(), "the push never reached a second upload"
        assert failed.returncode != 0 and "DVC remote 'minio'" in failed.stderr, failed.stderr
        assert tags(registry, DS) == []
        partial = s3.object_keys()

        proxy.start(cut_after_puts=1_000)
        recovered = summary_of(
            run_pipeline(registry, DS, "--json", **{**s3.env(), "AWS_ENDPOINT_URL": proxy.url})
        )
    finally:
        proxy.stop()
    assert recovered["tag"] == f"{DS}-v1.0.0"
    assert partial < s3.object_keys()
    processed = recovered["outs"][f"data/{DS}/processed"]
    assert f"files/md5/{processed[:2]}/{processed[2:]}" in s3.object_keys()


def test_concurrent_runs_never_make_two_tags(registry: Path, s3: S3Server) -> None:
    command = [str(registry / "scripts" / "run_pipeline.py"), DS, "--json"]
    runs = [
        subprocess.Popen(
            ["python", *command],
            cwd=registry,
            env=tool_env(**s3.env()),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = [json.loads(run.communicate(timeout=300)[0]) for run in runs]

    assert all(run.returncode == 0 for run in runs)
    assert sorted(result["status"] for result in results) == ["created", "unchanged"]
    assert tags(registry, DS) == [f"{DS}-v1.0.0"]


@pytest.mark.parametrize("name", ["../x", "Fashion", "x_y", "a/b", ""])
def test_bad_dataset_name_is_rejected_with_one_line(registry: Path, name: str) -> None:
    result = run_pipeline(registry, name)

    assert result.returncode == 2
    assert result.stderr.strip().startswith("error: invalid dataset name")
    assert len(result.stderr.strip().splitlines()) == 1


def test_unknown_dataset_lists_known_ones(registry: Path) -> None:
    result = run_pipeline(registry, "no-such-dataset")

    assert result.returncode == 2
    assert "unknown dataset 'no-such-dataset'" in result.stderr and DS in result.stderr


def test_malformed_override_writes_nothing(registry: Path) -> None:
    params = registry / "pipelines" / DS / "params.yaml"
    before = params.read_bytes()
    result = run_pipeline(registry, DS, "-S", "n_sampels=10")

    assert result.returncode == 2 and "no key 'n_sampels'" in result.stderr
    assert params.read_bytes() == before and tags(registry, DS) == []


def test_dirty_code_is_refused(registry: Path) -> None:
    script = registry / "pipelines" / DS / "scripts" / "process.py"
    script.write_text(script.read_text() + "\n# local edit\n")
    result = run_pipeline(registry, DS)

    assert result.returncode == 1
    assert "uncommitted changes" in result.stderr and "process.py" in result.stderr
    assert tags(registry, DS) == []


def test_environment_file_changes_no_hash(registry: Path, s3: S3Server) -> None:
    first = summary_of(run_pipeline(registry, DS, "--json"))
    (registry / ".env.ci").write_text("DVC_REMOTE=minio\nEMBEDDING_BATCH_SIZE=8\n")
    git(registry, "add", ".env.ci")
    git(registry, "commit", "-qm", "ci env")
    second = summary_of(
        run_pipeline(
            registry, DS, "--env", "ci", "--json", **{k: v for k, v in s3.env().items() if k != "DVC_REMOTE"}
        )
    )

    assert (first["remote"], second["remote"]) == ("local", "minio")
    assert second["status"] == "unchanged" and second["environment"] == "ci"


def test_commit_and_tag_reach_the_git_remote(registry: Path, s3: S3Server, tmp_path: Path) -> None:
    origin = tmp_path / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", str(origin)], check=True)
    git(registry, "remote", "add", "origin", str(origin))
    git(registry, "push", "-q", "origin", "main")
    summary = summary_of(run_pipeline(registry, DS, "--json", **s3.env()))

    assert summary["git_pushed"] is True
    remote_tags = subprocess.run(
        ["git", "ls-remote", "--tags", str(origin)], capture_output=True, text=True
    ).stdout
    assert f"refs/tags/{DS}-v1.0.0" in remote_tags
    annotated = git(registry, "tag", "-l", "--format=%(contents)", f"{DS}-v1.0.0")
    assert "dvc remote: minio" in annotated and "testing" not in annotated


def test_declared_publishers_run_for_new_and_unchanged_versions(registry: Path, tmp_path: Path) -> None:
    serving = registry / "pipelines" / DS / "serving.yaml"
    serving.write_text("publishers:\n  mlflow: {}\n")
    git(registry, "add", str(serving))
    git(registry, "commit", "-qm", "serve builds in MLflow")
    tracking = f"sqlite:///{tmp_path / 'mlflow.db'}"
    (tmp_path / "a-file").write_text("")
    unreachable = f"sqlite:///{tmp_path / 'a-file' / 'mlflow.db'}"  # its folder cannot be made

    first = summary_of(run_pipeline(registry, DS, "--json", MLFLOW_TRACKING_URI=tracking))
    second = run_pipeline(registry, DS, "--json", MLFLOW_TRACKING_URI=tracking)
    failed = run_pipeline(registry, DS, "-S", "n_samples=1200", "--json", MLFLOW_TRACKING_URI=unreachable)
    assert logged_tags(tracking) == [f"{DS}-v1.0.0"], "an unchanged run publishes nothing twice"
    recovered = run_pipeline(registry, DS, MLFLOW_TRACKING_URI=tracking)

    assert (
        first["published"] and summary_of(second)["published"] and summary_of(second)["status"] == "unchanged"
    )
    assert f"mlflow: already served {DS}-v1.0.0" in second.stderr
    assert failed.returncode == 1 and f"publishing {DS}-v1.1.0 to mlflow failed" in failed.stderr
    assert tags(registry, DS) == [f"{DS}-v1.0.0", f"{DS}-v1.1.0"], "a failed publish keeps the version"
    assert recovered.returncode == 0 and f"mlflow: published {DS}-v1.1.0" in recovered.stderr
    assert logged_tags(tracking) == [f"{DS}-v1.0.0", f"{DS}-v1.1.0"], "the next run serves what failed"
    publisher = mlflow_runs.BuildRunPublisher(
        Dataset(DS, registry), settings.load(registry, {"MLFLOW_TRACKING_URI": tracking}), {}
    )
    assert [(copy.dataset, copy.version) for copy in publisher.served()] == [(DS, "1.1.0"), (DS, "1.0.0")]


def test_an_unknown_publisher_is_refused_before_the_run_writes_anything(registry: Path) -> None:
    serving = registry / "pipelines" / DS / "serving.yaml"
    serving.write_text("publishers:\n  pgvectr: {table: t}\n")
    git(registry, "add", str(serving))
    git(registry, "commit", "-qm", "a typo")
    head = git(registry, "rev-parse", "HEAD")

    refused = run_pipeline(registry, DS)

    assert refused.returncode == 2 and "unknown publishers ['pgvectr']" in refused.stderr
    assert tags(registry, DS) == [] and git(registry, "rev-parse", "HEAD") == head
    assert git(registry, "status", "--porcelain") == ""


def logged_tags(tracking_uri: str) -> list[str]:
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri)
    experiment = client.get_experiment_by_name(mlflow_runs.EXPERIMENT)
    runs = client.search_runs([experiment.experiment_id]) if experiment else []
    return sorted(run.data.tags[mlflow_runs.TAG_KEY] for run in runs)
