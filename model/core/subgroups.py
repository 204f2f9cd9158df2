"""The virtual survey's answers by subgroup of respondents, with their sampling intervals.

The Chatham House instrument (``core.observation``) reports one weighted share per answer.
Each respondent's part in it is their answer chances (``answer_chances``, after fearful
EU-only answers are given as regime-congruent ones, ``falsify``) times their cell's survey
weight (panel propensity times raking weight, ``cell_weights``). Summing those parts within
a subgroup and dividing by the subgroup's weight gives the subgroup's shares; the subgroups
of one kind partition the respondents, so their shares weighted by the subgroups' weights
add up to the instrument's own share (``tests/test_subgroups.py``).

Subgroups (``SUBGROUPS``): media diet, age band, settlement (Minsk, other towns, villages:
the Chatham House frame has no villages), camp this month, a trip to the EU in the last
five years (``CitizenState.last_trip_west``), holding a valid Schengen visa, and close ties
in Russia.

Sampling intervals: a real wave of ``panel_size`` respondents (by default the median
sample of the Chatham House waves, 827) would hold about ``n_expected`` of a subgroup: the
panel size times the subgroup's share of expected respondents (frame times panel
propensity, before raking). Its weighted shares are multinomial; each answer's 95%
interval is Wilson's score interval at the subgroup's effective size, ``n_expected`` over
Kish's design effect of its raking weights. The interval is the sampling error of one wave
around the model's share, not the model's own uncertainty.
"""

from __future__ import annotations

from collections.abc import Collection
from itertools import pairwise

import numpy as np
import pandas as pd
from numba import njit

from .mechanisms.camps import camp
from .mechanisms.travel import HISTORY_MONTHS
from .observation import (
    CATEGORIES,
    CELL_SHAPE,
    N_CELLS,
    answer_chances,
    cell_fears,
    cell_weights,
    falsify,
    panel_propensity,
)
from .population import AGE_BANDS, DIETS, REGIME

#: Subgroups and their levels, in the order of the table's rows.
SUBGROUPS = {
    "diet": DIETS,
    "age_band": AGE_BANDS,
    "settlement": ("minsk", "other_towns", "villages"),
    "camp": REGIME,
    "eu_trip_5y": ("yes", "no"),
    "visa": ("yes", "no"),
    "russia_ties": ("yes", "no"),
}
#: The table's rows: (subgroup, level).
ROWS = tuple((name, level) for name, levels in SUBGROUPS.items() for level in levels)
#: Columns of ``subgroup_array``: the four answer shares (``CATEGORIES``), the subgroup's
#: share of the survey's weight, its share of expected respondents, and Kish's design
#: effect of its weights.
COLUMNS = (*CATEGORIES, "weight_share", "respondent_share", "design_effect")
WEIGHT_SHARE, RESPONDENT_SHARE, DESIGN_EFFECT = range(4, 7)
#: Respondents of a Chatham House wave: the median sample size of the waves in
#: shared/data/chatham_house_waves.csv (755 to 926; Jun-Jul 2024, wave 19: 827).
PANEL_SIZE = 827
#: Normal quantile of a two-sided 95% interval.
Z_95 = 1.959963984540054
#: Column order of the tidy table (``subgroup_frame``).
FRAME_COLUMNS = ("month", "subgroup", "level", "answer", "share", "low", "high",
                 "n_expected", "n_effective", "weight_share")


def levels(model) -> dict[str, np.ndarray]:
    """Return each citizen's level code (index into ``SUBGROUPS[name]``) in each subgroup."""
    state, population, month = model.world.state, model.world.population, model.record
    t = model.month_index

    def no_or_yes(flag):  # "yes" is level 0
        return np.where(flag, 0, 1)

    return {
        "diet": population.diet,
        "age_band": population.age_band,
        "settlement": np.where(population.minsk, 0, np.where(population.urban, 1, 2)),
        "camp": camps(population.loyalty, month),
        "eu_trip_5y": no_or_yes(state.last_trip_west > t - HISTORY_MONTHS),
        "visa": no_or_yes(state.has_visa),
        "russia_ties": no_or_yes(state.russia_ties > 0),
    }


