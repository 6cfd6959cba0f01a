"""A small client for a GitHub-like REST API: an organisation's repositories, their markdown
files at a commit, and the last commit that touched each file.

Pagination follows `Link: rel="next"`; rate limits are waited out (Retry-After, or
X-RateLimit-Reset when X-RateLimit-Remaining is 0) up to a bound, then fail with a hint;
5xx and connection errors are retried with the shared backoff. The token is sent as a
header and never appears in a message.
"""

from __future__ import annotations

import base64
import fnmatch
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import requests

from data_registry.core import redact
from data_registry.core.errors import DownloadError
from data_registry.sources.download import TRANSIENT_ERRORS, new_session, retry_delay

DEFAULT_API_URL = "https://api.github.com"
PER_PAGE = 100
RETRIES = 4
MAX_RATE_LIMIT_WAIT = 300.0


class RateLimited(DownloadError):
    hint = "set GITHUB_TOKEN for a higher rate limit, or rerun after the reset time"


@dataclass(frozen=True)
class RemoteDocument:
    repository: str  # owner/name
    path: str
    blob_sha: str
    commit: str  # the last commit that touched the file, at the ref that was read


class GitHubClient:
    def __init__(
        self,
        api_url: str = DEFAULT_API_URL,
        token: str | None = None,
        sleep: Callable[[float], None] = time.sleep,
        max_wait: float = MAX_RATE_LIMIT_WAIT,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self.session = new_session()
        self.session.headers["Accept"] = "application/vnd.github+json"
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"
        self.sleep = sleep
        self.max_wait = max_wait

    def get(self, url: str, params: dict[str, Any] | None = None) -> requests.Response:
        url = url if url.startswith(("http://", "https://")) else f"{self.api_url}/{url.lstrip('/')}"
        for attempt in range(RETRIES + 1):
            try:
                response = self.session.get(url, params=params, timeout=60)
            except TRANSIENT_ERRORS as error:
                if attempt == RETRIES:
                    raise DownloadError(f"cannot reach {redact.url(url)}: {type(error).__name__}") from error
                self.sleep(retry_delay(attempt, 1.0))
                continue
            wait = self._rate_limit_wait(response)
            if wait is not None:
                if wait > self.max_wait or attempt == RETRIES:
                    raise RateLimited(f"rate limited by {redact.url(url)} for {wait:.0f} s more")
                self.sleep(wait)
                continue
            if response.status_code >= 500 and attempt < RETRIES:
                self.sleep(retry_delay(attempt, 1.0))
                continue
            if response.status_code in (401, 403):
                raise DownloadError(
                    f"{redact.url(url)} answered HTTP {response.status_code} {response.reason}",
                    "check GITHUB_TOKEN: it is missing, expired or lacks access to this organisation",
                )
            if response.status_code >= 400:
                raise DownloadError(
                    f"{redact.url(url)} answered HTTP {response.status_code} {response.reason}"
                )
            return response
        raise DownloadError(f"{redact.url(url)} kept failing")  # unreachable: the loop returns or raises

    def paginate(self, path: str, params: dict[str, Any] | None = None) -> Iterator[Any]:
        url: str | None = path
        query = {"per_page": PER_PAGE, **(params or {})}
        while url:
            response = self.get(url, query)
            yield from response.json()
            url = response.links.get("next", {}).get("url")
            query = {}  # the next link carries the query

    def organisation_repositories(self, org: str) -> list[str]:
        """`owner/name` of the organisation's repositories that are neither forks nor archived."""
        found = [
            repo["full_name"]
            for repo in self.paginate(f"orgs/{quote(org)}/repos", {"type": "public"})
            if not repo.get("fork") and not repo.get("archived")
        ]
        return sorted(found)

    def head_commit(self, repository: str) -> str:
        info = self.get(f"repos/{repository}").json()
        return str(self.get(f"repos/{repository}/commits/{quote(info['default_branch'])}").json()["sha"])

    def markdown_files(self, repository: str, commit: str, patterns: Sequence[str]) -> list[tuple[str, str]]:
        """(path, blob sha) of files matching `patterns` in the tree at `commit`, sorted by path."""
        tree = self.get(f"repos/{repository}/git/trees/{commit}", {"recursive": "1"}).json()
        files = [
            (entry["path"], entry["sha"])
            for entry in tree.get("tree", [])
            if entry.get("type") == "blob" and any(fnmatch.fnmatch(entry["path"], p) for p in patterns)
        ]
        return sorted(files)

    def last_commit(self, repository: str, path: str, ref: str) -> str:
        commits = self.get(f"repos/{repository}/commits", {"path": path, "sha": ref, "per_page": 1}).json()
        return str(commits[0]["sha"]) if commits else ref

    def blob(self, repository: str, sha: str) -> bytes:
        body = self.get(f"repos/{repository}/git/blobs/{sha}").json()
        return (
            base64.b64decode(body["content"])
            if body.get("encoding") == "base64"
            else body["content"].encode()
        )

    def _rate_limit_wait(self, response: requests.Response) -> float | None:
        """Seconds to wait when the answer is a rate limit, else None."""
        if response.status_code not in (403, 429):
            return None
        retry_after = response.headers.get("Retry-After", "")
        if retry_after.isdigit():
            return float(retry_after)
        if response.headers.get("X-RateLimit-Remaining") == "0":
            reset = response.headers.get("X-RateLimit-Reset", "")
            return max(0.0, float(reset) - time.time()) + 1.0 if reset.isdigit() else 60.0
        return 60.0 if response.status_code == 429 else None
