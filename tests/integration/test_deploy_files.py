"""The files that run the registry elsewhere (devcontainer, image, GitHub Actions, Argo),
checked by real validators and, where they hold commands, run here against temp registries.

Validators: actionlint (with shellcheck) and the GitHub workflow and Dependabot JSON schemas
for .github/; hera's pydantic models of the Argo Workflows v4.0.5 OpenAPI spec for the
WorkflowTemplate, strictly (a key the models do not know fails the round trip);
kubernetes-validate --strict (the Kubernetes JSON schemas it vendors) for argo/rbac.yaml; the
compose-spec JSON schema vendored by check-jsonschema for the compose file. What the
validators cannot see (a verb the CLI needs, retries that outlive their deadline, an image
nobody pushes) is asserted from the files against what Argo, GitHub and the argo CLI do.
The wait loop and the report are run against a stub `argo` in test_argo_wait.py; the
cluster's services under deploy/ are checked in test_deploy_cluster.py.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from packaging.requirements import Requirement

from data_registry.commands import changes
from data_registry.core import datasets, settings
from tests.support.repo import PROJECT, git, make_registry, tool_env
from tests.support.s3 import BUCKET, S3Server

BIN = Path(sys.executable).parent
IMAGE_WORKFLOW = PROJECT / ".github" / "workflows" / "image.yaml"
TEMPLATE = PROJECT / "argo" / "workflow-template.yaml"
RBAC = PROJECT / "argo" / "rbac.yaml"
WORKFLOWS = PROJECT / ".github" / "workflows"
DEVCONTAINER = PROJECT / ".devcontainer"
# Read by DVC/boto (AWS_*) and libpq (PG*), not by data_registry.core.settings.
THIRD_PARTY_KEYS = re.compile(r"AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|DEFAULT_REGION)|PG[A-Z]+")
ENDPOINT_KEYS = {"DVC_REMOTE", "AWS_ENDPOINT_URL", "MLFLOW_TRACKING_URI"}


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


def run_bash(script: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", script], cwd=cwd, env=tool_env(**env), capture_output=True, text=True
    )


# --- GitHub Actions -------------------------------------------------------------------------


def test_workflows_pass_actionlint_and_the_workflow_schema() -> None:
    env = tool_env()  # shellcheck from this venv is on PATH: actionlint checks every run: script
    lint = subprocess.run([str(BIN / "actionlint")], cwd=PROJECT, env=env, capture_output=True, text=True)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    files = sorted(str(path) for path in WORKFLOWS.glob("*.yaml"))
    assert len(files) == 3
    schema = subprocess.run(
        [str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows", *files],
        capture_output=True,
        text=True,
    )
    assert schema.returncode == 0, schema.stdout + schema.stderr
    dependabot = subprocess.run(
        [str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.dependabot", ".github/dependabot.yml"],
        cwd=PROJECT,
        capture_output=True,
        text=True,
    )
    assert dependabot.returncode == 0, dependabot.stdout + dependabot.stderr
    ecosystems = {
        update["package-ecosystem"] for update in load_yaml(PROJECT / ".github/dependabot.yml")["updates"]
    }
    assert ecosystems >= {"docker", "github-actions"}, "the base image digest and the actions get updates"


def test_ci_runs_lint_and_the_readme_test_command() -> None:
    ci = load_yaml(WORKFLOWS / "ci.yaml")
    runs = [step.get("run", "") for job in ci["jobs"].values() for step in job["steps"]]
    assert set(ci[True]) == {"push", "pull_request"}  # YAML 1.1 reads the key `on` as True
    # A push filter on branches only: the version tags the cluster pushes start no test run.
    assert ci[True]["push"] == {"branches": ["**"]}
    assert ci["permissions"] == {"contents": "read"}
    assert any("ruff check" in run for run in runs) and any("actionlint" in run for run in runs)
    assert "scripts/run-tests.sh" in runs
    assert "scripts/run-tests.sh" in (PROJECT / "README.md").read_text()


def pipelines_workflow() -> dict[str, Any]:
    return load_yaml(WORKFLOWS / "run-data-pipelines.yaml")


def test_pipelines_workflow_triggers_cover_what_change_detection_counts() -> None:
    workflow = pipelines_workflow()
    push = workflow[True]["push"]
    assert push["branches"] == ["main"]
    assert "pipelines/**" in push["paths"]
    for prefix in changes.SHARED_PREFIXES:
        assert f"{prefix}**" in push["paths"]
    assert set(push["paths"]) >= changes.SHARED_FILES
    assert "dataset" in workflow[True]["workflow_dispatch"]["inputs"]
    assert workflow["permissions"] == {"contents": "read"}
    run = workflow["jobs"]["run"]
    assert run["permissions"] == {"contents": "read"}  # its checkout of .github/scripts
    assert "concurrency" in run and run["strategy"]["fail-fast"] is False
    submit = "\n".join(step.get("run", "") for step in run["steps"])
    assert "argo submit --from workflowtemplate/data-registry-run" in submit
    assert run["env"]["ARGO_TOKEN"] == "${{ secrets.ARGO_TOKEN }}"
    assert ".github/scripts/argo-report.sh" in submit  # the job summary (test_argo_wait.py)


def test_catalog_job_builds_the_site_after_the_runs_and_deploys_it_to_pages(
    registry: Path, tmp_path: Path
) -> None:
    jobs = pipelines_workflow()["jobs"]
    catalog = jobs["catalog"]
    assert catalog["needs"] == "run"  # after every dataset's run succeeded (so after detect, image)
    assert "if" not in catalog  # the default success(): a failed or skipped run publishes nothing
    assert catalog["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    assert catalog["environment"]["name"] == "github-pages"
    steps = catalog["steps"]
    uses = [step.get("uses", "").split("@")[0] for step in steps]
    assert uses.index("actions/checkout") < uses.index("actions/upload-pages-artifact")
    assert uses.index("actions/upload-pages-artifact") < uses.index("actions/deploy-pages")
    assert steps[uses.index("actions/checkout")]["with"]["fetch-depth"] == 0  # the version tags
    build = next(step for step in steps if "data-registry catalog" in step.get("run", ""))
    assert build["env"]["REPO_URL"] == "${{ github.server_url }}/${{ github.repository }}.git"
    artifact = steps[uses.index("actions/upload-pages-artifact")]["with"]["path"]
    assert uses.index("actions/upload-pages-artifact") > steps.index(build)

    # The build step's own script, in a temp registry: it writes the folder
    # the artifact step uploads, with the snippets pointing at the repository's URL.
    url = "https://github.example/acme/registry.git"
    built = run_bash(build["run"], registry, REPO_URL=url)
    assert built.returncode == 0, built.stderr
    assert (registry / artifact / "index.html").is_file()


def detect_step() -> dict[str, Any]:
    steps = pipelines_workflow()["jobs"]["detect"]["steps"]
    return next(step for step in steps if step.get("id") == "detect")


def run_detect(repo: Path, tmp_path: Path, **env: str) -> tuple[subprocess.CompletedProcess[str], str, str]:
    output, summary = tmp_path / "github_output", tmp_path / "step_summary"
    output.write_text("")
    summary.write_text("")
    result = run_bash(
        detect_step()["run"], repo, GITHUB_OUTPUT=str(output), GITHUB_STEP_SUMMARY=str(summary), **env
    )
    return result, output.read_text(), summary.read_text()


def changes_output(github_output: str) -> dict[str, Any]:
    (line,) = [line for line in github_output.splitlines() if line.startswith("changes=")]
    return json.loads(line.removeprefix("changes="))


def test_detect_step_finds_the_pushed_dataset_in_a_temp_registry(registry: Path, tmp_path: Path) -> None:
    assert set(detect_step()["env"]) == {"EVENT_NAME", "REQUESTED", "BASE", "HEAD"}
    base = git(registry, "rev-parse", "HEAD")
    (registry / "pipelines/synthetic-tabular/params.yaml").write_text("n_samples: 10\n")
    (registry / "README.md").write_text("docs only\n")
    git(registry, "commit", "-q", "-am", "change a pipeline and the docs")
    head = git(registry, "rev-parse", "HEAD")

    result, output, summary = run_detect(registry, tmp_path, EVENT_NAME="push", BASE=base, HEAD=head)

    assert result.returncode == 0, result.stderr
    assert changes_output(output)["datasets"] == ["synthetic-tabular"]
    assert "- **synthetic-tabular**: pipelines/synthetic-tabular/params.yaml" in summary


def test_detect_step_on_manual_dispatch(registry: Path, tmp_path: Path) -> None:
    everything, output, _ = run_detect(registry, tmp_path, EVENT_NAME="workflow_dispatch", REQUESTED="all")
    assert everything.returncode == 0, everything.stderr
    assert changes_output(output)["datasets"] == sorted(
        p.parent.name for p in registry.glob("pipelines/*/dvc.yaml")
    )

    unknown, output, _ = run_detect(registry, tmp_path, EVENT_NAME="workflow_dispatch", REQUESTED="nope")
    assert unknown.returncode == 2 and output == ""
    errors = [line for line in unknown.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and errors[0].startswith("error: unknown dataset 'nope'")


def test_detect_step_runs_every_dataset_when_the_previous_tip_is_gone(registry: Path, tmp_path: Path) -> None:
    """After a force-push `before` names a commit no clone has: run everything, do not stop."""
    head = git(registry, "rev-parse", "HEAD")
    forced_away = "5" * 40

    result, output, summary = run_detect(registry, tmp_path, EVENT_NAME="push", BASE=forced_away, HEAD=head)

    assert result.returncode == 0, result.stderr
    assert changes_output(output)["datasets"] == [dataset.name for dataset in datasets.discover(registry)]
    assert f"::warning::The previous tip {forced_away} is not in the history" in result.stdout
    assert "force-push" in summary


def install_argo_step() -> dict[str, Any]:
    steps = pipelines_workflow()["jobs"]["run"]["steps"]
    return next(step for step in steps if step.get("name", "").startswith("Install the argo CLI"))


@pytest.mark.parametrize("tampered", [False, True])
def test_the_argo_cli_is_installed_only_with_its_published_checksum(tmp_path: Path, tampered: bool) -> None:
    """The install step as it is, with curl, gunzip and install stubbed: a download whose
    sha256 is not the pinned one stops the step before anything is unpacked or installed."""
    workflow = pipelines_workflow()
    pinned = workflow["env"]["ARGO_CLI_SHA256"]
    assert re.fullmatch(r"[0-9a-f]{64}", pinned)
    stubs, runner_temp = tmp_path / "stubs", tmp_path / "runner"
    stubs.mkdir()
    runner_temp.mkdir()
    download = b"argo release bytes"
    (tmp_path / "download").write_bytes(download + (b"!" if tampered else b""))
    stub = '#!/usr/bin/env bash\necho "$(basename "$0") $*" >> "{log}"\n{extra}'
    log = tmp_path / "calls"
    for name, extra in {
        "curl": f'cp "{tmp_path}/download" "${{3}}"',  # curl -fsSL -o FILE URL
        "gunzip": "",
        "install": "",
        "argo": "",
    }.items():
        (stubs / name).write_text(stub.format(log=log, extra=extra))
        (stubs / name).chmod(0o755)
    digest = (
        subprocess.run(["sha256sum"], input=download, capture_output=True, check=True)
        .stdout.split()[0]
        .decode()
    )

    result = run_bash(
        install_argo_step()["run"],
        tmp_path,
        PATH=f"{stubs}:{os.environ['PATH']}",
        RUNNER_TEMP=str(runner_temp),
        ARGO_VERSION=workflow["env"]["ARGO_VERSION"],
        ARGO_CLI_SHA256=digest,
    )

    called = [line.split()[0] for line in log.read_text().splitlines()]
    if tampered:
        assert result.returncode != 0
        assert called == ["curl"], "nothing unpacked or installed after a checksum mismatch"
    else:
        assert result.returncode == 0, result.stderr
        assert called == ["curl", "gunzip", "install", "argo"]


def test_every_run_uses_the_image_ci_pushed_by_digest() -> None:
    parameters = {p["name"]: p for p in template()["spec"]["arguments"]["parameters"]}
    assert "value" not in parameters["image"], "no default image that no node can pull"

    workflow = pipelines_workflow()
    image_job = workflow["jobs"]["image"]
    assert image_job["uses"] == "./.github/workflows/image.yaml"
    assert image_job["permissions"] == {"contents": "read", "packages": "write"}
    run = workflow["jobs"]["run"]
    assert "image" in run["needs"]
    submit = next(step for step in run["steps"] if step.get("id") == "submit")
    assert submit["env"]["IMAGE"] == "${{ needs.image.outputs.image }}"
    assert '-p image="$IMAGE"' in submit["run"]

    build = load_yaml(IMAGE_WORKFLOW)
    assert set(build[True]["push"]["paths"]) >= {"Dockerfile", "constraints.txt", "pyproject.toml", "src/**"}
    assert build[True]["push"]["branches"] == ["main"]
    assert build[True]["workflow_call"]["outputs"]["image"]["value"] == "${{ jobs.build.outputs.image }}"
    steps = {step.get("id"): step for step in build["jobs"]["build"]["steps"]}
    assert steps["build"]["uses"].startswith("docker/build-push-action@")
    assert steps["reference"]["env"]["DIGEST"] == "${{ steps.build.outputs.digest }}"


def run_image_step(step_id: str, tmp_path: Path, **env: str) -> tuple[subprocess.CompletedProcess[str], str]:
    steps = {step.get("id"): step for step in load_yaml(IMAGE_WORKFLOW)["jobs"]["build"]["steps"]}
    output = tmp_path / f"{step_id}.out"
    output.write_text("")
    result = run_bash(
        steps[step_id]["run"],
        tmp_path,
        GITHUB_OUTPUT=str(output),
        GITHUB_STEP_SUMMARY=str(tmp_path / "summary"),
        **env,
    )
    return result, output.read_text()


def test_the_image_reference_is_the_lower_case_name_at_the_pushed_digest(tmp_path: Path) -> None:
    named, output = run_image_step("name", tmp_path, GITHUB_REPOSITORY_OWNER="Data-Org")
    assert named.returncode == 0, named.stderr
    name = output.strip().removeprefix("name=")
    assert name == "ghcr.io/data-org/data-registry-pipeline"

    digest = "sha256:" + "ab" * 32
    referenced, output = run_image_step("reference", tmp_path, NAME=name, DIGEST=digest)
    assert referenced.returncode == 0, referenced.stderr
    assert output.strip() == f"image={name}@{digest}"

    missing, output = run_image_step("reference", tmp_path, NAME=name, DIGEST="")
    assert missing.returncode != 0 and output == ""


# --- Argo -----------------------------------------------------------------------------------


def template() -> dict[str, Any]:
    return load_yaml(TEMPLATE)


def unknown_keys(original: Any, dumped: Any, path: str = "") -> Iterator[str]:
    """Keys the models dropped (misspelt or not in the schema) and values they changed."""
    if isinstance(original, Mapping) and isinstance(dumped, Mapping):
        for key, value in original.items():
            if key not in dumped:
                yield f"{path}.{key}"
            else:
                yield from unknown_keys(value, dumped[key], f"{path}.{key}")
    elif isinstance(original, list) and isinstance(dumped, list) and len(original) == len(dumped):
        for index, (left, right) in enumerate(zip(original, dumped, strict=True)):
            yield from unknown_keys(left, right, f"{path}[{index}]")
    elif original != dumped:
        yield f"{path}: {original!r} became {dumped!r}"


def test_workflow_template_matches_the_argo_schema() -> None:
    from hera.workflows.models import WorkflowTemplate

    document = template()
    model = WorkflowTemplate.model_validate(document)
    dumped = model.model_dump(by_alias=True, exclude_none=True, mode="json")

    assert list(unknown_keys(document, dumped)) == []
    assert (document["apiVersion"], document["kind"]) == ("argoproj.io/v1alpha1", "WorkflowTemplate")


def test_the_strict_check_catches_a_misspelt_key() -> None:
    from hera.workflows.models import WorkflowTemplate

    document = template()
    document["spec"]["templates"][0]["retryStrategey"] = document["spec"]["templates"][0].pop("retryStrategy")
    dumped = WorkflowTemplate.model_validate(document).model_dump(
        by_alias=True, exclude_none=True, mode="json"
    )
    assert list(unknown_keys(document, dumped)) == [".spec.templates[0].retryStrategey"]


def main_template() -> dict[str, Any]:
    spec = template()["spec"]
    return next(t for t in spec["templates"] if t["name"] == spec["entrypoint"])


def test_workflow_template_holds_the_run_contract() -> None:
    spec = template()["spec"]
    run = main_template()
    env = {item["name"]: item for item in run["script"]["env"]}
    outputs = {p["name"]: p["valueFrom"]["path"] for p in run["outputs"]["parameters"]}

    assert spec["synchronization"]["mutexes"][0]["name"]
    assert spec["ttlStrategy"] and spec["podGC"]["strategy"]
    assert run["retryStrategy"]["limit"] and "exitCode" in run["retryStrategy"]["expression"]
    assert {"changed", "version", "tag"} <= set(outputs)
    assert all(path == f"{env['OUTPUT_DIR']['value']}/{name}" for name, path in outputs.items())
    assert 'scripts/run_pipeline.py "$DATASET" --env minikube --json' in run["script"]["source"]
    secrets = {item["valueFrom"]["secretKeyRef"]["name"] for item in env.values() if "valueFrom" in item}
    assert secrets == {"data-registry-credentials"}
    assert {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "GITHUB_TOKEN"} <= {
        name for name, item in env.items() if "valueFrom" in item
    }
    assert "data-registry-credentials" in (PROJECT / ".env.minikube").read_text()
    assert spec["securityContext"]["runAsNonRoot"] is True


def test_rbac_grants_the_runner_and_the_submitter_only_what_they_need() -> None:
    documents = list(yaml.safe_load_all(RBAC.read_text()))
    by_kind: dict[str, dict[str, Any]] = {}
    for document in documents:
        by_kind.setdefault(document["kind"], {})[document["metadata"]["name"]] = document
    runner = template()["spec"]["serviceAccountName"]

    assert {runner, "data-registry-submitter"} <= set(by_kind["ServiceAccount"])
    assert by_kind["Role"][runner]["rules"] == [
        {"apiGroups": ["argoproj.io"], "resources": ["workflowtaskresults"], "verbs": ["create", "patch"]}
    ]
    for binding in by_kind["RoleBinding"].values():
        assert binding["roleRef"]["name"] in by_kind["Role"]
        assert [subject["name"] for subject in binding["subjects"]] == [binding["roleRef"]["name"]]
    for role in by_kind["Role"].values():
        for rule in role["rules"]:
            assert "*" not in rule["verbs"] + rule["resources"]
            assert "secrets" not in rule["resources"]
    namespaces = {document["metadata"]["namespace"] for document in documents}
    assert namespaces == {template()["metadata"]["namespace"]}


# What each argo CLI call of the GitHub job does with the caller's own token, through the Argo
# server in client auth mode: (API group, resource, verb). `argo logs` lists and watches the
# workflow's pods before it streams their logs, so `watch` on pods is not optional.
ARGO_CLI_CALLS = {
    "argo submit --from workflowtemplate/...": {
        ("argoproj.io", "workflowtemplates", "get"),
        ("argoproj.io", "workflows", "create"),
    },
    "argo template list": {("argoproj.io", "workflowtemplates", "list")},
    "argo wait": {("argoproj.io", "workflows", "list"), ("argoproj.io", "workflows", "watch")},
    "argo get": {("argoproj.io", "workflows", "get")},
    "argo logs": {
        ("argoproj.io", "workflows", "get"),
        ("", "pods", "get"),
        ("", "pods", "list"),
        ("", "pods", "watch"),
        ("", "pods/log", "get"),
    },
}


def rbac_documents() -> list[dict[str, Any]]:
    return [document for document in yaml.safe_load_all(RBAC.read_text()) if document]


def granted(role: dict[str, Any]) -> set[tuple[str, str, str]]:
    return {
        (group, resource, verb)
        for rule in role["rules"]
        for group in rule["apiGroups"]
        for resource in rule["resources"]
        for verb in rule["verbs"]
    }


def test_the_submitter_may_make_every_call_of_the_argo_cli_and_no_other() -> None:
    (role,) = [
        d
        for d in rbac_documents()
        if d["kind"] == "Role" and d["metadata"]["name"] == "data-registry-submitter"
    ]
    allowed = granted(role)

    denied = {call: sorted(needs - allowed) for call, needs in ARGO_CLI_CALLS.items() if needs - allowed}
    assert denied == {}
    assert allowed == set().union(*ARGO_CLI_CALLS.values()), "the submitter gets nothing it does not use"


def test_rbac_passes_the_kubernetes_schemas_strictly(tmp_path: Path) -> None:
    validate = subprocess.run(
        [str(BIN / "kubernetes-validate"), "--strict", "--quiet", str(RBAC)], capture_output=True, text=True
    )
    assert validate.returncode == 0, validate.stdout + validate.stderr
    misspelt = tmp_path / "rbac.yaml"
    misspelt.write_text(RBAC.read_text().replace("verbs: [get, list, watch]", "verb: [get, list, watch]", 1))
    caught = subprocess.run(
        [str(BIN / "kubernetes-validate"), "--strict", "--quiet", str(misspelt)],
        capture_output=True,
        text=True,
    )
    assert caught.returncode != 0 and "verb" in caught.stdout + caught.stderr


def duration_seconds(value: str | int) -> int:
    """Argo's durations: an int of seconds or a Go duration such as 30s, 1m, 2h."""
    if isinstance(value, int) or str(value).isdigit():
        return int(value)
    match = re.fullmatch(r"(\d+)([smh])", str(value))
    assert match, f"unexpected duration {value!r}"
    return int(match[1]) * {"s": 1, "m": 60, "h": 3600}[match[2]]


