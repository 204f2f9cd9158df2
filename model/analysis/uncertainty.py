"""Where the spread of a projected effect comes from: variants, sources within, seeds.

For an outcome Y (say, a policy's effect on the 2030 Russia share) the ensemble of
``model.runs.design`` gives, per variant v with weight w_v, its members' values. The law of
total variance splits the averaged ensemble's variance into

* structure: sum_v w_v (mean_v - mean)^2, the disagreement between variants;
* within variants: sum_v w_v V_v, where V_v is the variance of v's independent draws.

Within a variant, each source g's first-order variance Var(E[Y | g]) comes from the A-B
pairs with Jansen's estimator, V_v - mean((Y_B - Y_AB^g)^2) / 2, and its total effect (the
variance that would vanish were g known) from mean((Y_A - Y_AB^g)^2) / 2 (Saltelli et al.
2010, table 2). Seed noise is reported as the seed's total effect: what averaging over
seeds would remove. Shares are of the total variance; what the first-order shares and the
seed noise leave is interaction (and estimation error: with few pairs a share can come out
below 0, which is reported as it is, not clipped).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ..runs.design import SOURCES, Design, Member, pair_members

STRUCTURE = "structure"


@dataclass(frozen=True)
class Split:
    """The variance of an outcome by source (arrays shaped like one member's outcome).

    Attributes:
        total: the averaged ensemble's variance.
        structure: the variance between the variants' means.
        first_order: per source, the weighted first-order variance within variants.
        total_effect: per source, the weighted total-effect variance within variants.
        pairs: A-B pairs per variant behind the estimates.
    """

    total: np.ndarray
    structure: np.ndarray
    first_order: Mapping[str, np.ndarray]
    total_effect: Mapping[str, np.ndarray]
    pairs: int

    def shares(self) -> dict[str, np.ndarray]:
        """Return each source's share of the total variance (seed noise: its total effect).

        Keys: ``structure``, every source, and ``interactions`` (what is left). A source
        that does not vary has share 0; without A-B pairs (one draw) the sources cannot be
        told apart and their shares are nan.
        """
        with np.errstate(invalid="ignore", divide="ignore"):
            scale = np.where(self.total > 0, 1 / self.total, np.nan)
        shares = {STRUCTURE: self.structure * scale}
        for source in SOURCES:
            part = self.total_effect if source == "seed" else self.first_order
            if not self.pairs:
                shares[source] = np.full_like(scale, np.nan)
            else:
                shares[source] = part[source] * scale if source in part else 0 * scale
        shares["interactions"] = 1 - sum(shares.values())
        return shares


def split_variance(values: np.ndarray, members: Sequence[Member], design: Design) -> Split:
    """Split the variance of ``values`` (one row per member) by source.

    A variant whose sources do not vary (one draw) contributes no within-variant terms.
    """
    return _split(np.asarray(values, dtype=float), _rows(members, design), design)


def share_intervals(values: np.ndarray, members: Sequence[Member], design: Design,
                    rng: np.random.Generator, resamples: int = 200,
                    quantiles: Sequence[float] = (0.05, 0.95)) -> dict[str, np.ndarray]:
    """Return a bootstrap interval of every share (``Split.shares``), by resampling pairs.

    Each resample draws a variant's A-B pairs with replacement and recomputes the split from
    them alone (the variant's mean and variance from the resampled A and B draws): how far
    the shares could move with other pairs of the same design. Returns, per share, an
    array (len(quantiles), *value shape).
    """
    values = np.asarray(values, dtype=float)
    rows = _rows(members, design)
    if not design.pairs:
        return {}
    picks = np.array([[rng.integers(design.pairs, size=design.pairs) for _ in rows]
                      for _ in range(resamples)])  # (resample, variant, pair)
    drawn = {}
    for v, (name, own) in enumerate(rows.items()):
        chosen = {key: np.asarray(own[key])[picks[:, v]] for key in own if key != "draws"}
        chosen["draws"] = np.concatenate([chosen["A"], chosen["B"]], axis=1)
        drawn[name] = chosen
    # Every resample at once: rows of shape (resample, member), reduced along the members.
    shares = _split(values, drawn, design, axis=1).shares()
    return {key: np.quantile(share, quantiles, axis=0) for key, share in shares.items()}


def _rows(members: Sequence[Member], design: Design) -> dict[str, dict[str, list[int]]]:
    """Return, per variant, the member rows of its draws, of A and B and of each swap."""
    rows = {}
    for name in design.variants:
        own = {"draws": [i for i, m in enumerate(members)
                         if m.variant == name and m.swapped is None and m.replicate == 0]}
        if design.pairs:
            own |= pair_members(members, name, design.pairs)
        rows[name] = own
    return rows


def _split(values: np.ndarray, rows: Mapping[str, Mapping[str, list[int] | np.ndarray]],
           design: Design, axis: int = 0) -> Split:
    """Return the split from the member rows of each variant, reduced along ``axis``.

    Rows are lists of member indices (``axis=0``) or arrays of them with a leading batch
    axis (``axis=1``: one split per batch row, as the bootstrap needs).
    """
    means, within = {}, {}
    first: dict[str, np.ndarray] = {}
    total_effect: dict[str, np.ndarray] = {}
    for name in design.variants:
        own = rows[name]
        draws = values[own["draws"]]
        means[name] = draws.mean(axis=axis)
        within[name] = (draws.var(axis=axis, ddof=1) if draws.shape[axis] > 1
                        else 0 * means[name])
        if not design.pairs:
            continue
        a, b = values[own["A"]], values[own["B"]]
        weight = design.weights[name]
        for source in design.varying(name):
            ab = values[own[source]]
            jansen_first = within[name] - 0.5 * np.mean((b - ab) ** 2, axis=axis)
            jansen_total = 0.5 * np.mean((a - ab) ** 2, axis=axis)
            first[source] = first.get(source, 0) + weight * jansen_first
            total_effect[source] = total_effect.get(source, 0) + weight * jansen_total
    mean = sum(design.weights[n] * means[n] for n in design.variants)
    structure = sum(design.weights[n] * (means[n] - mean) ** 2 for n in design.variants)
    within_total = sum(design.weights[n] * within[n] for n in design.variants)
    return Split(structure + within_total, structure, first, total_effect, design.pairs)


def sign_probability(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Return the weighted share of members whose value has the sign of the weighted mean.

    A value of exactly zero counts as half agreeing, and a mean of exactly zero gives 0.5:
    an effect that is not there is not called either way.
    """
    values = np.asarray(values, dtype=float)
    weights = np.asarray(weights, dtype=float) / np.sum(weights)
    mean = np.tensordot(weights, values, axes=1)
    agree = (np.sign(values) == np.sign(mean)) & (values != 0)
    share = np.tensordot(weights, agree + 0.5 * (values == 0), axes=1)
    return np.where(mean == 0, 0.5, share)


def carriers(effects: np.ndarray, parameters: Mapping[str, np.ndarray],
             half: float = 0.5) -> list[tuple[str, float]]:
    """Return the parameters that carry an effect: squared rank correlation, largest first.

    The smallest set whose squared Spearman correlations with the effect reach ``half`` of
    their sum; an effect nothing correlates with has no carriers.
    """
    from scipy.stats import rankdata

    names = [name for name, column in parameters.items() if np.ptp(column) > 0]
    if not names or np.ptp(effects) == 0:
        return []
    # Spearman's rho is Pearson's on the ranks (ties averaged): all columns at once.
    ranks = rankdata(np.column_stack([parameters[name] for name in names]), axis=0)
    ranks -= ranks.mean(axis=0)
    target = rankdata(effects)
    target -= target.mean()
    rho = (target @ ranks) / np.sqrt((target @ target) * np.sum(ranks * ranks, axis=0))
    scores = dict(zip(names, (float(value) ** 2 for value in rho), strict=True))
    ranked = sorted(scores.items(), key=lambda item: -item[1])
    total, chosen, running = sum(scores.values()), [], 0.0
    for name, score in ranked:
        if total <= 0 or running >= half * total:
            break
        chosen.append((name, score))
        running += score
    return chosen


def weighted_band(values: np.ndarray, weights: np.ndarray,
                  quantiles: Sequence[float] = (0.05, 0.95)) -> tuple[np.ndarray, ...]:
    """Return the weighted mean and quantiles across members (axis 0), elementwise.

    Members of weight 0 (a variant the weighting leaves out) take no part.
    """
    weights = np.asarray(weights, dtype=float)
    values = np.asarray(values, dtype=float)[weights > 0]
    weights = weights[weights > 0] / np.sum(weights)
    mean = np.tensordot(weights, values, axes=1)
    order = np.argsort(values, axis=0)
    ranked = np.take_along_axis(values, order, axis=0)
    cumulative = np.cumsum(weights[order], axis=0) - 0.5 * weights[order]
    flat_values = ranked.reshape(len(values), -1)
    flat_cum = cumulative.reshape(len(values), -1)
    bands = [np.array([np.interp(q, flat_cum[:, j], flat_values[:, j])
                       for j in range(flat_values.shape[1])]).reshape(values.shape[1:])
             for q in quantiles]
    return (mean, *bands)
