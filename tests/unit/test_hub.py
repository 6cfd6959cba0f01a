"""data_registry.sources.hub and download.require_pinned: hub files are fetched only at a commit,
with pins."""

from __future__ import annotations

import pytest

from data_registry.core.errors import ParamsError
from data_registry.sources import download, hub

SHA = "a" * 40
SOURCE = {
    "repo": "dair-ai/emotion",
    "revision": SHA,
    "files": {"val": {"path": "split/validation-00000-of-00001.parquet", "sha256": None}},
}


def test_resolve_urls_follow_the_endpoint_and_save_files_by_key() -> None:
    [file] = hub.remote_files(SOURCE, "http://127.0.0.1:9/")
    assert (
        file.url
        == f"http://127.0.0.1:9/datasets/dair-ai/emotion/resolve/{SHA}/split/validation-00000-of-00001.parquet"
    )
    assert file.name == "val.parquet"
    assert hub.remote_files(SOURCE)[0].url.startswith("https://huggingface.co/datasets/")


@pytest.mark.parametrize("revision", [None, "main", "v1.0", SHA[:12], SHA.upper()])
def test_a_moving_or_short_revision_is_refused(revision: str | None) -> None:
    with pytest.raises(ParamsError, match="not a 40-character commit sha"):
        hub.remote_files({**SOURCE, "revision": revision})


def test_unpinned_files_need_explicit_trust_on_first_use() -> None:
    files = hub.remote_files(SOURCE)
    with pytest.raises(ParamsError, match=r"no checksum pinned for val\.parquet"):
        download.require_pinned(files)
    download.require_pinned(files, trust_on_first_use=True)
    download.require_pinned([download.RemoteFile("x", "http://h/x", sha256="0" * 64)])
