"""Library noise goes to a log file under DATA_REGISTRY_HOME unless verbose."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from data_registry.core import quiet, settings


def test_noise_written_to_the_file_descriptors_lands_in_the_log_and_the_terminal_is_restored(
    tmp_path: Path, capfd
) -> None:
    env = settings.load(tmp_path, {"DATA_REGISTRY_HOME": str(tmp_path / "home")})
    with quiet.noise_to_log(env, "ray"):
        os.write(2, b"core_worker.cc: constructor arguments in the object store\n")
        subprocess.run([sys.executable, "-c", "print('a child process progress block')"], check=True)
    print("after", file=sys.stderr)
    log = quiet.log_path(env, "ray").read_text()
    assert "constructor arguments" in log and "child process progress block" in log
    captured = capfd.readouterr()
    assert captured.err == "after\n" and captured.out == ""


def test_verbose_leaves_the_terminal_alone(tmp_path: Path, capfd) -> None:
    env = settings.load(tmp_path, {"DATA_REGISTRY_HOME": str(tmp_path), "DATA_REGISTRY_VERBOSE": "1"})
    with quiet.noise_to_log(env, "ray"):
        os.write(2, b"shown\n")
    assert capfd.readouterr().err == "shown\n"
    assert not quiet.log_path(env, "ray").exists()


def test_no_runtime_dir_warning_when_the_embedded_postgres_is_imported() -> None:
    code = "from data_registry.core import quiet; quiet.silence_libraries(); import pgserver"
    env = {key: value for key, value in os.environ.items() if key != "XDG_RUNTIME_DIR"}
    env.update(PYTHONWARNINGS="default")
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert "XDG_RUNTIME_DIR" not in done.stderr
