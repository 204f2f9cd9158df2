"""Robustness: does a policy help across the plausible range of the unknowns?

Each sampled future fixes the uncertainties (exogenous inputs held from the policy month,
constant parameters) and a seed. The reference (the baseline) and every policy scenario run
in each future with its seed, so a policy's change in that future is a paired difference on
common random numbers. The table reports, per policy, the share of futures in which it lowers
the Russia share, raises the EU share, and does both, with Wilson intervals.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import binomtest, qmc

from ..core.observation import CATEGORIES, MEASURES
from ..core.streams import generator
from ..inputs.posterior import Posterior
from ..inputs.registry import Group
from ..inputs.scenario import Scenario
from ..inputs.timeline import TimelinePoint
from .sensitivity import Factor

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
                 posterior: Posterior | None = None) -> list[Future]:
    """Return ``n`` futures: a Latin hypercube over the factors' ranges, one seed each.

    With a posterior, the parameters are the calibrated particle drawn for the future's seed
    (``Posterior.parameters_for``) instead of hypercube values; exogenous inputs stay sampled.
    """
    sampled = [f for f in factors if not (posterior is not None and f.group == Group.PARAMETER)]
    if sampled:
        rng = generator(seed, "robustness-futures")
        unit = qmc.LatinHypercube(d=len(sampled), rng=rng).random(n)
        values = qmc.scale(unit, [f.low for f in sampled], [f.high for f in sampled])
    else:
        values = np.zeros((n, 0))
    futures = []
    for k in range(n):
        exogenous, parameters = {}, {}
        for factor, value in zip(sampled, values[k], strict=True):
            value = float(round(value)) if factor.integer else float(value)
            (exogenous if factor.group == Group.EXOGENOUS else parameters)[factor.name] = value
        if posterior is not None:
            parameters |= posterior.parameters_for(seed + k)
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


def summarize(per_future: pd.DataFrame, horizon: str, level: float = 0.95,
              source: str = "") -> pd.DataFrame:
    """Return one row per policy: shares of futures passing each test, with intervals.

    Args:
        per_future: one row per (scenario, future) with ``russia_change``, ``eu_change``...
        horizon: the month the changes are read at (for the column names' meaning).
        level: confidence level of the Wilson intervals.
        source: how the futures were drawn (recorded in the table).
    """
    rows = []
    for name, part in per_future.groupby("scenario", sort=False):
        n = len(part)
        row: dict[str, object] = {"scenario": name, "samples": n, "horizon": horizon}
        for column, conditions in TESTS.items():
            passed = np.ones(n, dtype=bool)
            for category, sign in conditions:
                passed &= sign * part[f"{category}_change"].to_numpy() > 0
            k = int(passed.sum())
            low, high = wilson(k, n, level)
            row |= {column: k / n, f"{column}_low": low, f"{column}_high": high,
                    f"{column}_count": k}
        for category in ("russia", "both", "eu"):
            values = part[f"{category}_change"].to_numpy()
            row |= {f"{category}_change_mean": float(values.mean()),
                    f"{category}_change_p05": float(np.quantile(values, 0.05)),
                    f"{category}_change_p95": float(np.quantile(values, 0.95))}
        row |= {"conf_level": level, "uncertainty_source": source}
        rows.append(row)
    return pd.DataFrame(rows)


def future_table(futures: Sequence[Future], names: Sequence[str],
                 results: Mapping[tuple[str, int], Mapping[str, float]]) -> pd.DataFrame:
    """Return one row per (scenario, future): the future's values and the changes."""
    rows = []
    for name in names:
        for future in futures:
            row = {"scenario": name, "future": future.index, "seed": future.seed,
                   **future.exogenous, **future.parameters}
            row |= {f"{c}_change": v for c, v in results[name, future.index].items()}
            rows.append(row)
    return pd.DataFrame(rows)
