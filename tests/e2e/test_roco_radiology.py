"""pipelines/roco-radiology through the real wrapper: a ROCO-style source served locally through
HF_ENDPOINT, the instruction prompt in a SQLite MLflow registry, one MLflow run per version."""

from __future__ import annotations

import io
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pytest

from data_registry.core import params
from data_registry.formats import metadata, parquet, vlm
from tests.support import radiology
from tests.support.http_server import serve
from tests.support.repo import git, make_registry, run_pipeline, tags, tool_env

pytestmark = pytest.mark.e2e

DATASET = "roco-radiology"
REVISION = "fedcba9876543210fedcba9876543210fedcba98"
GOOD = {"train": 24, "test": 8}
V2_TEMPLATE = "Write the radiology report caption for this {{modality}} study."


@dataclass
class Built:
    registry: Path
    env: dict[str, str]
    first: subprocess.CompletedProcess[str]
    good_ids: set[str]
    bad: dict[str, str]


def prompts_cli(registry: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", "from data_registry.cli import main; main()", "prompts", *args]
    return subprocess.run(command, cwd=registry, env=tool_env(**env), capture_output=True, text=True)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    root = tmp_path_factory.mktemp("roco")
    resolve = root / "hub" / "datasets" / "unsloth" / "Radiology_mini" / "resolve" / REVISION / "data"
    train = radiology.rows("train", GOOD["train"], seed=1) + radiology.broken("train", seed=7)
    test = radiology.rows("test", GOOD["test"], seed=50)
    digests = {
        "train": radiology.write_source(resolve / "train-00000-of-00001.parquet", train),
        "test": radiology.write_source(resolve / "test-00000-of-00001.parquet", test),
    }
    registry = make_registry(root / "registry")
    overrides = [f"source.revision={REVISION}", "shard_rows=10"]
    overrides += [f"source.files.{key}.sha256={digest}" for key, digest in digests.items()]
    params.apply_overrides(registry / "pipelines" / DATASET, overrides)
    git(registry, "commit", "-q", "-am", "pin generated hub files")
    with serve(root / "hub") as hub:
        env = {
            "MLFLOW_TRACKING_URI": f"sqlite:///{root}/mlflow/mlflow.db",
            "HF_ENDPOINT": hub.url.rstrip("/"),
        }
        registered = prompts_cli(
            registry, env, "register", "pipelines/roco-radiology/prompts/radiology_caption.yaml"
        )
        assert registered.returncode == 0, registered.stderr
        first = run_pipeline(registry, DATASET, "--no-push", **env)
        good_ids = {
            row["image_id"] for row in train + test if row["image_id"].split("_", 1)[1] not in radiology.BAD
        }
        bad = {f"train_{name}": reason for name, reason in radiology.BAD.items()}
        yield Built(registry, env, first, good_ids, bad)


def read_split(registry: Path, split: str) -> tuple[pa.Table, int]:
    shards = vlm.shards(registry / "data" / DATASET / "processed" / split)
    return pa.concat_tables(parquet.read(path) for path in shards), len(shards)


def test_records_are_qwen_vl_conversations_in_seeded_splits(built: Built) -> None:
    from PIL import Image

    assert built.first.returncode == 0, built.first.stderr
    assert tags(built.registry, DATASET) == [f"{DATASET}-v1.0.0"]
    tables = {split: read_split(built.registry, split) for split in ("train", "val", "test")}
    assert {split: table.num_rows for split, (table, _) in tables.items()} == {
        "train": 26,
        "val": 3,
        "test": 3,
    }
    assert tables["train"][1] == 3  # shards of at most shard_rows=10 rows
    ids = [row for table, _ in tables.values() for row in table["id"].to_pylist()]
    assert sorted(ids) == sorted(built.good_ids)
    train = tables["train"][0]
    assert train.schema.remove_metadata() == vlm.RECORD_SCHEMA
    assert train["id"].to_pylist() != sorted(train["id"].to_pylist())  # shuffled, not source order
    record = train.slice(0, 1).to_pylist()[0]
    human, answer = record["conversations"]
    assert human["from"] == "human" and answer["from"] == "gpt"
    assert human["value"] == (
        "<image>\nYou are an expert radiologist. Describe accurately what you see in this "
        f"{record['modality']} image."
    )
    assert answer["value"].startswith("Axial image") and answer["value"] == answer["value"].strip()
    with Image.open(io.BytesIO(record["image"])) as image:
        assert (image.width, image.height) == (record["width"], record["height"])
    assert set(train["modality"].to_pylist()) <= {"CT", "MRI", "unknown"}


def test_corrupted_images_and_empty_captions_are_dropped_and_recorded(built: Built) -> None:
    document = metadata.read(built.registry / "data" / DATASET / "metadata.json")
    dropped = document["metrics"]["dropped"]
    assert dropped["source_rows"] == GOOD["train"] + GOOD["test"] + len(built.bad)
    assert {row["id"]: row["reason"].split(":")[0] for row in dropped["rows"]} == built.bad
    assert all(row["file"] == "train.parquet" and row["row"] >= GOOD["train"] for row in dropped["rows"])
    assert dropped["by_reason"] == {
        "empty caption": 2,
        "empty file": 1,
        "truncated": 1,
        "unreadable": 1,
        "wrong format": 1,
    }
    train = document["metrics"]["train"]
    assert train["caption_length"]["words"]["min"] >= 4
    assert train["image_size"]["width"]["min"] >= 24
    assert sum(train["modality_counts"].values()) == document["splits"]["train"]
    assert document["prompt"]["name"] == "radiology-caption" and document["prompt"]["version"] == 1
    assert "127.0.0.1" not in (built.registry / "data" / DATASET / "metadata.json").read_text()


def test_each_version_is_logged_to_mlflow_once(built: Built) -> None:
    again = run_pipeline(built.registry, DATASET, "--no-push", **built.env)
    assert again.returncode == 0, again.stderr
    assert "unchanged" in again.stdout + again.stderr
    runs = build_runs(built.env)
    assert len(runs) == 1
    run = runs[0]
    assert run.data.tags["data_registry.tag"] == f"{DATASET}-v1.0.0"
    assert run.data.params["params.split.seed"] == "42"
    assert run.data.params["prompt.version"] == "1"
    assert run.data.params["prompt.name"] == "radiology-caption"
    assert [item.dataset.name for item in run.inputs.dataset_inputs] == [f"{DATASET}@1.0.0"]


def test_prompt_version_bump_makes_a_minor_version_and_an_unknown_one_writes_nothing(
    built: Built, tmp_path: Path
) -> None:
    prompt_file = tmp_path / "v2.yaml"
    prompt_file.write_text(f"name: radiology-caption\ntemplate: '{V2_TEMPLATE}'\n")
    assert prompts_cli(built.registry, built.env, "register", str(prompt_file)).returncode == 0

    bumped = run_pipeline(built.registry, DATASET, "--no-push", "-S", "prompt.version=2", **built.env)

    assert bumped.returncode == 0, bumped.stderr
    assert tags(built.registry, DATASET) == [f"{DATASET}-v1.0.0", f"{DATASET}-v1.1.0"]
    metadata_file = built.registry / "data" / DATASET / "metadata.json"
    document = metadata.read(metadata_file)
    assert document["prompt"]["version"] == 2 and document["prompt"]["template"] == V2_TEMPLATE
    record = read_split(built.registry, "val")[0].slice(0, 1).to_pylist()[0]
    assert record["conversations"][0]["value"].startswith("<image>\nWrite the radiology report caption")
    assert len(build_runs(built.env)) == 2
    before = metadata_file.read_bytes()

    unknown = run_pipeline(built.registry, DATASET, "--no-push", "-S", "prompt.version=7", **built.env)

    assert unknown.returncode != 0
    errors = [line for line in unknown.stderr.splitlines() if line.startswith("error:")]
    # The stage's own line says what and what to do; the wrapper's last line says nothing was kept.
    assert "has no version 7" in errors[0] and "prompts register" in errors[0]
    assert tags(built.registry, DATASET) == [f"{DATASET}-v1.0.0", f"{DATASET}-v1.1.0"]
    assert metadata_file.read_bytes() == before
    assert git(built.registry, "status", "--porcelain") == ""


def build_runs(env: dict[str, str]) -> list:
    import mlflow

    from data_registry.publish import mlflow_runs as builds

    mlflow.set_tracking_uri(env["MLFLOW_TRACKING_URI"])
    experiment = mlflow.get_experiment_by_name(builds.EXPERIMENT)
    return mlflow.search_runs([experiment.experiment_id], output_format="list") if experiment else []
