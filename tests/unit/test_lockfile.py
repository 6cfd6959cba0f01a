"""data_registry.core.lockfile: out hashes read from dvc.lock, metadata outs from dvc.yaml, and their diff."""

from __future__ import annotations

from data_registry.core import lockfile

RAW = "../../data/fashion-mnist/raw"
PROCESSED = "../../data/fashion-mnist/processed"
METADATA = "../../data/fashion-mnist/metadata.json"
PLOT = "../../data/fashion-mnist/plots/class_distribution.csv"

# The shape DVC 3 writes: schema '2.0', deps and params per stage, `hash: md5` naming the
# algorithm beside the digest, `.dir` digests for folders, the cache: false metric among outs.
DVC_LOCK = f"""\
schema: '2.0'
stages:
  download:
    cmd: python scripts/download.py
    deps:
    - path: scripts/download.py
      hash: md5
      md5: aa177fdd71ec4ffd44a3e069481bd84b
      size: 916
    params:
      params.yaml:
        source.base_url: http://mirror.invalid/
    outs:
    - path: {RAW}
      hash: md5
      md5: e7ef9887b1e4fc74e8e90b79f33a6645.dir
      size: 67365
      nfiles: 4
  process:
    cmd: python scripts/process.py
    deps:
    - path: {RAW}
      hash: md5
      md5: e7ef9887b1e4fc74e8e90b79f33a6645.dir
      size: 67365
      nfiles: 4
    outs:
    - path: {PROCESSED}
      hash: md5
      md5: 400f6228f10f9e0fe5a67283fd04d31f.dir
      size: 75100
      nfiles: 2
  analyze:
    cmd: python scripts/analyze.py
    deps:
    - path: {PROCESSED}
      hash: md5
      md5: 400f6228f10f9e0fe5a67283fd04d31f.dir
      size: 75100
      nfiles: 2
    params:
      params.yaml:
        classes:
        - T-shirt/top
        - Trouser
    outs:
    - path: {METADATA}
      hash: md5
      md5: c100b9b37378baeb641a1ce7f0175432
      size: 3075
    - path: {PLOT}
      hash: md5
      md5: 7f855811bc6917d5fc54a495debd8024
      size: 365
"""

DVC_YAML = f"""\
artifacts:
  fashion-mnist:
    path: {PROCESSED}
    type: dataset
stages:
  download:
    cmd: python scripts/download.py
    outs:
      - {RAW}
  process:
    cmd: python scripts/process.py
    outs:
      - {PROCESSED}
  analyze:
    cmd: python scripts/analyze.py
    metrics:
      - {METADATA}:
          cache: false
      - ../../data/fashion-mnist/extra_metrics.json
    plots:
      - {PLOT}:
          cache: false
          x: count
          y: class
          template: bar_horizontal
      - ../../data/fashion-mnist/plots/lengths.csv
"""

BASE = {
    RAW: "e7ef9887b1e4fc74e8e90b79f33a6645.dir",
    PROCESSED: "400f6228f10f9e0fe5a67283fd04d31f.dir",
    METADATA: "c100b9b37378baeb641a1ce7f0175432",
    PLOT: "7f855811bc6917d5fc54a495debd8024",
}
METADATA_PATHS = {METADATA, PLOT}


def test_out_hashes_lists_every_out_of_every_stage_with_its_md5() -> None:
    assert lockfile.out_hashes(DVC_LOCK) == BASE


def test_out_hashes_keeps_the_dir_suffix_of_folder_outs() -> None:
    hashes = lockfile.out_hashes(DVC_LOCK)

    assert hashes[RAW].endswith(".dir")
    assert hashes[PROCESSED].endswith(".dir")


def test_out_hashes_includes_the_cache_false_metric_and_ignores_deps() -> None:
    hashes = lockfile.out_hashes(DVC_LOCK)

    assert hashes[METADATA] == "c100b9b37378baeb641a1ce7f0175432"
    assert "scripts/download.py" not in hashes


def test_out_hashes_fall_back_to_etag_then_checksum_and_never_read_hash_as_a_digest() -> None:
    # Outs of `dvc import-url` and cloud-versioned outs carry an etag or checksum, no md5.
    lock = """\
schema: '2.0'
stages:
  fetch:
    cmd: dvc import-url s3://bucket/a.csv
    outs:
    - path: a.csv
      hash: md5
      etag: 5d41402abc4b2a76b9719d911017c592-1
    - path: b.csv
      checksum: 7d793037a0760186574b0282f2f435e7
    - path: c.csv
      hash: md5
"""
    assert lockfile.out_hashes(lock) == {
        "a.csv": "5d41402abc4b2a76b9719d911017c592-1",
        "b.csv": "7d793037a0760186574b0282f2f435e7",
        "c.csv": "",
    }


def test_out_hashes_of_a_missing_or_empty_lock_is_empty() -> None:
    assert lockfile.out_hashes(None) == {}
    assert lockfile.out_hashes("") == {}


