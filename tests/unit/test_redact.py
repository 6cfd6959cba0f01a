"""URLs in messages, logs and metadata never carry what may be a secret: user info (a password,
a token), a query (a signed URL's signature) or a fragment. One function does it for all."""

from __future__ import annotations

from pathlib import Path

import pytest

from data_registry.core import dvc, redact
from data_registry.core.errors import RemoteError


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
        ("http://u:p@[::1]:9000/Bucket", "http://[::1]:9000/Bucket"),  # the host as written
    ],
)
def test_url_drops_user_info_query_and_fragment(url: str, shown: str) -> None:
    assert redact.url(url) == shown


def test_a_failed_get_from_a_git_url_never_shows_its_token(tmp_path: Path) -> None:
    """`dvc get` from a registry URL that cannot be reached: the error names the URL, redacted,
    in its own words and in DVC's."""
    from data_registry.core import settings

    url = "http://x-access-token:ghp_s3cr3t@127.0.0.1:9/org/registry.git"  # port 9: discard
    with pytest.raises(RemoteError) as raised:
        dvc.get(settings.load(tmp_path), url, "data", "v1", tmp_path / "out")

    line = raised.value.one_line()
    assert "ghp_s3cr3t" not in line and "x-access-token" not in line
    assert "http://127.0.0.1:9/org/registry.git" in line


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
