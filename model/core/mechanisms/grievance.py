"""Restrictions to grievance, and grievance to attitudes (collective blame)."""

from __future__ import annotations

import numpy as np
from scipy.special import expit

from ..population import BOTH_MEDIA, INDEPENDENT_ONLY, RARELY, STATE_ONLY
from ..state import RESTRICTIONS
from .attitude_change import clip_attitudes
from .travel import crossing_closure

#: Share of state-media framing in each diet group's information (rows: state only, both,
#: independent only, rarely), used for blame attribution.
_STATE_FRAME = np.zeros(4)
_STATE_FRAME[[STATE_ONLY, BOTH_MEDIA, INDEPENDENT_ONLY, RARELY]] = [1.0, 0.5, 0.0, 0.3]
_INDEPENDENT_FRAME = np.zeros(4)
_INDEPENDENT_FRAME[[STATE_ONLY, BOTH_MEDIA, INDEPENDENT_ONLY, RARELY]] = [0.0, 0.5, 1.0, 0.0]


def blame_attribution(diet: np.ndarray, regime: np.ndarray, intercept: float,
                      state_media: float, independent_media: float,
                      regime_weight: float) -> np.ndarray:
    """Return each citizen's probability of blaming the West (not the regime) for a restriction.

    phi_i = sigmoid(phi0 + phi_S s_i - phi_I d_i + phi_reg (regime_i - 1))

    with s_i and d_i the state and independent shares of the citizen's media diet and
    regime_i = 0, 1, 2 for opposed, neutral, loyal. Blame follows the frame one hears
    (CRRC Georgia 2025: who gets blamed for losing visa-free travel depends on the source).
    """
    return expit(intercept + state_media * _STATE_FRAME[diet]
                 - independent_media * _INDEPENDENT_FRAME[diet]
                 + regime_weight * (regime.astype(np.float64) - 1.0))


def restriction_exposure(car_owner, border_region, has_visa, eu_ties, income) -> np.ndarray:
    """Return how exposed each citizen is to each restriction, shape (5, N), in [0, 1].

    Rows follow ``RESTRICTIONS``: consumer-goods sanctions touch everyone, shoppers (border
    residents, car owners) most; the car ban touches car owners, travellers most; blocked
    accounts touch those with EU ties or savings (top income tercile); residence hurdles
    touch those with EU ties; closed crossings touch border residents and visa holders.
    """
    has_ties = eu_ties > 0
    exposure = np.empty((len(RESTRICTIONS), has_ties.size))  # filled row by row, not stacked
    np.minimum(1.0, 0.3 + 0.4 * border_region + 0.3 * car_owner, out=exposure[0])
    np.multiply(car_owner, 0.3 + 0.7 * has_visa, out=exposure[1])
    np.minimum(1.0, 0.7 * has_ties + 0.3 * (income == 2), out=exposure[2])
    exposure[3] = has_ties
    exposure[4] = border_region | has_visa
    return exposure


def restriction_levels(levers) -> np.ndarray:
    """Return how severe each restriction is this month, in [0, 1], ordered as RESTRICTIONS."""
    return np.array([
        levers["consumer_goods_sanctions"],
        levers["car_plate_ban"],
        1.0 - levers["eu_bank_access"],
        1.0 - levers["legal_residence_ease"],
        crossing_closure(levers),
    ])


def kept_after_hits(gain: float, most_hits: int) -> np.ndarray:
    """Return the share of grievance-free room kept after h hits, (1 - eta)^h, h = 0..most_hits.

    Read as a table: a power per citizen was one of the costliest operations of the month.
    """
    return (1.0 - gain) ** np.arange(most_hits + 1)


def count_restriction_hits(exposure: np.ndarray, levels: np.ndarray, hit_rate: float,
                           draws: np.ndarray) -> np.ndarray:
    """Return how many restrictions touched each citizen this month.

    A restriction l touches citizen i with probability h * exposure_il * level_l(t).
    """
    assert exposure.shape[0] == len(RESTRICTIONS)
    hits = np.zeros(exposure.shape[1], dtype=np.int64)
    for draw, exposed, level in zip(draws, exposure, levels, strict=True):
        if level > 0.0:  # a lifted restriction touches nobody (uniform draws are never < 0)
            hits += draw < hit_rate * exposed * level
    return hits


def accumulate_grievance(grievance: np.ndarray, hits: np.ndarray, gain: float,
                         decay: float) -> None:
    """Add grievance for each hit, then let all grievance decay (in place).

    g_i <- 1 - (1 - g_i)(1 - eta)^hits_i,  then  g_i <- (1 - delta_g) g_i
    """
    grievance[:] = 1.0 - (1.0 - grievance) * kept_after_hits(gain, hits.max(initial=0))[hits]
    grievance *= 1.0 - decay


def grievance_effects(r: np.ndarray, e: np.ndarray, grievance: np.ndarray,
                      attribution: np.ndarray, present: np.ndarray, to_eu: float,
                      to_russia: float, state_intensity: float) -> None:
    """Turn grievance blamed on the West into attitudes (in place).

    e_i -= kappa_g phi_i g_i;   r_i += kappa_gr phi_i g_i I_S(t)

    Resentment lowers regard for the West; it raises regard for Russia only as far as state
    media frame the restriction as Western hostility (intensity I_S).
    """
    blamed = attribution * grievance * present
    e -= to_eu * blamed
    r += to_russia * state_intensity * blamed
    clip_attitudes(r, e)
