"""How much a headline effect owes to the width of the mechanism priors.

Halving a prior's width (around its midpoint) is a truncation of the uniform prior, and a
truncated posterior is the posterior restricted to the smaller box: reweighting the
ensemble's members by whether their particle lies inside it (weight 0 outside, unchanged
inside) gives the projection under the halved prior without a refit. Widening a prior
cannot be done this way (no particle lies outside the fitted range): it needs a refit with
the wider prior (``docs/calibration.md``, "Prior sensitivity").
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..core.observation import CATEGORIES, MEASURES
from ..inputs import registry
from ..inputs.variants import MECHANISM_GROUPS
from .outputs import Ensemble


def halved(name: str) -> tuple[float, float]:
    """Return a parameter's prior halved in width around its midpoint."""
    low, high = registry.get(name).prior
    middle, quarter = (low + high) / 2, (high - low) / 4
    return middle - quarter, middle + quarter


def inside_halved(ensemble: Ensemble, group: tuple[str, ...]) -> np.ndarray:
    """Return, per member, whether its fitted values of ``group`` lie in the halved priors.

    A parameter a member's variant does not fit (held at 0 or at its default) is not a
    draw from its prior, and does not exclude the member.
    """
    keep = np.ones(len(ensemble.members), dtype=bool)
    for i, member in enumerate(ensemble.members):
        for name in group:
            if name in member.inputs.parameters and name not in _held(member.variant):
                low, high = halved(name)
                keep[i] &= low <= member.inputs.parameters[name] <= high
    return keep


def _averaged(values: np.ndarray, keep: np.ndarray, variant_of: np.ndarray,
              weights) -> np.ndarray:
    """Return the variant-weighted mean of the kept members (each variant keeps its weight).

    nan when a variant with weight has no member left.
    """
    total = 0.0
    for variant_name, weight in weights.items():
        rows = keep & (variant_of == variant_name)
        if weight > 0 and not rows.any():
            return np.full(values.shape[1:], np.nan)
        if weight > 0:
            total = total + weight * values[rows].mean(axis=0)
    return total


def _held(variant_name: str) -> tuple[str, ...]:
    from ..inputs.variants import variant

    return tuple(variant(variant_name).fixed)


def prior_sensitivity_table(ensemble: Ensemble, date: str) -> pd.DataFrame:
    """Return each policy's averaged survey effect at ``date``, as fitted and per halved group.

    Columns: scenario, category, group, members (inside the halved box), mean (the
    averaged effect under the halved priors), mean_fitted (under the priors as fitted).
    Each variant keeps its weight; within it, the members inside the box count equally.
    """
    t, m = ensemble.months.index(date), MEASURES.index("survey")
    variant_of = np.array([member.variant for member in ensemble.members])
    rows = []
    for name in ensemble.scenarios[1:]:
        paired = ensemble.member_differences(name)[:, t, m, :]
        everyone = np.ones(len(variant_of), dtype=bool)
        fitted = _averaged(paired, everyone, variant_of, ensemble.weights)
        for group, names in MECHANISM_GROUPS.items():
            fits = {n for member in ensemble.members for n in member.inputs.parameters
                    if n not in _held(member.variant)}
            if not fits & set(names):
                continue  # no variant fits this group
            keep = inside_halved(ensemble, names)
            mean = _averaged(paired, keep, variant_of, ensemble.weights)
            for c, category in enumerate(CATEGORIES):
                rows.append({"scenario": name, "category": category, "group": group,
                             "members": int(keep.sum()), "mean": mean[c],
                             "mean_fitted": fitted[c]})
    return pd.DataFrame(rows)
