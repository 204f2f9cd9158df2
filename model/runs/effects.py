"""The headline table: each policy's effect at the horizon, averaged and per variant.

One row per scenario (but the reference) and answer, for the virtual survey at the last
horizon: the model-averaged paired difference (mean, 5-95% band, the probability that it
has the sign of its mean), each variant's mean and band, the shares of its variance by
source, and whether it is prior-driven.

An effect is prior-driven when the parameters that carry it (``uncertainty.carriers``,
rank correlation within each variant) have a posterior sd above ``PRIOR_DRIVEN`` of their
prior sd, weighted by how much each carries: then the survey waves did not inform it and
the number restates the prior. A sampled assumption has no posterior: its ratio is 1.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..analysis.uncertainty import carriers, share_intervals
from ..core.observation import CATEGORIES, MEASURES
from ..core.streams import generator
from ..inputs import registry
from ..inputs.posterior import Posterior
from .design import Design
from .outputs import AVERAGED, SHARE_COLUMNS, Ensemble

#: Above this posterior-over-prior sd ratio the data left a parameter where the prior had it.
PRIOR_DRIVEN = 0.8
#: Bootstrap resamples of the A-B pairs behind each share's interval.
RESAMPLES = 200
MEASURE = "survey"


def _parameter_table(ensemble: Ensemble, variant: str) -> dict[str, np.ndarray]:
    """Return the member-by-member value of every parameter a variant's members vary."""
    members = [m for m in ensemble.members if m.variant == variant]
    names = sorted({name for m in members for name in m.parameters()})
    return {name: np.array([m.parameters().get(name, registry.get(name).default)
                            for m in members]) for name in names}


def _carrying(ensemble: Ensemble, effects: np.ndarray,
              posteriors: Mapping[str, Posterior | None],
              tables: Mapping[str, dict[str, np.ndarray]]) -> tuple[list[str], float]:
    """Return the carriers of an averaged effect and their weighted posterior/prior sd ratio.

    ``effects`` holds one value per member; ``tables`` each variant's parameter values
    (``_parameter_table``). Scores are squared rank correlations within a variant, summed
    over variants by weight.
    """
    scores: dict[str, float] = {}
    ratios: dict[str, list[tuple[float, float]]] = {}
    for name, weight in ensemble.weights.items():
        rows = np.array([i for i, m in enumerate(ensemble.members) if m.variant == name])
        posterior = posteriors.get(name)
        fitted = posterior.sd_ratios() if posterior is not None else {}
        for parameter, score in carriers(effects[rows], tables[name],
                                         half=1.0):
            scores[parameter] = scores.get(parameter, 0.0) + weight * score
            ratios.setdefault(parameter, []).append((weight, fitted.get(parameter, 1.0)))
    ranked = sorted(scores.items(), key=lambda item: -item[1])
    chosen, running, total = [], 0.0, sum(scores.values())
    for parameter, score in ranked:
        if total <= 0 or running >= 0.5 * total:
            break
        chosen.append(parameter)
        running += score
    if not chosen:
        return [], float("nan")
    weights = np.array([scores[p] for p in chosen])
    sd = np.array([np.average([r for _, r in ratios[p]], weights=[w for w, _ in ratios[p]])
                   for p in chosen])
    return chosen, float(np.average(sd, weights=weights))


def effects_table(ensemble: Ensemble, date: str, posteriors: Mapping[str, Posterior | None],
                  design: Design) -> pd.DataFrame:
    """Return the headline effects at ``date`` (fractions; 0.01 = one point).

    Each variance share comes with a 5-95% bootstrap interval over the A-B pairs
    (``share_*_p05``, ``share_*_p95``; stream ``bootstrap``): with a few pairs per
    variant, the split is an estimate, and the interval says how rough.
    """
    t, m = ensemble.months.index(date), MEASURES.index(MEASURE)
    rng = generator(0, "bootstrap")
    # The members' parameter values are the same for every effect: built once per variant.
    tables = {name: _parameter_table(ensemble, name) for name in ensemble.variants}
    rows = []
    for name in ensemble.scenarios[1:]:
        split = ensemble.splits[name]
        shares = split.shares()
        paired = ensemble.member_differences(name)
        for c, category in enumerate(CATEGORIES):
            averaged = ensemble.differences[AVERAGED][name]
            found, ratio = _carrying(ensemble, paired[:, t, m, c], posteriors, tables)
            row = {"scenario": name, "date": date, "measure": MEASURE, "category": category,
                   "mean": averaged.mean[t, m, c], "p05": averaged.low[t, m, c],
                   "p95": averaged.high[t, m, c], "p_sign": ensemble.signs[name][t, m, c],
                   **{key: shares[key.removeprefix("share_")][t, m, c]
                      for key in SHARE_COLUMNS},
                   **_share_bands(paired[:, t, m, c], ensemble, design, rng),
                   "carriers": " ".join(found), "carrier_sd_ratio": ratio,
                   "prior_driven": bool(ratio > PRIOR_DRIVEN)}
            for variant in ensemble.variants:
                band = ensemble.differences[variant][name]
                row |= {f"{variant}_mean": band.mean[t, m, c],
                        f"{variant}_p05": band.low[t, m, c],
                        f"{variant}_p95": band.high[t, m, c]}
            rows.append(row)
    return pd.DataFrame(rows)


def _share_bands(values: np.ndarray, ensemble: Ensemble, design: Design,
                 rng: np.random.Generator) -> dict[str, float]:
    bands = share_intervals(values, ensemble.members, design, rng, RESAMPLES)
    found = {}
    for key in SHARE_COLUMNS:
        low, high = bands.get(key.removeprefix("share_"), (np.nan, np.nan))
        found |= {f"{key}_p05": float(low), f"{key}_p95": float(high)}
    return found


def print_effects(ensemble: Ensemble, effects: pd.DataFrame, date: str) -> None:
    """Print each policy's averaged and per-variant effect on the Russia and EU answers."""
    if effects.empty:
        return
    print(f"Effect on the virtual survey in {date}, percentage points against "
          f"{ensemble.reference}: model-averaged mean [5-95%], the chance it has that sign, "
          "then each variant's mean. " + ensemble.describe() + ".")
    for name, table in effects.groupby("scenario", sort=False):
        print(f"  {name}:")
        for _, row in table[table.category.isin(["russia", "eu"])].iterrows():
            variants = ", ".join(f"{v} {100 * row[f'{v}_mean']:+.1f}"
                                 for v in ensemble.variants)
            flag = " [prior-driven]" if row.prior_driven else ""
            print(f"    {row.category:6s} {100 * row['mean']:+5.1f} [{100 * row.p05:+.1f}, "
                  f"{100 * row.p95:+.1f}] P(sign) {row.p_sign:.2f}{flag}; {variants}")
        first = table.iloc[0]
        print("    variance of the Russia effect [5-95% over resampled pairs]: " + ", ".join(
            f"{key.removeprefix('share_')} {100 * first[key]:.0f}% "
            f"[{100 * first[f'{key}_p05']:.0f}, {100 * first[f'{key}_p95']:.0f}]"
            for key in SHARE_COLUMNS))
