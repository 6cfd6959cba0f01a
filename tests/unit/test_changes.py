"""data_registry.commands.changes in real temporary git repositories: which datasets a push affects."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from data_registry.commands.changes import NO_COMMIT, changed_datasets, requested
from data_registry.core.errors import UnknownDataset, UsageError
from tests.support.repo import git, tool_env

FILES = {
    ".dvc/config": "[core]\n    remote = local\n",
    "pipelines/alpha/dvc.yaml": "stages: {}\n",
    "pipelines/alpha/params.yaml": "seed: 1\n",
    "pipelines/alpha/README.md": "alpha card\n",
    "pipelines/beta/dvc.yaml": "stages: {}\n",
    "pipelines/beta/scripts/process.py": "print('beta')\n",
    "src/data_registry/formats/parquet.py": "x = 1\n",
    "src/data_registry/README.md": "library notes\n",
    "scripts/run_pipeline.py": "print('wrapper')\n",
    "tests/unit/test_x.py": "def test_x(): pass\n",
    "constraints.txt": "dvc==3.67.1\n",
    "README.md": "registry\n",
}


def write(repo: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def commit(repo: Path, files: dict[str, str], message: str = "change") -> str:
    write(repo, files)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    commit(repo, FILES, "initial")
    return repo


def datasets_after(repo: Path, files: dict[str, str]) -> list[str]:
    base = git(repo, "rev-parse", "HEAD")
    commit(repo, files)
    return changed_datasets(repo, base).datasets


def test_a_pipeline_folder_change_runs_only_that_dataset(repo: Path) -> None:
    assert datasets_after(repo, {"pipelines/beta/scripts/process.py": "print('beta 2')\n"}) == ["beta"]


def test_a_dataset_card_counts_as_part_of_its_pipeline(repo: Path) -> None:
    assert datasets_after(repo, {"pipelines/alpha/README.md": "alpha card, edited\n"}) == ["alpha"]


@pytest.mark.parametrize(
    "path",
    ["src/data_registry/formats/parquet.py", "scripts/run_pipeline.py", "constraints.txt", "src/new.py"],
)
def test_shared_library_change_runs_every_dataset(repo: Path, path: str) -> None:
    assert datasets_after(repo, {path: "changed = True\n"}) == ["alpha", "beta"]


def test_only_docs_and_tests_changed_runs_nothing(repo: Path) -> None:
    docs = {
        "README.md": "registry, edited\n",
        "src/data_registry/README.md": "notes, edited\n",
        "docs/howto.md": "new page\n",
        "tests/unit/test_x.py": "def test_y(): pass\n",
        ".github/workflows/ci.yaml": "name: ci\n",
    }
    assert datasets_after(repo, docs) == []


def test_data_and_lock_changes_alone_never_retrigger(repo: Path) -> None:
    written_by_a_run = {
        "data/alpha/metadata.json": "{}\n",
        "data/alpha/.gitignore": "/processed\n",
        "pipelines/alpha/dvc.lock": "schema: '2.0'\n",
    }
    assert datasets_after(repo, written_by_a_run) == []


def test_a_tagged_version_commit_with_params_does_not_retrigger(repo: Path) -> None:
    """run_pipeline.py -S commits params.yaml with the version: that commit is the tag's."""
    base = git(repo, "rev-parse", "HEAD")
    commit(repo, {"pipelines/alpha/params.yaml": "seed: 2\n", "data/alpha/metadata.json": "{}\n"})
    git(repo, "tag", "--annotate", "alpha-v1.1.0", "-m", "alpha-v1.1.0: data changed")

    assert changed_datasets(repo, base).datasets == []
    commit(repo, {"pipelines/alpha/params.yaml": "seed: 3\n"}, "a person edits params")
    assert changed_datasets(repo, base).datasets == ["alpha"]


def test_reasons_name_the_paths_and_json_is_one_line(repo: Path) -> None:
    base = git(repo, "rev-parse", "HEAD")
    head = commit(repo, {"pipelines/alpha/params.yaml": "seed: 5\n", "README.md": "x\n"})
    found = changed_datasets(repo, base)

    assert found.reasons == {"alpha": ["pipelines/alpha/params.yaml"]}
    assert "\n" not in found.to_json()
    assert json.loads(found.to_json())["head"] == head


def test_a_move_counts_for_both_folders(repo: Path) -> None:
    base = git(repo, "rev-parse", "HEAD")
    git(repo, "mv", "pipelines/beta/scripts/process.py", "pipelines/alpha/process.py")
    git(repo, "commit", "-q", "-m", "move")
    assert changed_datasets(repo, base).datasets == ["alpha", "beta"]


def test_a_deleted_dataset_is_not_run(repo: Path) -> None:
    base = git(repo, "rev-parse", "HEAD")
    git(repo, "rm", "-q", "-r", "pipelines/beta")
    git(repo, "commit", "-q", "-m", "drop beta")
    assert changed_datasets(repo, base).datasets == []


def test_a_merge_brings_in_its_branch_changes(repo: Path) -> None:
    base = git(repo, "rev-parse", "HEAD")
    git(repo, "switch", "-q", "-c", "feature")
    commit(repo, {"pipelines/beta/params.yaml": "n: 1\n"})
    git(repo, "switch", "-q", "main")
    commit(repo, {"README.md": "main moved on\n"})
    git(repo, "merge", "-q", "--no-ff", "-m", "merge feature", "feature")
    assert changed_datasets(repo, base).datasets == ["beta"]


def test_no_previous_commit_means_every_dataset(repo: Path) -> None:
    assert changed_datasets(repo, NO_COMMIT).datasets == ["alpha", "beta"]


def test_unknown_base_is_one_usage_error(repo: Path) -> None:
    with pytest.raises(UsageError, match="--base 'deadbeef' is not a commit"):
        changed_datasets(repo, "deadbeef")


def test_requested_validates_the_name(repo: Path) -> None:
    assert requested(repo, "all").datasets == ["alpha", "beta"]
    assert requested(repo, "beta").datasets == ["beta"]
    with pytest.raises(UnknownDataset):
        requested(repo, "gamma")


def cli(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(Path(sys.executable).parent / "data-registry"), "changed", *args],
        cwd=repo,
        env=tool_env(),
        capture_output=True,
        text=True,
    )


def test_cli_prints_json_and_refuses_ambiguous_options(repo: Path) -> None:
    base = git(repo, "rev-parse", "HEAD")
    commit(repo, {"pipelines/beta/params.yaml": "n: 2\n"})

    result = cli(repo, "--base", base, "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["datasets"] == ["beta"]
    both = cli(repo, "--base", base, "--dataset", "beta")
    assert both.returncode == 2
    assert both.stderr.strip().splitlines() == ["error: give exactly one of --base REF or --dataset NAME"]
