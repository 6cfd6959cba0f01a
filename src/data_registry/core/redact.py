"""URLs as messages, logs and metadata may show them.

A registry's git URL may carry a CI token (`https://x-access-token:…@github.com/…`), a remote
or a tracking URI a password, a signed download URL its signature in the query. Every URL a
person or a log can see goes through `url`, the one place that decides what is safe to show.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit


def url(text: str) -> str:
    """`text` without user info, query or fragment; a path, or a URL without a host, unchanged."""
    parts = urlsplit(text)
    if not parts.netloc:
        return text
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))
