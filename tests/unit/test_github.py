from __future__ import annotations

import pytest

from data_registry.core.errors import DownloadError
from data_registry.sources.github import GitHubClient, RateLimited
from data_registry.sources.markdown_docs import from_github
from tests.support.github_api import serve_github
from tests.support.readmes import ORG, REPOSITORIES


def client(url: str, waits: list[float], token: str | None = "tok", max_wait: float = 30) -> GitHubClient:
    return GitHubClient(url, token, sleep=waits.append, max_wait=max_wait)


def test_listing_follows_link_pagination_with_the_token() -> None:
    with serve_github(REPOSITORIES, token="tok", per_page=1) as api:
        names = client(api.url, []).organisation_repositories(ORG)
    assert names == sorted(REPOSITORIES)
    assert api.requests[f"/orgs/{ORG}/repos"] == len(REPOSITORIES)
    assert api.authorizations == {"Bearer tok"}


def test_rate_limits_are_waited_out_from_retry_after_and_reset() -> None:
    waits: list[float] = []
    with serve_github(REPOSITORIES, token="tok") as api:
        api.rate_limit(times=1, retry_after=3)
        api.rate_limit(times=1, reset_in=5)
        assert client(api.url, waits).organisation_repositories(ORG) == sorted(REPOSITORIES)
    assert waits[0] == 3 and 4 <= waits[1] <= 7


def test_a_long_rate_limit_fails_with_a_hint_and_no_token_in_the_message() -> None:
    with serve_github(REPOSITORIES, token="tok") as api:
        api.rate_limit(times=1, retry_after=3600)
        with pytest.raises(RateLimited) as caught:
            client(api.url, []).organisation_repositories(ORG)
    assert "GITHUB_TOKEN" in caught.value.one_line() and "tok" not in str(caught.value)


def test_documents_are_markdown_only_with_their_last_commit() -> None:
    with serve_github(REPOSITORIES, token="tok") as api:
        documents = from_github(client(api.url, []), ORG, [], ["*.md"], max_files=10, max_bytes=10_000)
    names = [document.name for document in documents]
    assert names == [
        "acme/breadbox/README.md",
        "acme/starchart/README.md",
        "acme/tidepool/README.md",
        "acme/tidepool/docs/moon.md",
    ]
    assert all(document.commit and len(document.commit) == 40 for document in documents)
    assert documents[0].text == REPOSITORIES["acme/breadbox"]["README.md"]


def test_a_wrong_token_fails_with_a_token_hint() -> None:
    with serve_github(REPOSITORIES, token="tok") as api, pytest.raises(DownloadError) as caught:
        client(api.url, [], token="wrong").organisation_repositories(ORG)
    assert "401" in str(caught.value) and "GITHUB_TOKEN" in caught.value.one_line()
