"""Plain-text views of client results for the CLI; `--json` prints the data itself instead.

Metrics and differences are rich tables rendered to plain text at the terminal's width
(80 columns when piped, as in a CI log): cells wrap instead of being cut, so every value
is printed whole.
"""

from __future__ import annotations

import io
import json
import shutil
import textwrap
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.table import Table

# The column of metrics that belong to no split (a top-level key that is not a split name).
WHOLE = "(all)"
# The report's sections in the order `diff` prints them, with the names people read.
SECTIONS = {"params": "params", "schema": "schema", "rows": "rows", "metrics": "metrics", "outs": "files"}


def catalog_table(entries: list[dict[str, Any]]) -> str:
    """Datasets and collections in one table; an entry that could not be read shows its error."""
    header = (
        f"{'name':<24} {'kind':<10} {'latest':<10} {'versions':>8} {'rows':>12} {'files':>7} {'size':>10}"
    )
    lines = [header]
    for entry in entries:
        lines.append(
            f"{entry['name']:<24} {entry['kind']:<10} {entry['latest'] or '-':<10} {entry['versions']:>8} "
            f"{_or_dash(entry['rows']):>12} {_or_dash(entry['files']):>7} "
            f"{human_size(entry['size_bytes']):>10}"
        )
        if entry.get("error"):
            lines.append(f"  ! {entry['error']}")
    return "\n".join(lines)


def human_size(size: int | None) -> str:
    if size is None:
        return "-"
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TB"


def shown(card: str, document: dict[str, Any], checks: list[dict[str, Any]] | None = None) -> str:
    """The card, then the facts (wrapped to the terminal), the metric table and the checks."""
    facts = [
        _wrapped(
            "",
            [
                f"version: {document['version']}",
                f"tag: {document['tag']}",
                f"registry: {document['registry']}",
            ],
            "  ",
        ),
        _wrapped("rows:", [f"{split} {rows}" for split, rows in document["splits"].items()]),
        *(
            _wrapped(f"schema {split}:", [f"{name} {kind}" for name, kind in section["columns"].items()])
            for split, section in document["schema"].items()
        ),
        _wrapped(
            "params:", [f"{key}={json.dumps(value)}" for key, value in sorted(document["params"].items())]
        ),
        *metric_lines(document["metrics"], list(document["splits"])),
        *check_lines(checks or []),
    ]
    return card.rstrip() + "\n\n---\n" + "\n".join(facts)


def _wrapped(head: str, items: list[str], separator: str = ", ") -> str:
    """`head item, item` on indented lines at the terminal's width, broken only between items
    (a value is never split, a long one overflows whole)."""
    glued = separator.join(item.replace(" ", "\0") for item in items)
    width = shutil.get_terminal_size((80, 24)).columns
    text = textwrap.fill(
        f"{head} {glued}".strip(),
        width,
        subsequent_indent="    ",
        break_long_words=False,
        break_on_hyphens=False,
    )
    return text.replace("\0", " ")


def metric_lines(metrics: Mapping[str, Any], splits: list[str]) -> list[str]:
    """`metrics:` then one table row per metric, one column per split that has it."""
    from data_registry.client.compare import flatten

    flat = flatten(metrics)
    if not flat:
        return ["metrics: -"]
    columns, rows = by_split(flat, splits)
    table = _table(["metric", *columns])
    _add_rows(
        table,
        [(name, [name, *(_value(cells.get(column)) for column in columns)]) for name, cells in rows.items()],
    )
    return ["metrics:", _text(table)]


def by_split(flat: Mapping[str, Any], splits: Iterable[str]) -> tuple[list[str], dict[str, dict[str, Any]]]:
    """Dotted metric keys (`train.columns.f0.mean`) as rows named without their split
    (`columns.f0.mean`), with the split as the column; keys outside any split go to WHOLE."""
    known = list(splits)
    rows: dict[str, dict[str, Any]] = {}
    for key, value in flat.items():
        split, _, rest = key.partition(".")
        column, name = (split, rest) if split in known and rest else (WHOLE, key)
        rows.setdefault(name, {})[column] = value
    present = {column for cells in rows.values() for column in cells}
    return [column for column in [*known, WHOLE] if column in present], dict(sorted(rows.items()))


def collection_shown(document: dict[str, Any]) -> str:
    lines = [
        f"collection {document['collection']}  version: {document['version']}  tag: {document['tag']}",
        f"files: {_or_dash(document['files'])}  size: {human_size(document['size_bytes'])}  "
        f"registry: {document['registry']}",
        "formats: " + (", ".join(f"{kind} {count}" for kind, count in document["formats"].items()) or "-"),
    ]
    changes = document["changes"]
    if changes is None:
        lines.append("first version")
    else:
        lines.append(f"since {document['previous_tag']}: " + _change_counts(changes))
    return "\n".join(lines)


def collection_differences(report: dict[str, Any]) -> str:
    lines = [f"collection {report['collection']}: {report['old']} → {report['new']}"]
    marks = {"added": "+", "removed": "-", "changed": "~"}
    for kind, mark in marks.items():
        lines += [f"{mark} {path}" for path in report[kind]]
    if len(lines) == 1:
        lines.append("no differences")
    else:
        lines.append(_change_counts(report))
    return "\n".join(lines)


