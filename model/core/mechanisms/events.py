"""Exogenous events: the February 2022 war shock and emigration."""

from __future__ import annotations

import numpy as np

from ..network import Network
from ..population import BOTH_MEDIA, INDEPENDENT_ONLY, RARELY, STATE_ONLY
from .attitude_change import clip_attitudes

#: Month of Russia's full-scale invasion of Ukraine, launched partly from Belarus.
WAR_MONTH = "2022-02"

#: Direction of the war shock by media diet: toward Russia where state media explain the war,
#: away from it where independent media do.
_WAR_DIRECTION = np.zeros(4)
_WAR_DIRECTION[[STATE_ONLY, BOTH_MEDIA, INDEPENDENT_ONLY, RARELY]] = [1.0, 0.0, -1.0, 0.5]


def war_shock(r: np.ndarray, r_anchor: np.ndarray, diet: np.ndarray, size: float) -> None:
    """Shift attitudes toward Russia once, durably, by media diet (in place).

    r_i += w * d(diet_i),  r_i^0 += w * d(diet_i),  d = +1 state only, 0 both,
    -1 independent only, +0.5 rarely.
    """
    shift = size * _WAR_DIRECTION[diet]
    r += shift
    r_anchor += shift
    clip_attitudes(r, r_anchor)


def emigration(r: np.ndarray, e: np.ndarray, present: np.ndarray, eu_ties: np.ndarray,
               network: Network, rate: float, attitude_selection: float, west_share: float,
               draw: np.ndarray, west_draw: np.ndarray) -> np.ndarray:
    """Remove emigrants from the population; return who left this month.

    hazard_i = m(t) * exp(gamma_m (e_i - r_i)) / mean_residents(exp(gamma_m (e - r)))

    so the aggregate rate is m(t) while pro-EU citizens leave more often. A share w_west go
    to the EU; each of their ties gains a close tie living in the EU.
    """
    if rate <= 0.0 or not present.any():
        return np.zeros_like(present)
    # In place, one array of N numbers for selection and then hazard: at millions of
    # citizens each fresh array costs page faults every month.
    hazard = np.subtract(e, r)
    hazard *= attitude_selection
    np.exp(hazard, out=hazard)
    mean_selection = hazard[present].mean()
    hazard *= rate
    hazard /= mean_selection
    leaving = draw < hazard
    leaving &= present
    present &= ~leaving
    to_west = np.flatnonzero(leaving & (west_draw < west_share))
    if to_west.size:
        lengths = network.degree[to_west]
        starts = network.indptr[to_west]
        slot = np.repeat(starts - np.cumsum(lengths) + lengths, lengths) \
            + np.arange(lengths.sum())
        np.add.at(eu_ties, network.indices[slot], 1)
    return leaving

