"""The monthly step: every rule, in the documented order, for every citizen (compiled).

One month is three passes over citizens, each a compiled loop over fixed chunks of citizens
(``core.threads``: one thread, or several for large populations):

1. peer influence is worked out for everyone from last month's attitudes (a synchronous
   update: the changes are kept aside until all are known);
2. each citizen then applies their peer change and lives the rest of the month: media,
   travel and contact, extended contact, restrictions and grievance, noise, anchoring;
   their emigration pull is noted;
3. with the residents' mean pull known, each resident decides whether to emigrate; the
   ties of those who go west then gain an EU tie (in citizen order, one thread).

The rules themselves live in ``core.mechanisms``, one module each; this module only orders
them. Every random number is drawn by the rule that uses it from the counter-based
generator (``core.draws``) and every total is summed chunk by chunk in citizen order, so a
seed gives the same numbers whatever the number of threads.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from ..inputs.parameters import ParameterValues
from .draws import (
    EMIGRATION,
    NOISE,
    PEERS,
    RESTRICTIONS_MORE,
    TRAVEL,
    TRAVEL_RARE,
    chunk_draws,
    fill,
    uniforms,
)
from .draws import RESTRICTIONS as RESTRICTION_DRAWS
from .mechanisms.attitude_change import clip
from .mechanisms.events import emigrates, emigration_pull, goes_west, tie_emigrant, war_shift
from .mechanisms.grievance import accumulate_grievance, resent, restriction_hits
from .mechanisms.media import watch_media
from .mechanisms.noise import drift
from .mechanisms.peers import partner, peer_change, return_to_anchor
from .mechanisms.travel import (
    YOUNG,
    contact_effect,
    hear_from_ties_abroad,
    make_trip,
    renew_visa,
    travel_propensity,
)
from .month import Month
from .network import Network
from .population import Population
from .state import CitizenState
from .threads import CHUNK, chunk_count, for_chunks, thread_count, uses_threads

#: What ``advance_month`` counts: good trips, humiliating trips, visa refusals, restriction
#: hits, emigrants (all), emigrants to the EU.
COUNTS = ("good_trips", "bad_trips", "refusals", "restriction_hits", "emigrants",
          "emigrants_west")
_GOOD, _BAD, _REFUSED, _HITS, _EMIGRANTS, _WEST, _RESIDENTS = range(len(COUNTS) + 1)
#: Emigration outcomes, noted in scratch row 1.
_STAYS, _EAST_BOUND, _WEST_BOUND = 0, 1, 2


@dataclass(frozen=True)
class MonthSummary:
    """Counts of what happened in a month (for diagnostics and the interactive app)."""

    good_trips: int
    bad_trips: int
    refusals: int
    restriction_hits: int
    emigrants: int
    emigrants_west: int


@dataclass
class World:
    """Everything the monthly step reads or changes, apart from the month's record."""

    population: Population
    network: Network
    state: CitizenState
    params: ParameterValues

    def __post_init__(self):
        # Peer changes (r, e), kept aside until every citizen's is known; then the
        # emigration pull (row 0) and decision (row 1). Kept from month to month: at
        # millions of citizens, fresh arrays cost page faults every month.
        self.scratch = np.empty((2, self.population.size))
        # Each thread's random numbers for the chunk it is working on.
        self.draws = np.stack([chunk_draws() for _ in range(thread_count())])