def _change_counts(changes: dict[str, Any]) -> str:
    return ", ".join(f"{len(changes[kind])} {kind}" for kind in ("added", "removed", "changed"))


def check_lines(checks: list[dict[str, Any]], passed: bool = True) -> list[str]:
    """A count, then one line per check: `passed rows train: observed 4000, allowed >= 400`;
    without `passed`, only the failed ones are listed (the count still covers them all)."""
    if not checks:
        return []
    failed = sum(not check["passed"] for check in checks)
    listed = [check for check in checks if passed or not check["passed"]]
    hidden = "" if passed or failed == len(checks) else " (--all lists every check)"
    return [
        f"quality checks: {len(checks) - failed} passed, {failed} failed{hidden}",
        *(
            f"  {'passed' if check['passed'] else 'FAILED'} {check['check']}: "
            f"observed {check['observed']}, allowed {check['allowed']}"
            for check in listed
        ),
    ]


def differences(report: dict[str, Any], everything: bool = False) -> str:
    """The groups that changed, each with only its changed keys, and the failed checks;
    `everything` adds what stayed the same (which `report` holds when compare.diff kept it)."""
    lines = [f"{report['dataset']}: {report['old']} → {report['new']}"]
    for section, title in SECTIONS.items():
        entries = report[section]
        changed = {key: entry for key, entry in entries.items() if entry["old"] != entry["new"]}
        shown = entries if everything else changed
        if not shown:
            continue
        same = f", {len(entries) - len(changed)} unchanged" if everything else ""
        lines.append(f"{title}: {len(changed)} changed{same}")
        lines.append(_section(section, shown, list(report["rows"])))
    if len(lines) == 1:
        lines.append("no differences")
    return "\n".join([*lines, *check_lines(report.get("checks") or [], passed=everything)])


def _section(section: str, entries: Mapping[str, dict[str, Any]], splits: list[str]) -> str:
    if section == "metrics":
        return _metric_changes(entries, splits)
    return _file_changes(entries) if section == "outs" else _changes(entries)


def _file_changes(entries: Mapping[str, dict[str, Any]]) -> str:
    """A path, then its hashes on the line below: two md5s fit 80 columns, a path and them do not."""
    lines = []
    for path, entry in entries.items():
        old, new = _value(entry["old"]), _value(entry["new"])
        lines += [f"  {path}", f"    {old} (unchanged)" if old == new else f"    {old} → {new}"]
    return "\n".join(lines)


def _changes(entries: Mapping[str, dict[str, Any]]) -> str:
    """name, old, new and change; no change column where no value is a number (schema)."""
    rows = [(key, [key, *_old_new_change(entry)]) for key, entry in entries.items()]
    if not any(cells[-1] for _, cells in rows):
        rows = [(key, cells[:-1]) for key, cells in rows]
    table = _table(["name", "old", "new", "change"][: len(rows[0][1])])
    _add_rows(table, rows)
    return _text(table)


def _metric_changes(entries: Mapping[str, dict[str, Any]], splits: list[str]) -> str:
    """One line per metric and split (the name once per metric), so a line fits 80 columns."""
    columns, rows = by_split(entries, splits)
    table = _table(["metric", "split", "old", "new", "change"])
    lines = [
        (name, [name if index == 0 else "", column, *_old_new_change(cells[column])])
        for name, cells in rows.items()
        for index, column in enumerate(column for column in columns if column in cells)
    ]
    _add_rows(table, lines)
    return _text(table)


def _old_new_change(entry: Mapping[str, Any]) -> list[str]:
    if entry["old"] == entry["new"]:
        return [_value(entry["old"]), _value(entry["new"]), "="]
    change = f"{entry['change']:+g}" if "change" in entry else ""
    return [_value(entry["old"]), _value(entry["new"]), change]


def _value(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, list | dict):
        return json.dumps(value, sort_keys=True)
    return str(value)


def _table(headers: list[str]) -> Table:
    from rich import box
    from rich.table import Table

    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    for header in headers:
        table.add_column(header, overflow="fold")
    return table


def _add_rows(table: Table, rows: list[tuple[str, list[str]]]) -> None:
    """Rows in order, `(name, cells)`; a blank line between dotted names whose first part
    differs (`columns.*`, `label_counts.*`; `train.*`, `val.*`)."""
    from rich.text import Text

    for index, (name, cells) in enumerate(rows):
        following = rows[index + 1][0] if index + 1 < len(rows) else None
        group_ends = following is not None and "." in name and following.split(".")[0] != name.split(".")[0]
        table.add_row(*(Text(cell) for cell in cells), end_section=group_ends)


def _text(table: Table) -> str:
    """The table as plain text at the terminal's width (80 when piped), trailing blanks cut."""
    from rich.console import Console

    out = io.StringIO()
    width = shutil.get_terminal_size((80, 24)).columns
    Console(file=out, width=width, color_system=None, highlight=False).print(table)
    return "\n".join(line.rstrip() for line in out.getvalue().splitlines()).strip("\n")


def _or_dash(value: Any) -> str:
    return "-" if value is None else f"{value:,}"
