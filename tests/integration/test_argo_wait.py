"""The GitHub job's wait loop and report (.github/scripts/), run as the workflow runs them
against a stub `argo` on PATH that plays the Argo server: its `argo wait` stream drops
(exit 1, as an ingress idle timeout does) while the workflow runs on, and `argo get` /
`argo logs` answer from files the test writes.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.repo import PROJECT

SCRIPTS = PROJECT / ".github" / "scripts"
WORKFLOW = "data-registry-run-x7k2p"
DROPPED = (
    "Error: rpc error: code = Internal desc = stream terminated by RST_STREAM with error code: INTERNAL_ERROR"
)

STUB = """#!/usr/bin/env bash
# argo wait: the Nth call does what line N of wait-outcomes says (drop|done); later calls: done.
# argo get:  get-K.json, K = the number of `argo wait` calls so far (the newest file up to K).
# argo logs: logs.txt, or exit 1 with logs-error.txt when that file exists.
dir=$(dirname "$0")
echo "$*" >> "$dir/calls"
waits=$(grep -c '^wait' "$dir/calls")
case $1 in
  wait)
    outcome=$(sed -n "${waits}p" "$dir/wait-outcomes")
    if [[ $outcome == drop ]]; then echo "$DROPPED" >&2; exit 1; fi
    echo "$2 finished"
    ;;
  get)
    for ((k = waits; k >= 0; k--)); do
      if [[ -f $dir/get-$k.json ]]; then cat "$dir/get-$k.json"; exit 0; fi
    done
    exit 1
    ;;
  logs)
    if [[ -f $dir/logs-error.txt ]]; then cat "$dir/logs-error.txt" >&2; exit 1; fi
    cat "$dir/logs.txt"
    ;;
