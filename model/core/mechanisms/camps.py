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

from ..population import LOYAL, NEUTRAL, OPPOSED
from .attitude_change import clip


def camp_thresholds(loyalty: np.ndarray, inputs) -> tuple[float, float]:
    """Return the loyalty scores that bound the camps among these residents' scores.

    Below the first, opposed; at or above the second, loyal.
    """
    opposed, loyal = inputs["regime_opposed_share"], inputs["regime_loyal_share"]
    if loyalty.size == 0:
        return 0.0, 0.0
    low, high = np.quantile(loyalty, [opposed, 1.0 - loyal])
    return float(low), float(max(high, low))


@njit(cache=True, inline="always")
def camp(loyalty, month):
    """Return a citizen's camp this month from their loyalty score and the month's bounds."""
    if loyalty < month.opposed_below:
        return OPPOSED
    if loyalty >= month.loyal_from:
        return LOYAL
    return NEUTRAL


def month_terms(inputs, p, context) -> dict[str, float]:
    """Return the camps' share of the month's record: the sorting dose sigma * R(t)."""
    return {"opposed_below": context.opposed_below, "loyal_from": context.loyal_from,
            "sorting_dose": p.sorting_rate * inputs["repression_index"]}


@njit(cache=True, inline="always")
def sort_by_camp(r, e, regime, month):
    """Return a resident's attitudes after turning against the other camp's patron.

    opposed: r_i += sigma R(t) (-1 - r_i);  loyal: e_i += sigma R(t) (-1 - e_i)

    with R(t) the repression index; neutrals do not move.
    """
    if regime == OPPOSED:
        return clip(r - month.sorting_dose * (1.0 + r)), e
    if regime == LOYAL:
        return r, clip(e - month.sorting_dose * (1.0 + e))
    return r, e
