"""stage_deps: each stage's dvc.yaml deps name every data_registry module its scripts run,
so a change to shared code can never leave a stage "up to date" with stale outs."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest
import yaml

from data_registry import cli
from data_registry.core import datasets, stage_deps
from data_registry.core.errors import RegistryError, StaleStageDeps
from tests.support.repo import PROJECT

MODULES = "../../src/data_registry"
FORMATS = f"{MODULES}/formats"


def test_every_stage_of_this_registry_lists_each_shared_module_it_imports() -> None:
    found = stage_deps.differences(PROJECT)

    assert not found, "\n".join([*(d.line() for d in found), "fix: run `data-registry deps --write`"])


@pytest.fixture
def fashion_mnist_copy(tmp_path: Path) -> Path:
    """A registry holding this project's shared code and its fashion-mnist pipeline."""
    ignore = shutil.ignore_patterns("__pycache__")
    shutil.copytree(PROJECT / "src/data_registry", tmp_path / "src/data_registry", ignore=ignore)
    shutil.copytree(PROJECT / "pipelines/fashion-mnist", tmp_path / "pipelines/fashion-mnist", ignore=ignore)
    (tmp_path / ".dvc").mkdir()
    return tmp_path


def test_check_names_the_stage_and_module_of_a_missing_or_extra_dep_and_write_restores_the_file(
    fashion_mnist_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dvc_yaml = fashion_mnist_copy / "pipelines/fashion-mnist/dvc.yaml"
    original = dvc_yaml.read_text()
    images = f"      - {FORMATS}/images.py\n"
    assert f"{FORMATS}/idx.py\n{images}" in original  # the process stage's entry
    broken = original.replace(f"{FORMATS}/idx.py\n{images}", f"{FORMATS}/idx.py\n", 1)
    broken = broken.replace(
        "      - scripts/analyze.py\n", f"      - scripts/analyze.py\n      - {FORMATS}/vlm.py\n"
    )
    dvc_yaml.write_text(broken)

    with pytest.raises(SystemExit) as check:
        cli.main(["deps", "--check", "--repo", str(fashion_mnist_copy)])
    out, err = capsys.readouterr()

    assert check.value.code == 1
    assert out.splitlines() == [
        "pipelines/fashion-mnist/dvc.yaml: stage process imports data_registry.formats.images"
        f" (from scripts/process.py) but its deps lack {FORMATS}/images.py",
        f"pipelines/fashion-mnist/dvc.yaml: stage analyze lists {FORMATS}/vlm.py"
        " but never imports data_registry.formats.vlm",
    ]
    assert err.startswith("error: 2 stage deps differ") and "deps --write" in err

    cli.main(["deps", "--write", "--repo", str(fashion_mnist_copy)])  # success returns, exit 0

    assert dvc_yaml.read_text() == original  # comments, order of other deps, layout: all kept
    assert capsys.readouterr().out == "wrote pipelines/fashion-mnist/dvc.yaml\n"


def test_check_and_write_together_are_refused(
    fashion_mnist_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as both:
        cli.main(["deps", "--check", "--write", "--repo", str(fashion_mnist_copy)])

    assert both.value.code == 2 and capsys.readouterr().err.startswith("error: give --check or --write")


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(textwrap.dedent(text))


def test_a_stage_must_list_each_script_it_runs_and_each_helper_script_those_import(
    tmp_path: Path,
) -> None:
    """An unlisted helper script is as stale-making as an unlisted module: DVC would call the
    stage up to date after the helper changed. Missing ones are added; nothing else is touched."""
    _write(
        tmp_path,
        {
            "src/data_registry/__init__.py": "",
            "pipelines/demo/scripts/step.py": "import helpers\n",
            "pipelines/demo/scripts/helpers.py": "import json\nimport more_helpers\n",
            "pipelines/demo/scripts/more_helpers.py": "",
            "pipelines/demo/scripts/other.py": "",
            "pipelines/demo/scripts/unused.py": "",
            "pipelines/demo/dvc.yaml": """
                stages:
                  step:
                    cmd: python scripts/step.py && python scripts/other.py
                    deps:
                      - data.csv  # the input
                      - scripts/step.py
                      - scripts/unused.py
                    outs:
                      - out
            """,
        },
    )
    (tmp_path / ".dvc").mkdir()

    assert [difference.line() for difference in stage_deps.differences(tmp_path)] == [
        "pipelines/demo/dvc.yaml: stage step runs scripts/helpers.py (imported by scripts/step.py)"
        " but its deps lack it",
        "pipelines/demo/dvc.yaml: stage step runs scripts/more_helpers.py (imported by scripts/helpers.py)"
        " but its deps lack it",
        "pipelines/demo/dvc.yaml: stage step runs scripts/other.py (from its cmd) but its deps lack it",
    ]

    stage_deps.write(tmp_path)
    text = (tmp_path / "pipelines/demo/dvc.yaml").read_text()
    assert yaml.safe_load(text)["stages"]["step"]["deps"] == [
        "data.csv",
        "scripts/step.py",
        "scripts/unused.py",  # listed by the author: kept
        "scripts/helpers.py",
        "scripts/more_helpers.py",
        "scripts/other.py",
    ]
    assert "- data.csv  # the input" in text
    assert stage_deps.differences(tmp_path) == []


HELPER_SHAPES = {
    "a helper package": (
        "python scripts/step.py",
        {
            "scripts/step.py": "from helpers import util\n",
            "scripts/helpers/__init__.py": "",
            "scripts/helpers/util.py": "import data_registry\n",
        },
        ["scripts/helpers/__init__.py", "scripts/helpers/util.py", "scripts/step.py"],
    ),
    "a module run with -m": (
        "python -m scripts.main",
        {"scripts/__init__.py": "", "scripts/main.py": "import data_registry\n"},
        ["scripts/__init__.py", "scripts/main.py"],
    ),
    "shell operators glued to the script": (
        "python scripts/a.py&&python scripts/b.py>log",
        {"scripts/a.py": "", "scripts/b.py": "import data_registry\n"},
        ["scripts/a.py", "scripts/b.py"],
    ),
}


@pytest.mark.parametrize("shape", HELPER_SHAPES)
def test_each_way_a_stage_runs_pipeline_code_is_seen(tmp_path: Path, shape: str) -> None:
    cmd, scripts, missing = HELPER_SHAPES[shape]
    _write(
        tmp_path,
        {
            "src/data_registry/__init__.py": "",
            **{f"pipelines/demo/{name}": text for name, text in scripts.items()},
            "pipelines/demo/dvc.yaml": f"stages:\n  step:\n    cmd: {cmd}\n    outs: [out]\n",
        },
    )

    found = stage_deps.differences(tmp_path)

    assert sorted(d.dep for d in found if d.script) == missing
    assert [d.dep for d in found if not d.script] == [f"{MODULES}/__init__.py"]


def test_a_folder_dep_covers_the_scripts_inside_it(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "pipelines/demo/scripts/step.py": "import helper\n",
            "pipelines/demo/scripts/helper.py": "",
            "pipelines/demo/dvc.yaml": "stages:\n  step:\n    cmd: python scripts/step.py\n"
            "    deps: [scripts]\n    outs: [out]\n",
        },
    )
    assert stage_deps.differences(tmp_path) == []


@pytest.mark.parametrize(
    ("stage", "refused"),
    [
        ("cmd: python step.py\n    wdir: scripts", "sets wdir"),
        ("foreach: [a, b]\n    do:\n      cmd: python scripts/${item}.py", "scripts/${item}.py"),
    ],
)
def test_a_stage_whose_scripts_cannot_be_found_is_refused_not_skipped(
    tmp_path: Path, stage: str, refused: str
) -> None:
    _write(
        tmp_path,
        {
            "pipelines/demo/scripts/step.py": "",
            "pipelines/demo/dvc.yaml": f"stages:\n  step:\n    {stage}\n",
        },
    )
    with pytest.raises(RegistryError) as raised:
        stage_deps.differences(tmp_path)
    assert refused in raised.value.one_line() and "stage step" in raised.value.one_line()


def test_run_is_refused_only_for_a_missing_dep_not_an_extra_one(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "src/data_registry/__init__.py": "",
            "src/data_registry/unused.py": "",
            "pipelines/demo/scripts/step.py": "",
            "pipelines/demo/dvc.yaml": "stages:\n  step:\n    cmd: python scripts/step.py\n"
            f"    deps: [scripts/step.py, {MODULES}/unused.py]\n    outs: [out]\n",
        },
    )
    assert [d.missing for d in stage_deps.differences(tmp_path)] == [False]
    stage_deps.refuse_stale(tmp_path, "demo")  # an extra dep makes nothing stale

    (tmp_path / "pipelines/demo/scripts/step.py").write_text("import data_registry.unused\n")
    (tmp_path / "pipelines/demo/dvc.yaml").write_text(
        "stages:\n  step:\n    cmd: python scripts/step.py\n    deps: [scripts/step.py]\n    outs: [out]\n"
    )
    with pytest.raises(StaleStageDeps, match=r"stage step imports data_registry .* \(and 1 more\)"):
        stage_deps.refuse_stale(tmp_path, "demo")