def test_every_retry_fits_the_workflow_deadline_and_the_github_job() -> None:
    spec, run = template()["spec"], main_template()
    retry = run["retryStrategy"]
    backoff = retry["backoff"]
    workflow_deadline = int(spec["activeDeadlineSeconds"])
    # maxDuration counts from the first attempt and becomes the retry pod's deadline: either
    # absent or no shorter than the workflow, or long runs are never retried.
    assert duration_seconds(backoff.get("maxDuration", workflow_deadline)) >= workflow_deadline
    attempts = int(retry["limit"]) + 1
    attempt_deadline = int(run["activeDeadlineSeconds"])
    pauses = sum(
        duration_seconds(backoff["duration"]) * int(backoff["factor"]) ** retry
        for retry in range(attempts - 1)
    )
    assert attempts * attempt_deadline + pauses <= workflow_deadline, "the last attempt would be cut short"
    assert attempt_deadline >= 30 * 60, "an attempt has time for a real dataset"

    job = pipelines_workflow()["jobs"]["run"]
    job_seconds = job["timeout-minutes"] * 60
    assert job["strategy"]["max-parallel"] == 1, "one of this run's datasets on the mutex at a time"
    assert job_seconds <= 360 * 60, "GitHub-hosted jobs stop at 6 h"
    wait = next(step for step in job["steps"] if "argo-wait.sh" in step.get("run", ""))
    budget = int(wait["env"]["WAIT_SECONDS"])
    # Its own workflow plus one of another run queued ahead, and time left for the report.
    assert 2 * workflow_deadline <= budget <= job_seconds - 5 * 60


