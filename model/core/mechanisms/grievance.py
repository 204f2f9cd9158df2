"""Restrictions to grievance, and grievance to attitudes (collective blame)."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from numba import njit
from scipy.special import expit

from ..population import BOTH_MEDIA, INDEPENDENT_ONLY, RARELY, STATE_ONLY
from .attitude_change import clip
from .travel import crossing_closure

#: Restriction types, each with a severity in the month's record (``level_<name>``).
RESTRICTIONS = ("goods", "car_ban", "bank", "residence", "crossings")

#: Share of state-media framing in each diet group's information (rows: state only, both,
#: independent only, rarely), used for blame attribution.
STATE_FRAME = np.zeros(4)
STATE_FRAME[[STATE_ONLY, BOTH_MEDIA, INDEPENDENT_ONLY, RARELY]] = [1.0, 0.5, 0.0, 0.3]
INDEPENDENT_FRAME = np.zeros(4)
INDEPENDENT_FRAME[[STATE_ONLY, BOTH_MEDIA, INDEPENDENT_ONLY, RARELY]] = [0.0, 0.5, 1.0, 0.0]

#: Exposure to consumer-goods sanctions: everyone shops, border residents and car owners
#: (who shop across the border) most: min(1, base + border + car). Assumption.
GOODS_EXPOSURE_BASE = 0.3
GOODS_EXPOSURE_BORDER = 0.4
GOODS_EXPOSURE_CAR = 0.3
#: Exposure of car owners to the car-plate ban, without and with a visa (those who drive
#: west most). Assumption.
CAR_BAN_EXPOSURE_NO_VISA = 0.3
CAR_BAN_EXPOSURE_VISA = 1.0
#: Exposure to blocked EU accounts: those with ties in the EU, and savers (top income
#: tercile): min(1, ties + savings). Assumption.
BANK_EXPOSURE_TIES = 0.7
BANK_EXPOSURE_SAVINGS = 0.3
TOP_INCOME = 2


#: Number of regime alignments (opposed, neutral, loyal): the blame table's row length.
_ALIGNMENTS = 3


def blame_attribution(diet: np.ndarray, regime: np.ndarray, p) -> np.ndarray:
    """Return the probability of blaming the West (not the regime) for a restriction.

    phi = sigmoid(phi0 + phi_S s - phi_I d + phi_reg (regime - 1))

    with s and d the state and independent shares of a media diet and regime = 0, 1, 2 for
    opposed, neutral, loyal. Blame follows the frame one hears (CRRC Georgia 2025: who gets
    blamed for losing visa-free travel depends on the source).
    """
    return expit(p.attribution_intercept + p.attribution_state_media * STATE_FRAME[diet]
                 - p.attribution_independent_media * INDEPENDENT_FRAME[diet]
                 + p.attribution_regime * (np.asarray(regime, dtype=np.float64) - 1.0))


@lru_cache(maxsize=64)
def blame_table(p) -> np.ndarray:
    """Return ``blame_attribution`` for every (diet, regime) pair, diet-major (``blame_index``).

    ``p`` is a ``ParameterValues`` record (hashable: the table is computed once per run).
    The table is read-only: every month of a run shares it.
    """
    diet, regime = np.divmod(np.arange(len(STATE_FRAME) * _ALIGNMENTS), _ALIGNMENTS)
    table = blame_attribution(diet, regime, p)
    table.flags.writeable = False
    return table


@njit(cache=True, inline="always")
def blame_index(diet, regime):
    """Return the position of a (diet, regime) pair in ``blame_table``."""
    return diet * _ALIGNMENTS + regime


def month_terms(inputs, p) -> dict[str, float]:
    """Return the restriction rules' share of the month's record: each restriction's severity."""
    return {"level_goods": inputs["consumer_goods_sanctions"],
            "level_car_ban": inputs["car_plate_ban"],
            "level_bank": 1.0 - inputs["eu_bank_access"],
            "level_residence": 1.0 - inputs["legal_residence_ease"],
            "level_crossings": crossing_closure(inputs),
            "grievance_to_russia_now": p.grievance_to_russia * inputs["propaganda_state"],
            "blame_west": blame_table(p)}


@njit(cache=True, inline="always")
def _hit(u, exposure, level, p):
    """Return 1 if a restriction of this severity touches a citizen this exposed, else 0."""
    return 1 if u < p.restriction_hit_rate * exposure * level else 0


@njit(cache=True, inline="always")
def restriction_hits(car_owner, border_region, has_visa, eu_ties, income, goods_u, car_u,
                     bank_u, residence_u, crossings_u, month, p):
    """Return how many restrictions touched a resident this month.

    A restriction l touches citizen i with probability h * x_il * level_l(t), with exposure
    x_il: goods min(1, 0.3 + 0.4 border + 0.3 car); car ban car * (0.3, or 1 with a visa);
    bank min(1, 0.7 [EU ties] + 0.3 [top income]); residence [EU ties]; closed crossings
    [border region or visa].
    """
    ties = eu_ties > 0
    hits = _hit(goods_u, min(1.0, GOODS_EXPOSURE_BASE + GOODS_EXPOSURE_BORDER * border_region
                             + GOODS_EXPOSURE_CAR * car_owner), month.level_goods, p)
    car_exposure = CAR_BAN_EXPOSURE_VISA if has_visa else CAR_BAN_EXPOSURE_NO_VISA
    hits += _hit(car_u, car_owner * car_exposure, month.level_car_ban, p)
    hits += _hit(bank_u, min(1.0, BANK_EXPOSURE_TIES * ties
                             + BANK_EXPOSURE_SAVINGS * (income == TOP_INCOME)),
                 month.level_bank, p)
    hits += _hit(residence_u, 1.0 if ties else 0.0, month.level_residence, p)
    hits += _hit(crossings_u, 1.0 if (border_region or has_visa) else 0.0,
                 month.level_crossings, p)
    return hits


@njit(cache=True, inline="always")
def accumulate_grievance(grievance, hits, p):
    """Return grievance after this month's hits and decay.

    g_i <- 1 - (1 - g_i)(1 - eta)^hits_i,  then  g_i <- (1 - delta_g) g_i

    ``hits`` counts restriction hits, a visa refusal and a humiliating trip.
    """
    if hits > 0:  # most months bring no hit: skip the power
        grievance = 1.0 - (1.0 - grievance) * (1.0 - p.grievance_gain) ** hits
    return grievance * (1.0 - p.grievance_decay)


@njit(cache=True, inline="always")
def resent(r, e, grievance, diet, regime, month, p):
    """Return a resident's attitudes after grievance blamed on the West acts on them.

    e_i -= kappa_g phi_i g_i,  r_i += kappa_gr I_S(t) phi_i g_i

    Resentment lowers regard for the West; it raises regard for Russia only as far as state
    media frame the restriction as Western hostility (intensity I_S).
    """
    blamed = month.blame_west[blame_index(diet, regime)] * grievance
    return (clip(r + month.grievance_to_russia_now * blamed),
            clip(e - p.grievance_to_eu * blamed))
