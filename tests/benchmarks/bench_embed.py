"""Ray Data embedding throughput vs plain `model.encode`, same model, same batch size.

Plain: one process, `SentenceTransformer.encode(texts, batch_size=B)` with torch's default
threads. Ray: `embed.encode_on_ray` on a local Ray (already started: cluster start-up is
excluded, actor start-up is included), an actor pool of EMBEDDING_WORKERS actors, one
torch thread each.
Target (issue 8): Ray >= 0.85x plain sentences/s on >= 20,000 chunks.
Usage: python tests/benchmarks/bench_embed.py [--texts N] [--batch B] [--workers W]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy as np

from data_registry.core import settings
from data_registry.embeddings import embed

ROOT = Path(__file__).resolve().parents[2]
WORDS = [
    "data",
    "version",
    "registry",
    "pipeline",
    "embedding",
    "vector",
    "table",
    "index",
    "search",
    "query",
    "model",
    "chunk",
    "markdown",
    "header",
    "install",
    "usage",
    "license",
    "contributing",
    "release",
    "tag",
    "remote",
    "cache",
    "stage",
    "params",
    "metrics",
    "plots",
    "dataset",
]


def corpus(count: int, seed: int = 0) -> list[str]:
    """Chunk-like texts of 8 to 60 words."""
    rng = np.random.default_rng(seed)
    return [" ".join(rng.choice(WORDS, int(rng.integers(8, 60)))) for _ in range(count)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--texts", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    texts = corpus(args.texts)
    spec = embed.ModelSpec("sentence-transformers/all-MiniLM-L6-v2", "main", encode_batch=args.batch)
    env = settings.load(
        ROOT,
        {
            "EMBEDDING_WORKERS": str(args.workers),
            "EMBEDDING_BATCH_SIZE": str(args.batch),
            "EMBEDDING_DEVICE": "cpu",
        },
    )
    model = embed.load_model(spec, "cpu")
    model.encode(texts[:128], batch_size=args.batch)  # warm-up
    started = time.perf_counter()
    model.encode(texts, batch_size=args.batch, normalize_embeddings=True, show_progress_bar=False)
    plain = args.texts / (time.perf_counter() - started)
    with embed.ray_session(env):
        started = time.perf_counter()
        embed.encode_on_ray(texts, spec, env)
        ray_rate = args.texts / (time.perf_counter() - started)
    print(f"texts {args.texts:,}, batch {args.batch}, Ray actors {args.workers}")
    print(f"plain model.encode : {plain:8.1f} sentences/s")
    print(
        f"Ray Data actor pool: {ray_rate:8.1f} sentences/s   ratio {ray_rate / plain:.2f}x   target >= 0.85x"
    )


if __name__ == "__main__":
    main()