def retries(expression: str, status: str, exit_code: str, message: str = "") -> bool:
    """Evaluate the retry expression for one failed attempt. Argo evaluates it with expr-lang;
    this one uses only what reads the same in Python (==, !=, and, or, not, int literals)
    plus `asInt` and `a contains "b"`, translated here."""
    python = re.sub(r'([\w.]+) contains ("[^"]*")', r"(\2 in \1)", expression)
    assert re.fullmatch(r'[\w.\s()=!"-]+', python), f"untranslated syntax in {expression!r}"
    last_retry = type("LastRetry", (), {"status": status, "exitCode": exit_code, "message": message})
    return bool(eval(python, {"asInt": int, "lastRetry": last_retry}))


def test_retries_heal_outages_but_not_usage_errors_or_spent_deadlines() -> None:
    expression = main_template()["retryStrategy"]["expression"]
    deadline = "Pod was active on the node longer than the specified deadline"

    assert retries(expression, "Error", "-1", "pod deleted")  # the node went away
    assert retries(expression, "Failed", "1", "exit code 1")  # S3, git or a download failed
    assert retries(expression, "Failed", "-1", "The node was low on resource: ephemeral-storage.")
    assert not retries(expression, "Failed", "2", "exit code 2")  # a usage error stays one
    # Never started (ImagePullBackOff) or hung until the attempt's deadline: no second hour
    # on the mutex.
    assert not retries(expression, "Failed", "-1", deadline)


