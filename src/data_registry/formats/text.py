"""Labelled text tables (`text` string, `label` int64) and the statistics text datasets report:
lengths, duplicates, and leakage of the same text across splits.

Exact-text comparison on purpose: it is cheap, deterministic, and what "the same
example in train and test" means to a consumer; near-duplicates are a model's question.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from data_registry.core.errors import CorruptSource
from data_registry.formats import parquet, profile

TEXT, LABEL = "text", "label"


def read_labelled(path: Path, classes: Sequence[str]) -> pa.Table:
    """`text` and `label` of a published parquet split, typed, labels checked against `classes`.

    When the file carries Hugging Face `datasets` features, their ClassLabel names must
    equal `classes`: a renumbered upstream would otherwise silently swap meanings.
    """
    try:
        table = parquet.read(path)
    except (OSError, pa.ArrowInvalid) as error:
        raise CorruptSource(f"{path.name} is not a readable parquet file: {error}") from error
    missing = {TEXT, LABEL} - set(table.column_names)
    if missing:
        raise CorruptSource(f"{path.name} lacks the columns {sorted(missing)}")
    published = _hub_class_names(table.schema)
    if published is not None and published != list(classes):
        raise CorruptSource(f"{path.name} names its labels {published}, params.yaml says {list(classes)}")
    table = table.select([TEXT, LABEL]).cast(pa.schema([(TEXT, pa.string()), (LABEL, pa.int64())]))
    extremes = pc.min_max(table[LABEL]).as_py()
    if table[LABEL].null_count or (
        table.num_rows and not 0 <= extremes["min"] <= extremes["max"] < len(classes)
    ):
        raise CorruptSource(f"{path.name} has labels outside 0..{len(classes) - 1} or missing labels")
    return table.replace_schema_metadata(None)


def _hub_class_names(schema: pa.Schema) -> list[str] | None:
    raw = (schema.metadata or {}).get(b"huggingface")
    if not raw:
        return None
    label = json.loads(raw).get("info", {}).get("features", {}).get(LABEL, {})
    return list(label["names"]) if "names" in label else None


def lengths(table: pa.Table) -> pa.Table:
    """Characters and whitespace-separated words per text."""
    return pa.table(
        {
            "chars": pc.utf8_length(table[TEXT]),
            "words": pc.list_value_length(pc.utf8_split_whitespace(table[TEXT])),
        }
    )


def split_metrics(table: pa.Table, classes: Sequence[str]) -> dict[str, Any]:
    """Label distribution, length stats, duplicate texts and duplicates whose labels disagree."""
    per_text = table.group_by(TEXT).aggregate([(LABEL, "count_distinct")])
    return {
        "label_counts": profile.value_counts(table[LABEL], classes),
        "length": profile.column_stats(lengths(table), ["chars", "words"]),
        "duplicate_texts": profile.duplicate_rows(table, [TEXT]),
        "duplicate_rows": profile.duplicate_rows(table),
        "conflicting_label_texts": int(
            pc.sum(pc.greater(per_text[f"{LABEL}_count_distinct"], 1)).as_py() or 0
        ),
    }


def leakage(tables: Mapping[str, pa.Table]) -> dict[str, int]:
    """Distinct texts found in both splits of each pair, e.g. `train/test`: examples a model
    may have memorised before being scored on them."""
    distinct = {split: pc.unique(table[TEXT]) for split, table in tables.items()}
    return {
        f"{first}/{second}": int(pc.sum(pc.is_in(distinct[second], value_set=distinct[first])).as_py() or 0)
        for first, second in itertools.combinations(tables, 2)
    }
