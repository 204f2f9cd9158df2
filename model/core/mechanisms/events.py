"""Exogenous events: the war rally, and emigration."""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from ..population import BOTH_MEDIA, INDEPENDENT_ONLY, RARELY, STATE_ONLY
from .attitude_change import clip

#: Direction of the war rally by media diet: toward Russia where state media explain the war,
#: away from it where independent media do.
WAR_DIRECTION = np.zeros(4)
WAR_DIRECTION[[STATE_ONLY, BOTH_MEDIA, INDEPENDENT_ONLY, RARELY]] = [1.0, 0.0, -1.0, 0.5]

#: ``emigrates`` outcomes.
STAYS, EAST_BOUND, WEST_BOUND = 0, 1, 2


def rally(months_at_war: int, p) -> float:
    """Return the size of the war rally after ``months_at_war`` months of war (0: no war).

    rally = w (rho + (1 - rho) 0.5^((months - 1) / H_w))

    a shift that starts at w in the first month of war and fades, with half-life H_w, to the
    share rho that persists (Chatham House: war support 28% in Mar 2022, 23% in Jun, then
    23-33% for years). If the war input returns to 0 the rally stops changing, and the
    shift it made stays: what opinion does after a war is not modelled.
    """
    if months_at_war <= 0:
        return 0.0
    fading = 0.5 ** ((months_at_war - 1) / p.war_rally_half_life)
    return p.war_shock * (p.war_rally_persistence + (1.0 - p.war_rally_persistence) * fading)


def month_terms(inputs, p, context) -> dict[str, float]:
    """Return the events' share of the month's record.

    The emigration hazard m(t), and the change of the war rally since last month (the rally
    moves r and its anchor by this change times the diet's direction).
    """
    return {"emigration_rate": inputs["emigration_rate"],
            "rally_change": rally(context.months_at_war, p)
            - rally(context.months_at_war - 1, p)}


@njit(cache=True, inline="always")
def rally_shift(diet, month):
    """Return the month's shift of a citizen's r and anchor from the war rally, by diet.

    d(diet) * (rally(t) - rally(t - 1)), d = +1 state only, 0 both, -1 independent only,
    +0.5 rarely.
    """
    return month.rally_change * WAR_DIRECTION[diet]


@njit(cache=True, inline="always")
def emigration_pull(r, e, p):
    """Return exp(gamma_m (e_i - r_i)): pro-EU citizens are likelier to leave."""
    return math.exp(p.emigration_attitude_selection * (e - r))


@njit(cache=True, inline="always")
def emigrates(pull, mean_pull, leave_u, west_u, month, p):
    """Return whether a resident leaves this month, and where to (``STAYS``, ``EAST_BOUND``...).

    hazard_i = m(t) * exp(gamma_m (e_i - r_i)) / mean over residents of the same

    so the aggregate rate is m(t) while pro-EU citizens leave more often; a share w_west go
    to the EU, the rest mostly to Russia.
    """
    if leave_u >= month.emigration_rate * pull / mean_pull:
        return STAYS
    return WEST_BOUND if west_u < p.emigration_west_share else EAST_BOUND


@njit(cache=True, inline="always")
def tie_emigrant(i, s, network, west):
    """Give each tie of an emigrant a close tie living where the emigrant went."""
    ties = s.eu_ties if west else s.russia_ties
    for slot in range(network.indptr[i], network.indptr[i + 1]):
        ties[network.indices[slot]] += 1


@njit(cache=True, inline="always")
def apply_rally(r, r_anchor, diet, month):
    """Return r and its anchor moved by the month's war rally shift (``rally_shift``)."""
    shift = rally_shift(diet, month)
    return clip(r + shift), r_anchor + shift
