"""Text to vectors and back: markdown-aware chunking, sentence-transformers encoding on Ray Data,
nearest-neighbour retrieval, and where the serving Postgres (pgvector) is. Stands on `core` only.
"""