def quantity_bytes(value: str) -> int:
    match = re.fullmatch(r"(\d+)(Ki|Mi|Gi|Ti)?", value)
    assert match, f"unexpected quantity {value!r}"
    return int(match[1]) * {None: 1, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}[match[2]]


def test_the_pod_asks_for_the_ephemeral_storage_its_workspace_fills() -> None:
    resources = main_template()["script"]["resources"]
    (workspace,) = [volume for volume in template()["spec"]["volumes"] if volume["name"] == "workspace"]
    request = quantity_bytes(resources["requests"]["ephemeral-storage"])
    limit = quantity_bytes(resources["limits"]["ephemeral-storage"])
    size = quantity_bytes(workspace["emptyDir"]["sizeLimit"])

    assert 10 * 2**30 <= request <= limit
    assert size <= limit, "the workspace alone must not be able to get the pod evicted"
    mounts = {mount["name"] for mount in main_template()["script"]["volumeMounts"]}
    assert mounts == {volume["name"] for volume in template()["spec"]["volumes"]}


def test_template_script_versions_a_dataset_and_pushes_it(tmp_path: Path, s3: S3Server) -> None:
    """The container's script as it is, against a temp registry as the git remote and moto S3."""
    registry = make_registry(tmp_path / "registry")
    origin = tmp_path / "origin.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(registry), str(origin)], check=True)
    before = git(origin, "rev-parse", "main")
    run = main_template()
    outputs = tmp_path / "outputs"
    env = {
        "DATASET": "synthetic-tabular",
        "REPO_URL": str(origin),
        "REVISION": "main",
        "OUTPUT_DIR": str(outputs),
        "GITHUB_TOKEN": "never-printed-token",
        **s3.env(),
    }
    workdir = tmp_path / "pod"
    workdir.mkdir()

    first = run_bash(run["script"]["source"], workdir, **env)

    assert first.returncode == 0, first.stderr
    values = {p["name"]: (outputs / p["name"]).read_text() for p in run["outputs"]["parameters"]}
    assert values == {
        "status": "created",
        "changed": "true",
        "version": "1.0.0",
        "tag": "synthetic-tabular-v1.0.0",
    }
    assert git(origin, "tag", "--list") == "synthetic-tabular-v1.0.0"
    assert git(origin, "rev-parse", "main^") == before, "the version commit lands on the branch"
    assert "never-printed-token" not in first.stdout + first.stderr

    second = run_bash(run["script"]["source"], workdir, **env)
    assert second.returncode == 0, second.stderr
    assert (outputs / "changed").read_text() == "false"
    assert (outputs / "status").read_text() == "unchanged"


