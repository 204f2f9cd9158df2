"""The month's record: every scalar the rules read in one month, built once per month.

The levers and exogenous inputs in force and the parameters are turned here into the
doses, probabilities and severities the per-citizen rules use. Each mechanism module
computes its own part (``month_terms``); this module only gathers them, with the month's
number and the run's random-number key. The compiled engine and the per-agent oracle both
read this record, so a month-level formula is written once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

import numpy as np

from .mechanisms import events, grievance, media, peers, travel

#: The mechanism modules that contribute to the record, in the order of its fields.
CONTRIBUTORS = (peers, media, travel, grievance, events)


class Month(NamedTuple):
    """One month's scalars (see the ``month_terms`` of each mechanism for the formulas)."""

    t: int                      # months since the start: the random numbers' counter
    key_0: int                  # the run's random-number key (``draws.run_key``)
    key_1: int
    repression: float           # the repression index (fear in the survey)
    # peers
    peer_scaled_latitude: float
    peer_half_sharpness: float
    # media
    dose_state: float
    dose_russia: float
    dose_independent: float
    media_scaled_latitude: float
    media_rejection_squared: float
    # travel and contact
    visa_keep_threshold: float
    apply_rate: float
    refusal_rate: float
    exchange_probability: float
    trip_rate: float
    access_without_car: float
    access_with_car: float
    bad_trip_probability: float
    contact_decay: float
    tie_report: float
    # restrictions and grievance
    level_goods: float
    level_car_ban: float
    level_bank: float
    level_residence: float
    level_crossings: float
    grievance_to_russia_now: float
    blame_west: np.ndarray      # chance of blaming the West, by (diet, regime)
    # emigration
    emigration_rate: float


def build_month(t: int, key: tuple[int, int], inputs: Mapping[str, float], p) -> Month:
    """Return month ``t``'s record from its inputs and the parameters ``p``."""
    terms = {"t": t, "key_0": key[0], "key_1": key[1],
             "repression": inputs["repression_index"]}
    for mechanism in CONTRIBUTORS:
        terms.update(mechanism.month_terms(inputs, p))
    return Month(**terms)
