"""The month's record: every scalar the rules read in one month, built once per month.

The levers and exogenous inputs in force and the parameters are turned here into the
doses, probabilities and severities the per-citizen rules use. Each mechanism module
computes its own part (``month_terms``); this module only gathers them, with the month's
number, the run's random-number key and the month's context: what the model knows about
itself at the start of the month (``MonthContext``: how long the war has lasted, the queues
at the border, the bounds of the political camps). The compiled engine and the per-agent
oracle both read this record, so a month-level formula is written once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

import numpy as np

from .mechanisms import camps, events, grievance, media, peers, travel

#: The mechanism modules that contribute to the record.
CONTRIBUTORS = (camps, peers, media, travel, grievance, events)


class MonthContext(NamedTuple):
    """What the month's record needs from the model's own state and history.

    Attributes:
        months_at_war: months the current war has lasted, this one included (0: peace).
        border_load: traffic at the border over its open capacity (last month's wishes to
            cross), relative to the traffic the 2020 crossings carried before the pandemic
            with the consulates' 2018 output (above 1: queues).
        opposed_below, loyal_from: the loyalty scores that bound the camps
            (``mechanisms.camps``).
    """

    months_at_war: int
    border_load: float
    opposed_below: float
    loyal_from: float


class Month(NamedTuple):
    """One month's scalars (see the ``month_terms`` of each mechanism for the formulas)."""

    t: int                      # months since the start: the random numbers' counter
    key_0: int                  # the run's random-number key (``draws.run_key``)
    key_1: int
    repression: float           # the repression index (fear in the survey)
    opposed_below: float        # camps and sorting (``mechanisms.camps``)
    loyal_from: float
    sorting_dose: float
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
    wish_rate: float
    capacity_factor: float
    access_without_car: float
    access_with_car: float
    contact_decay: float
    tie_report: float
    russia_trip_rate: float
    bad_trip_probability: float
    # restrictions and grievance
    level_bank: float
    level_residence: float
    west_blame_factor: float
    blame_west: np.ndarray      # share blaming the West, by (diet, camp)
    blame_regime: np.ndarray    # share blaming the regime, by (diet, camp)
    # events
    emigration_rate: float
    rally_change: float


def build_month(t: int, key: tuple[int, int], inputs: Mapping[str, float], p,
                context: MonthContext) -> Month:
    """Return month ``t``'s record from its inputs, the parameters ``p`` and its context."""
    terms = {"t": t, "key_0": key[0], "key_1": key[1],
             "repression": inputs["repression_index"]}
    for mechanism in CONTRIBUTORS:
        terms.update(mechanism.month_terms(inputs, p, context))
    return Month(**terms)


def months_at_war_by_month(war: np.ndarray) -> list[int]:
    """Return ``months_at_war`` for every month of the series."""
    months, running = [], 0
    for value in war:
        running = running + 1 if value > 0.0 else 0
        months.append(running)
    return months


def months_at_war(war: np.ndarray, t: int) -> int:
    """Return how many months the war has lasted at month ``t`` (0 if there is none)."""
    months = 0
    while t - months >= 0 and war[t - months] > 0.0:
        months += 1
    return months
