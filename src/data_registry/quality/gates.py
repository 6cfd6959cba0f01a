"""The release-side half of the quality gates: may this version be tagged?

`check` reads two metadata.json documents only — the current one (its `quality`
section: the expectation results analyze recorded, the drift thresholds and the
distribution summaries) and the previous version's — so drift is computed here,
not in analyze: metadata.json stays a pure function of the pipeline's inputs and
never depends on which tags exist.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from data_registry.core.errors import GateFailed
from data_registry.quality.expectations import Bounds, CheckResult, Drift, drift_from_dict, lookup, matching


@dataclass
class GateReport:
    dataset: str
    checks: list[CheckResult] = field(default_factory=list)
    accepted: str | None = None  # the reason a person gave for publishing despite failures
    compared_with: str | None = None  # the previous tag, when drift was computed

    @property
    def failed(self) -> list[CheckResult]:
        return [check for check in self.checks if not check.passed]

    def counts(self) -> str:
        return f"{len(self.checks) - len(self.failed)} passed, {len(self.failed)} failed"

    def to_dict(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "passed": not self.failed,
            "accepted": self.accepted,
            "compared_with": self.compared_with,
            "checks": [check.to_dict() for check in self.checks],
        }


def check(
    dataset: str,
    previous: Mapping[str, Any] | None,
    current: Mapping[str, Any],
    accept: str | None = None,
    previous_tag: str | None = None,
) -> GateReport:
    """Every check for the version `current` would become; raises GateFailed on a failure
    unless `accept` gives a reason to publish anyway."""
    report = GateReport(dataset, checks=all_checks(previous, current), compared_with=previous_tag)
    if report.failed and not accept:
        raise GateFailed(
            f"{dataset}: {len(report.failed)} of {len(report.checks)} quality checks failed; "
            "nothing was pushed or tagged",
            [check.line() for check in report.failed],
            report.to_dict(),
        )
    report.accepted = accept if report.failed else None
    return report


def all_checks(previous: Mapping[str, Any] | None, current: Mapping[str, Any]) -> list[CheckResult]:
    recorded = [CheckResult.from_dict(entry) for entry in (current.get("quality") or {}).get("checks", [])]
    return recorded + drift_checks(previous, current)


def drift_checks(previous: Mapping[str, Any] | None, current: Mapping[str, Any]) -> list[CheckResult]:
    """Current against previous, with the thresholds the current version declares. A previous
    version without a stored summary (made before gates existed) is compared on rows only."""
    quality = current.get("quality") or {}
    if previous is None or not quality:
        return []
    spec = drift_from_dict(quality.get("drift") or {})
    old_profile = (previous.get("quality") or {}).get("profile") or {}
    new_profile = quality.get("profile") or {}
    old_rows, new_rows = previous.get("splits") or {}, current.get("splits") or {}
    common = old_rows.keys() & new_rows.keys()
    # Row counts are judged when the previous split was large enough (a collapse to a few rows
    # must fail); distributions only when both sides are, or the distance is sampling noise.
    row_splits = {split for split in common if old_rows[split] >= spec.min_rows}
    judged = {split for split in row_splits if new_rows[split] >= spec.min_rows}
    return [
        *row_drift(spec, {s: old_rows[s] for s in row_splits}, {s: new_rows[s] for s in row_splits}),
        *(
            check
            for split in sorted(old_profile.keys() & new_profile.keys() & judged)
            for check in column_drift(spec, split, old_profile[split], new_profile[split])
        ),
        *metric_drift(spec.metrics, previous.get("metrics") or {}, current.get("metrics") or {}),
    ]


def row_drift(spec: Drift, old: Mapping[str, int], new: Mapping[str, int]) -> list[CheckResult]:
    if spec.rows is None:
        return []
    allowed = Bounds(max=spec.rows)
    results = []
    for split in sorted(old.keys() & new.keys()):
        change = abs(new[split] - old[split]) / max(old[split], 1)
        observed = f"{change:.4g} ({old[split]} -> {new[split]} rows)"
        results.append(
            CheckResult(f"drift rows {split}", observed, allowed.describe(), allowed.holds(change))
        )
    return results


def column_drift(
    spec: Drift, split: str, old: Mapping[str, Any], new: Mapping[str, Any]
) -> list[CheckResult]:
    from data_registry.quality import drift  # numpy: only when there is a previous version to compare with

    results = []
    for name in matching(spec.numeric, sorted(old.keys() & new.keys())):
        before, after = old[name].get("quantiles"), new[name].get("quantiles")
        if not before or not after:
            continue
        for measure, threshold, distance in (("psi", spec.psi, drift.psi), ("ks", spec.ks, drift.ks)):
            if threshold is not None:
                results.append(_within(f"drift {measure} {split}.{name}", distance(before, after), threshold))
    if spec.js is not None:
        for name in matching(spec.categorical, sorted(old.keys() & new.keys())):
            before, after = old[name].get("counts"), new[name].get("counts")
            if before is not None and after is not None:
                results.append(
                    _within(f"drift js {split}.{name}", drift.jensen_shannon(before, after), spec.js)
                )
    return results


def metric_drift(
    bounds: Mapping[str, Bounds], old: Mapping[str, Any], new: Mapping[str, Any]
) -> list[CheckResult]:
    results = []
    for path, allowed in bounds.items():
        before, after = lookup(old, path), lookup(new, path)
        if before is None or after is None:
            continue
        change = after - before
        observed = f"{change:+.4g} ({before:.4g} -> {after:.4g})"
        results.append(
            CheckResult(
                f"drift metric {path}", observed, f"change {allowed.describe()}", allowed.holds(change)
            )
        )
    return results


def _within(check: str, distance: float, threshold: float) -> CheckResult:
    return CheckResult(check, f"{distance:.4g}", f"<= {threshold:g}", distance <= threshold)


def tag_lines(gate: Mapping[str, Any] | None) -> list[str]:
    """What a version's annotated tag records about its gates (from GateReport.to_dict)."""
    if not gate:
        return []
    checks = [CheckResult.from_dict(entry) for entry in gate["checks"]]
    failed = [check for check in checks if not check.passed]
    against = f" against {gate['compared_with']}" if gate.get("compared_with") else ""
    lines = [f"quality gates: {len(checks) - len(failed)} passed, {len(failed)} failed{against}"]
    if gate.get("accepted"):
        lines.append(f"accepted despite failed checks: {gate['accepted']}")
        lines += [f"  {check.line()}" for check in failed]
    return lines
