"""Media exposure: state, Russian and independent media as stubborn sources."""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from .attitude_change import acceptance, clip

OUTLETS = ("state", "russia", "independent")
STATE, RUSSIA, INDEPENDENT = range(len(OUTLETS))

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

#: Sharpness k of the media acceptance function: k = 2, a gentle fall-off with distance.
MEDIA_SHARPNESS = 2.0

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
    boost = 1.0 + elasticity * math.log2((OTHER_FUNDING + funding)
                                         / (OTHER_FUNDING + REFERENCE_FUNDING))
    return (1.0 - blocking) * max(0.0, boost)


def month_terms(inputs, p, context) -> dict[str, float]:
    """Return the media rule's share of the month's record.

    dose_S = beta_S I_S(t) R_S(t), dose_R = beta_R I_R(t), dose_I = beta_I reach_I(t), and
    the acceptance constants lambda_M^k and t_M^2; R_S is the reach of state media
    (``state_media_reach``: more people named TV as a source in 2022).
    """
    reach = independent_reach(inputs["independent_media_blocking"],
                              inputs["eu_civil_society_funding"], p.funding_reach_elasticity)
    return {"dose_state": (p.media_rate_state * inputs["propaganda_state"]
                           * inputs["state_media_reach"]),
            "dose_russia": p.media_rate_russia * inputs["propaganda_russia"],
            "dose_independent": p.media_rate_independent * reach,
            "media_scaled_latitude": p.media_latitude**MEDIA_SHARPNESS,
            "media_rejection_squared": p.media_rejection_distance**2}


@njit(cache=True, inline="always")
def _pull_toward(r, e, dose, exposure, position_r, position_e, shield, month, p):
    """Return (r, e) moved toward one outlet's position (one term of ``watch_media``)."""
    dr = position_r - r
    de = position_e - e
    squared_distance = dr * dr + de * de
    accepted = acceptance(squared_distance, month.media_scaled_latitude, MEDIA_SHARPNESS / 2)
    # A pick, not a branch, so that the compiler can treat several citizens at once.
    accepted -= p.media_backfire if squared_distance > month.media_rejection_squared else 0.0
    pull = dose * exposure * accepted * shield
    return r + dr * pull, e + de * pull


@njit(cache=True, inline="always")
def watch_media(r, e, contact, diet, month, p):
    """Return a resident's attitudes pulled toward each outlet's position, by exposure.

    a_i += dose_M x_iM g_iM [h(|mu_M - a_i|) - b 1(|mu_M - a_i| > t_M)] (mu_M - a_i)

    for each outlet M with position mu_M and the month's dose (``month_terms``: beta_S I_S R_S
    for state media, beta_R I_R for Russian, beta_I reach_I for independent), the citizen's
    exposure x_iM (``EXPOSURE_BY_DIET``), acceptance h and backfire b beyond the rejection
    distance t_M (Jager & Amblard 2005). For state and Russian media g_iM = 1 / (1 + chi
    K_i): recent first-hand contact with the EU buffers propaganda. The monthly dose
    aggregates many exposures, so its expected effect is used. Outlets act in turn, each on
    the attitudes the previous one left.
    """
    # Every outlet acts, a zero dose moving no one: no branch, so that the compiler can treat
    # several citizens at once (``core.engine``).
    shield = 1.0 / (1.0 + p.contact_buffer * contact)
    r, e = _pull_toward(r, e, month.dose_state, EXPOSURE_BY_DIET[diet, STATE],
                        p.media_position_state_r, p.media_position_state_e, shield, month, p)
    r, e = _pull_toward(r, e, month.dose_russia, EXPOSURE_BY_DIET[diet, RUSSIA],
                        p.media_position_russia_r, p.media_position_russia_e, shield, month, p)
    r, e = _pull_toward(r, e, month.dose_independent, EXPOSURE_BY_DIET[diet, INDEPENDENT],
                        p.media_position_independent_r, p.media_position_independent_e, 1.0,
                        month, p)
    return clip(r), clip(e)
