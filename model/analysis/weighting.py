"""Weighted summaries shared by the calibration report and model-averaged answers."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def weighted_quantiles(values: np.ndarray, weights: np.ndarray,
                       quantiles: Sequence[float]) -> np.ndarray:
    """Return weighted quantiles (inverse of the weighted empirical CDF, midpoint rule)."""
    order = np.argsort(values)
    values, weights = np.asarray(values)[order], np.asarray(weights)[order]
    cumulative = (np.cumsum(weights) - 0.5 * weights) / weights.sum()
    return np.interp(quantiles, cumulative, values)


def effective_size(weights: np.ndarray) -> float:
    """Return Kish's effective sample size of weighted observations, (sum w)^2 / sum w^2."""
    weights = np.asarray(weights, dtype=float)
    return float(weights.sum() ** 2 / np.square(weights).sum())
