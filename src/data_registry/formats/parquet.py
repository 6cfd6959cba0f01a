"""Parquet shards with a fixed, typed schema: written whole with pyarrow, never row by row.

Schema-level metadata (class names, image shape) is stored JSON-encoded so any
parquet reader sees it; the same table always gives the same bytes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from data_registry.core.atomic import atomic_path

COMPRESSION = "zstd"


def with_metadata(table: pa.Table, metadata: Mapping[str, Any]) -> pa.Table:
    encoded = {key.encode(): json.dumps(value, sort_keys=True).encode() for key, value in metadata.items()}
    return table.replace_schema_metadata({**(table.schema.metadata or {}), **encoded})


def write(table: pa.Table, path: Path, metadata: Mapping[str, Any] | None = None) -> None:
    """Write one shard atomically; `metadata` lands in the schema, JSON-encoded."""
    if metadata:
        table = with_metadata(table, metadata)
    plain = [field.name for field in table.schema if _is_blob(field.type)]
    with atomic_path(path) as tmp:
        pq.write_table(
            table,
            tmp,
            compression=COMPRESSION,
            # Min/max statistics and dictionaries of image bytes serve no reader and cost a third
            # of the write time: keep them for the other columns only.
            use_dictionary=[field.name for field in table.schema if field.name not in plain],
            write_statistics=[field.name for field in table.schema if field.name not in plain],
        )


def _is_blob(kind: pa.DataType) -> bool:
    return pa.types.is_binary(kind) or pa.types.is_large_binary(kind) or pa.types.is_fixed_size_binary(kind)


def read(path: Path, columns: list[str] | None = None) -> pa.Table:
    return pq.read_table(path, columns=columns)


def schema_metadata(schema: pa.Schema) -> dict[str, Any]:
    """Decode the JSON values `write` stored; pandas' own bookkeeping key is left out."""
    decoded: dict[str, Any] = {}
    for key, value in (schema.metadata or {}).items():
        name = key.decode()
        if name == "pandas":
            continue
        try:
            decoded[name] = json.loads(value)
        except json.JSONDecodeError:
            decoded[name] = value.decode()
    return decoded


def column_types(schema: pa.Schema) -> dict[str, str]:
    return {field.name: str(field.type) for field in schema}
