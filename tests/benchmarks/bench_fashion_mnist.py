"""Fashion-MNIST process and read timings on full-size synthetic IDX files (60,000 + 10,000 images).

    python tests/benchmarks/bench_fashion_mnist.py [--repeats 5]

There is no internet here, so the four canonical files are generated in the real
format with realistic compressibility (about 25 MB of gzip for the train images,
the real file is 26 MB). Targets, each checked on medians; exit 1 if one is missed:

1. the vectorised process (IDX .gz -> parquet, both splits) is >= 10x faster than the
   common per-image Python loop (pixel values as Python ints, a fixed-size-list column with
   the same pixels), timed side by side in-process. A leaner loop that slices one bytes
   object per image is timed too and reported: against it the whole stage gains far less,
   because inflating the gzip and encoding parquet, which both sides pay, dominate;
2. the real process stage (`python scripts/process.py`, interpreter start included)
   takes < 3 s;
3. reading train.parquet into a (60000, 28, 28) uint8 array takes <= 2x the time of
   decoding the raw train-images .gz with numpy.

A breakdown (inflate, arrow conversion, parquet encode) is printed as well, to show
where the time goes.
"""

from __future__ import annotations

import argparse
import gzip
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(PROJECT))  # run as a plain script: make `tests.support` importable

import numpy as np  # noqa: E402
import pyarrow as pa  # noqa: E402

from data_registry.formats import idx, images, parquet  # noqa: E402
from tests.support.idx import FILE_NAMES, write_fashion_mnist_files  # noqa: E402

N_TRAIN, N_VAL, SEED = 60_000, 10_000, 0
SPLITS = ("train", "val")
CLASSES = [
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
]
MIN_PROCESS_SPEEDUP = 10.0
MAX_STAGE_SECONDS = 3.0
MAX_READ_RATIO = 2.0


def median_time(action: Callable[[], object], repeats: int) -> float:
    """Median wall time of `repeats` runs after one untimed warm-up run."""
    action()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def split_files(raw: Path, split: str) -> tuple[Path, Path]:
    return raw / FILE_NAMES[f"{split}_images"], raw / FILE_NAMES[f"{split}_labels"]


def process_vectorised(raw: Path, out: Path) -> None:
    """What scripts/process.py does, minus finding paths and params."""
    for split in SPLITS:
        images_file, labels_file = split_files(raw, split)
        pixels, labels = idx.read_images(images_file), idx.read_labels(labels_file)
        images.write_split(pixels, labels, CLASSES, out / split / f"{split}.parquet")


def process_per_image(raw: Path, out: Path) -> None:
    """The lean baseline: one row per image holding its bytes slice."""
    schema = pa.schema([(images.IMAGE_COLUMN, pa.binary(28 * 28)), (images.LABEL_COLUMN, pa.int64())])
    write_rows_per_image(raw, out, schema, lambda pixels: np.frombuffer(pixels, dtype=np.uint8).tobytes())


def process_per_image_pixels(raw: Path, out: Path) -> None:
    """The common naive loop: one row per image holding its pixel values as Python ints,
    stored as the other layout the issue allows (a fixed-size list of 784 uint8)."""
    schema = pa.schema(
        [(images.IMAGE_COLUMN, pa.list_(pa.uint8(), 28 * 28)), (images.LABEL_COLUMN, pa.int64())]
    )
    write_rows_per_image(raw, out, schema, list)


def write_rows_per_image(
    raw: Path, out: Path, schema: pa.Schema, to_value: Callable[[bytes], object]
) -> None:
    """Read the IDX streams image by image, build one Python row per image, write each split."""
    for split in SPLITS:
        images_file, labels_file = split_files(raw, split)
        rows = []
        with gzip.open(images_file) as image_stream, gzip.open(labels_file) as label_stream:
            _, count, height, width = struct.unpack(">IIII", image_stream.read(16))
            label_stream.read(8)
            for _ in range(count):
                pixels = to_value(image_stream.read(height * width))
                rows.append({images.IMAGE_COLUMN: pixels, images.LABEL_COLUMN: label_stream.read(1)[0]})
        table = pa.Table.from_pylist(rows, schema=schema)
        metadata = images.schema_metadata(CLASSES, (height, width))
        parquet.write(table, out / split / f"{split}.parquet", metadata=metadata)


def pixel_list_images(path: Path) -> np.ndarray:
    column = parquet.read(path).column(images.IMAGE_COLUMN).combine_chunks()
    return column.values.to_numpy().reshape(len(column), 28, 28)


def rows_per_image(pixels: np.ndarray, labels: np.ndarray) -> pa.Table:
    rows = [{"image": pixels[i].tobytes(), "label": int(labels[i])} for i in range(len(pixels))]
    return pa.Table.from_pylist(rows, schema=pa.schema([("image", pa.binary(784)), ("label", pa.int64())]))


def scratch_registry(folder: Path, raw: Path) -> Path:
    """Just enough of a registry to run the real process stage: .dvc/, the pipeline, raw data."""
    (folder / ".dvc").mkdir(parents=True)
    pipeline = folder / "pipelines" / "fashion-mnist"
    shutil.copytree(PROJECT / "pipelines" / "fashion-mnist", pipeline)
    shutil.copytree(raw, folder / "data" / "fashion-mnist" / "raw")
    return pipeline


