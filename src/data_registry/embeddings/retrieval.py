"""Retrieval quality of an embeddings version: each question has one expected document;
hit@k says whether it is among the top k chunks' documents, MRR averages 1/rank.

Ranking is exact cosine over the normalised embeddings (a dot product), so the figures
describe the model and the chunking, not the approximate index.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from data_registry.core.errors import ParamsError

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa

    from data_registry.embeddings.embed import ModelSpec

CUTOFFS = (1, 5)


def document_ranks(
    questions: np.ndarray, chunks: np.ndarray, chunk_documents: Sequence[str], expected: Sequence[str]
) -> list[int | None]:
    """1-based rank of each expected document among the distinct documents of the ranked chunks."""
    import numpy as np

    scores = questions @ chunks.T
    ranks: list[int | None] = []
    for row, wanted in zip(scores, expected, strict=True):
        seen: list[str] = []
        for position in np.argsort(-row, kind="stable"):
            document = chunk_documents[position]
            if document not in seen:
                seen.append(document)
            if document == wanted:
                break
        ranks.append(len(seen) if wanted in seen else None)
    return ranks


def summarise(ranks: Sequence[int | None]) -> dict[str, float | int]:
    if not ranks:
        return {"questions": 0}
    found = [1.0 / rank for rank in ranks if rank]
    metrics: dict[str, float | int] = {"questions": len(ranks)}
    for cutoff in CUTOFFS:
        metrics[f"hit_at_{cutoff}"] = round(
            sum(1 for rank in ranks if rank and rank <= cutoff) / len(ranks), 4
        )
    metrics["mrr"] = round(sum(found) / len(ranks), 4)
    return metrics


def load_questions(path: Path) -> list[tuple[str, str]]:
    """(question, expected `repository/path`) pairs from a YAML list of {question, document}."""
    import yaml

    try:
        entries = yaml.safe_load(path.read_text()) or []
    except (OSError, yaml.YAMLError) as error:
        raise ParamsError(f"cannot read questions from {path}: {error}".splitlines()[0]) from error
    pairs = []
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict) or not {"question", "document"} <= set(entry):
            raise ParamsError(f"entry {number} of {path.name} needs `question` and `document`")
        pairs.append((str(entry["question"]), str(entry["document"])))
    return pairs


def evaluate(
    table: pa.Table, questions: Sequence[tuple[str, str]], spec: ModelSpec, device: str
) -> dict[str, Any]:
    """hit@1, hit@5 and MRR of the questions against the chunks' embeddings in `table`."""
    from data_registry.embeddings.embed import embedding_matrix, encode, load_model

    documents = [
        f"{repository}/{path}"
        for repository, path in zip(
            table.column("repository").to_pylist(), table.column("path").to_pylist(), strict=True
        )
    ]
    # One question file serves every corpus the pipeline can be pointed at (an organisation on
    # GitHub, this checkout's own cards): a question about a document this version does not
    # hold says nothing about retrieval, so only the answerable ones are asked.
    held = set(documents)
    questions = [pair for pair in questions if pair[1] in held]
    if not questions:
        return summarise([])
    model = load_model(spec, device)
    asked = encode(model, [question for question, _ in questions], spec.encode_batch)
    ranks = document_ranks(asked, embedding_matrix(table), documents, [document for _, document in questions])
    return summarise(ranks)
