"""The tables of ``attribute``: Shapley values, held and alone, and the monthly path.

Every draw (a posterior particle and its seed) ran in every coalition (common random
numbers), so a draw's attribution is computed from its own runs alone
(``model.analysis.attribution``), and the 5-95% interval of a value is across draws: the
parameters' and the seeds' uncertainty together. ``averaged`` weighs the variants' draws
by the variants' weights; each variant's draws weigh the same.

Shapley values are linear in v, so the mean over draws of a draw's values is the value of
the mean v: the monthly path is computed once per group, from the mean share each month.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..analysis.attribution import attribute, full
from ..analysis.uncertainty import weighted_band
from ..core.observation import CATEGORIES, MEASURES
from ..inputs.factors import FactorSet
from ..inputs.survey_data import Wave
from .design import Member
from .execution import Task, load_result
from .outputs import AVERAGED, HIGH, LOW

RESIDUAL = "residual"
TOTAL = "total"
ATTRIBUTION_COLUMNS = (
    "variant", "weight", "n_draws", "method", "measure", "outcome", "answer", "factor",
    "label", "shapley", "shapley_p05", "shapley_p95", "shapley_se", "held", "held_p05",
    "held_p95", "alone", "alone_p05", "alone_p95", "interaction", "share_of_simulated_shift",
    "share_of_observed_shift", "simulated_start", "simulated_outcome", "observed_start",
    "observed_outcome")
PATH_COLUMNS = ("variant", "measure", "date", "answer", "factor", "label", "cumulative")


@dataclass(frozen=True)
class Runs:
    """What the runs give, read back from their files.

    Attributes:
        months: the simulated months, from the start to the outcome's end.
        members: the draws, in run order.
        coalitions: the coalitions that ran (bit masks).
        outcome: each draw's outcome per coalition and answer (members, coalitions, answers).
        start: each draw's share at the start (members, answers).
        path: per group, the mean share per coalition, month and answer.
    """

    months: tuple[str, ...]
    members: tuple[Member, ...]
    coalitions: tuple[int, ...]
    outcome: np.ndarray
    start: np.ndarray
    path: dict[str, np.ndarray]

    def by_coalition(self, series: np.ndarray, axis: int) -> dict[int, np.ndarray]:
        """Return the slices of ``series`` along its coalition ``axis``, by coalition."""
        return {mask: np.take(series, j, axis=axis) for j, mask in enumerate(self.coalitions)}


def group_weights(members: Sequence[Member]) -> dict[str, np.ndarray]:
    """Return each group's weights over the draws: ``averaged``, then each variant."""
    weights = {AVERAGED: np.array([m.weight for m in members])}
    for name in dict.fromkeys(m.variant for m in members):
        own = np.array([m.variant == name for m in members], dtype=float)
        weights[name] = own / own.sum()
    return weights


def read_runs(out: Path, factors: FactorSet, members: Sequence[Member],
              grid: Sequence[Sequence[Task]], coalitions: Sequence[int]) -> Runs:
    """Read every run of ``grid[member][coalition]`` back: outcome, start, mean path.

    Files are read one at a time; only the means of the monthly shares are kept.
    """
    outcome = factors.outcome
    months = tuple(grid[0][0].scenario.compile_inputs().months)
    weights = outcome.weights(months)
    measure = MEASURES.index(outcome.measure)
    answers = [CATEGORIES.index(answer) for answer in outcome.answers]
    groups = group_weights(members)
    shape = (len(coalitions), len(months), len(answers))
    path = {group: np.zeros(shape) for group in groups}
    values = np.empty((len(members), len(coalitions), len(answers)))
    start = np.empty((len(members), len(answers)))
    actual = list(coalitions).index(full(len(factors.factors)))
    for i, row in enumerate(grid):
        for j, task in enumerate(row):
            shares = load_result(out, task)[:, measure][:, answers]
            values[i, j] = weights @ shares
            for group, weight in groups.items():
                path[group][j] += weight[i] * shares
            if j == actual:  # the shift is measured from the actual world's start
                start[i] = shares[0]
    return Runs(months, tuple(members), tuple(coalitions), values, start, path)


def _observed(factors: FactorSet, waves: Sequence[Wave]) -> tuple[np.ndarray, np.ndarray]:
    """Return the published shares at the start and at the outcome (NaN where none)."""
    outcome = factors.outcome
    nothing = np.full(len(outcome.answers), np.nan)
    first = next((w for w in waves if w.months[0] == factors.actual().start), None)
    if outcome.wave is None or outcome.measure != "survey" or first is None:
        return nothing, nothing
    return (np.array([first.shares[a] for a in outcome.answers]),
            np.array([outcome.wave.shares[a] for a in outcome.answers]))


