"""Serving targets a dataset version is published to (pgvector); each publish is idempotent."""
