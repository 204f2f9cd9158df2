"""Peer influence over the social network, and Friedkin-Johnsen anchoring."""

from __future__ import annotations

import numpy as np

from ..network import Network
from ..population import LOYAL, OPPOSED
from .attitude_change import acceptance_of_squared, clip_attitudes


def choose_partners(network: Network, draw: np.ndarray) -> np.ndarray:
    """Return the tie each citizen talks to this month: a uniform pick among its ties.

    j_i = indices[indptr_i + floor(u_i * degree_i)]
    """
    degree = network.degree
    slot = network.indptr[:-1] + np.minimum((draw * degree).astype(np.int64), degree - 1)
    return network.indices[slot]


def peer_influence(r: np.ndarray, e: np.ndarray, partner: np.ndarray, present: np.ndarray,
                   regime: np.ndarray, rate: float, latitude: float, sharpness: float,
                   intergroup_credibility: float) -> None:
    """Move each citizen toward the partner they talked to (synchronous update).

    a_i += alpha * c_ij * h(|a_j - a_i|) * (a_j - a_i), a = (r, e)

    with h the smooth bounded-confidence acceptance (``acceptance``) and c_ij the partner's
    credibility: 1, or ``intergroup_credibility`` across the loyal/opposed divide. A
    citizen whose partner has emigrated, or who has emigrated, does not move.
    """
    dr = r[partner] - r
    de = e[partner] - e
    squared_distance = dr * dr
    squared_distance += de * de
    partner_regime = regime[partner]
    across_divide = ((regime == LOYAL) & (partner_regime == OPPOSED)) | (
        (regime == OPPOSED) & (partner_regime == LOYAL))
    weight = rate * np.where(across_divide, intergroup_credibility, 1.0)
    weight *= acceptance_of_squared(squared_distance, latitude, sharpness)
    weight *= present & present[partner]
    # In place (dr becomes the change in r): same numbers, fewer temporaries.
    dr *= weight
    de *= weight
    r += dr
    e += de
    clip_attitudes(r, e)


def anchoring(r: np.ndarray, e: np.ndarray, r_anchor: np.ndarray, e_anchor: np.ndarray,
              stubbornness: np.ndarray) -> None:
    """Pull attitudes back toward each citizen's anchor (Friedkin & Johnsen 1990).

    a_i += s_i * (a_i^0 - a_i)

    The monthly form of x(t+1) = (1 - s) W x(t) + s x(0): what peers and media did this
    month is partly undone by a citizen's lasting predispositions.
    """
    r += stubbornness * (r_anchor - r)
    e += stubbornness * (e_anchor - e)
