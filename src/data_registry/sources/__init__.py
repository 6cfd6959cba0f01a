"""Where a pipeline's inputs come from: the pinned, checksummed downloader, the Hugging Face Hub,
GitHub, another registry dataset (`upstream`), markdown document sources, collection folders
and the collection tags clean-images reads. Used by pipeline stages; stands on `core` only.
"""
