"""Quality gates: `expectations.yaml`, the checks an analyze stage records in `metadata.json`
(`checks`), distribution drift between versions (`drift`), and the release-side verdict that
may block a version (`gates`). Stands on `formats` and `core`.
"""
