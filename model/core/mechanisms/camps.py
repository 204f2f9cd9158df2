"""Political camps, whose sizes follow the data, and the sorting of foreign-policy views by camp.

Each citizen has a fixed latent loyalty score (``Population.loyalty``, drawn once from
traits). The camps are the score's bands: the least loyal residents, up to the share
``regime_opposed_share`` of residents, are opposed; the most loyal, up to
``regime_loyal_share``, loyal; the rest neutral. The camps' sizes therefore follow the
sourced series while each citizen keeps their place in the ordering: as the loyal share grows
(Sep 2020 to Nov 2023), the most loyal neutrals become loyal.

Sorting: after August 2020 Moscow backed the regime (the "police reserve" of 27 Aug, the
USD 1.5 bn loan of 14 Sep) and the EU the opposition (non-recognition on 24 Sep, sanctions
from 2 Oct), and views of Russia and the EU came to follow the domestic divide: "Moscow's
support for Lukashenko has already cost it the sympathy of part of the population, and
pro-Russian feeling is increasingly associated with support for the regime" (Shraibman,
Carnegie, Dec 2020). Each camp turns against the patron of the other side: opposed
citizens' r is pulled toward -1, loyal citizens' e toward -1, at a rate that follows the
conflict's intensity, measured by the repression index (the stock of political prisoners).
Neutrals are not pulled. A named mechanism with a prior that admits no effect
(``sorting_rate``).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ..population import LOYAL, OPPOSED
from .attitude_change import clip


def loyalty_order(loyalty: np.ndarray) -> np.ndarray:
    """Return the citizens in order of their loyalty score (fixed: computed once per run)."""
    order = np.argsort(loyalty, kind="stable")
    return order.astype(np.int32) if order.size < 2**31 else order


def camp_thresholds(loyalty: np.ndarray, inputs, present: np.ndarray | None = None,
                    order: np.ndarray | None = None) -> tuple[float, float]:
    """Return the loyalty scores that bound the camps among the residents' scores.

    Below the first, opposed; at or above the second, loyal. They are the residents' score
    quantiles at the opposed share and at one minus the loyal share, exactly the numbers of
    ``np.quantile(loyalty[present], ...)`` (linear interpolation), read in one compiled pass
    over the citizens in loyalty ``order`` (``loyalty_order``), since the scores never change
    and only who is resident does.

    Args:
        loyalty: every citizen's score.
        inputs: the month's inputs (the two camp shares).
        present: who is resident (default: everyone).
        order: ``loyalty_order(loyalty)``, if already known.
    """
    if present is None:
        present = np.ones(loyalty.size, dtype=np.bool_)
    if order is None:
        order = loyalty_order(loyalty)
    low, high = _resident_quantiles(loyalty, present, order, inputs["regime_opposed_share"],
                                    1.0 - inputs["regime_loyal_share"])
    return low, max(high, low)


@njit(cache=True)
def _resident_quantiles(loyalty, present, order, q_low, q_high):
    """Return the residents' quantiles ``q_low`` and ``q_high`` of ``loyalty``, as numpy does.

    numpy's linear method: the virtual index (m - 1) q among m sorted values, and between its
    neighbours a and b, with gamma its fractional part, a + (b - a) gamma, or
    b - (b - a)(1 - gamma) when gamma >= 0.5 (the same operations, so the same bits).
    """
    m = 0
    for i in range(present.size):  # in index order: the count needs no sorting
        m += present[i]
    if m == 0:
        return 0.0, 0.0
    ranks = np.empty(4, dtype=np.int64)
    gammas = np.empty(2)
    for k, q in enumerate((q_low, q_high)):
        virtual = (m - 1) * q
        below = np.floor(virtual)
        if virtual >= m - 1:
            ranks[2 * k] = ranks[2 * k + 1] = m - 1
        else:
            ranks[2 * k] = max(0, int(below))
            ranks[2 * k + 1] = max(0, int(below) + 1)
        gammas[k] = virtual - below
    values = np.empty(4, dtype=loyalty.dtype)
    seen, last = 0, ranks.max()
    for i in order:
        if present[i]:
            for slot in range(4):
                if ranks[slot] == seen:
                    values[slot] = loyalty[i]
            seen += 1
            if seen > last:
                break
    result = np.empty(2)
    for k in range(2):
        a, b, gamma = values[2 * k], values[2 * k + 1], gammas[k]
        step = b - a
        if gamma >= 0.5:
            result[k] = b - step * (1.0 - gamma)
        else:
            result[k] = a + step * gamma
    return result[0], result[1]


@njit(cache=True, inline="always")
def camp(loyalty, month):
    """Return a citizen's camp this month from their loyalty score and the month's bounds.

    The number of bounds at or below the score: OPPOSED (0) below ``opposed_below``,
    NEUTRAL (1) up to ``loyal_from``, LOYAL (2) from it (``camp_thresholds`` keeps
    ``opposed_below <= loyal_from``). Counted rather than branched on: a citizen's camp is
    hard to guess from the last one's, and a wrong guess costs more than both comparisons.
    """
    return (loyalty >= month.opposed_below) + (loyalty >= month.loyal_from)


def month_terms(inputs, p, context) -> dict[str, float]:
    """Return the camps' share of the month's record: the sorting dose sigma * R(t)."""
    return {"opposed_below": context.opposed_below, "loyal_from": context.loyal_from,
            "sorting_dose": p.sorting_rate * inputs["repression_index"]}


@njit(cache=True, inline="always")
def sort_by_camp(r, e, regime, month):
    """Return a resident's attitudes after turning against the other camp's patron.

    opposed: r_i += sigma R(t) (-1 - r_i);  loyal: e_i += sigma R(t) (-1 - e_i)

    with R(t) the repression index; neutrals do not move. Both pulls are computed and the
    camp picks (no branch: see ``camp``).
    """
    pulled_r = clip(r - month.sorting_dose * (1.0 + r))
    pulled_e = clip(e - month.sorting_dose * (1.0 + e))
    return pulled_r if regime == OPPOSED else r, pulled_e if regime == LOYAL else e
