"""Robustness: does a policy help across the plausible range of the unknowns?

Each sampled future fixes the uncertainties (exogenous inputs held from the policy month,
constant parameters) and a seed. The reference (the baseline) and every policy scenario run
in each future with its seed, so a policy's change in that future is a paired difference on
common random numbers. The table reports, per variant and policy, the share of futures in
which it lowers the Russia share, raises the EU share, and does both, with Wilson intervals,
and with several variants a model-averaged row per policy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import binomtest, norm, qmc

from ..core.observation import CATEGORIES, MEASURES
from ..core.streams import generator
from ..inputs import variants
from ..inputs.posterior import Posterior, variant_parameters
from ..inputs.registry import Group
from ..inputs.scenario import Scenario
from ..inputs.timeline import TimelinePoint
from .sensitivity import Factor
from .weighting import effective_size, weighted_quantiles

#: The tests each policy is scored on: column -> (category, sign of a helpful change).
TESTS = {"lowers_russia": (("russia", -1),), "raises_eu": (("eu", +1),),
         "lowers_russia_and_raises_eu": (("russia", -1), ("eu", +1))}


@dataclass(frozen=True)
class Future:
    """One sampled future: uncertainty values and the seed shared by every scenario in it."""

    index: int
    seed: int
    exogenous: Mapping[str, float]
    parameters: Mapping[str, float]


def draw_futures(factors: Sequence[Factor], n: int, seed: int,
                 posterior: Posterior | None = None, *,
                 variant: str = variants.DEFAULT_VARIANT,
                 sample_parameters: bool = True) -> list[Future]:
    """Return ``n`` futures: a Latin hypercube over the factors' ranges, one seed each.

    Future k's parameters are, by precedence: the hypercube's sampled values, then the
    variant's posterior draw ``seed + k`` (``variant_parameters``; none without a
    posterior), then the registry defaults; the variant's switched-off parameters are 0.

    Args:
        factors: the uncertainties (none the variant switches off).
        n: how many futures.
        seed: future k runs with seed ``seed + k``.
        posterior: the variant's committed posterior, or None.
        variant: the mechanism variant the futures are drawn in.
        sample_parameters: False (``--posterior``) leaves the parameters to the posterior
            draw; exogenous inputs stay sampled.
    """
    sampled = [f for f in factors if sample_parameters or f.group != Group.PARAMETER]
    if sampled:
        rng = generator(seed, "robustness-futures")
        unit = qmc.LatinHypercube(d=len(sampled), rng=rng).random(n)
        values = qmc.scale(unit, [f.low for f in sampled], [f.high for f in sampled])
    else:
        values = np.zeros((n, 0))
    futures = []
    for k in range(n):
        exogenous, parameters = {}, variant_parameters(variant, posterior, seed + k)
        for factor, value in zip(sampled, values[k], strict=True):
            value = float(round(value)) if factor.integer else float(value)
            (exogenous if factor.group == Group.EXOGENOUS else parameters)[factor.name] = value
        futures.append(Future(k, seed + k, exogenous, parameters))
    return futures


def in_future(scenario: Scenario, reference: Scenario, future: Future,
              policy_month: str) -> tuple[Scenario, dict[str, float] | None]:
    """Return the scenario in a future, and its parameter overrides.

    What a policy scenario sets itself (an exogenous timeline or a parameter that differs
    from the reference's, as propaganda_surge does) keeps the scenario's value: the sampled
    value would erase the very change the scenario is about.
    """
    own_exogenous = {name for name in future.exogenous
                     if scenario.timeline(name) != reference.timeline(name)}
    own_parameters = {name for name in future.parameters
                      if scenario.parameters.get(name) != reference.parameters.get(name)}
    exogenous = {name: (TimelinePoint(policy_month, value),)
                 for name, value in future.exogenous.items() if name not in own_exogenous}
    parameters = {name: value for name, value in future.parameters.items()
                  if name not in own_parameters}
    return scenario.with_changes(exogenous=exogenous), parameters or None


def changes(policy: np.ndarray, reference: np.ndarray, measure: str) -> dict[str, float]:
    """Return each category's change at the last month, policy minus reference."""
    m = MEASURES.index(measure)
    return {c: float(policy[-1, m, i] - reference[-1, m, i]) for i, c in enumerate(CATEGORIES)}


def wilson(successes: int, trials: int, level: float) -> tuple[float, float]:
    """Return the Wilson score interval of a proportion."""
    interval = binomtest(successes, trials).proportion_ci(confidence_level=level,
                                                          method="wilson")
    return float(interval.low), float(interval.high)


def wilson_weighted(share: float, n: float, level: float) -> tuple[float, float]:
    """Return the Wilson score interval of a weighted share with effective sample size n."""
    z = float(norm.ppf(0.5 + level / 2))
    centre = (share + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(share * (1 - share) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, float(centre - half)), min(1.0, float(centre + half))


def _summary_row(part: pd.DataFrame, level: float,
                 weights: np.ndarray | None = None) -> dict[str, object]:
    """Return the tests' shares and the changes' spread of some futures.

    Without ``weights`` every future counts once (exact Wilson intervals); with them (the
    model-averaged row) shares and quantiles are weighted and the intervals use Kish's
    effective sample size.
    """
    n = len(part)
    row: dict[str, object] = {"samples": n}
    for column, conditions in TESTS.items():
        passed = np.ones(n, dtype=bool)
        for category, sign in conditions:
            passed &= sign * part[f"{category}_change"].to_numpy() > 0
        k = int(passed.sum())
        if weights is None:
            share, (low, high) = k / n, wilson(k, n, level)
        else:
            share = float(np.average(passed, weights=weights))
            low, high = wilson_weighted(share, effective_size(weights), level)
        row |= {column: share, f"{column}_low": low, f"{column}_high": high,
                f"{column}_count": k}
    for category in ("russia", "both", "eu"):
        values = part[f"{category}_change"].to_numpy()
        if weights is None:
            mean, (p05, p95) = values.mean(), np.quantile(values, [0.05, 0.95])
        else:
            mean = np.average(values, weights=weights)
            p05, p95 = weighted_quantiles(values, weights, [0.05, 0.95])
        row |= {f"{category}_change_mean": float(mean), f"{category}_change_p05": float(p05),
                f"{category}_change_p95": float(p95)}
    return row


def summarize(per_future: pd.DataFrame, horizon: str, level: float = 0.95,
              source: str = "", weights: Mapping[str, float] | None = None) -> pd.DataFrame:
    """Return one row per (variant, policy): shares of futures passing each test, intervals.

    Args:
        per_future: one row per (variant, scenario, future) with ``russia_change``,
            ``eu_change``...; without a ``variant`` column the futures are of one model.
        horizon: the month the changes are read at (for the column names' meaning).
        level: confidence level of the Wilson intervals.
        source: how the futures were drawn (recorded in the table).
        weights: the variants' weights; with two or more variants, one more row per
            policy, variant ``averaged``: the futures of every variant pooled, each
            variant's futures sharing its weight.
    """
    if "variant" not in per_future.columns:
        per_future = per_future.assign(variant=variants.DEFAULT_VARIANT)
    rows = []
    for (variant, name), part in per_future.groupby(["variant", "scenario"], sort=False):
        rows.append({"variant": variant, "scenario": name, "horizon": horizon,
                     **_summary_row(part, level)})
    if weights and per_future["variant"].nunique() > 1:
        for name, part in per_future.groupby("scenario", sort=False):
            counts = part["variant"].map(part["variant"].value_counts())
            row_weights = (part["variant"].map(weights) / counts).to_numpy(dtype=float)
            rows.append({"variant": variants.AVERAGED, "scenario": name, "horizon": horizon,
                         **_summary_row(part, level, row_weights)})
    table = pd.DataFrame(rows)
    table["conf_level"], table["uncertainty_source"] = level, source
    return table


def future_table(futures: Sequence[Future], names: Sequence[str],
                 results: Mapping[tuple[str, int], Mapping[str, float]],
                 variant: str = variants.DEFAULT_VARIANT) -> pd.DataFrame:
    """Return one row per (scenario, future) of a variant: the future's values, the changes."""
    rows = []
    for name in names:
        for future in futures:
            row = {"variant": variant, "scenario": name, "future": future.index,
                   "seed": future.seed, **future.exogenous, **future.parameters}
            row |= {f"{c}_change": v for c, v in results[name, future.index].items()}
            rows.append(row)
    return pd.DataFrame(rows)