esac
"""


def workflow_json(phase: str, **outputs: str) -> str:
    node: dict[str, Any] = {"phase": phase}
    if outputs:
        node["outputs"] = {"parameters": [{"name": k, "value": v} for k, v in outputs.items()]}
    message = {"Failed": "child 'data-registry-run-x7k2p-1' failed"}.get(phase)
    return json.dumps(
        {
            "metadata": {"name": WORKFLOW},
            "status": {
                "phase": phase,
                "nodes": {WORKFLOW: node},
                **({"message": message} if message else {}),
            },
        }
    )


@pytest.fixture
def argo(tmp_path: Path) -> Path:
    """A folder holding the stub `argo`; tests write its answers beside it."""
    folder = tmp_path / "bin"
    folder.mkdir()
    stub = folder / "argo"
    stub.write_text(STUB.replace('"$DROPPED"', shlex.quote(DROPPED)))
    stub.chmod(0o755)
    (folder / "calls").write_text("")
    return folder


def run_script(name: str, argo: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "PATH": f"{argo}:{os.environ['PATH']}", **env}
    return subprocess.run(
        ["bash", str(SCRIPTS / name), *args], env=environ, capture_output=True, text=True, timeout=60
    )


def calls(argo: Path) -> list[str]:
    return [line.split()[0] for line in (argo / "calls").read_text().splitlines()]


def test_wait_survives_a_dropped_stream_and_reports_the_real_failure(argo: Path, tmp_path: Path) -> None:
    (argo / "wait-outcomes").write_text("drop\ndone\n")
    (argo / "get-1.json").write_text(workflow_json("Running"))
    (argo / "get-2.json").write_text(workflow_json("Failed", status="-", changed="-"))
    (argo / "logs.txt").write_text("running roco-radiology at 1a2b3c (main)\nerror: checksum mismatch\n")
    out, summary = tmp_path / "workflow.json", tmp_path / "summary.md"

    waited = run_script("argo-wait.sh", argo, WORKFLOW, str(out), POLL_SECONDS="0")

    assert waited.returncode == 0, waited.stderr
    assert calls(argo) == ["wait", "get", "wait", "get"]
    assert "argo wait ended without a result" in waited.stderr and "RST_STREAM" in waited.stderr
    assert json.loads(out.read_text())["status"]["phase"] == "Failed"

    report = run_script(
        "argo-report.sh", argo, "roco-radiology", WORKFLOW, str(out), GITHUB_STEP_SUMMARY=str(summary)
    )

    assert report.returncode == 1
    text = summary.read_text()
    assert f"| `roco-radiology` | `{WORKFLOW}` | Failed |" in text
    assert "error: checksum mismatch" in text, "the failing dataset's logs are in the job summary"
    assert "child 'data-registry-run-x7k2p-1' failed" in text
    assert report.stderr.startswith(f"error: roco-radiology: workflow {WORKFLOW} failed")


def test_a_success_after_two_drops_passes_with_its_outputs(argo: Path, tmp_path: Path) -> None:
    (argo / "wait-outcomes").write_text("drop\ndrop\ndone\n")
    (argo / "get-0.json").write_text(workflow_json("Pending"))
    (argo / "get-3.json").write_text(
        workflow_json(
            "Succeeded", status="created", changed="true", version="1.2.0", tag="wine-quality-v1.2.0"
        )
    )
    out, summary = tmp_path / "workflow.json", tmp_path / "summary.md"

    waited = run_script("argo-wait.sh", argo, WORKFLOW, str(out), POLL_SECONDS="0")
    report = run_script(
        "argo-report.sh", argo, "wine-quality", WORKFLOW, str(out), GITHUB_STEP_SUMMARY=str(summary)
    )

    assert waited.returncode == 0 and report.returncode == 0, waited.stderr + report.stderr
    assert calls(argo) == ["wait", "get"] * 3
    assert "| Succeeded | created | true | 1.2.0 | `wine-quality-v1.2.0` |" in summary.read_text()


def test_a_spent_budget_says_the_workflow_goes_on_instead_of_failed(argo: Path, tmp_path: Path) -> None:
    (argo / "wait-outcomes").write_text("drop\n" * 1000)
    (argo / "get-0.json").write_text(workflow_json("Running"))
    out, summary = tmp_path / "workflow.json", tmp_path / "summary.md"

    waited = run_script("argo-wait.sh", argo, WORKFLOW, str(out), WAIT_SECONDS="2", POLL_SECONDS="0.2")
    report = run_script(
        "argo-report.sh", argo, "fashion-mnist", WORKFLOW, str(out), GITHUB_STEP_SUMMARY=str(summary)
    )

    assert waited.returncode == 3
    assert f"::warning::{WORKFLOW} is still Running" in waited.stdout
    assert report.returncode == 1
    assert "still Running in the cluster when this job had to stop; it goes on there" in summary.read_text()


def test_refused_logs_are_shown_not_hidden(argo: Path, tmp_path: Path) -> None:
    out, summary = tmp_path / "workflow.json", tmp_path / "summary.md"
    out.write_text(workflow_json("Error"))
    (argo / "logs-error.txt").write_text(
        'pods is forbidden: User "system:serviceaccount:data-registry:data-registry-submitter" '
        'cannot watch resource "pods"\n'
    )

    report = run_script(
        "argo-report.sh", argo, "emotion", WORKFLOW, str(out), GITHUB_STEP_SUMMARY=str(summary)
    )

    assert report.returncode == 1
    text = summary.read_text()
    assert "The logs could not be read" in text and 'cannot watch resource "pods"' in text


def test_the_pipelines_workflow_runs_these_scripts() -> None:
    workflow = yaml.safe_load((PROJECT / ".github" / "workflows" / "run-data-pipelines.yaml").read_text())
    runs = [step.get("run", "") for step in workflow["jobs"]["run"]["steps"]]
    assert any(run.startswith(".github/scripts/argo-wait.sh ") for run in runs)
    assert any(run.startswith(".github/scripts/argo-report.sh ") for run in runs)
    assert not any("|| true" in run for run in runs), "no failure of argo is hidden"
    for script in SCRIPTS.glob("*.sh"):
        assert os.access(script, os.X_OK), f"{script.name} must be executable"


def test_a_workflow_never_read_back_is_reported_as_unknown(argo: Path, tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    (argo / "logs.txt").write_text("")

    report = run_script(
        "argo-report.sh",
        argo,
        "emotion",
        WORKFLOW,
        str(tmp_path / "missing.json"),
        GITHUB_STEP_SUMMARY=str(summary),
    )

    assert report.returncode == 1
    assert "| Unknown |" in summary.read_text()
    assert "could not be read back from the Argo server" in report.stderr
