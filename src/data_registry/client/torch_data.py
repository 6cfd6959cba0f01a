"""`torch_dataset`: a map-style torch Dataset over one split of one version.

Image datasets (schema metadata `image_shape`) give `(uint8 tensor, int label)`,
grayscale images shaped `(1, rows, cols)`, the layout torchvision v2 transforms
expect; other datasets give a dict of the row's values. torch is imported only here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from data_registry.client.api import Repo, read_arrow


def torch_dataset(
    dataset: str,
    version: str = "latest",
    split: str = "train",
    repo: Repo = None,
    transform: Callable[[Any], Any] | None = None,
    *,
    remote: str | None = None,
    remote_config: dict[str, Any] | None = None,
) -> Any:
    """A `torch.utils.data.Dataset`; `transform` applies to the image (or to the row dict)."""
    from data_registry.client.torch_split import RegistrySplit

    table = read_arrow(dataset, version, split, repo, remote=remote, remote_config=remote_config)
    return RegistrySplit(table, transform)
