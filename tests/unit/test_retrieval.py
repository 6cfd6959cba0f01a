from __future__ import annotations

import numpy as np

from data_registry.embeddings.retrieval import document_ranks, summarise


def test_ranks_count_distinct_documents_and_metrics_follow() -> None:
    chunks = np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0]], dtype=np.float32)
    documents = ["a", "a", "b"]
    questions = np.array([[1.0, 0.0], [1.0, 0.05], [0.0, 1.0]], dtype=np.float32)
    ranks = document_ranks(questions, chunks, documents, ["a", "b", "missing"])
    assert ranks == [1, 2, None]
    assert summarise(ranks) == {"questions": 3, "hit_at_1": 0.3333, "hit_at_5": 0.6667, "mrr": 0.5}
