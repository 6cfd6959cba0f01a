"""The `vision` extra: torchvision v2 transforms on registry images, through DataLoader workers.

Runs only in the vision venv (scripts/test-vision.sh): the main environment has no torchvision,
and importorskip keeps the main suite from importing it.
"""

from __future__ import annotations

import numpy as np
import pytest

from data_registry.formats import images
from data_registry.formats.parquet import with_metadata

torchvision = pytest.importorskip("torchvision")


def test_v2_transforms_apply_to_registry_images_in_worker_processes() -> None:
    import torch
    from torch.utils.data import DataLoader
    from torchvision.transforms import v2

    from data_registry.client.torch_split import RegistrySplit

    classes = ["a", "b"]
    pixels = np.random.default_rng(0).integers(0, 256, (8, 28, 28), dtype=np.uint8)
    table = images.to_table(pixels, np.array([0, 1] * 4), classes)
    transform = v2.Compose(
        [v2.RandomCrop(24), v2.ToDtype(torch.float32, scale=True), v2.Normalize([0.5], [0.5])]
    )
    dataset = RegistrySplit(with_metadata(table, images.schema_metadata(classes, (28, 28))), transform)

    batches = list(DataLoader(dataset, batch_size=4, num_workers=2))
    assert [tuple(batch[0].shape) for batch in batches] == [(4, 1, 24, 24)] * 2
    assert all(batch[0].dtype == torch.float32 and batch[0].abs().max() <= 1.0 for batch in batches)
