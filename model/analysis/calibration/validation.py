"""Out-of-sample validation: held-out waves, naive forecasts, mechanism ablations.

A fold fits the model to every target wave but one and predicts the one left out. The
fold holding out the last wave (Aug-Nov 2025) is the temporal split: fitted on the waves up
to the end of 2022, it forecasts nearly three years ahead across the period when most
Western restrictions came in. Predictions are posterior predictive: the last ABC generation's
expected survey shares of the held-out wave, weighted, with a fresh survey sample of the
wave's size for each particle.

Naive forecasts the model must beat (Lenti et al.; arXiv 2602.00876 found opinion models
that "learn to freeze"), each built only from waves fielded before the held-out one, the
Sep 2020 wave included:

* persistence: the last earlier wave reporting the category;
* linear trend: a least-squares line through the earlier waves reporting the category
  (persistence where only one exists), clipped to [0, 1].

Their 90% intervals are the binomial sampling error of a wave of the held-out size around the
point forecast: the narrowest honest interval a forecast can claim.

Each model variant (``model.inputs.variants``) is fitted the same way: the mechanism sets the
waves may not tell apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import norm

from ...core.streams import generator
from ...inputs.calendar import parse_month
from ...inputs.survey_data import Wave, load_waves
from ...inputs.variants import VARIANTS, Variant, variant  # noqa: F401  (re-exported)
from .abc import FitResult, weighted_quantiles
from .targets import PatternTarget, TargetWave, expected_name

#: Central predictive interval reported and scored.
INTERVAL = 0.90
_Z = float(norm.ppf(0.5 + INTERVAL / 2))

@dataclass(frozen=True)
class Fold:
    """One held-out wave and the waves fitted in its place."""

    held_out: str
    fitted: tuple[str, ...]

    @property
    def name(self) -> str:
        """Return e.g. ``without-2025-08``."""
        return f"without-{self.held_out}"


def folds(targets: Sequence[TargetWave]) -> tuple[Fold, ...]:
    """Return the leave-one-wave-out folds (the last one is the temporal split)."""
    keys = tuple(t.key for t in targets)
    return tuple(Fold(key, tuple(k for k in keys if k != key)) for key in keys)


def temporal_split(targets: Sequence[TargetWave]) -> Fold:
    """Return the fold that holds out the most recent wave."""
    return folds(targets)[-1]


# --- predictions ---------------------------------------------------------------------------
def model_predictions(result: FitResult, target: TargetWave) -> pd.DataFrame:
    """Return the posterior predictive of a wave, one row per category.

    Each particle's expected share gets a fresh survey sample of the wave's size (binomial:
    the marginal of the multinomial). The sample stored with a particle cannot serve for a
    fitted wave: the particle was accepted because that sample came close to the data, so
    intervals built from it would be too kind to the model. The draws come from the fit's
    stream ``predictive``, one sub-stream per wave and category.
    """
    weights = result.statistics["weight"].to_numpy()
    rows = []
    for index, category in enumerate(target.categories):
        stat = target.stat(category)
        expected = np.clip(result.statistics[expected_name(stat)].to_numpy(), 0.0, 1.0)
        rng = generator(result.config.seed, "predictive", parse_month(target.key), index)
        sampled = rng.binomial(target.sample_size, expected) / target.sample_size
        low, high = weighted_quantiles(sampled, weights, [(1 - INTERVAL) / 2,
                                                          (1 + INTERVAL) / 2])
        rows.append({"category": category, "predicted": float(np.average(expected,
                                                                        weights=weights)),
                     "low": float(low), "high": float(high)})
    return pd.DataFrame(rows)


def pattern_predictions(result: FitResult, patterns: Sequence[PatternTarget]) -> pd.DataFrame:
    """Return the posterior predictive of fitted subgroup sizes, scored, one row per pattern.

    As ``model_predictions``: each particle's expected share gets a fresh binomial sample of
    the wave's size, from the stream ``predictive-pattern`` (one sub-stream per pattern).
    A figure stated as a range counts as covered when the interval meets the range.
    """
    weights = result.statistics["weight"].to_numpy()
    rows = []
    for index, target in enumerate(patterns):
        pattern = target.pattern
        expected = np.clip(result.statistics[expected_name(target.stat)].to_numpy(), 0.0, 1.0)
        rng = generator(result.config.seed, "predictive-pattern", index)
        sampled = rng.binomial(pattern.n, expected) / pattern.n
        low, high = weighted_quantiles(sampled, weights, [(1 - INTERVAL) / 2,
                                                          (1 + INTERVAL) / 2])
        predicted = float(np.average(expected, weights=weights))
        rows.append({"pattern": target.key, "statistic": target.stat,
                     "predicted": predicted, "low": float(low), "high": float(high),
                     "observed_low": pattern.low, "observed_high": pattern.high,
                     "error_pp": 100 * (predicted - pattern.observed),
                     "covered": bool(low <= pattern.high and pattern.low <= high)})
    return pd.DataFrame(rows)


def _month_of(wave: Wave) -> float:
    """Return the wave's middle as a month number (fieldwork spans average)."""
    months = [parse_month(m) for m in wave.months]
    return (months[0] + months[-1]) / 2


