"""Text to vectors: markdown-aware chunking, sentence-transformers encoding on Ray Data, and
the retrieval metrics (hit@k, MRR) of a version's vectors. Stands on `core` only.
"""
