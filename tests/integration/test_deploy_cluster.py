"""The cluster side under deploy/: the services .env.minikube names, and the Helm values for
Argo Workflows' own chart. No cluster and no chart can be fetched here, so:

- the plain manifests go through kubernetes-validate --strict (the Kubernetes 1.37 JSON
  schemas it vendors: a misspelt or misplaced key fails);
- each endpoint in .env.minikube must be a Service in deploy/ with that name and port, the
  bucket the Job creates must be the `minio` remote's, MLflow must accept the Host header the
  pods send (checked with MLflow's own matcher), and every Secret key a manifest reads must
  be one the README's `kubectl create secret` writes;
- the Helm values may only use keys the chart has (listed below from the chart's own
  values.yaml), and must hold what the CI relies on (client auth, a TLS ingress, the CLI's
  Argo version).
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from data_registry.core import settings
from tests.support.repo import PROJECT

DEPLOY = PROJECT / "deploy"
BIN = Path(sys.executable).parent
NAMESPACE = "data-registry"
MANIFESTS = sorted(path for path in DEPLOY.glob("*.yaml") if not path.name.endswith(".values.yaml"))
SECRET = "data-registry-credentials"

# Keys of the chart's values.yaml that these values may set (argoproj/argo-helm
# charts/argo-workflows).
# Helm ignores a key a chart does not read, silently: a misspelt key here would be a setting
# that never reaches the cluster.
CHART_KEYS = {
    "argo-workflows.values.yaml": {
        "images.tag",
        "controller.workflowNamespaces",
        "workflow.serviceAccount.create",
        "workflow.rbac.create",
        "server.extraArgs",
        "server.secure",
        "server.ingress.enabled",
        "server.ingress.ingressClassName",
        "server.ingress.annotations",
        "server.ingress.hosts",
        "server.ingress.tls",
    },
}
# Maps whose own keys are free (annotations, resources): stop descending.
FREE_MAPS = {"server.ingress.annotations"}


def documents(path: Path) -> list[dict[str, Any]]:
    return [document for document in yaml.safe_load_all(path.read_text()) if document]


def objects() -> Iterator[dict[str, Any]]:
    for path in MANIFESTS:
        yield from documents(path)


def find(kind: str, name: str) -> dict[str, Any]:
    (found,) = [o for o in objects() if o["kind"] == kind and o["metadata"]["name"] == name]
    return found


def minikube() -> dict[str, str]:
    return settings.env_file_values(PROJECT, "minikube")


def values(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((DEPLOY / name).read_text())
    return loaded


def key_paths(tree: dict[str, Any], prefix: str = "") -> Iterator[str]:
    for key, value in tree.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and value and path not in FREE_MAPS and not path.endswith("resources"):
            yield from key_paths(value, f"{path}.")
        else:
            yield path


def containers() -> Iterator[dict[str, Any]]:
    for document in objects():
        pod = document.get("spec", {}).get("template", {}).get("spec", {})
        yield from pod.get("containers", [])


def service_port(host: str, port: int) -> None:
    """`host` is <service>.<namespace>.svc.cluster.local and that Service exposes `port`."""
    name, namespace, *rest = host.split(".")
    assert (namespace, rest) == (NAMESPACE, ["svc", "cluster", "local"]), host
    service = find("Service", name)
    assert port in [p["port"] for p in service["spec"]["ports"]], f"{name} does not expose {port}"
    selected = service["spec"]["selector"]
    workloads = [
        o
        for o in objects()
        if o["kind"] in {"StatefulSet", "Deployment"}
        and o["spec"]["template"]["metadata"]["labels"].items() >= selected.items()
    ]
    assert workloads, f"service {name} selects no workload"


# --- validators -----------------------------------------------------------------------------


def kubernetes_validate(*paths: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "kubernetes-validate"), "--strict", "--quiet", *map(str, paths)],
        capture_output=True,
        text=True,
    )


def test_manifests_pass_the_kubernetes_schemas_strictly(tmp_path: Path) -> None:
    assert {path.name for path in MANIFESTS} >= {
        "namespace.yaml",
        "minio.yaml",
        "postgres.yaml",
        "mlflow.yaml",
    }
    result = kubernetes_validate(*MANIFESTS)
    assert result.returncode == 0, result.stdout + result.stderr

    misplaced = tmp_path / "mlflow.yaml"
    misplaced.write_text((DEPLOY / "mlflow.yaml").read_text().replace("readinessProbe:", "readinesProbe:"))
    caught = kubernetes_validate(misplaced)
    assert caught.returncode != 0 and "readinesProbe" in caught.stdout + caught.stderr


def test_everything_lives_in_the_registry_namespace() -> None:
    namespaced = [o for o in objects() if o["kind"] != "Namespace"]
    assert {o["metadata"]["namespace"] for o in namespaced} == {NAMESPACE}
    assert find("Namespace", NAMESPACE)
    rbac = documents(PROJECT / "argo" / "rbac.yaml")
    assert {o["metadata"]["namespace"] for o in rbac} == {NAMESPACE}


@pytest.mark.parametrize("name", sorted(CHART_KEYS))
def test_values_use_only_keys_their_chart_reads(name: str) -> None:
    unknown = set(key_paths(values(name))) - CHART_KEYS[name]
    assert unknown == set()


# --- the endpoints of .env.minikube -------------------------------------------------------


def test_every_minikube_endpoint_is_a_service_in_deploy() -> None:
    env = minikube()
    s3 = urlsplit(env["AWS_ENDPOINT_URL"])
    service_port(s3.hostname or "", s3.port or 0)
    service_port(env["PGHOST"], int(env["PGPORT"]))
    mlflow = urlsplit(env["MLFLOW_TRACKING_URI"])
    service_port(mlflow.hostname or "", mlflow.port or 0)

    (postgres,) = find("StatefulSet", "postgres")["spec"]["template"]["spec"]["containers"]
    variables = {item["name"]: item.get("value") for item in postgres["env"]}
    assert (variables["POSTGRES_DB"], variables["POSTGRES_USER"]) == (env["PGDATABASE"], env["PGUSER"])
    assert "pgvector" in postgres["image"]
    init = find("ConfigMap", "postgres-init")["data"]
    assert any("CREATE EXTENSION IF NOT EXISTS vector" in sql for sql in init.values())


def test_the_bucket_job_creates_the_minio_remotes_bucket() -> None:
    from configobj import ConfigObj  # DVC's own config reader

    config = ConfigObj(str(PROJECT / ".dvc" / "config"))['remote "minio"']["url"]
    bucket = urlsplit(config).netloc
    (job,) = find("Job", "minio-create-dvcstore")["spec"]["template"]["spec"]["containers"]
    script = " ".join(job["args"])
    assert f"mc mb --ignore-existing registry/{bucket}" in script
    assert minikube()["DVC_REMOTE"] == "minio"


def allowed_hosts(arguments: list[str]) -> list[str]:
    (value,) = [a.split("=", 1)[1] for a in arguments if a.startswith("--allowed-hosts=")]
    return value.split(",")


def test_mlflow_accepts_the_host_header_the_pods_send() -> None:
    from mlflow.server.security_utils import is_allowed_host_header

    (mlflow,) = find("Deployment", "mlflow")["spec"]["template"]["spec"]["containers"]
    hosts = allowed_hosts(mlflow["args"])
    netloc = urlsplit(minikube()["MLFLOW_TRACKING_URI"]).netloc

    assert is_allowed_host_header(hosts, netloc)
    assert not is_allowed_host_header(hosts, "attacker.example:5000"), "the check stays on"
    compose = yaml.safe_load((PROJECT / ".devcontainer" / "compose.yaml").read_text())
    words = shlex.split(compose["services"]["mlflow"]["command"])
    compose_hosts = words[words.index("--allowed-hosts") + 1].split(",")
    docker_netloc = urlsplit(settings.env_file_values(PROJECT, "docker")["MLFLOW_TRACKING_URI"]).netloc
    assert is_allowed_host_header(compose_hosts, docker_netloc)
    # The cluster's MLflow is the devcontainer's image: one version to test and to upgrade.
    assert mlflow["image"] == compose["services"]["mlflow"]["image"]


def test_secrets_come_from_the_one_secret_the_readme_creates() -> None:
    readme = (PROJECT / "README.md").read_text()
    (command,) = re.findall(
        r"kubectl -n data-registry create secret generic data-registry-credentials[^`]*?\n(?:.*\\\n)*.*",
        readme,
    )
    created = set(re.findall(r"--from-literal=([A-Z_]+)=", command))
    template = yaml.safe_load((PROJECT / "argo" / "workflow-template.yaml").read_text())
    read = {
        item["valueFrom"]["secretKeyRef"]["key"]
        for container in [*containers(), template["spec"]["templates"][0]["script"]]
        for item in container.get("env", [])
        if "secretKeyRef" in item.get("valueFrom", {})
    }
    refs = {
        item["valueFrom"]["secretKeyRef"]["name"]
        for container in containers()
        for item in container.get("env", [])
        if "secretKeyRef" in item.get("valueFrom", {})
    }
    assert refs == {SECRET}
    assert read <= created, f"the README's secret lacks {sorted(read - created)}"


# --- Argo Workflows values --------------------------------------------------------


def test_argo_server_checks_each_callers_token_behind_a_trusted_certificate() -> None:
    argo = values("argo-workflows.values.yaml")
    workflow = yaml.safe_load((PROJECT / ".github" / "workflows" / "run-data-pipelines.yaml").read_text())
    run_env = workflow["jobs"]["run"]["env"]

    assert "--auth-mode=client" in argo["server"]["extraArgs"]
    assert argo["images"]["tag"] == workflow["env"]["ARGO_VERSION"], "server and CLI are one release"
    assert NAMESPACE in argo["controller"]["workflowNamespaces"]
    ingress = argo["server"]["ingress"]
    assert ingress["enabled"] and ingress["tls"] and ingress["tls"][0]["hosts"] == ingress["hosts"]
    assert "cert-manager.io/cluster-issuer" in ingress["annotations"]
    assert run_env["ARGO_SECURE"] == "true"
    texts = [path.read_text() for path in (PROJECT / ".github").rglob("*.y*ml")]
    assert not [text for text in texts if "INSECURE_SKIP_VERIFY" in text], "TLS is verified, never skipped"
