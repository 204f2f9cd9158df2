"""One simulated month: the mechanisms in their documented order."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace

import numpy as np

from .mechanisms.events import emigration
from .mechanisms.grievance import (
    accumulate_grievance,
    count_restriction_hits,
    grievance_effects,
    restriction_exposure,
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
        # Shape (N, 3) stored column by column: the media step reads one outlet at a time.
        self.media_exposure = EXPOSURE_BY_DIET.T[:, self.population.diet].T
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


#: Citizens updated together by the mechanisms that read only each citizen's own state.
#: Small enough that a block's temporaries stay in the CPU cache (and, at millions of
#: citizens, are not fresh memory-mapped pages every month), large enough that the Python
#: overhead per block is small. The results do not depend on it.
BLOCK_SIZE = 1 << 15


def advance_month(world: World, inputs: Mapping[str, float], draws: MonthlyDraws) -> MonthSummary:
    """Advance every citizen by one month (all updates vectorised).

    The order:

    1. peer influence over the network (smooth bounded confidence);
    2. media exposure (state, Russian, independent);
    3. travel and first-hand contact, then extended contact through EU ties;
    4. restrictions to grievance, and grievance to attitudes;
    5. idiosyncratic noise;
    6. Friedkin-Johnsen anchoring;
    7. emigration.

    Steps 2 to 6 read and change only each citizen's own state, so they run block by block
    of citizens (``BLOCK_SIZE``); peers and emigration read other citizens and run on all at
    once. Fear is not updated here: it only changes what the survey records
    (``observation``).
    """
    pop, s, p = world.population, world.state, world.params

    partner = choose_partners(world.network, draws.neighbour)
    peer_influence(s.r, s.e, partner, s.present, pop.regime, p.peer_rate, p.peer_latitude,
                   p.peer_sharpness, p.intergroup_credibility)

    counts = np.zeros(4, dtype=np.int64)
    for start in range(0, pop.size, BLOCK_SIZE):
        block = slice(start, start + BLOCK_SIZE)
        counts += _advance_own_state(
            _rows(pop, block), _rows(s, block), world.media_exposure[block], world.young[block],
            world.media_positions, p, inputs, _rows(draws, block))

    leaving = emigration(s.r, s.e, s.present, s.eu_ties, world.network,
                         inputs["emigration_rate"], p.emigration_attitude_selection,
                         p.emigration_west_share, draws.emigration, draws.emigration_west)
    good_trips, bad_trips, refusals, restriction_hits = counts.tolist()
    return MonthSummary(good_trips=good_trips, bad_trips=bad_trips, refusals=refusals,
                        restriction_hits=restriction_hits, emigrants=int(leaving.sum()))


def _rows(arrays, block: slice):
    """Return a copy of a dataclass of per-citizen arrays holding views of some citizens."""
    return replace(arrays, **{f.name: getattr(arrays, f.name)[..., block]
                              for f in fields(arrays)})


def _advance_own_state(pop: Population, s: CitizenState, exposure_by_outlet: np.ndarray,
                       young: np.ndarray, media_positions: np.ndarray, p: Parameters,
                       inputs: Mapping[str, float], draws: MonthlyDraws) -> np.ndarray:
    """Apply steps 2 to 6 to some citizens (in place).

    Returns:
        Counts of good trips, bad trips, visa refusals and restriction hits.
    """
    media_exposure(s.r, s.e, exposure_by_outlet * s.present[:, None], media_doses(inputs, p),
                   media_positions, s.contact, p.contact_buffer, p.media_latitude,
                   p.media_backfire, p.media_rejection_distance)
    # Emigrants keep their last attitudes: every mechanism acts on residents only.

    trips = travel_and_contact(
        s.r, s.e, s.r_anchor, s.e_anchor, s.contact, s.has_visa, s.present, s.eu_ties,
        pop.income, pop.car_owner, young, inputs, inputs["pandemic_travel_barrier"],
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
    return np.array([trips.good_trip.sum(), trips.bad_trip.sum(), trips.refused.sum(),
                     hits.sum()])
