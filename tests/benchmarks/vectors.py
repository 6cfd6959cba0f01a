"""Clustered unit vectors shaped like real sentence embeddings, and parquet files of them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq


def clustered(
    rows: int, dimension: int = 384, clusters: int = 200, spread: float = 0.35, seed: int = 0
) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((clusters, dimension)).astype(np.float32)
    points = centres[rng.integers(0, clusters, rows)] + spread * rng.standard_normal(
        (rows, dimension)
    ).astype(np.float32)
    return (points / np.linalg.norm(points, axis=1, keepdims=True)).astype(np.float32)


def low_rank_clustered(
    rows: int, dimension: int = 384, latent: int = 48, clusters: int = 200, noise: float = 0.03, seed: int = 0
) -> np.ndarray:
    """Clusters in a `latent`-dimensional space mapped linearly into `dimension`, plus a little
    isotropic noise: sentence embeddings have a low intrinsic dimension (tens, not hundreds),
    which is what graph indexes exploit. `clustered` is the harder, full-rank case."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((clusters, latent)).astype(np.float32)
    codes = centres[rng.integers(0, clusters, rows)] + 0.5 * rng.standard_normal((rows, latent)).astype(
        np.float32
    )
    basis = rng.standard_normal((latent, dimension)).astype(np.float32) / np.sqrt(latent)
    points = codes @ basis + noise * rng.standard_normal((rows, dimension)).astype(np.float32)
    return (points / np.linalg.norm(points, axis=1, keepdims=True)).astype(np.float32)


def write_embeddings(path: Path, vectors: np.ndarray) -> Path:
    rows, dimension = vectors.shape
    table = pa.table(
        {
            "id": [f"chunk-{index:07d}" for index in range(rows)],
            "repository": ["bench/corpus"] * rows,
            "path": [f"docs/{index // 20}.md" for index in range(rows)],
            "headers": ["Bench > Section"] * rows,
            "chunk_index": pa.array(np.arange(rows) % 20, pa.int32()),
            "text": [f"chunk text number {index}" for index in range(rows)],
            "embedding": pa.FixedSizeListArray.from_arrays(pa.array(vectors.reshape(-1)), dimension),
        }
    )
    pq.write_table(table, path)
    return path