def test_imports_inside_functions_relative_and_via_sibling_scripts_count_type_checking_ones_do_not(
    tmp_path: Path,
) -> None:
    _write(
        tmp_path,
        {
            "src/data_registry/__init__.py": "",
            "src/data_registry/errors.py": "class Oops(Exception): ...\n",
            "src/data_registry/typing_only.py": "",
            "src/data_registry/runtime_only.py": "",
            "src/data_registry/unused.py": "",
            "src/data_registry/helper_only.py": "",
            "src/data_registry/sub/__init__.py": "",
            "src/data_registry/sub/deep.py": "from ..errors import Oops\n",
            "src/data_registry/lazy.py": "import data_registry.sub.deep\n",
            "src/data_registry/entry.py": """
                from typing import TYPE_CHECKING
                if TYPE_CHECKING:
                    from data_registry import typing_only
                else:
                    import data_registry.runtime_only
                def build():
                    from . import lazy
                    return lazy
            """,
            "pipelines/demo/scripts/step.py": "import helpers\nfrom data_registry import entry\n",
            "pipelines/demo/scripts/helpers.py": "from data_registry.helper_only import *\n",
            "pipelines/demo/dvc.yaml": """
                stages:
                  step:
                    cmd: python scripts/step.py --fast
                    deps:
                      - scripts/step.py
                    outs:
                      - out
                  module:  # run as a module, no deps list yet
                    cmd: python -m data_registry.unused
                    outs:
                      - other
            """,
        },
    )
    (tmp_path / ".dvc").mkdir()

    stage_deps.write(tmp_path)
    stages = yaml.safe_load((tmp_path / "pipelines/demo/dvc.yaml").read_text())["stages"]

    names = ["__init__", "entry", "errors", "helper_only", "lazy", "runtime_only", "sub/__init__", "sub/deep"]
    assert stages["step"]["deps"] == [
        "scripts/step.py",
        "scripts/helpers.py",
        *(f"{MODULES}/{name}.py" for name in names),
    ]
    assert stages["module"]["deps"] == [f"{MODULES}/__init__.py", f"{MODULES}/unused.py"]
    assert stage_deps.differences(tmp_path) == []


