"""URLs in messages, logs and metadata never carry what may be a secret: user info (a password,
a token), a query (a signed URL's signature) or a fragment. One function does it for all."""

from __future__ import annotations

from pathlib import Path

import pytest

from data_registry.core import dvc, redact


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            "https://user:s3cret@host.example:8443/path/f.gz?X-Amz-Signature=abc&token=t#frag",
            "https://host.example:8443/path/f.gz",
        ),
        ("https://x-access-token:ghp_abc@github.com/org/registry.git", "https://github.com/org/registry.git"),
        ("s3://dvcstore/files/md5", "s3://dvcstore/files/md5"),
        ("/srv/registry", "/srv/registry"),
        ("file:///srv/registry", "file:///srv/registry"),
        ("git@github.com:org/registry.git", "git@github.com:org/registry.git"),  # scp-like: no secret
    ],
)
def test_url_drops_user_info_query_and_fragment(url: str, shown: str) -> None:
    assert redact.url(url) == shown


def test_a_remotes_location_in_messages_never_shows_its_credentials(tmp_path: Path) -> None:
    """`Objects.location` names the remote in every corrupt- or missing-object error, and travels
    into Ray's workers with their checks."""
    from dvc.repo import Repo

    Repo.init(str(tmp_path), no_scm=True).close()
    with (tmp_path / ".dvc" / "config").open("a") as config:
        config.write("['remote \"web\"']\n    url = https://alice:s3cr3t@example.com/store?sig=abc\n")
    with Repo(str(tmp_path)) as repo:
        location = dvc.Objects(repo, "web", use_cache=False).location

    assert "s3cr3t" not in location and "alice" not in location and "sig=" not in location
    assert location.startswith("https://example.com/store")
