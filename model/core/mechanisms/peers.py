"""Peer influence over the social network, and Friedkin-Johnsen anchoring."""

from __future__ import annotations

import numpy as np
from numba import njit

from ..population import NEUTRAL
from .attitude_change import acceptance, clip

#: Stubbornness by age band (Friedkin-Johnsen s_i = s * factor): older citizens hold to their
#: predispositions more. Assumption on the gradient; the level s is ``anchoring_rate``.
STUBBORNNESS_BY_AGE = np.array([0.7, 0.9, 1.1, 1.3])


def month_terms(inputs, p, context) -> dict[str, float]:
    """Return the peer rule's share of the month's record: lambda^k and k / 2."""
    return {"peer_scaled_latitude": p.peer_latitude**p.peer_sharpness,
            "peer_half_sharpness": p.peer_sharpness / 2.0}


@njit(cache=True, inline="always")
def partner(i, network, u):
    """Return the tie citizen i talks to this month: a uniform pick among its ties.

    j_i = indices[indptr_i + floor(u_i * degree_i)]
    """
    start, end = network.indptr[i], network.indptr[i + 1]
    return network.indices[start + min(int(u * (end - start)), end - start - 1)]


@njit(cache=True, inline="always")
def across_divide(regime_i, regime_j):
    """Return whether two citizens stand on opposite sides of the loyal/opposed divide.

    Both in a camp other than the neutral one, and not the same camp (with & rather than
    ``and``: camps are hard to guess, and a wrong guess costs more than the comparisons).
    """
    return (regime_i != NEUTRAL) & (regime_j != NEUTRAL) & (regime_i != regime_j)


@njit(cache=True, inline="always")
def peer_change(r, e, partner_r, partner_e, regime, partner_regime, month, p):
    """Return how far a resident moves toward the resident tie they talk to, (dr, de).

    a_i += alpha * c_ij * h(|a_j - a_i|) * (a_j - a_i), a = (r, e)

    with h the smooth bounded-confidence acceptance and c_ij the partner's credibility: 1,
    or ``intergroup_credibility`` across the loyal/opposed divide. Read from last month's
    attitudes: the engine applies every citizen's change only once all are computed (a
    synchronous update), and nobody moves if either has emigrated.
    """
    dr = partner_r - r
    de = partner_e - e
    credibility = p.intergroup_credibility if across_divide(regime, partner_regime) else 1.0
    weight = p.peer_rate * credibility
    weight *= acceptance(dr * dr + de * de, month.peer_scaled_latitude,
                         month.peer_half_sharpness)
    return dr * weight, de * weight


@njit(cache=True, inline="always")
def return_to_anchor(r, e, r_anchor, e_anchor, age_band, p):
    """Pull a resident's attitudes back toward their anchors (Friedkin & Johnsen 1990).

    a_i += s_i * (a_i^0 - a_i),  s_i = s * f(age band)

    The monthly form of x(t+1) = (1 - s) W x(t) + s x(0): what peers and media did this
    month is partly undone by a citizen's lasting predispositions. Anchors may lie beyond
    [-1, 1] (``core.rest``); attitudes never do.
    """
    stubbornness = p.anchoring_rate * STUBBORNNESS_BY_AGE[age_band]
    return clip(r + stubbornness * (r_anchor - r)), clip(e + stubbornness * (e_anchor - e))
