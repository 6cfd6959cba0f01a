"""File formats and transforms pipeline stages share: parquet writing, IDX, images and their
checks, text, VLM image/caption pairs and their prompts, seeded splits, column profiles and the
one `metadata.json` schema. Stands on `core` only.
"""