def test_a_script_that_does_not_parse_is_one_error_line_and_nothing_is_written(
    fashion_mnist_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dvc_yaml = fashion_mnist_copy / "pipelines/fashion-mnist/dvc.yaml"
    before = dvc_yaml.read_text()
    (fashion_mnist_copy / "pipelines/fashion-mnist/scripts/process.py").write_text("def broken(:\n")

    with pytest.raises(SystemExit) as raised:
        cli.main(["deps", "--write", "--repo", str(fashion_mnist_copy)])
    err = capsys.readouterr().err

    assert raised.value.code == 1
    assert err.startswith("error: cannot read ") and "scripts/process.py" in err and err.count("\n") == 1
    assert dvc_yaml.read_text() == before


# Modules that version and serve data: a stage reaching them would rerun whenever the release
# machinery changes, and could drive a release from inside a release.
# Paths relative to src/data_registry/.
RELEASE_SIDE = ("cli.py", "commands/", "release.py", "site/", "client/", "publish/")


def test_no_stage_imports_the_release_side() -> None:
    """Read from the dvc.yaml files, whose module deps are exactly the imports (checked above)."""
    reached = {
        f"{dataset.name}:{name}": [
            str(dep).split(f"/{stage_deps.PACKAGE}/", 1)[1]
            for dep in stage.get("deps") or []
            if f"/{stage_deps.PACKAGE}/" in str(dep)
        ]
        for dataset in datasets.discover(PROJECT)
        for name, stage in (yaml.safe_load(dataset.dvc_yaml.read_text())["stages"]).items()
    }
    offending = {
        stage: [module for module in modules if module.startswith(RELEASE_SIDE)]
        for stage, modules in reached.items()
    }
    assert {stage: modules for stage, modules in offending.items() if modules} == {}
    assert len(reached) >= 26 and all(modules for modules in reached.values())
