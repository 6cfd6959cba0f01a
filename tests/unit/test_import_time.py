"""The CLI starts fast: heavy libraries load inside the commands that need them.

Checked by which modules `import data_registry.cli` pulls in, not by a stopwatch,
so the test holds on a loaded CI machine.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HEAVY = (
    "dvc.repo",
    "pyarrow",
    "pandas",
    "numpy",
    "mlflow",
    "ray",
    "torch",
    "sentence_transformers",
    "psycopg",
    # typer's rich help panels and rich itself: ~100 ms, more than `dvc --help` takes in all
    "rich",
    "markdown_it",
)


def test_cli_import_loads_no_heavy_library() -> None:
    probe = "import json, sys, data_registry.cli; print(json.dumps(sorted(sys.modules)))"
    loaded = json.loads(subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True).stdout)

    heavy = [name for name in loaded if name.split(".")[0] in HEAVY or name in HEAVY]
    assert heavy == []


def test_help_lists_the_run_command() -> None:
    command = Path(sys.executable).parent / "data-registry"
    result = subprocess.run([str(command), "--help"], capture_output=True, text=True, check=False)

    assert result.returncode == 0 and "run" in result.stdout


def test_help_renders_without_rich_or_any_heavy_library() -> None:
    probe = (
        "import contextlib, io, json, sys\n"
        "from data_registry.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()) as out, contextlib.suppress(SystemExit):\n"
        "    main(['--help'])\n"
        "print(json.dumps({'help': out.getvalue(), 'modules': sorted(sys.modules)}))"
    )
    result = json.loads(subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True).stdout)

    heavy = [name for name in result["modules"] if name.split(".")[0] in HEAVY]
    assert heavy == [] and "add-collection" in result["help"]
