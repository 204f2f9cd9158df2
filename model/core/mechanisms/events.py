"""Exogenous events: the February 2022 war shock and emigration."""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from ..population import BOTH_MEDIA, INDEPENDENT_ONLY, RARELY, STATE_ONLY

#: Month of Russia's full-scale invasion of Ukraine, launched partly from Belarus.
WAR_MONTH = "2022-02"

#: Direction of the war shock by media diet: toward Russia where state media explain the war,
#: away from it where independent media do.
WAR_DIRECTION = np.zeros(4)
WAR_DIRECTION[[STATE_ONLY, BOTH_MEDIA, INDEPENDENT_ONLY, RARELY]] = [1.0, 0.0, -1.0, 0.5]


def month_terms(inputs, p) -> dict[str, float]:
    """Return emigration's share of the month's record: the aggregate hazard m(t)."""
    return {"emigration_rate": inputs["emigration_rate"]}


@njit(cache=True, inline="always")
def war_shift(diet, p):
    """Return the durable shift of a citizen's r (and its anchor) in the war month.

    r_i += w d(diet_i),  r_i^0 += w d(diet_i),  d = +1 state only, 0 both, -1 independent
    only, +0.5 rarely.
    """
    return p.war_shock * WAR_DIRECTION[diet]


@njit(cache=True, inline="always")
def emigration_pull(r, e, p):
    """Return exp(gamma_m (e_i - r_i)): pro-EU citizens are likelier to leave."""
    return math.exp(p.emigration_attitude_selection * (e - r))


@njit(cache=True, inline="always")
def emigrates(pull, mean_pull, leave_u, month):
    """Return whether a resident leaves this month.

    hazard_i = m(t) * exp(gamma_m (e_i - r_i)) / mean over residents of the same

    so the aggregate rate is m(t) while pro-EU citizens leave more often.
    """
    return leave_u < month.emigration_rate * pull / mean_pull


@njit(cache=True, inline="always")
def goes_west(west_u, p):
    """Return whether an emigrant goes to the EU (a share w_west): their ties gain an EU tie."""
    return west_u < p.emigration_west_share


@njit(cache=True, inline="always")
def tie_emigrant(i, s, network):
    """Give each tie of an emigrant to the EU one more close tie living in the EU."""
    for slot in range(network.indptr[i], network.indptr[i + 1]):
        s.eu_ties[network.indices[slot]] += 1
