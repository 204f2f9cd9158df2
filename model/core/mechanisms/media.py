"""Media exposure: state, Russian and independent media as stubborn sources."""

from __future__ import annotations

import numpy as np

from .attitude_change import acceptance_of_squared, clip_attitudes

OUTLETS = ("state", "russia", "independent")

#: Share of a month's full dose each diet group receives from each outlet (rows: state only,
#: both, independent only, rarely; columns: OUTLETS). This table defines the Chatham House
#: diet groups rather than measuring them: "state only" means state media and next to no
#: independent media, and so on. Russian TV reaches state-media audiences most (53% watch
#: it weekly, Nov 2022, https://euro.radio.fm/en/over-30-belarusians-still-favor-union-russia).
EXPOSURE_BY_DIET = np.array([
    [1.00, 0.80, 0.05],
    [0.70, 0.60, 0.70],
    [0.10, 0.10, 1.00],
    [0.20, 0.15, 0.05],
])

#: EU funding (EUR million a year) at which independent-media reach is at its reference: the
#: Nov 2020 EU4Belarus package (see the registry's ``eu_civil_society_funding``).
REFERENCE_FUNDING = 24.0

#: Support for independent media from outside the EU budget (audiences, other donors), in the
#: same units. Assumption: about the size of the EU's own; it keeps the press alive if EU
#: funding stops, so reach halves rather than vanishes.
OTHER_FUNDING = 24.0


def independent_reach(blocking: float, funding: float, elasticity: float) -> float:
    """Return the reach of independent media relative to an unblocked, 2020-funded press.

    reach = (1 - B_I) * max(0, 1 + eps_F * log2((F_other + F) / (F_other + F_ref)))

    Blocking removes part of the audience (Guriev et al. 2021: the internet only matters
    where it is uncensored); EU funding widens reach with diminishing returns.
    """
    boost = 1.0 + elasticity * np.log2((OTHER_FUNDING + funding)
                                       / (OTHER_FUNDING + REFERENCE_FUNDING))
    return (1.0 - blocking) * max(0.0, boost)


def media_exposure(r: np.ndarray, e: np.ndarray, exposure: np.ndarray, doses: np.ndarray,
                   positions: np.ndarray, contact: np.ndarray, contact_buffer: float,
                   latitude: float, backfire: float, rejection_distance: float) -> None:
    """Pull attitudes toward each outlet's position, by how much of it each citizen sees.

    a_i += beta_M * I_M(t) * x_iM * g_iM * h(|mu_M - a_i|) * (mu_M - a_i)

    for each outlet M with position mu_M, monthly dose beta_M * I_M(t) (``doses``), the
    citizen's exposure x_iM (``exposure``, shape (N, 3)) and acceptance h. For state and
    Russian media g_iM = 1 / (1 + chi * K_i): recent first-hand contact with the EU buffers
    propaganda. The monthly dose aggregates many exposures, so its expected effect is used.
    Outlets act in sequence on the updated attitudes.
    """
    shield = 1.0 / (1.0 + contact_buffer * contact)
    for m in range(len(OUTLETS)):
        if doses[m] == 0.0:
            continue
        dr = positions[m, 0] - r
        de = positions[m, 1] - e
        squared_distance = dr * dr
        squared_distance += de * de
        pull = doses[m] * exposure[:, m]
        pull *= acceptance_of_squared(squared_distance, latitude, 2.0, backfire,
                                      rejection_distance)
        if OUTLETS[m] != "independent":
            pull *= shield
        # In place (dr becomes the change in r): same numbers, fewer temporaries.
        dr *= pull
        de *= pull
        r += dr
        e += de
    clip_attitudes(r, e)
