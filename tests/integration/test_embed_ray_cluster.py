"""Ray Data on a two-node local cluster gives the same embedding bytes as one in-process encode."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from data_registry.core import settings
from data_registry.embeddings import embed

SPEC = embed.ModelSpec("sentence-transformers/all-MiniLM-L6-v2", "main", encode_batch=16)


def texts(count: int) -> list[str]:
    rng = np.random.default_rng(7)
    words = [
        "data",
        "version",
        "registry",
        "pipeline",
        "vector",
        "table",
        "index",
        "search",
        "model",
        "chunk",
        "markdown",
        "tide",
        "moon",
    ]
    return [" ".join(rng.choice(words, int(rng.integers(2, 60)))) for _ in range(count)]


def test_two_node_cluster_matches_a_plain_encode(monkeypatch: pytest.MonkeyPatch) -> None:
    import ray
    from ray.cluster_utils import Cluster

    monkeypatch.setenv("RAY_AUTH_MODE", "disabled")
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    corpus = texts(96)
    expected = embed.encode(embed.load_model(SPEC, "cpu"), corpus, SPEC.encode_batch)
    assert "HF_HUB_OFFLINE" not in os.environ, "the bundled model's offline switch outlived its load"
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "include_dashboard": False})
    try:
        cluster.add_node(num_cpus=1)
        environment = {"RAY_ADDRESS": cluster.address, "EMBEDDING_WORKERS": "2", "EMBEDDING_BATCH_SIZE": "32"}
        env = settings.load(Path.cwd(), environment)
        with embed.ray_session(env):
            assert len(ray.nodes()) == 2
            vectors = embed.encode_on_ray(corpus, SPEC, env)
    finally:
        ray.shutdown()
        cluster.shutdown()
    assert vectors.dtype == np.float32 and vectors.shape == (96, 384)
    assert vectors.tobytes() == expected.tobytes()