def test_out_hashes_of_a_lock_without_stages_or_outs_is_empty() -> None:
    assert lockfile.out_hashes("schema: '2.0'\n") == {}
    assert lockfile.out_hashes("schema: '2.0'\nstages:\n  a:\n    cmd: true\n") == {}


def test_metadata_outs_reads_plain_and_mapping_entries_of_metrics_and_plots() -> None:
    assert lockfile.metadata_outs(DVC_YAML) == {
        METADATA,
        "../../data/fashion-mnist/extra_metrics.json",
        PLOT,
        "../../data/fashion-mnist/plots/lengths.csv",
    }


def test_metadata_outs_does_not_include_ordinary_outs_or_option_names() -> None:
    paths = lockfile.metadata_outs(DVC_YAML)

    assert RAW not in paths
    assert PROCESSED not in paths
    assert not paths & {"cache", "x", "y", "template"}


def test_metadata_outs_of_a_pipeline_without_metrics_or_plots_is_empty() -> None:
    assert lockfile.metadata_outs("stages:\n  a:\n    cmd: true\n    outs: [out]\n") == set()
    assert lockfile.metadata_outs("") == set()


def test_compare_identical_hashes_is_falsy_and_empty() -> None:
    change = lockfile.compare(BASE, dict(BASE), METADATA_PATHS)

    assert not change
    assert change.content == []
    assert change.metadata == []


def test_compare_a_rehashed_data_out_is_a_content_change() -> None:
    current = {**BASE, PROCESSED: "ffffffffffffffffffffffffffffffff.dir"}

    change = lockfile.compare(BASE, current, METADATA_PATHS)

    assert change
    assert change.content == [PROCESSED]
    assert change.metadata == []


def test_compare_only_metadata_json_changed_is_a_metadata_only_change() -> None:
    current = {**BASE, METADATA: "0123456789abcdef0123456789abcdef"}

    change = lockfile.compare(BASE, current, METADATA_PATHS)

    assert change
    assert change.content == []
    assert change.metadata == [METADATA]


def test_compare_lists_content_and_metadata_changes_separately_and_sorted() -> None:
    current = {key: f"{value}-new" for key, value in BASE.items()}

    change = lockfile.compare(BASE, current, METADATA_PATHS)

    assert change.content == sorted([RAW, PROCESSED])
    assert change.metadata == sorted([METADATA, PLOT])


def test_compare_an_added_out_counts_as_content() -> None:
    current = {**BASE, "../../data/fashion-mnist/thumbnails": "abc.dir"}

    change = lockfile.compare(BASE, current, METADATA_PATHS)

    assert change.content == ["../../data/fashion-mnist/thumbnails"]
    assert change.metadata == []


def test_compare_a_removed_out_counts_as_content() -> None:
    current = {key: value for key, value in BASE.items() if key != RAW}

    change = lockfile.compare(BASE, current, METADATA_PATHS)

    assert change.content == [RAW]


def test_compare_against_no_previous_version_lists_every_out() -> None:
    change = lockfile.compare({}, BASE, METADATA_PATHS)

    assert change.content == sorted([RAW, PROCESSED])
    assert change.metadata == sorted([METADATA, PLOT])


def test_compare_works_end_to_end_on_lock_and_pipeline_text() -> None:
    edited = DVC_LOCK.replace("c100b9b37378baeb641a1ce7f0175432", "d" * 32)

    change = lockfile.compare(
        lockfile.out_hashes(DVC_LOCK), lockfile.out_hashes(edited), lockfile.metadata_outs(DVC_YAML)
    )

    assert change == lockfile.OutsChange(content=[], metadata=[METADATA])


def test_declared_params_reads_plain_names_and_file_sections() -> None:
    text = """
stages:
  a:
    params: [seed, chunking.size]
  b:
    params:
      - params.yaml: [model]
  c:
    cmd: echo
"""
    assert lockfile.declared_params(text) == {"seed", "chunking.size", "model"}


def test_declared_params_include_foreach_stages_and_leave_out_other_params_files() -> None:
    """`-S` writes params.yaml: a key a `foreach` stage reads is read; one of another file is not."""
    text = """
stages:
  split:
    foreach: [train, val]
    do:
      cmd: echo ${item}
      params: [split.seed]
  other:
    params:
      - other.yaml: [threshold]
      - ./params.yaml: [model]
"""
    assert lockfile.declared_params(text) == {"split.seed", "model"}


def test_metadata_outs_counts_the_lineage_file_declared_as_a_plain_out() -> None:
    """metadata.json left `metrics:` (DVC cannot parse its lists) but still describes the data."""
    text = (
        "stages:\n  analyze:\n    cmd: python a.py\n    outs:\n"
        "      - ../../data/ds/metadata.json:\n          cache: false\n"
        "      - ../../data/ds/dropped.json:\n          cache: false\n"
        "    metrics:\n      - ../../data/ds/metrics.json:\n          cache: false\n"
    )

    assert lockfile.metadata_outs(text) == {"../../data/ds/metadata.json", "../../data/ds/metrics.json"}