def advance_month(world: World, month: Month) -> MonthSummary:
    """Advance every citizen by one month (in place) and return what happened."""
    s, pop, network, p, scratch, draws = (world.state, world.population, world.network,
                                          world.params, world.scratch, world.draws)
    n = pop.size
    if draws.shape[0] < thread_count():  # the thread count was raised since the world was built
        draws = world.draws = np.stack([chunk_draws() for _ in range(thread_count())])
    counts = np.zeros((chunk_count(n), len(COUNTS) + 1), dtype=np.int64)
    pull_sums = np.zeros(chunk_count(n))
    restricted = (month.level_goods > 0.0 or month.level_car_ban > 0.0
                  or month.level_bank > 0.0 or month.level_residence > 0.0
                  or month.level_crossings > 0.0)
    if uses_threads(n):
        for_chunks(_peer_chunks, n, s, pop, network, month, p, scratch, draws)
        for_chunks(_live_chunks, n, s, pop, month, p, scratch, draws, restricted, counts,
                   pull_sums)
        residents = counts[:, _RESIDENTS].sum()
        if residents > 0:
            mean_pull = _ordered_sum(pull_sums) / residents
            for_chunks(_emigration_chunks, n, s, mean_pull, month, p, scratch, draws, counts)
            if counts[:, _WEST].any():
                _tie_west_emigrants(s, network, scratch)
    else:  # the same loops in one compiled call: a call costs tens of microseconds
        _advance_on_this_thread(s, pop, network, month, p, scratch, draws, restricted, counts,
                                pull_sums)
    return MonthSummary(*(int(c) for c in counts[:, :len(COUNTS)].sum(axis=0)))


@njit(cache=True, nogil=True)
def _ordered_sum(values):
    """Return the sum of ``values`` added in order (so both paths give the same mean)."""
    total = 0.0
    for value in values:
        total += value
    return total


@njit(cache=True, nogil=True)
def _advance_on_this_thread(s, pop, network, month, p, scratch, draws, restricted, counts,
                            pull_sums):
    """Run the three steps of ``advance_month`` for every chunk on the calling thread."""
    chunks = counts.shape[0]
    _peer_chunks(0, chunks, 0, s, pop, network, month, p, scratch, draws)
    _live_chunks(0, chunks, 0, s, pop, month, p, scratch, draws, restricted, counts,
                 pull_sums)
    residents = counts[:, _RESIDENTS].sum()
    if residents > 0:
        mean_pull = _ordered_sum(pull_sums) / residents
        _emigration_chunks(0, chunks, 0, s, mean_pull, month, p, scratch, draws, counts)
        if counts[:, _WEST].sum() > 0:
            _tie_west_emigrants(s, network, scratch)


def war_shock(world: World) -> None:
    """Apply the February 2022 war shock to every citizen (``events.feel_war_shock``)."""
    _war_shock(world.state, world.population, world.params)


#: The loops release Python's lock (so threads can share the chunks) and run without
#: Numba's reference counting (``_nrt=False``: they allocate nothing). With it, every read
#: of an array out of the state tuple is an atomic increment and decrement, which made each
#: rule ten times slower.
_LOOP = {"cache": True, "nogil": True, "_nrt": False}


@njit(**_LOOP)
def _peer_chunks(first, last, worker, s, pop, network, month, p, scratch, draws):
    """Step 1 for chunks first..last-1: each citizen's peer change, from last month."""
    n = s.r.size
    mine = draws[worker]
    for chunk in range(first, last):
        fill(mine, month, chunk, n, PEERS)
        for i in range(chunk * CHUNK, min(n, (chunk + 1) * CHUNK)):
            j = partner(i, network, uniforms(mine, PEERS, i)[0])
            if s.present[i] and s.present[j]:
                scratch[0, i], scratch[1, i] = peer_change(s.r[i], s.e[i], s.r[j], s.e[j],
                                                           pop.regime[i], pop.regime[j],
                                                           month, p)
            else:
                scratch[0, i] = scratch[1, i] = 0.0