def _band(values: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, ...]:
    """Return the mean, 5th and 95th percentiles across draws (axis 1 of (k, draws, ...))."""
    return weighted_band(np.moveaxis(values, 1, 0), weights, (LOW, HIGH))


def attribution_table(runs: Runs, factors: FactorSet, waves: Sequence[Wave],
                      orders: np.ndarray | None) -> pd.DataFrame:
    """Return ``attribution.csv``: per group, answer and factor, plus residual and total."""
    k = len(factors.factors)
    draws = runs.by_coalition(runs.outcome, axis=1)
    per_draw = attribute(draws, k, runs.start, orders)
    observed_start, observed_outcome = _observed(factors, waves)
    observed_shift = observed_outcome - observed_start
    method = f"sampled, {len(orders)} orders" if orders is not None else "exact"
    rows = []
    for group, weights in group_weights(runs.members).items():
        mean_v = {mask: weights @ value for mask, value in draws.items()}
        start = weights @ runs.start
        mean = attribute(mean_v, k, start, orders)
        shapley, held, alone = (_band(getattr(per_draw, name), weights)
                                for name in ("shapley", "held", "alone"))
        residual, total = (weighted_band(getattr(per_draw, name), weights, (LOW, HIGH))
                           for name in ("residual", "total"))
        common = {"variant": group, "weight": _group_weight(runs.members, group),
                  "n_draws": int(np.count_nonzero(weights)), "method": method,
                  "measure": factors.outcome.measure, "outcome": factors.outcome.key}
        for a, answer in enumerate(factors.outcome.answers):
            at = {**common, "answer": answer, "simulated_start": start[a],
                  "simulated_outcome": mean_v[full(k)][a], "observed_start": observed_start[a],
                  "observed_outcome": observed_outcome[a]}
            for i, factor in enumerate(factors.factors):
                rows.append({**at, "factor": factor.key, "label": factor.label,
                             **_triple("shapley", shapley, i, a),
                             "shapley_se": mean.shapley_se[i, a],
                             **_triple("held", held, i, a), **_triple("alone", alone, i, a),
                             "interaction": mean.interaction[i, a],
                             **_shares(mean.shapley[i, a], mean.total[a], observed_shift[a])})
            for key, label, band, value in (
                    (RESIDUAL, "nothing changes: the frozen world against its start",
                     residual, mean.residual[a]),
                    (TOTAL, "total shift: the actual world against its start", total,
                     mean.total[a])):
                rows.append({**at, "factor": key, "label": label, "shapley": value,
                             "shapley_p05": band[1][a], "shapley_p95": band[2][a],
                             **_shares(value, mean.total[a], observed_shift[a])})
    return pd.DataFrame(rows, columns=ATTRIBUTION_COLUMNS)


def _group_weight(members: Sequence[Member], group: str) -> float:
    return 1.0 if group == AVERAGED else float(sum(m.weight for m in members
                                                   if m.variant == group))


def _triple(name: str, band: tuple[np.ndarray, ...], i: int, a: int) -> dict[str, float]:
    mean, low, high = band
    return {name: mean[i, a], f"{name}_p05": low[i, a], f"{name}_p95": high[i, a]}


def _shares(value: float, simulated: float, observed: float) -> dict[str, float]:
    """Return ``value`` as a share of the simulated and the observed shift (NaN for none)."""
    def share(shift: float) -> float:
        return value / shift if np.isfinite(shift) and shift != 0 else np.nan

    return {"share_of_simulated_shift": share(simulated),
            "share_of_observed_shift": share(observed)}


def path_table(runs: Runs, factors: FactorSet, orders: np.ndarray | None) -> pd.DataFrame:
    """Return ``attribution_path.csv``: each month's attribution of the shift since the start.

    The value of a coalition in month t is its mean share in month t, so a factor's
    ``cumulative`` value is its Shapley value of the shift from the start to month t.
    """
    k = len(factors.factors)
    frames = []
    for group, path in runs.path.items():
        start = path[list(runs.coalitions).index(full(k))][0]  # the actual world's start
        result = attribute(runs.by_coalition(path, axis=0), k, start, orders)
        parts = [(f.key, f.label, result.shapley[i]) for i, f in enumerate(factors.factors)]
        parts += [(RESIDUAL, "nothing changes", result.residual),
                  (TOTAL, "total shift", result.total)]
        for key, label, values in parts:
            frame = pd.DataFrame(values, columns=list(factors.outcome.answers))
            frame.insert(0, "date", list(runs.months))
            frame = frame.melt(id_vars="date", var_name="answer", value_name="cumulative")
            frame.insert(0, "label", label)
            frame.insert(0, "factor", key)
            frames.append(frame.assign(variant=group, measure=factors.outcome.measure))
    return pd.concat(frames, ignore_index=True)[list(PATH_COLUMNS)]