def run_stage(pipeline: Path) -> None:
    subprocess.run([sys.executable, "scripts/process.py"], cwd=pipeline, check=True)


def check(results: list[tuple[str, bool]], name: str, passed: bool) -> None:
    results.append((name, passed))
    print(f"  -> {'PASS' if passed else 'MISS'}: {name}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    repeats = parser.parse_args().repeats
    results: list[tuple[str, bool]] = []
    with tempfile.TemporaryDirectory(prefix="bench-fashion-mnist-") as scratch:
        work = Path(scratch)
        raw = work / "raw"
        start = time.perf_counter()
        write_fashion_mnist_files(raw, N_TRAIN, N_VAL, SEED)
        sizes = {name: (raw / name).stat().st_size / 1e6 for name in FILE_NAMES.values()}
        print(f"generated {N_TRAIN}+{N_VAL} images in {time.perf_counter() - start:.1f} s: ", end="")
        print(", ".join(f"{name} {size:.1f} MB" for name, size in sizes.items()))
        print(f"median of {repeats} runs each (after one warm-up)\n")

        # 1. process: vectorised vs two per-image loops, outputs checked pixel for pixel
        vectorised = median_time(lambda: process_vectorised(raw, work / "vectorised"), repeats)
        per_image = median_time(lambda: process_per_image(raw, work / "per-image"), repeats)
        per_pixel = median_time(
            lambda: process_per_image_pixels(raw, work / "per-pixel"), max(1, repeats // 2)
        )
        for split in SPLITS:
            name = f"{split}/{split}.parquet"
            ours = images.images_from_table(parquet.read(work / "vectorised" / name))
            bytes_loop = images.images_from_table(parquet.read(work / "per-image" / name))
            assert np.array_equal(ours, bytes_loop), "bytes-per-image baseline output differs"
            assert np.array_equal(ours, pixel_list_images(work / "per-pixel" / name)), (
                "pixel-list output differs"
            )
        print("process, both splits (IDX .gz -> parquet), in-process")
        print(f"  vectorised {vectorised:.3f} s")
        print(f"  per-image loop, pixel values as Python ints  {per_pixel:.3f} s  ", end="")
        print(f"speed-up {per_pixel / vectorised:.1f}x (target >= {MIN_PROCESS_SPEEDUP:.0f}x)")
        print(f"  per-image loop, one bytes slice per image    {per_image:.3f} s  ", end="")
        print(f"speed-up {per_image / vectorised:.1f}x (informational: shared inflate + encode dominate)")
        check(
            results,
            "process >= 10x faster than the per-image pixel loop",
            per_pixel / vectorised >= MIN_PROCESS_SPEEDUP,
        )

        # where the time goes, train split
        images_file, labels_file = split_files(raw, "train")
        pixels, labels = idx.read_images(images_file), idx.read_labels(labels_file)
        inflate = median_time(lambda: idx.read_images(images_file), repeats)
        to_arrow = median_time(lambda: images.to_table(pixels, labels, CLASSES), repeats)
        to_arrow_loop = median_time(lambda: rows_per_image(pixels, labels), repeats)
        table = images.to_table(pixels, labels, CLASSES)
        encode = median_time(lambda: parquet.write(table, work / "encode.parquet"), repeats)
        print("  breakdown, train split:")
        print(f"    inflate + decode IDX {inflate:.3f} s | parquet encode (zstd) {encode:.3f} s")
        print(
            f"    arrays -> arrow: vectorised {to_arrow * 1e3:.2f} ms, per-image rows {to_arrow_loop:.3f} s ",
            end="",
        )
        print(f"({to_arrow_loop / to_arrow:.0f}x)")

        # 2. the real stage script
        pipeline = scratch_registry(work / "registry", raw)
        stage = median_time(lambda: run_stage(pipeline), max(3, repeats // 2))
        print(f"\nprocess stage script (python scripts/process.py, start-up included) {stage:.3f} s", end="")
        print(f" (target < {MAX_STAGE_SECONDS:.0f} s)")
        check(results, "process stage < 3 s", stage < MAX_STAGE_SECONDS)

        # 3. consumer read vs raw decode
        train_parquet = work / "vectorised" / "train" / "train.parquet"
        read = median_time(lambda: images.images_from_table(parquet.read(train_parquet)), repeats)
        assert images.images_from_table(parquet.read(train_parquet)).shape == (N_TRAIN, 28, 28)
        print("\nread train images into a (60000, 28, 28) uint8 array")
        print(f"  parquet {read:.3f} s   raw IDX .gz with numpy {inflate:.3f} s   ", end="")
        print(f"ratio {read / inflate:.2f} (target <= {MAX_READ_RATIO:.0f})")
        check(results, "parquet read <= 2x IDX decode", read / inflate <= MAX_READ_RATIO)

    missed = [name for name, passed in results if not passed]
    print(
        f"\n{len(results) - len(missed)}/{len(results)} targets met"
        + (f"; missed: {'; '.join(missed)}" if missed else "")
    )
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
