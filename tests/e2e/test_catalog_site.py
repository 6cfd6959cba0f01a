"""`data-registry catalog --html` end to end: a real registry with three synthetic-tabular versions
made by the wrapper (the third a metadata-only patch) plus generated tags of two more datasets
and a collection, the site built by the CLI, and every page kind loaded from file:// in headless
Chromium. Also: `dvc metrics diff` between two tags reads a numbers-only metrics file and warns
about nothing."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.browser import chromium, visit
from tests.support.catalog_tags import FakeVersion, metadata_document, write_tags
from tests.support.repo import PROJECT, dvc, git, make_registry, run_pipeline, tool_env

pytestmark = pytest.mark.e2e
DS = "synthetic-tabular"
OLD, NEW, LATEST = f"{DS}-v1.0.0", f"{DS}-v1.1.0", f"{DS}-v1.1.1"
SCREENSHOTS = Path(os.environ.get("TEST_ARTIFACTS", PROJECT / "build" / "test-artifacts")) / "catalog"
HOSTILE_CARD = (
    "# text-things\n\n<script>alert('card')</script>\n\n![remote](http://example.invalid/logo.png)\n"
)


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("catalog")
    repo = make_registry(root / "registry")
    home = str(root / "home")
    for args in ((), ("-S", "n_samples=1500")):
        result = run_pipeline(repo, DS, *args, "--json", DATA_REGISTRY_HOME=home)
        assert result.returncode == 0, result.stderr
    # Only the lineage changes (the licence text in metadata.json; metrics.json stays the same):
    # metadata.json is a plain out now, and must still count as metadata, i.e. a patch.
    analyze = repo / "pipelines" / DS / "scripts" / "analyze.py"
    analyze.write_text(
        analyze.read_text().replace('"licence": "CC0-1.0"', '"licence": "CC0-1.0 (public domain)"')
    )
    git(repo, "commit", "-qam", "licence text")
    patch = run_pipeline(repo, DS, "--json", DATA_REGISTRY_HOME=home)
    assert patch.returncode == 0, patch.stderr
    assert (json.loads(patch.stdout)["tag"], json.loads(patch.stdout)["bump"]) == (LATEST, "patch")
    write_tags(
        repo,
        [
            FakeVersion(
                "text-things",
                "1.0.0",
                metadata_document("text-things", 300, 3),
                ["text"],
                HOSTILE_CARD,
                "class,count\nalpha,120\nbeta,180\n",
            ),
            FakeVersion("text-things", "1.1.0", "{ not json", ["text"], HOSTILE_CARD),
            FakeVersion("images-only", "1.0.0", metadata_document("images-only", 90, 5), ["image"]),
            FakeVersion("collection-photos", "1.0.0", {}),
            FakeVersion("collection-photos", "1.1.0", {}),
        ],
    )
    return repo


def catalog(repo: Path, out: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(Path(sys.executable).parent / "data-registry"), "catalog", "--html", str(out), *args],
        cwd=repo,
        env=tool_env(),
        capture_output=True,
        text=True,
    )


@pytest.fixture(scope="module")
def site(registry: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site") / "catalog"
    result = catalog(registry, out, "--json", "--url", "https://git.example/registry.git")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert (report["datasets"], report["collections"], report["pages"]) == (3, 1, 7)
    assert report["problems"] == [
        "text-things-v1.1.0: unreadable metadata.json (Expecting property name "
        "enclosed in double quotes: line 1 column 3 (char 2))"
    ]
    return out


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as running:
        yield running


def shot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_metrics_diff_between_two_tags_reads_numbers_only_and_warns_nothing(registry: Path) -> None:
    target = ("--targets", f"data/{DS}/metrics.json")
    verbose = dvc(registry, "metrics", "diff", OLD, NEW, *target, "-v")  # DVC's debug log names skipped keys
    metrics = dvc(registry, "metrics", "diff", OLD, NEW, *target, "--json")
    plots = dvc(
        registry,
        "plots",
        "diff",
        OLD,
        NEW,
        "--targets",
        f"data/{DS}/plots/target_distribution.csv",
        "-o",
        str(registry.parent / "plots"),
    )

    for result in (verbose, metrics, plots):
        assert result.returncode == 0, result.stderr
        for noise in ("Could not parse", "failed to load", "No such file", "WARNING"):
            assert noise not in result.stdout + result.stderr, noise
    changed = json.loads(metrics.stdout)[f"data/{DS}/metrics.json"]
    assert changed["rows.train"] == {"old": 4000, "new": 1200, "diff": -2800}
    assert "metrics.train.positive_fraction" in changed


def test_index_lists_every_dataset_and_filters_by_label(site: Path, browser: Any) -> None:
    with visit(browser, (site / "index.html").as_uri()) as seen:
        page = seen.page
        rows = page.locator("#datasets tbody tr")
        assert rows.count() == 3
        assert page.locator("#datasets tbody tr", has_text=DS).locator("td").nth(1).inner_text() == "1.1.1"
        page.click("#label-filter button[data-label='text']")
        visible = [row.inner_text().split()[0] for row in rows.all() if row.is_visible()]
        assert visible == ["text-things"]
        assert page.inner_text("#shown-count") == "1 of 3 datasets"
        shot(page, "index-filtered")
        page.click("#label-filter button[data-label='']")
        assert sum(row.is_visible() for row in rows.all()) == 3
        photos = page.locator("#collections tbody tr").all()
        assert [cell.inner_text() for cell in photos[0].locator("td").all()][:4] == [
            "photos",
            "1.1.0",
            "2",
            "15",
        ]
        assert len(photos) == 1
    assert seen.errors == [] and seen.outside == []


def test_dataset_page_has_timeline_charts_schema_lineage_and_snippets(site: Path, browser: Any) -> None:
    with visit(browser, (site / "d" / DS / "index.html").as_uri()) as seen:
        page = seen.page
        timeline = page.locator("#timeline tbody tr")
        assert timeline.count() == 3
        assert "metadata changed" in timeline.nth(0).inner_text()
        assert "n_samples: 5000 → 1500" in timeline.nth(1).inner_text()
        charts = page.locator("svg.chart")
        assert charts.count() >= 5  # rows per split, positive_fraction per split, the target histogram
        for chart in charts.all():
            marks = chart.locator(".mark")
            assert marks.count() >= 1
            box = marks.first.bounding_box()
            assert box is not None and box["width"] > 0 and box["height"] > 0
        assert page.locator("#schema-table tbody tr").count() == 11  # id, f0..f7, label, target
        assert LATEST in page.inner_text("#lineage")
        lineage = page.inner_text("#lineage-tables")
        assert "numpy.random.default_rng" in lineage and f"data/{DS}/processed" in lineage
        snippets = page.locator(".snippet code").all_inner_texts()
        assert any(
            f"dvc import https://git.example/registry.git data/{DS}/processed --rev {LATEST}" in s
            for s in snippets
        )
        assert page.locator(".card h1").inner_text() == DS
        shot(page, "dataset")
    assert seen.errors == [] and seen.outside == []


def test_diff_view_shows_the_changed_param_and_rows(site: Path, browser: Any) -> None:
    with visit(browser, (site / "d" / DS / "diff.html").as_uri() + "#old=1.0.0&new=1.1.0") as seen:
        page = seen.page
        param = page.locator("#section-params tr[data-key='n_samples'] td").all_inner_texts()
        assert param == ["n_samples", "5000", "1500", "-3500"]
        assert page.locator("#section-params tbody tr").count() == 1  # only what changed
        assert page.locator("#section-rows tr[data-key='train'] td").all_inner_texts()[1:3] == [
            "4000",
            "1200",
        ]
        assert page.locator("#section-schema tbody tr").count() == 0
        page.check("#all")
        every_param = yaml.safe_load((PROJECT / "pipelines" / DS / "params.yaml").read_text())
        assert page.locator("#section-params tbody tr").count() == len(every_param)
        shot(page, "diff")
    assert seen.errors == [] and seen.outside == []


def test_hostile_card_and_broken_metadata_render_safely(site: Path, browser: Any) -> None:
    with visit(browser, (site / "d" / "text-things" / "index.html").as_uri()) as seen:
        page = seen.page
        assert "<script>alert('card')</script>" in page.inner_text(".card")  # shown as text
        assert page.locator(".card img").count() == 0
        assert page.locator(".card a[href='http://example.invalid/logo.png']").count() == 1
        assert "unreadable metadata.json" in page.inner_text("#timeline")
        assert page.locator("#distribution-charts svg.chart .mark").count() == 2
        shot(page, "dataset-hostile")
    assert seen.errors == [] and seen.outside == []


def test_catalog_from_a_git_url_matches_the_checkout_and_bad_targets_fail_cleanly(
    registry: Path, site: Path, tmp_path: Path
) -> None:
    from_url = catalog(
        registry,
        tmp_path / "from-url",
        "--repo",
        registry.as_uri(),
        "--url",
        "https://git.example/registry.git",
    )
    foreign = tmp_path / "notes"
    foreign.mkdir()
    (foreign / "keep.txt").write_text("mine")
    refused = catalog(registry, foreign)

    assert from_url.returncode == 0, from_url.stderr
    for page in ("index.html", f"d/{DS}/index.html", f"d/{DS}/diff.html"):
        assert (tmp_path / "from-url" / page).read_text() == (site / page).read_text()
    assert refused.returncode != 0
    assert refused.stderr.startswith("error: ") and len(refused.stderr.strip().splitlines()) <= 2
    assert sorted(p.name for p in foreign.iterdir()) == ["keep.txt"]
    unreachable = catalog(
        registry, tmp_path / "never", "--repo", "https://user:s3cret@127.0.0.1:9/registry.git"
    )
    assert unreachable.returncode == 1 and unreachable.stderr.startswith(
        "error: cannot clone https://127.0.0.1:9/"
    )
    assert "s3cret" not in unreachable.stderr and not (tmp_path / "never").exists()
    rebuilt = catalog(registry, site)
    assert rebuilt.returncode == 0, rebuilt.stderr
    shutil.rmtree(tmp_path / "from-url")


def test_every_page_loads_offline_without_errors_and_every_chart_has_marks(site: Path, browser: Any) -> None:
    pages = sorted(site.rglob("*.html"))
    assert len(pages) == 7
    for path in pages:
        with visit(browser, path.as_uri()) as seen:
            if path.name == "diff.html":
                assert seen.page.inner_text("#summary"), path  # "… → …: N differences" or "only one version"
            else:
                assert seen.page.locator("main table tbody tr").count() >= 1, path
            for chart in seen.page.locator("svg.chart").all():
                assert chart.locator(".mark").count() >= 1, path
        assert (seen.errors, seen.outside) == ([], []), path
