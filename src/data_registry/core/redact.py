"""URLs as messages, logs and metadata may show them.

A registry's git URL may carry a CI token (`https://x-access-token:…@github.com/…`), a remote
or a tracking URI a password, a signed download URL its signature in the query. Every URL a
person or a log can see goes through `url`, the one place that decides what is safe to show.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit


def url(text: str) -> str:
    """`text` without user info, query or fragment; a path, or a URL without a host, unchanged.
    The host is kept as written (its case, an IPv6 address's brackets, the port)."""
    parts = urlsplit(text)
    if not parts.netloc:
        return text
    return urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], parts.path, "", ""))


def within(message: str, secret_url: str) -> str:
    """`message` (a tool's error output, say) with every copy of `secret_url` shown redacted."""
    return message.replace(secret_url, url(secret_url))
