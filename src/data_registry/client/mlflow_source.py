"""An MLflow dataset source naming a registry version; imported only when MLflow is in use."""

from __future__ import annotations

from typing import Any

from mlflow.data.dataset_source import DatasetSource

SOURCE_TYPE = "data-registry"


class RegistryDatasetSource(DatasetSource):
    """`dvc get <url> <path> --rev <tag>` fetches exactly this data again."""

    def __init__(self, url: str, tag: str, path: str) -> None:
        self.url, self.tag, self.path = url, tag, path

    @staticmethod
    def _get_source_type() -> str:
        return SOURCE_TYPE

    def load(self, dst_path: str | None = None) -> str:
        from pathlib import Path

        from data_registry.core import dvc

        target = dst_path or self.path.rsplit("/", 1)[-1]
        dvc.get_version(self.url, self.path, self.tag, Path(target))
        return target

    @staticmethod
    def _can_resolve(raw_source: Any) -> bool:
        return False

    @classmethod
    def _resolve(cls, raw_source: Any) -> RegistryDatasetSource:
        raise NotImplementedError("build a RegistryDatasetSource from a url, tag and path")

    def to_dict(self) -> dict[str, Any]:
        return {"url": self.url, "tag": self.tag, "path": self.path}

    @classmethod
    def from_dict(cls, source_dict: dict[Any, Any]) -> RegistryDatasetSource:
        return cls(source_dict["url"], source_dict["tag"], source_dict["path"])