# --- Devcontainer, env files --------------------------------------------------------------


def strip_jsonc(text: str) -> str:
    """Drop // and /* */ comments outside strings (devcontainer.json is JSON with comments)."""
    pattern = re.compile(r'"(?:\\.|[^"\\])*"|//[^\n]*|/\*.*?\*/', re.DOTALL)
    return pattern.sub(lambda match: match.group(0) if match.group(0).startswith('"') else "", text)


def devcontainer() -> dict[str, Any]:
    return json.loads(strip_jsonc((DEVCONTAINER / "devcontainer.json").read_text()))


def compose() -> dict[str, Any]:
    config = devcontainer()
    (name,) = config["dockerComposeFile"]
    return load_yaml(DEVCONTAINER / name)


def test_compose_file_passes_the_compose_spec_schema() -> None:
    result = subprocess.run(
        [
            str(BIN / "check-jsonschema"),
            "--builtin-schema",
            "vendor.compose-spec",
            str(DEVCONTAINER / "compose.yaml"),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_devcontainer_runs_the_workspace_beside_its_services() -> None:
    config = devcontainer()
    services = compose()["services"]

    assert config["service"] in services and set(config["runServices"]) <= set(services)
    assert {"minio", "postgres", "mlflow"} <= set(services)
    assert "pgvector" in services["postgres"]["image"]
    for command in ("initializeCommand", "postCreateCommand"):
        script = config[command].removeprefix("bash ")
        assert (PROJECT / script).is_file(), command
    assert services[config["service"]]["volumes"][0].split(":")[1] == config["workspaceFolder"]


def test_env_docker_endpoints_are_the_compose_services() -> None:
    services = compose()["services"]
    workspace = services["workspace"]
    values = settings.parse_env_file((PROJECT / ".env.docker").read_text())

    assert workspace["env_file"] == ["../.env.docker"]
    assert workspace["environment"]["DATA_REGISTRY_ENV"] == "docker"
    assert {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "PGPASSWORD"} <= set(workspace["environment"])
    minio = urlsplit(values["AWS_ENDPOINT_URL"])
    assert (minio.hostname, minio.port) == ("minio", 9000)
    mlflow = urlsplit(values["MLFLOW_TRACKING_URI"])
    assert mlflow.hostname in services and f"--port {mlflow.port}" in services["mlflow"]["command"]
    postgres = services[values["PGHOST"]]["environment"]
    assert (values["PGDATABASE"], values["PGUSER"]) == (postgres["POSTGRES_DB"], postgres["POSTGRES_USER"])
    assert values["DVC_REMOTE"] == "minio"


def keys_settings_reads() -> set[str]:
    """Every variable data_registry.core.settings asks for, recorded while it loads."""

    class Recording(dict[str, str]):
        def __init__(self) -> None:
            super().__init__()
            self.asked: set[str] = set()

        def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
            self.asked.add(key)
            return super().get(key, default)

    environ = Recording()
    settings.load(PROJECT, environ)
    return environ.asked


@pytest.mark.parametrize("name", ["docker", "minikube"])
def test_env_files_set_only_keys_the_code_reads_and_no_secrets(name: str) -> None:
    values = settings.env_file_values(PROJECT, name)
    known = keys_settings_reads()
    unknown = {key for key in values if key not in known and not THIRD_PARTY_KEYS.fullmatch(key)}

    assert known >= ENDPOINT_KEYS
    assert unknown == set()
    assert set(values) >= ENDPOINT_KEYS
    assert not [key for key in values if re.search("SECRET|PASSWORD|TOKEN|ACCESS_KEY", key)]
    assert "@" not in values.get("DATABASE_URL", ""), "no password in a committed DSN"


def test_compose_variables_are_all_written_by_init_env(tmp_path: Path) -> None:
    folder = tmp_path / ".devcontainer"
    shutil.copytree(DEVCONTAINER, folder, ignore=shutil.ignore_patterns(".env"))
    first = run_bash("bash .devcontainer/init-env.sh", tmp_path)
    written = (folder / ".env").read_text()
    again = run_bash("bash .devcontainer/init-env.sh", tmp_path)

    assert first.returncode == 0 and again.returncode == 0, first.stderr + again.stderr
    assert (folder / ".env").read_text() == written, "a rerun keeps the passwords"
    assert stat.S_IMODE((folder / ".env").stat().st_mode) == 0o600
    values = settings.parse_env_file(written)
    assert all(len(value) >= 8 for value in values.values())
    used = set(re.findall(r"\$\{([A-Z_]+)", (DEVCONTAINER / "compose.yaml").read_text()))
    assert used == set(values)
    ignored = subprocess.run(["git", "check-ignore", "-q", ".devcontainer/.env"], cwd=PROJECT)
    assert ignored.returncode == 0, ".devcontainer/.env must be git-ignored"


def test_post_create_writes_minio_credentials_to_config_local(registry: Path, s3: S3Server) -> None:
    s3.client().delete_bucket(Bucket=BUCKET)
    script = "bash .devcontainer/setup-minio-remote.sh"
    assert "setup-minio-remote.sh" in (DEVCONTAINER / "post-create.sh").read_text()

    result = run_bash(script, registry, **{**s3.env(), "AWS_SECRET_ACCESS_KEY": "local-secret-42"})

    assert result.returncode == 0, result.stderr
    local = (registry / ".dvc" / "config.local").read_text()
    assert "local-secret-42" in local and s3.url in local
    assert "local-secret-42" not in (registry / ".dvc" / "config").read_text()
    assert "local-secret-42" not in result.stdout + result.stderr
    assert git(registry, "status", "--porcelain") == ""
    assert BUCKET in {bucket["Name"] for bucket in s3.client().list_buckets()["Buckets"]}

    missing = run_bash(script, registry, **{key: "" for key in ("AWS_ACCESS_KEY_ID",)})
    assert missing.returncode != 0
    assert "AWS_ACCESS_KEY_ID" in missing.stderr


# --- The pipeline image ---------------------------------------------------------------------


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    logical: list[str] = []
    pending = ""
    for line in (PROJECT / "Dockerfile").read_text().splitlines():
        if line.lstrip().startswith("#") or not line.strip():
            continue
        pending += line.rstrip().removesuffix("\\") + " "
        if not line.rstrip().endswith("\\"):
            logical.append(pending.strip())
            pending = ""
    return [(text.split(None, 1)[0].upper(), text.split(None, 1)[1]) for text in logical]


def test_dockerfile_is_slim_non_root_and_pinned() -> None:
    instructions = dockerfile_instructions()
    stages = [index for index, (name, _) in enumerate(instructions) if name == "FROM"]
    final = instructions[stages[-1] :]
    runs = " ".join(args for name, args in instructions if name == "RUN")

    assert all("-slim" in instructions[index][1] for index in stages)
    users = [args for name, args in final if name == "USER"]
    assert users and users[-1].split(":")[0] not in {"root", "0"}
    assert re.search(r"pip install [^&]*-c constraints\.txt", runs)
    assert "dvc --version" in runs
    assert any(name == "COPY" and "constraints.txt" in args for name, args in instructions)


def test_dockerignore_keeps_secrets_out_of_the_build_context() -> None:
    lines = [
        line.strip()
        for line in (PROJECT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    included = [line.removeprefix("!") for line in lines if line.startswith("!")]
    copied = {
        source.rstrip("/")
        for name, args in dockerfile_instructions()
        if name == "COPY" and "--from" not in args
        for source in args.split()[:-1]
    }

    assert lines[0] == "*"
    assert copied <= {entry.rstrip("/") for entry in included}
    assert not [entry for entry in included if ".env" in entry or ".dvc" in entry or "data" in entry]


def test_devcontainer_and_template_scripts_pass_shellcheck() -> None:
    scripts = [str(path) for path in DEVCONTAINER.glob("*.sh")]
    files = subprocess.run([str(BIN / "shellcheck"), *scripts], capture_output=True, text=True)
    assert files.returncode == 0, files.stdout
    source = main_template()["script"]["source"]
    inline = subprocess.run(
        [str(BIN / "shellcheck"), "--shell=bash", "-"], input=source, capture_output=True, text=True
    )
    assert inline.returncode == 0, inline.stdout


def test_dockerfile_pins_its_base_and_keeps_dependencies_apart_from_code() -> None:
    instructions = dockerfile_instructions()
    bases = [args.split()[0] for name, args in instructions if name == "FROM"]
    assert bases and all(re.fullmatch(r"[\w./:-]+@sha256:[0-9a-f]{64}", base) for base in bases)

    copies_src = [
        i for i, (name, args) in enumerate(instructions) if name == "COPY" and args.split()[0] == "src"
    ]
    dependency_install = [
        i
        for i, (name, args) in enumerate(instructions)
        if name == "RUN"
        and "pip install" in args
        and "-c constraints.txt" in args
        and "--no-deps" not in args
    ]
    assert copies_src and dependency_install
    assert max(dependency_install) < min(copies_src), "torch and Ray install before src/ is copied"
    code_installs = [
        args for name, args in instructions[min(copies_src) :] if name == "RUN" and "pip install" in args
    ]
    assert code_installs and all("--no-deps" in args for args in code_installs)
    # No README or code before the dependency install: neither may invalidate that layer.
    before = [args for name, args in instructions[: max(dependency_install)] if name == "COPY"]
    assert all("README" not in args and "src" not in args.split() for args in before)


def image_extras() -> list[str]:
    (extras,) = [
        args.split("=", 1)[1]
        for name, args in dockerfile_instructions()
        if name == "ARG" and args.startswith("EXTRAS=")
    ]
    return [extra for extra in extras.split(",") if extra]


def requirements_of(extras: list[str]) -> list[Requirement]:
    """The project's requirements with `extras`, following `data-registry[...]` self-references."""
    import tomllib

    project = tomllib.loads((PROJECT / "pyproject.toml").read_text())["project"]
    found = [Requirement(text) for text in project["dependencies"]]
    pending, seen = list(extras), set()
    while pending:
        extra = pending.pop()
        if extra in seen:
            continue
        seen.add(extra)
        for requirement in map(Requirement, project["optional-dependencies"][extra]):
            if requirement.name == project["name"]:
                pending.extend(requirement.extras)
            else:
                found.append(requirement)
    return found


@pytest.mark.parametrize("name", ["docker", "minikube"])
def test_ray_data_runs_in_the_pod_not_through_ray_client(name: str) -> None:
    """Ray Data 2.60 fails through Ray Client (measured against a local cluster started with a
    client server: `'Worker' object has no attribute 'core_worker'` from its streaming
    executor), so no environment sends the embeddings to a ray:// address: the pod runs Ray
    itself, with the image's ray[data]."""
    address = settings.env_file_values(PROJECT, name).get("RAY_ADDRESS", "")
    assert not address.startswith("ray://")
    ray = [requirement for requirement in requirements_of(image_extras()) if requirement.name == "ray"]
    assert ray and all("data" in requirement.extras for requirement in ray)
