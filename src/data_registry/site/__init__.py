"""The static catalog: `data-registry catalog --html DIR` (index, dataset pages, diff views).

Built from tags and git-tracked files at those tags alone (metadata.json, dvc.lock, the
card, dvc.yaml, plots data), so it needs no DVC remote and no checkout of any version.
"""

from data_registry.site.build import BuildReport, build_site

__all__ = ["BuildReport", "build_site"]