@njit(cache=True)
def camps(loyalty, month):
    """Return each citizen's camp this month (``mechanisms.camps.camp``, for every citizen)."""
    out = np.empty(loyalty.size, dtype=np.int8)
    for i in range(loyalty.size):
        out[i] = camp(loyalty[i], month)
    return out


def respondents(model, camp_now: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray,
                                                                     np.ndarray]:
    """Return each citizen's part in this month's survey.

    ``camp_now`` is each citizen's camp this month, if already known (``camps``).

    Returns:
        weight: their survey weight (panel propensity times raking weight; 0 outside the
        frame or after emigrating), shape (N,); propensity: their expected presence in the
        panel (0 likewise), shape (N,); answers: their chances of each answer as given
        (after falsification), shape (4, N).
    """
    state, p, month, survey = model.world.state, model.world.params, model.record, model.survey
    if camp_now is None:
        camp_now = camps(survey.loyalty, month)
    cell = survey.group.astype(np.int64) * CELL_SHAPE[3] + camp_now
    asked = state.present & survey.in_frame
    # The raking needs only the cells' head counts (``observation_totals``' FRAME, TARGET).
    frame_count = np.bincount(cell[asked], minlength=N_CELLS).astype(np.float64)
    target_count = np.bincount(cell[state.present & survey.in_target],
                               minlength=N_CELLS).astype(np.float64)
    fear = cell_fears(month.repression, p)
    cell_weight = cell_weights(frame_count, target_count, fear, p)
    weight = np.where(asked, cell_weight[cell], 0.0)
    propensity = np.where(asked, panel_propensity(fear, p)[cell], 0.0)
    chances = answer_chances(state.r, state.e, p)
    answers = np.array(falsify(chances[0], chances[1], chances[2], chances[3], fear[cell], p))
    return weight, propensity, answers


def subgroup_array(model) -> np.ndarray:
    """Return this month's survey by subgroup, shape (len(ROWS), len(COLUMNS)).

    Shares of a subgroup without respondents are NaN (its weight and respondent shares 0).
    """
    by_level = levels(model)
    weight, propensity, answers = respondents(model, by_level["camp"])
    codes = np.stack(list(by_level.values())).astype(np.int64)
    first_rows = np.cumsum([0, *(len(values) for values in SUBGROUPS.values())])
    sums = _subgroup_sums(codes + first_rows[:-1, None], weight, propensity, answers,
                          len(ROWS))
    out = np.empty((len(ROWS), len(COLUMNS)))
    given, weights, expected, squares = sums[:, :4], sums[:, 4], sums[:, 5], sums[:, 6]
    with np.errstate(invalid="ignore", divide="ignore"):
        out[:, :len(CATEGORIES)] = given / weights[:, None]
        # Kish: n sum(m rho^2) / (sum(m rho))^2 with m = propensity, rho = weight / m.
        out[:, DESIGN_EFFECT] = expected * squares / weights**2
        for first, last in pairwise(first_rows):
            out[first:last, WEIGHT_SHARE] = weights[first:last] / weights[first:last].sum()
            out[first:last, RESPONDENT_SHARE] = (expected[first:last]
                                                 / expected[first:last].sum())
    return out


@njit(cache=True)
def _subgroup_sums(rows, weight, propensity, answers, n_rows):
    """Return per table row: sum of w a (4 answers), sum of w, of m and of w^2 / m.

    ``rows[k, i]`` is citizen i's row in subgroup k; w their survey weight, m their panel
    propensity and a their answers as given. One pass over the respondents.
    """
    sums = np.zeros((n_rows, 7))
    for i in range(weight.size):
        if propensity[i] <= 0.0:
            continue
        w, m = weight[i], propensity[i]
        for k in range(rows.shape[0]):
            row = rows[k, i]
            for answer in range(4):
                sums[row, answer] += w * answers[answer, i]
            sums[row, 4] += w
            sums[row, 5] += m
            sums[row, 6] += w * w / m
    return sums


