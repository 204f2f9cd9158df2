"""Restrictions to grievance, and grievance to attitudes, by who is blamed.

A restriction counts only for those it touches (no lever counted twice): a wish to travel
west blocked by transport (car-plate ban, fewer buses) or by closed crossings (``travel``),
an EU bank account blocked (account holders: citizens with ties in the EU, or savings in the
top income tercile), legal residence refused (relatives of emigrants in the EU). Goods
sanctions touch travellers through confiscations at the border, and visa refusals are
negative contact, both in ``travel``: neither is counted here again.

Grievance g accumulates with hits and fades. Its effect depends on who is blamed
(evidence section 3: the penalty falls on the side held responsible): the share phi_W that
blames the West pulls e toward -1; the share phi_R that blames the regime pulls r toward -1
(the regime's Union State loses favour). The shares follow the frame a citizen hears and
their camp, between sourced end points (CRRC Georgia 2025: 13% blame the EU, 51% their own
government). Two named assumptions, off by default, add rejection-identification (West
blame also pulls r toward 1) and amplification of West blame by state-media intensity.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from numba import njit

from ..population import BOTH_MEDIA, INDEPENDENT_ONLY, RARELY, REGIME, STATE_ONLY
from .attitude_change import clip

#: Share of state-media and of independent-media framing in each diet group's information
#: (rows: state only, both, independent only, rarely), used for blame.
STATE_FRAME = np.zeros(4)
STATE_FRAME[[STATE_ONLY, BOTH_MEDIA, INDEPENDENT_ONLY, RARELY]] = [1.0, 0.5, 0.0, 0.3]
INDEPENDENT_FRAME = np.zeros(4)
INDEPENDENT_FRAME[[STATE_ONLY, BOTH_MEDIA, INDEPENDENT_ONLY, RARELY]] = [0.0, 0.5, 1.0, 0.0]

#: Top income tercile: savers, who hold EU accounts even without ties abroad.
TOP_INCOME = 2


def frame_score(diet: np.ndarray, regime: np.ndarray) -> np.ndarray:
    """Return where a citizen's frame and camp put them, from 0 (independent, opposed) to 1.

    z = ((s - d + 1) / 2 + regime / 2) / 2, with s and d the state and independent shares of
    the diet and regime = 0, 1, 2 for opposed, neutral, loyal: the mean of the frame's and
    the camp's position.
    """
    frame = (STATE_FRAME[diet] - INDEPENDENT_FRAME[diet] + 1.0) / 2.0
    camp = np.asarray(regime, dtype=np.float64) / (len(REGIME) - 1)
    return (frame + camp) / 2.0


def blame_shares(diet: np.ndarray, regime: np.ndarray, p) -> tuple[np.ndarray, np.ndarray]:
    """Return the shares blaming the West and the regime for a restriction.

    phi_W = phi_W,lo + z (phi_W,hi - phi_W,lo),  phi_R = phi_R,hi + z (phi_R,lo - phi_R,hi)

    with z the frame score (``frame_score``); the rest blame no one in particular.
    """
    z = frame_score(diet, regime)
    west = p.blame_west_low + z * (p.blame_west_high - p.blame_west_low)
    regime_blame = p.blame_regime_high + z * (p.blame_regime_low - p.blame_regime_high)
    return west, regime_blame


@lru_cache(maxsize=64)
def blame_table(p) -> tuple[np.ndarray, np.ndarray]:
    """Return ``blame_shares`` for every (diet, regime) pair, diet-major (``blame_index``).

    ``p`` is a ``ParameterValues`` record (hashable: the tables are computed once per run).
    The tables are read-only: every month of a run shares them.
    """
    diet, regime = np.divmod(np.arange(len(STATE_FRAME) * len(REGIME)), len(REGIME))
    tables = blame_shares(diet, regime, p)
    for table in tables:
        table.flags.writeable = False
    return tables


@njit(cache=True, inline="always")
def blame_index(diet, regime):
    """Return the position of a (diet, regime) pair in ``blame_table``."""
    return diet * 3 + regime


def month_terms(inputs, p, context) -> dict[str, float]:
    """Return the restriction rules' share of the month's record.

    The severities of the remote restrictions, the blame tables, and the month's factor on
    West blame: 1 + a_S (I_S(t) - 1).
    """
    blame_west, blame_regime = blame_table(p)
    return {"level_bank": 1.0 - inputs["eu_bank_access"],
            "level_residence": 1.0 - inputs["legal_residence_ease"],
            "west_blame_factor": 1.0 + p.propaganda_blame_amplification
            * (inputs["propaganda_state"] - 1.0),
            "blame_west": blame_west, "blame_regime": blame_regime}


@njit(cache=True, inline="always")
def remote_hit_chances(eu_ties, income, month, p):
    """Return this month's chances that a blocked account and a refused residence touch a resident.

    bank: h (1 - L_bank) for account holders (ties in the EU, or the top income tercile);
    residence: h (1 - L_legal) for relatives of emigrants in the EU.
    """
    holder = (eu_ties > 0) | (income == TOP_INCOME)  # | not or: no branch to guess
    bank = p.restriction_hit_rate * month.level_bank if holder else 0.0
    residence = p.restriction_hit_rate * month.level_residence if eu_ties > 0 else 0.0
    return bank, residence


@njit(cache=True, inline="always")
def accumulate_grievance(grievance, hits, p):
    """Return grievance after this month's hits and decay.

    g_i <- 1 - (1 - g_i)(1 - eta)^hits_i,  then  g_i <- (1 - delta_g) g_i
    """
    if hits > 0:  # most months bring no hit: skip the power
        grievance = 1.0 - (1.0 - grievance) * (1.0 - p.grievance_gain) ** hits
    return grievance * (1.0 - p.grievance_decay)


@njit(cache=True, inline="always")
def resent(r, e, grievance, diet, regime, month, p):
    """Return a resident's attitudes after grievance acts on them, by who is blamed.

    e_i -= kappa_g phi_W (1 + a_S (I_S - 1)) g_i (1 + e_i)   (the West is blamed)
    r_i -= kappa_gR phi_R g_i (1 + r_i)                       (the regime is blamed)
    r_i += kappa_RI phi_W g_i (1 - r_i)                       (rejection-identification)
    """
    k = blame_index(diet, regime)
    west = month.blame_west[k] * grievance
    regime_blamed = month.blame_regime[k] * grievance
    e = e - p.grievance_to_eu * month.west_blame_factor * west * (1.0 + e)
    r = r - p.grievance_to_regime * regime_blamed * (1.0 + r)
    r = r + p.rejection_identification * west * (1.0 - r)
    return clip(r), clip(e)
