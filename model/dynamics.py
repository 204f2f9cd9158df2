"""One simulated month: the mechanisms in their documented order."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from .mechanisms.events import emigration
from .mechanisms.grievance import (
    accumulate_grievance, count_restriction_hits, grievance_effects, restriction_exposure,
    restriction_levels,
)
from .mechanisms.media import EXPOSURE_BY_DIET, independent_reach, media_exposure
from .mechanisms.noise import idiosyncratic_noise
from .mechanisms.peers import anchoring, choose_partners, peer_influence
from .mechanisms.travel import crossing_closure, extended_contact, travel_and_contact
from .network import Network
from .parameters import Parameters
from .population import ADULT_POPULATION, AGE_SHARES, Population
from .state import CitizenState, MonthlyDraws


@dataclass
class World:
    """Everything the monthly step reads or changes, apart from the month's inputs."""

    population: Population
    network: Network
    state: CitizenState
    params: Parameters

    def __post_init__(self):
        self.media_exposure = EXPOSURE_BY_DIET[self.population.diet]
        self.young = self.population.age_band == 0
        p = self.params
        self.media_positions = np.array([
            [p.media_position_state_r, p.media_position_state_e],
            [p.media_position_russia_r, p.media_position_russia_e],
            [p.media_position_independent_r, p.media_position_independent_e],
        ])


@dataclass(frozen=True)
class MonthSummary:
    """Counts of what happened in a month (for diagnostics and the interactive app)."""

    good_trips: int
    bad_trips: int
    refusals: int
    restriction_hits: int
    emigrants: int


def media_doses(inputs: Mapping[str, float], p: Parameters) -> np.ndarray:
    """Return the month's full dose of state, Russian and independent media.

    dose_S = beta_S I_S(t), dose_R = beta_R I_R(t), dose_I = beta_I reach_I(t)
    """
    reach = independent_reach(inputs["independent_media_blocking"],
                              inputs["eu_civil_society_funding"], p.funding_reach_elasticity)
    return np.array([p.media_rate_state * inputs["propaganda_state"],
                     p.media_rate_russia * inputs["propaganda_russia"],
                     p.media_rate_independent * reach])


def exchange_probability(participants: float) -> float:
    """Return the monthly chance that a young adult joins an exchange programme.

    participants per year / 12 / number of adults aged 18-29 in Belarus.
    """
    return participants / 12.0 / (AGE_SHARES[0] * ADULT_POPULATION)


def advance_month(world: World, inputs: Mapping[str, float], draws: MonthlyDraws) -> MonthSummary:
    """Advance every citizen by one month, in this order (all updates vectorised):

    1. peer influence over the network (smooth bounded confidence);
    2. media exposure (state, Russian, independent);
    3. travel and first-hand contact, then extended contact through EU ties;
    4. restrictions to grievance, and grievance to attitudes;
    5. idiosyncratic noise;
    6. Friedkin-Johnsen anchoring;
    7. emigration.

    Fear is not updated here: it only changes what the survey records (``observation``).
    """
    pop, s, p = world.population, world.state, world.params

    partner = choose_partners(world.network, draws.neighbour)
    peer_influence(s.r, s.e, partner, s.present, pop.regime, p.peer_rate, p.peer_latitude,
                   p.peer_sharpness, p.intergroup_credibility)

    media_exposure(s.r, s.e, world.media_exposure * s.present[:, None], media_doses(inputs, p),
                   world.media_positions, s.contact, p.contact_buffer, p.media_latitude,
                   p.media_backfire, p.media_rejection_distance)
    # Emigrants keep their last attitudes: every mechanism acts on residents only.

    trips = travel_and_contact(
        s.r, s.e, s.r_anchor, s.e_anchor, s.contact, s.has_visa, s.present, s.eu_ties,
        pop.income, pop.car_owner, world.young, inputs, inputs["pandemic_travel_barrier"],
        exchange_probability(inputs["exchange_participants"]), p, draws)
    extended_contact(s.e, s.eu_ties, s.present, inputs["eu_bank_access"],
                     inputs["legal_residence_ease"], p.extended_contact_rate)

    closure = crossing_closure(inputs["open_crossings_poland"],
                               inputs["open_crossings_lithuania"],
                               inputs["open_crossings_latvia"])
    exposure = restriction_exposure(pop.car_owner, pop.border_region, s.has_visa, s.eu_ties,
                                    pop.income)
    hits = count_restriction_hits(exposure, restriction_levels(inputs, closure),
                                  p.restriction_hit_rate, draws.restriction)
    hits = (hits + trips.refused + trips.bad_trip) * s.present
    accumulate_grievance(s.grievance, hits, p.grievance_gain, p.grievance_decay)
    grievance_effects(s.r, s.e, s.grievance, s.attribution, s.present, p.grievance_to_eu,
                      p.grievance_to_russia, inputs["propaganda_state"])

    idiosyncratic_noise(s.r, s.e, draws.noise * s.present, p.attitude_noise)
    anchoring(s.r, s.e, s.r_anchor, s.e_anchor, s.stubbornness * s.present)

    leaving = emigration(s.r, s.e, s.present, s.eu_ties, world.network,
                         inputs["emigration_rate"], p.emigration_attitude_selection,
                         p.emigration_west_share, draws.emigration, draws.emigration_west)
    return MonthSummary(good_trips=int(trips.good_trip.sum()), bad_trips=int(trips.bad_trip.sum()),
                        refusals=int(trips.refused.sum()), restriction_hits=int(hits.sum()),
                        emigrants=int(leaving.sum()))