def naive_predictions(target: TargetWave, waves: Sequence[Wave] | None = None) -> pd.DataFrame:
    """Return the persistence and linear-trend forecasts of a wave from earlier waves."""
    waves = list(load_waves() if waves is None else waves)
    when = _month_of(target.wave)
    earlier = [w for w in waves if _month_of(w) < when]
    rows = []
    for category in target.categories:
        history = [(_month_of(w), w.shares[category]) for w in earlier
                   if not np.isnan(w.shares[category])]
        if not history:
            continue
        times, shares = np.array(history).T
        forecasts = {"persistence": shares[-1]}
        if len(history) >= 2:
            slope, intercept = np.polyfit(times, shares, 1)
            forecasts["linear_trend"] = slope * when + intercept
        else:
            forecasts["linear_trend"] = shares[-1]
        for method, point in forecasts.items():
            point = float(np.clip(point, 0, 1))
            half = _Z * np.sqrt(point * (1 - point) / target.sample_size)
            rows.append({"method": method, "category": category, "predicted": point,
                         "low": max(0.0, point - half), "high": min(1.0, point + half),
                         "based_on": len(history)})
    return pd.DataFrame(rows)


def score(predictions: pd.DataFrame, target: TargetWave) -> pd.DataFrame:
    """Add the observed share, the error in percentage points and interval coverage."""
    scored = predictions.copy()
    scored["observed"] = [target.wave.shares[c] for c in scored["category"]]
    scored["error_pp"] = 100 * (scored["predicted"] - scored["observed"])
    scored["covered"] = (scored["low"] <= scored["observed"]) & \
                        (scored["observed"] <= scored["high"])
    return scored


def summarise_scores(scores: pd.DataFrame) -> pd.DataFrame:
    """Return per method: shares scored, mean absolute and root-mean-square error (pp), coverage."""
    grouped = scores.groupby("method", sort=False)
    return pd.DataFrame({
        "shares_scored": grouped.size(),
        "mae_pp": grouped["error_pp"].apply(lambda e: float(np.mean(np.abs(e)))),
        "rmse_pp": grouped["error_pp"].apply(lambda e: float(np.sqrt(np.mean(e ** 2)))),
        "coverage": grouped["covered"].mean(),
    }).reset_index()


def recovery_interval(result: FitResult, name: str, mass: float = 0.95) -> tuple[float, float]:
    """Return the central posterior interval of one parameter (for recovery checks)."""
    low, high = weighted_quantiles(result.particles[name].to_numpy(), result.weights,
                                   [(1 - mass) / 2, (1 + mass) / 2])
    return float(low), float(high)
