"""The catalog's pieces without a browser: batch git reads, plots data, SVG charts."""

from __future__ import annotations

from pathlib import Path

from data_registry.core.git import Git
from data_registry.site import charts, model
from tests.support.repo import git


def repository(tmp_path: Path) -> Git:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    (root / "data").mkdir()
    (root / "data" / "a.json").write_text('{"k": "ünïcode\\nline"}\n')
    (root / "card.md").write_text("# Café ☕\n\nsecond line\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "first")
    git(root, "tag", "-a", "ds-v1.0.0", "-m", "ds-v1.0.0: first version\n\ncreated: now")
    git(root, "tag", "light")
    return Git(root)


def test_read_many_returns_each_text_in_order_and_none_for_missing_or_folders(tmp_path: Path) -> None:
    repo = repository(tmp_path)

    texts = repo.read_many(["ds-v1.0.0:card.md", "ds-v1.0.0:nope.txt", "ds-v1.0.0:data", "light:data/a.json"])

    assert texts == ["# Café ☕\n\nsecond line\n", None, None, '{"k": "ünïcode\\nline"}\n']
    assert repo.read_many([]) == []


def test_tag_records_give_name_date_and_whole_message(tmp_path: Path) -> None:
    records = {record.name: record for record in repository(tmp_path).tag_records()}

    assert records["ds-v1.0.0"].message == "ds-v1.0.0: first version\n\ncreated: now"
    assert records["ds-v1.0.0"].date[:4].isdigit() and "T" in records["ds-v1.0.0"].date
    assert records["light"].message == "first"  # a lightweight tag shows its commit's message


def test_plot_follows_dvc_yaml_axes_and_sums_splits() -> None:
    entry = {"path": "data/x/plots/c.csv", "x": "count", "y": "class", "template": "bar_horizontal"}
    text = "split,class,count\ntrain,cat,3\ntrain,dog,5\nval,cat,1\n"

    plot = model._plot(entry, text)

    assert plot is not None and plot.bars == [("cat", 4.0), ("dog", 5.0)]
    assert model._plot({**entry, "x": "class", "template": "simple"}, text) is None  # "cat" is no number
    assert model._plot(entry, None) is None


def test_charts_escape_labels_and_draw_one_mark_per_value() -> None:
    bars = charts.bar_chart("<b>title</b>", [("<script>x</script>", 2.0), ("0.123456789", 1.0)])
    line = charts.line_chart("rows", ["1.0.0", "1.1.0", "2.0.0"], [10.0, None, 12.0])
    single = charts.line_chart("rows", ["1.0.0"], [5.0])

    assert "<script>" not in bars and "&lt;script&gt;" in bars and "<b>" not in bars
    assert bars.count('class="mark"') == 2 and ">0.1235<" in bars
    assert line.count('class="mark"') == 2 and "<polyline" in line
    assert single.count('class="mark"') == 1 and "<polyline" not in single
