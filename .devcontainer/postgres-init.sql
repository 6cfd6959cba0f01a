-- Runs once, when the postgres volume is first created: the extension the embeddings table needs.
CREATE EXTENSION IF NOT EXISTS vector;
