"""The registry's promise under faults: a tag names exactly the bytes its code and params make.

Each test puts a registry in a state a crash, a hand edit or a lying remote leaves behind, and
checks that the next run either finishes the release honestly or refuses in one line.
"""

from __future__ import annotations

import json
import subprocess
import threading
from collections.abc import Iterator
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.support.repo import dvc, git, run_pipeline, tags

pytestmark = pytest.mark.e2e
DS = "synthetic-tabular"
V1, V2 = f"{DS}-v1.0.0", f"{DS}-v1.1.0"


def created(repo: Path, *args: str) -> dict:
    result = run_pipeline(repo, DS, *args, "--json")
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout)


def error_lines(result: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("error:")]


def tag_message(repo: Path, tag: str) -> str:
    return git(repo, "tag", "--list", "--format=%(contents)", tag)


def test_tag_lost_between_commit_and_tag_is_finished_by_the_next_run(registry: Path) -> None:
    created(registry)
    # A ref lock makes `git tag` fail right after the version commit: a crash at that point.
    lock = registry / ".git" / "refs" / "tags" / f"{V2}.lock"
    lock.write_text("")
    crashed = run_pipeline(registry, DS, "-S", "n_samples=1500")
    version_commit = git(registry, "rev-parse", "HEAD")

    assert crashed.returncode != 0 and len(error_lines(crashed)) == 1, crashed.stderr
    assert tags(registry, DS) == [V1]
    assert git(registry, "log", "-1", "--format=%s").startswith(f"{V2}:")
    lock.unlink()

    healed = created(registry)
    assert (healed["status"], healed["tag"]) == ("created", V2)
    assert git(registry, "rev-parse", f"{V2}^{{commit}}") == version_commit, "no second commit"
    assert "n_samples: 5000 -> 1500" in tag_message(registry, V2)
    assert git(registry, "status", "--porcelain") == ""


def test_tag_deleted_by_hand_is_recreated_on_its_version_commit(registry: Path) -> None:
    created(registry)
    created(registry, "-S", "noise=0.3")
    version_commit = git(registry, "rev-parse", f"{V2}^{{commit}}")
    git(registry, "tag", "-d", V2)

    healed = created(registry)
    again = created(registry)

    assert (healed["status"], healed["tag"]) == ("created", V2)
    assert git(registry, "rev-parse", f"{V2}^{{commit}}") == version_commit
    assert (again["status"], again["tag"]) == ("unchanged", V2)
    assert tags(registry, DS) == [V1, V2]


def test_untagged_version_commit_under_other_commits_is_tagged_not_wedged(registry: Path) -> None:
    created(registry)
    created(registry, "-S", "noise=0.3")
    version_commit = git(registry, "rev-parse", f"{V2}^{{commit}}")
    git(registry, "tag", "-d", V2)
    (registry / "NOTES.md").write_text("another dataset's release, or any commit, lands on top\n")
    git(registry, "add", "NOTES.md")
    git(registry, "commit", "-qm", "unrelated commit")

    healed = created(registry)

    assert (healed["status"], healed["tag"]) == ("created", V2)
    assert git(registry, "rev-parse", f"{V2}^{{commit}}") == git(registry, "rev-parse", "HEAD")
    assert git(registry, "rev-parse", "HEAD~1") == version_commit, "nothing new was committed"


def test_a_commit_subject_never_chooses_the_version(registry: Path) -> None:
    created(registry)
    params = registry / "pipelines" / DS / "params.yaml"
    params.write_text(params.read_text().replace("n_features: 8", "n_features: 9"))
    # Reproduced and committed by hand, lock and metadata included, under a look-alike subject.
    assert dvc(registry, "repro", f"pipelines/{DS}/dvc.yaml").returncode == 0
    git(registry, "add", "-A")
    git(registry, "commit", "-qm", f"{DS}-v1.0.7: typo fix")

    major = created(registry)

    assert (major["tag"], major["bump"]) == (f"{DS}-v2.0.0", "major")


def test_a_reused_tag_name_is_refused_against_the_git_remote(registry: Path, tmp_path: Path) -> None:
    origin = tmp_path / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", str(origin)], check=True)
    git(registry, "remote", "add", "origin", str(origin))
    created(registry)
    created(registry, "-S", "seed=43")
    pushed = git(registry, "rev-parse", f"{V2}^{{commit}}")
    (registry / "NOTES.md").write_text("a commit on top\n")
    git(registry, "add", "NOTES.md")
    git(registry, "commit", "-qm", "unrelated commit")
    git(registry, "tag", "-d", V2)  # the pushed v1.1.0 lives on in origin

    new_bytes = run_pipeline(registry, DS, "-S", "seed=44")
    same_bytes_other_commit = run_pipeline(registry, DS)

    for result in (new_bytes, same_bytes_other_commit):
        assert result.returncode != 0 and V2 in " ".join(error_lines(result)), result.stderr
    assert tags(registry, DS) == [V1] and git(registry, "status", "--porcelain") == ""
    git(registry, "fetch", "-q", "--tags", "origin")
    assert (created(registry)["status"], git(registry, "rev-parse", f"{V2}^{{commit}}")) == (
        "unchanged",
        pushed,
    )


