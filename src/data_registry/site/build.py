"""Render the catalog into a folder: all pages written to a temp folder, swapped in whole."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markdown_it import MarkdownIt
from markupsafe import Markup

from data_registry.client.api import Repo
from data_registry.client.location import locate
from data_registry.core.atomic import atomic_dir
from data_registry.core.errors import UsageError
from data_registry.site import model, pages, source

# A folder we built carries this file, so a rebuild may replace it; any other folder is refused.
MARKER = ".data-registry-catalog"


@dataclass
class BuildReport:
    out: str
    datasets: int
    collections: int
    pages: int
    largest_page_bytes: int
    seconds: float
    problems: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def build_site(out: Path, repo: Repo = None, url: str | None = None) -> BuildReport:
    """Build the catalog of `repo` into `out`; `url` is the registry URL the snippets show."""
    started = time.perf_counter()
    _check_target(out)
    registry = locate(repo)
    with source.opened(registry) as git:
        catalog = model.load(git)
    shown_url = url or registry.public_url
    written = _render(catalog, shown_url)
    with atomic_dir(out) as staging:
        for relative, text in written.items():
            target = staging / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        (staging / MARKER).write_text(f"built from {registry.public_url}\n")
    return BuildReport(
        str(out),
        len(catalog.datasets),
        len(catalog.collections),
        len(written),
        max((len(text.encode()) for text in written.values()), default=0),
        round(time.perf_counter() - started, 3),
        catalog.problems,
    )


def _check_target(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise UsageError(f"{out} is a file", "choose a folder for --html")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise UsageError(
            f"{out} is not empty and holds no catalog built before",
            "choose a new or empty folder (a folder built by `catalog --html` is replaced)",
        )


def _render(catalog: model.Catalog, url: str) -> dict[str, str]:
    env = _environment()
    written = {
        "index.html": env.get_template("index.html").render(
            root="",
            datasets=[pages.index_row(history) for history in catalog.datasets],
            collections=[_collection_row(history) for history in catalog.collections],
            labels=sorted({label for history in catalog.datasets for label in history.labels}),
        )
    }
    for history in catalog.datasets:
        written[f"d/{history.name}/index.html"] = _dataset_page(env, history, url)
        written[f"d/{history.name}/diff.html"] = env.get_template("diff.html").render(
            root="../../", name=history.name, versions=pages.diff_data(history)
        )
    return written


def _dataset_page(env: Environment, history: model.DatasetHistory, url: str) -> str:
    latest = history.latest
    described = history.documented[-1] if history.documented else latest
    return env.get_template("dataset.html").render(
        root="../../",
        history=history,
        row=pages.index_row(history),
        card=_markdown(history.card),
        timeline=pages.timeline(history),
        metric_charts=pages.metric_charts(history),
        distribution_charts=pages.distribution_charts(history),
        schema=pages.schema_table(described),
        described=described,
        lineage=pages.lineage(described),
        snippets=pages.snippets(latest, url),
    )


def _collection_row(history: model.CollectionHistory) -> dict[str, Any]:
    from data_registry.client.render import human_size

    latest = history.releases[-1]
    return {
        "name": history.name.removeprefix("collection-"),
        "latest": str(latest.version),
        "versions": len(history.releases),
        "files": "—" if history.files is None else f"{history.files:,}",
        "size": human_size(history.size_bytes),
        "date": latest.date[:10],
    }


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("data_registry.site", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env


def _markdown(text: str) -> Markup:
    """The card as HTML: raw HTML in it is escaped, and images that are not inline `data:` become
    links, so a card can never make the page load anything from elsewhere."""
    renderer = MarkdownIt("commonmark", {"html": False}).enable("table")

    def image(self: Any, tokens: Any, index: int, options: Any, env: Any) -> str:
        token = tokens[index]
        src = str(token.attrGet("src") or "")
        if src.startswith("data:image/"):
            return self.renderToken(tokens, index, options, env)
        alt = "".join(child.content for child in token.children or [])
        return f'<a href="{_attribute(src)}">{_attribute(alt or src)}</a>'

    renderer.add_render_rule("image", image)
    return Markup(renderer.render(text))


def _attribute(text: str) -> str:
    from html import escape

    return escape(text, quote=True)
