"""data_registry.image_checks: every corruption a collection may hold is caught, valid images pass."""

from __future__ import annotations

from pathlib import Path

from data_registry import image_checks
from tests.support.sources import inject_corrupted, write_image_collection

FORMATS = ("JPEG", "PNG")


def test_each_corruption_is_reported_with_its_reason_and_good_images_pass(tmp_path: Path) -> None:
    good = write_image_collection(tmp_path, n_good=6, seed=1)
    injected = inject_corrupted(tmp_path / "bad", seed=2)

    verdicts = image_checks.check_files(image_checks.list_files(tmp_path), FORMATS, workers=1)

    reasons = {Path(v.path).relative_to(tmp_path / "bad").as_posix(): v.reason for v in verdicts if v.reason}
    assert set(reasons) == set(injected)
    for name, word in injected.items():
        assert word in (reasons[name] or ""), (name, reasons[name])
    kept = [Path(v.path) for v in verdicts if v.reason is None]
    assert kept == good
    assert {v.format for v in verdicts if v.reason is None} == {"JPEG", "PNG"}


def test_process_pool_gives_the_same_verdicts_in_order(tmp_path: Path) -> None:
    write_image_collection(tmp_path, n_good=150, seed=3)
    inject_corrupted(tmp_path / "bad", seed=4)
    files = image_checks.list_files(tmp_path)

    assert image_checks.check_files(files, FORMATS, workers=2) == image_checks.check_files(
        files, FORMATS, workers=1
    )