@njit(**_LOOP)
def _live_chunks(first, last, worker, s, pop, month, p, scratch, draws, restricted, counts,
                 pull_sums):
    """Step 2 for chunks first..last-1: the rest of each citizen's month, in order.

    Each citizen's values are read once, passed through the rules as numbers, and written
    back once: the rules are pure functions, and the compiler keeps the values in registers.
    """
    n = s.r.size
    mine = draws[worker]
    for chunk in range(first, last):
        for block in (TRAVEL, TRAVEL_RARE, NOISE):
            fill(mine, month, chunk, n, block)
        if restricted:
            fill(mine, month, chunk, n, RESTRICTION_DRAWS)
            fill(mine, month, chunk, n, RESTRICTIONS_MORE)
        for i in range(chunk * CHUNK, min(n, (chunk + 1) * CHUNK)):
            here = s.present[i]
            r, e = clip(s.r[i] + scratch[0, i]), clip(s.e[i] + scratch[1, i])
            r_anchor, e_anchor, contact = s.r_anchor[i], s.e_anchor[i], s.contact[i]
            eu_ties, car_owner = s.eu_ties[i], pop.car_owner[i]

            if here:
                r, e = watch_media(r, e, contact, pop.diet[i], month, p)

            expiry_u, application_u, refusal_u, trip_u = uniforms(mine, TRAVEL, i)
            quality_u, exchange_u, _, _ = uniforms(mine, TRAVEL_RARE, i)
            propensity = travel_propensity(e, eu_ties, pop.income[i], p)
            visa, refused, exchange = renew_visa(
                s.has_visa[i], here, propensity, pop.age_band[i] == YOUNG, expiry_u,
                application_u, refusal_u, exchange_u, month)
            good_trip, bad_trip = make_trip(visa, exchange, here, propensity, car_owner,
                                            trip_u, quality_u, month)
            r, e, r_anchor, e_anchor, contact = contact_effect(r, e, r_anchor, e_anchor,
                                                               contact, good_trip, month, p)

            hits = 0
            if here:
                e = hear_from_ties_abroad(e, eu_ties, month, p)
                if restricted:
                    goods_u, car_u, bank_u, residence_u = uniforms(mine, RESTRICTION_DRAWS, i)
                    hits = restriction_hits(car_owner, pop.border_region[i], visa, eu_ties,
                                            pop.income[i], goods_u, car_u, bank_u,
                                            residence_u,
                                            uniforms(mine, RESTRICTIONS_MORE, i)[0], month, p)
            grievance = accumulate_grievance(s.grievance[i], hits + refused + bad_trip, p)
            if here:
                r, e = resent(r, e, grievance, pop.diet[i], pop.regime[i], month, p)
                r_u, e_u, _, _ = uniforms(mine, NOISE, i)
                r, e = drift(r, e, r_u, e_u, p)
                r, e = return_to_anchor(r, e, r_anchor, e_anchor, pop.age_band[i], p)

            s.r[i], s.e[i], s.r_anchor[i], s.e_anchor[i] = r, e, r_anchor, e_anchor
            s.contact[i], s.grievance[i], s.has_visa[i] = contact, grievance, visa
            counts[chunk, _GOOD] += good_trip
            counts[chunk, _BAD] += bad_trip
            counts[chunk, _REFUSED] += refused
            counts[chunk, _HITS] += hits
            if here and month.emigration_rate > 0.0:
                scratch[0, i] = emigration_pull(r, e, p)
                pull_sums[chunk] += scratch[0, i]
                counts[chunk, _RESIDENTS] += 1


@njit(**_LOOP)
def _emigration_chunks(first, last, worker, s, mean_pull, month, p, scratch, draws, counts):
    """Step 3 for chunks first..last-1: who leaves, and who of them goes west (scratch row 1)."""
    n = s.r.size
    mine = draws[worker]
    for chunk in range(first, last):
        fill(mine, month, chunk, n, EMIGRATION)
        for i in range(chunk * CHUNK, min(n, (chunk + 1) * CHUNK)):
            scratch[1, i] = _STAYS
            if not s.present[i]:
                continue
            leave_u, west_u, _, _ = uniforms(mine, EMIGRATION, i)
            if emigrates(scratch[0, i], mean_pull, leave_u, month):
                s.present[i] = False
                counts[chunk, _EMIGRANTS] += 1
                if goes_west(west_u, p):
                    scratch[1, i] = _WEST_BOUND
                    counts[chunk, _WEST] += 1
                else:
                    scratch[1, i] = _EAST_BOUND


@njit(**_LOOP)
def _tie_west_emigrants(s, network, scratch):
    """Give the ties of this month's west-bound emigrants an EU tie each.

    Ties are other citizens' counters, so this runs in citizen order on one thread.
    """
    for i in range(s.r.size):
        if scratch[1, i] == _WEST_BOUND:
            tie_emigrant(i, s, network)


@njit(**_LOOP)
def _war_shock(s, pop, p):
    for i in range(pop.diet.size):
        shift = war_shift(pop.diet[i], p)
        s.r[i] = clip(s.r[i] + shift)
        s.r_anchor[i] = clip(s.r_anchor[i] + shift)