def test_git_push_failure_is_finished_by_the_next_run(registry: Path, tmp_path: Path) -> None:
    origin = tmp_path / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", str(origin)], check=True)
    hook = origin / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'remote is read-only today' >&2\nexit 1\n")
    hook.chmod(0o755)
    git(registry, "remote", "add", "origin", str(origin))

    failed = run_pipeline(registry, DS)
    assert failed.returncode != 0 and len(error_lines(failed)) == 1, failed.stderr
    assert tags(registry, DS) == [V1]
    hook.unlink()

    rerun = created(registry)
    assert (rerun["status"], rerun["tag"], rerun["git_pushed"]) == ("unchanged", V1, True)
    assert V1 in git(registry, "ls-remote", "--tags", "origin")
    assert git(registry, "rev-parse", "HEAD") == git(registry, "ls-remote", "origin", "main").split()[0]


def test_every_params_change_is_in_the_tag_message(registry: Path) -> None:
    created(registry)
    params = registry / "pipelines" / DS / "params.yaml"
    # What a `-S` run killed with SIGKILL leaves: an override in params.yaml and no version.
    params.write_text(params.read_text().replace("noise: 0.1", "noise: 0.2"))

    second = created(registry, "-S", "seed=7")

    assert second["params_changes"] == {"noise": [0.1, 0.2], "seed": [42, 7]}
    message = tag_message(registry, V2)
    assert "param noise: 0.1 -> 0.2" in message and "param seed: 42 -> 7" in message


def test_override_of_a_key_no_stage_reads_is_refused(registry: Path) -> None:
    params = registry / "pipelines" / DS / "params.yaml"
    params.write_text(params.read_text() + "owner: data-team   # read by no stage\n")
    git(registry, "commit", "-qam", "a params key no stage reads")
    before = params.read_bytes()

    refused = run_pipeline(registry, DS, "-S", "owner=ml-team")
    # Serving settings left params.yaml for serving.yaml: overriding one is an unknown key now.
    moved = run_pipeline(registry, "readmes-embeddings", "-S", "publish.pgvector.table=elsewhere")

    assert refused.returncode == 2 and len(refused.stderr.strip().splitlines()) == 1, refused.stderr
    assert "owner" in refused.stderr and "no stage" in refused.stderr
    assert moved.returncode == 2 and "no key 'publish'" in moved.stderr, moved.stderr
    assert params.read_bytes() == before and refused.stdout == "" and tags(registry, DS) == []
    assert git(registry, "status", "--porcelain") == ""


def test_change_to_metadata_alone_makes_a_patch_version(registry: Path) -> None:
    created(registry)
    analyze = registry / "pipelines" / DS / "scripts" / "analyze.py"
    analyze.write_text(analyze.read_text().replace("HISTOGRAM_BINS = 30", "HISTOGRAM_BINS = 12"))
    git(registry, "commit", "-qam", "coarser target histogram")

    patch = created(registry)

    assert (patch["tag"], patch["bump"], patch["reason"]) == (f"{DS}-v1.0.1", "patch", "metadata changed")


class LossyRemote(BaseHTTPRequestHandler):
    """An HTTP DVC remote that acknowledges every upload and keeps none of them."""

    def do_POST(self) -> None:
        if self.headers.get("Transfer-Encoding") == "chunked":
            while size := int(self.rfile.readline().strip() or b"0", 16):
                self.rfile.read(size + 2)
            self.rfile.readline()
        else:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_PUT = do_POST

    def do_HEAD(self) -> None:
        self.send_response(HTTPStatus.NOT_FOUND)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_HEAD

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def lossy_remote() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), LossyRemote)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/store"
    finally:
        server.shutdown()
        server.server_close()


def test_remote_that_loses_uploads_gets_no_tag(registry: Path, lossy_remote: str) -> None:
    assert dvc(registry, "remote", "add", "lossy", lossy_remote).returncode == 0
    git(registry, "commit", "-qam", "a remote that drops uploads")

    result = run_pipeline(registry, DS, "--remote", "lossy")

    assert result.returncode != 0 and "missing" in " ".join(error_lines(result)), result.stderr
    assert tags(registry, DS) == []
