"""Distribution drift between two versions, from summaries stored in metadata.json.

analyze stores, per split, the QUANTILES of each numeric column and the value counts
of each categorical column (`checks.profile`); the gate compares the previous
version's summary with the current one, so old data is never read again. numpy only:
the release step imports this, and the client's `diff`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

QUANTILES = np.linspace(0.0, 1.0, 21)
# A bin with no mass on one side would make PSI infinite; this floor is the usual convention.
EPSILON = 1e-4


def _cdf(quantiles: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Piecewise-linear CDF through (quantile value, level); 0 below the minimum, 1 above the maximum."""
    return np.interp(points, quantiles, QUANTILES, left=0.0, right=1.0)


def psi(previous: Sequence[float], current: Sequence[float]) -> float:
    """Population stability index over the previous version's equal-mass bins."""
    before, after = np.asarray(previous, dtype=float), np.asarray(current, dtype=float)
    edges = np.unique(before[1:-1])
    old_mass = np.diff(np.concatenate([[0.0], _cdf(before, edges), [1.0]]))
    new_mass = np.diff(np.concatenate([[0.0], _cdf(after, edges), [1.0]]))
    old_mass, new_mass = np.maximum(old_mass, EPSILON), np.maximum(new_mass, EPSILON)
    return float(np.sum((new_mass - old_mass) * np.log(new_mass / old_mass)))


def ks(previous: Sequence[float], current: Sequence[float]) -> float:
    """Kolmogorov-Smirnov statistic: the largest gap between the two interpolated CDFs."""
    before, after = np.asarray(previous, dtype=float), np.asarray(current, dtype=float)
    points = np.union1d(before, after)
    return float(np.max(np.abs(_cdf(before, points) - _cdf(after, points))))


def jensen_shannon(previous: Mapping[str, int], current: Mapping[str, int]) -> float:
    """Jensen-Shannon distance (base 2, 0..1) between two value-count tables."""
    from scipy.spatial.distance import jensenshannon  # lazy: only the gate step needs scipy

    keys = sorted(previous.keys() | current.keys())
    old = np.array([previous.get(key, 0) for key in keys], dtype=float)
    new = np.array([current.get(key, 0) for key in keys], dtype=float)
    if old.sum() == 0 or new.sum() == 0:
        return 0.0 if old.sum() == new.sum() else 1.0
    return float(jensenshannon(old, new, base=2))
