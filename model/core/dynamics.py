"""One simulated month: the mechanisms in their documented order."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from functools import cache

import numpy as np

from ..inputs.parameters import Parameters
from . import kernels
from .mechanisms.events import emigration
from .mechanisms.grievance import (
    accumulate_grievance,
    count_restriction_hits,
    grievance_effects,
    kept_after_hits,
    restriction_exposure,
    restriction_levels,
)
from .mechanisms.media import EXPOSURE_BY_DIET, independent_reach, media_exposure
from .mechanisms.noise import idiosyncratic_noise
from .mechanisms.peers import anchoring, choose_partners, peer_influence
from .mechanisms.travel import (
    application_scale,
    bad_trip_probability,
    extended_contact,
    tie_report,
    transport_access,
    travel_and_contact,
    trip_scale,
)
from .network import Network
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
        # The compiled peer step's changes, computed for everyone before any is applied.
        # Kept from month to month: at millions of citizens, fresh arrays cost page faults.
        self.peer_scratch = np.empty((2, self.population.size))
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


#: How the mechanisms of steps 1 to 6 run: ``"compiled"``, numba loops over citizens
#: (``kernels``); ``"numpy"``, array operations, the readable specification the compiled
#: loops are tested against. They agree to rounding (1e-12; in practice bit for bit).
ENGINES = ("compiled", "numpy")


def advance_month(world: World, inputs: Mapping[str, float], draws: MonthlyDraws,
                  engine: str = "compiled") -> MonthSummary:
    """Advance every citizen by one month (all updates vectorised).

    The order:

    1. peer influence over the network (smooth bounded confidence);
    2. media exposure (state, Russian, independent);
    3. travel and first-hand contact, then extended contact through EU ties;
    4. restrictions to grievance, and grievance to attitudes;
    5. idiosyncratic noise;
    6. Friedkin-Johnsen anchoring;
    7. emigration.

    By default steps 1 to 6 run as compiled loops over citizens (``kernels``). With
    ``engine="numpy"`` they run as array operations: steps 2 to 6 read and change only each
    citizen's own state, so they run block by block of citizens (``BLOCK_SIZE``); peers
    read other citizens and run on all at once. Emigration runs on all at once in numpy
    either way. Fear is not updated here: it only changes what the survey records
    (``observation``).
    """
    pop, s, p = world.population, world.state, world.params

    if engine == "compiled":
        network = world.network
        kernels.peer_influence(s.r, s.e, network.indptr, network.indices, network.degree,
                               draws.neighbour, s.present, pop.regime, p.peer_rate,
                               p.intergroup_credibility, p.peer_latitude**p.peer_sharpness,
                               p.peer_sharpness / 2.0, *world.peer_scratch)
        counts = _advance_own_state_compiled(world, inputs, draws)
    elif engine == "numpy":
        partner = choose_partners(world.network, draws.neighbour)
        peer_influence(s.r, s.e, partner, s.present, pop.regime, p.peer_rate,
                       p.peer_latitude, p.peer_sharpness, p.intergroup_credibility)
        counts = np.zeros(4, dtype=np.int64)
        for block in _blocks(pop.size):
            counts += _advance_own_state(
                _rows(pop, block), _rows(s, block), world.media_exposure[block],
                world.young[block], world.media_positions, p, inputs, _rows(draws, block))
    else:
        raise ValueError(f"engine must be one of {ENGINES}, got {engine!r}")

    leaving = emigration(s.r, s.e, s.present, s.eu_ties, world.network,
                         inputs["emigration_rate"], p.emigration_attitude_selection,
                         p.emigration_west_share, draws.emigration, draws.emigration_west)
    good_trips, bad_trips, refusals, restriction_hits = counts.tolist()
    return MonthSummary(good_trips=good_trips, bad_trips=bad_trips, refusals=refusals,
                        restriction_hits=restriction_hits, emigrants=int(leaving.sum()))


_EVERYONE = slice(None)


def _blocks(n: int):
    """Yield the slices of citizens updated together (everyone, when one block holds all)."""
    if n <= BLOCK_SIZE:
        yield _EVERYONE
        return
    for start in range(0, n, BLOCK_SIZE):
        yield slice(start, start + BLOCK_SIZE)


def _rows(arrays, block: slice):
    """Return a copy of a dataclass of per-citizen arrays holding views of some citizens."""
    if block is _EVERYONE:
        return arrays
    return replace(arrays, **{name: getattr(arrays, name)[..., block]
                              for name in _field_names(type(arrays))})


@cache
def _field_names(dataclass_type: type) -> tuple[str, ...]:
    # ``dataclasses.fields`` is slow enough to show in the profile of a month.
    return tuple(field.name for field in fields(dataclass_type))


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

    exposure = restriction_exposure(pop.car_owner, pop.border_region, s.has_visa, s.eu_ties,
                                    pop.income)
    hits = count_restriction_hits(exposure, restriction_levels(inputs),
                                  p.restriction_hit_rate, draws.restriction)
    hits = (hits + trips.refused + trips.bad_trip) * s.present
    accumulate_grievance(s.grievance, hits, p.grievance_gain, p.grievance_decay)
    grievance_effects(s.r, s.e, s.grievance, s.attribution, s.present, p.grievance_to_eu,
                      p.grievance_to_russia, inputs["propaganda_state"])

    idiosyncratic_noise(s.r, s.e, draws.noise * s.present, p.attitude_noise)
    anchoring(s.r, s.e, s.r_anchor, s.e_anchor, s.stubbornness * s.present)
    return np.array([trips.good_trip.sum(), trips.bad_trip.sum(), trips.refused.sum(),
                     hits.sum()])


def own_state_scalars(p: Parameters, inputs: Mapping[str, float]) -> np.ndarray:
    """Return the month's scalars for the compiled kernel, in the order of ``kernels.SCALARS``.

    Each is computed by the expression or helper the numpy path uses, so that the two paths
    multiply the same numbers in the same order.
    """
    without_car, with_car = transport_access(np.array([False, True]), inputs["car_plate_ban"],
                                             inputs["bus_routes"], p.bus_dependence,
                                             p.car_to_bus_substitution)
    values = {
        "shield_buffer": p.contact_buffer,
        "media_scaled_latitude": p.media_latitude**2.0,
        "media_backfire": p.media_backfire,
        "media_rejection_squared": p.media_rejection_distance**2,
        "visa_keep_threshold": 1.0 / p.visa_validity_months,
        "travel_attitude_selection": p.travel_attitude_selection,
        "travel_ties_selection": p.travel_ties_selection,
        "travel_income_selection": p.travel_income_selection,
        "apply_rate": application_scale(inputs, p),
        "refusal_rate": inputs["visa_refusal_rate"],
        "exchange_probability": exchange_probability(inputs["exchange_participants"]),
        "trip_rate": trip_scale(inputs, inputs["pandemic_travel_barrier"], p),
        "access_without_car": without_car,
        "access_with_car": with_car,
        "bad_trip_probability": bad_trip_probability(inputs, p),
        "contact_decay": 0.5 ** (1.0 / p.contact_half_life),
        "contact_gain": p.contact_gain,
        "contact_russia_reduction": p.contact_russia_reduction,
        "anchor_gain_e": p.contact_anchor_share * p.contact_gain,
        "anchor_gain_r": p.contact_anchor_share * p.contact_russia_reduction,
        "extended_contact_rate": p.extended_contact_rate,
        "tie_report": tie_report(inputs["eu_bank_access"], inputs["legal_residence_ease"]),
        "restriction_hit_rate": p.restriction_hit_rate,
        "grievance_kept": 1.0 - p.grievance_decay,
        "grievance_to_eu": p.grievance_to_eu,
        "grievance_to_russia_now": p.grievance_to_russia * inputs["propaganda_state"],
        "attitude_noise": p.attitude_noise,
    }
    return np.array([values[name] for name in kernels.SCALARS], dtype=np.float64)


def _advance_own_state_compiled(world: World, inputs: Mapping[str, float],
                                draws: MonthlyDraws) -> np.ndarray:
    """Apply steps 2 to 6 to every citizen with the compiled kernel (in place)."""
    pop, s, p = world.population, world.state, world.params
    return kernels.advance_own_state(
        s.r, s.e, s.r_anchor, s.e_anchor, s.contact, s.grievance, s.attribution,
        s.stubbornness, s.has_visa, s.present, s.eu_ties, pop.income, pop.car_owner,
        pop.border_region, world.young, world.media_exposure.T, media_doses(inputs, p),
        world.media_positions, restriction_levels(inputs),
        kept_after_hits(p.grievance_gain, kernels.MAX_HITS),
        own_state_scalars(p, inputs), draws.visa_expiry, draws.visa_application,
        draws.visa_refusal, draws.trip, draws.trip_quality, draws.exchange,
        draws.restriction, draws.noise)