def subgroup_frame(array: np.ndarray, month: str, panel_size: int = PANEL_SIZE) -> pd.DataFrame:
    """Return a ``subgroup_array`` (or a mean of several) as a tidy table with intervals.

    Columns: month, subgroup, level, answer, share, low, high (Wilson's 95% interval at the
    effective size), n_expected (the subgroup's respondents in a wave of ``panel_size``),
    n_effective (n_expected over the design effect) and weight_share (the subgroup's share
    of the survey's weight: the shares of one subgroup weighted by it give the survey's).
    """
    n_expected = panel_size * array[:, RESPONDENT_SHARE]
    with np.errstate(invalid="ignore", divide="ignore"):
        n_effective = n_expected / array[:, DESIGN_EFFECT]
    share = array[:, :len(CATEGORIES)]
    low, high = wilson_interval(share, n_effective[:, None])
    rows = len(ROWS)
    return pd.DataFrame({
        "month": month,
        "subgroup": np.repeat([name for name, _ in ROWS], len(CATEGORIES)),
        "level": np.repeat([level for _, level in ROWS], len(CATEGORIES)),
        "answer": np.tile(CATEGORIES, rows),
        "share": share.ravel(), "low": low.ravel(), "high": high.ravel(),
        "n_expected": np.repeat(n_expected, len(CATEGORIES)),
        "n_effective": np.repeat(n_effective, len(CATEGORIES)),
        "weight_share": np.repeat(array[:, WEIGHT_SHARE], len(CATEGORIES)),
    }, columns=list(FRAME_COLUMNS))


def wilson_interval(share: np.ndarray, n: np.ndarray,
                    z: float = Z_95) -> tuple[np.ndarray, np.ndarray]:
    """Return Wilson's score interval of a proportion ``share`` observed among ``n``.

    centre = (p + z^2 / 2n) / (1 + z^2 / n),
    half width = z sqrt(p (1 - p) / n + z^2 / 4n^2) / (1 + z^2 / n).
    It stays inside [0, 1] and is NaN where n is 0 or unknown.
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        n = np.where(n > 0, n, np.nan)
        scale = 1.0 + z**2 / n
        centre = (share + z**2 / (2 * n)) / scale
        half = z * np.sqrt(share * (1 - share) / n + z**2 / (4 * n**2)) / scale
    return np.clip(centre - half, 0.0, 1.0), np.clip(centre + half, 0.0, 1.0)


def subgroup_shares(model, panel_size: int = PANEL_SIZE) -> pd.DataFrame:
    """Return the survey by subgroup for a model's current month (``subgroup_frame``).

    Example:
        >>> model = OpinionModel(baseline().with_changes(end="2021-12"), n_citizens=2000)
        >>> model.run_model()
        >>> table = subgroup_shares(model)
        >>> table.query("subgroup == 'diet' and answer == 'russia'")
    """
    return subgroup_frame(subgroup_array(model), model.month, panel_size)


def run_with_subgroups(model, months: Collection[str] | None = None) -> np.ndarray:
    """Run a model to its end, reading the survey by subgroup every month (or in ``months``).

    Returns:
        shape (months read, len(ROWS), len(COLUMNS)), in the order of ``model.months``.
    """
    wanted = set(model.months if months is None else months)
    tables = [subgroup_array(model)] if model.month in wanted else []
    while model.running:
        model.step()
        if model.month_index < len(model.months) and model.month in wanted:
            tables.append(subgroup_array(model))
    if not tables:
        return np.empty((0, len(ROWS), len(COLUMNS)))
    return np.stack(tables)
