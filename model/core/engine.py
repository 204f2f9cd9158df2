"""The monthly step: every rule, in the documented order, for every citizen (compiled).

One month is three passes over citizens, each a compiled loop over fixed chunks of citizens
(``core.threads``: one thread, or several for large populations):

1. peer influence is worked out for everyone from last month's attitudes (a synchronous
   update: the changes are kept aside until all are known);
2. each citizen then applies their peer change and lives the rest of the month, in this
   order: the war rally, media, sorting by camp, travel and contact (to the EU and to
   Russia), reports from ties abroad, restrictions and grievance, noise, anchoring; their
   emigration pull and their wish to cross the border (next month's queues) are noted;
3. with the residents' mean pull known, each resident decides whether to emigrate; the
   ties of those who leave then gain a tie where they went (in citizen order, one thread).

The rules themselves live in ``core.mechanisms``, one module each: pure functions of one
citizen's values, the month's record and the parameters. This module only reads each
citizen's values, passes them through the rules in order and writes them back. Every random
number comes from the counter-based generator (``core.draws``) and every total is summed
chunk by chunk in citizen order, so a seed gives the same numbers whatever the number of
threads.
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
    RESTRICTIONS,
    TRAVEL,
    TRAVEL_MORE,
    chunk_draws,
    chunk_positions,
    fill,
    standard_normals,
    uniforms,
)
from .mechanisms.attitude_change import clip
from .mechanisms.camps import camp, sort_by_camp
from .mechanisms.events import (
    STAYS,
    WEST_BOUND,
    apply_rally,
    emigrates,
    emigration_pull,
    tie_emigrant,
)
from .mechanisms.grievance import accumulate_grievance, remote_hit_chances, resent
from .mechanisms.media import watch_media
from .mechanisms.noise import drift
from .mechanisms.peers import partner, peer_change, return_to_anchor
from .mechanisms.travel import (
    YOUNG,
    good_contact,
    hear_from_ties_abroad,
    make_trip,
    negative_contact,
    note_trip_west,
    renew_visa,
    russia_contact,
    travel_propensity,
    trip_thresholds,
    update_contact_stock,
    visit_russia,
)
from .month import Month
from .network import Network
from .population import Population
from .state import CitizenState
from .threads import CHUNK, chunk_count, for_chunks, thread_count, uses_threads

#: What ``advance_month`` counts, per month.
COUNTS = ("good_trips", "bad_trips", "refusals", "restriction_hits", "russia_trips",
          "emigrants", "emigrants_west")
(_GOOD, _BAD, _REFUSED, _HITS, _RUSSIA, _EMIGRANTS, _WEST,
 _RESIDENTS) = range(len(COUNTS) + 1)


@dataclass(frozen=True)
class MonthSummary:
    """What happened in a month (for diagnostics, the queues and the interactive app).

    ``border_demand`` is the residents' mean chance of trying to cross the border west this
    month (the visa holders' wishes that reach the border): next month's queues.
    """

    good_trips: int
    bad_trips: int
    refusals: int
    restriction_hits: int
    russia_trips: int
    emigrants: int
    emigrants_west: int
    border_demand: float


@dataclass
class World:
    """Everything the monthly step reads or changes, apart from the month's record."""

    population: Population
    network: Network
    state: CitizenState
    params: ParameterValues

    def __post_init__(self):
        n = self.population.size
        # Peer changes (r, e), kept aside until every citizen's is known; then, chunk by
        # chunk, the noise's two normals; then the emigration pull (row 0) and decision
        # (row 1). Kept from month to month: at millions of citizens, fresh arrays cost
        # page faults every month.
        self.scratch = np.empty((2, n))
        # Each thread's random numbers for the chunk it is working on, and its list of
        # positions in the chunk (the noise's normals in the tails, ``standard_normals``).
        self.draws = np.stack([chunk_draws() for _ in range(thread_count())])
        self.tails = np.stack([chunk_positions() for _ in range(thread_count())])
        # Each chunk's counts (``COUNTS``, then residents) and sums (emigration pull,
        # border demand), zeroed at the start of every month.
        self.counts = np.zeros((chunk_count(n), len(COUNTS) + 1), dtype=np.int64)
        self.sums = np.zeros((chunk_count(n), 2))


def advance_month(world: World, month: Month) -> MonthSummary:
    """Advance every citizen by one month (in place) and return what happened."""
    s, pop, network, p, scratch, draws, tails = (world.state, world.population, world.network,
                                                 world.params, world.scratch, world.draws,
                                                 world.tails)
    n, counts, sums = pop.size, world.counts, world.sums
    if uses_threads(n):
        if draws.shape[0] < thread_count():  # the thread count was raised since the build
            draws = world.draws = np.stack([chunk_draws() for _ in range(thread_count())])
            tails = world.tails = np.stack([chunk_positions() for _ in range(thread_count())])
        counts[:] = 0
        sums[:] = 0.0
        for_chunks(_peer_chunks, n, s, pop, network, month, p, scratch, draws)
        for_chunks(_live_chunks, n, s, pop, month, p, scratch, draws, tails, counts, sums)
        residents = counts[:, _RESIDENTS].sum()
        if residents > 0 and month.emigration_rate > 0.0:
            mean_pull = _ordered_sum(sums[:, 0]) / residents
            for_chunks(_emigration_chunks, n, s, mean_pull, month, p, scratch, draws, counts)
            if counts[:, _EMIGRANTS].any():
                _tie_emigrants(s, network, scratch)
        totals = _month_totals(counts, sums)
    else:  # the same loops in one compiled call: a call costs tens of microseconds
        totals = _advance_on_this_thread(s, pop, network, month, p, scratch, draws, tails,
                                         counts, sums)
    return MonthSummary(*totals)


@njit(cache=True, nogil=True)
def _ordered_sum(values):
    """Return the sum of ``values`` added in order (so both paths give the same totals)."""
    total = 0.0
    for value in values:
        total += value
    return total


@njit(cache=True, nogil=True)
def _month_totals(counts, sums):
    """Return ``MonthSummary``'s fields from the chunks' counts and sums, added in order."""
    totals = counts.sum(axis=0)
    residents = max(1, totals[_RESIDENTS])
    return (totals[_GOOD], totals[_BAD], totals[_REFUSED], totals[_HITS], totals[_RUSSIA],
            totals[_EMIGRANTS], totals[_WEST], _ordered_sum(sums[:, 1]) / residents)


@njit(cache=True, nogil=True)
def _advance_on_this_thread(s, pop, network, month, p, scratch, draws, tails, counts, sums):
    """Run the three steps of ``advance_month`` for every chunk on the calling thread.

    Returns:
        the month's totals (``_month_totals``).
    """
    counts[:] = 0
    sums[:] = 0.0
    chunks = counts.shape[0]
    _peer_chunks(0, chunks, 0, s, pop, network, month, p, scratch, draws)
    _live_chunks(0, chunks, 0, s, pop, month, p, scratch, draws, tails, counts, sums)
    residents = counts[:, _RESIDENTS].sum()
    if residents > 0 and month.emigration_rate > 0.0:
        mean_pull = _ordered_sum(sums[:, 0]) / residents
        _emigration_chunks(0, chunks, 0, s, mean_pull, month, p, scratch, draws, counts)
        if counts[:, _EMIGRANTS].sum() > 0:
            _tie_emigrants(s, network, scratch)
    return _month_totals(counts, sums)


#: The loops release Python's lock (so threads can share the chunks) and run without
#: Numba's reference counting (``_nrt=False``: they allocate nothing). With it, every read
#: of an array out of the state tuple is an atomic increment and decrement, which made each
#: rule ten times slower.
_LOOP = {"cache": True, "nogil": True, "_nrt": False}

#: A chunk's stages. Division by zero gives inf as in numpy rather than raising (no rule
#: divides by zero: the registry's bounds keep every divisor positive): checking every
#: division for zero would keep the compiler from treating several citizens at once.
_STAGE = {**_LOOP, "error_model": "numpy"}


@njit(**_LOOP)
def _peer_chunks(first, last, worker, s, pop, network, month, p, scratch, draws):
    """Step 1 for chunks first..last-1: each citizen's peer change, from last month."""
    n = s.r.size
    mine = draws[worker]
    for chunk in range(first, last):
        fill(mine, month, chunk, n, PEERS)
        begin, end = chunk * CHUNK, min(n, (chunk + 1) * CHUNK)
        # The citizen's own values over the chunk's slices (no check for a negative index);
        # the partner's, anywhere, from the whole arrays.
        r_own, e_own, present_own = s.r[begin:end], s.e[begin:end], s.present[begin:end]
        loyalty_own = pop.loyalty[begin:end]
        peer_r, peer_e = scratch[0, begin:end], scratch[1, begin:end]
        for k in range(r_own.size):
            j = partner(begin + k, network, uniforms(mine, PEERS, k)[0])
            if present_own[k] and s.present[j]:
                peer_r[k], peer_e[k] = peer_change(
                    r_own[k], e_own[k], s.r[j], s.e[j], camp(loyalty_own[k], month),
                    camp(pop.loyalty[j], month), month, p)
            else:
                peer_r[k] = peer_e[k] = 0.0


@njit(**_LOOP)
def _live_chunks(first, last, worker, s, pop, month, p, scratch, draws, tails, counts,
                 sums):
    """Step 2 for chunks first..last-1: the rest of each citizen's month, in order.

    Each chunk goes through stages, each a loop over its citizens: the month's opening
    (peer change, rally, media, camps), travel and restrictions with grievance, the noise's
    normals, the close (grievance acts, noise, anchoring), and the emigration pull. Each
    citizen still meets the rules in the documented order, with the same numbers as in one
    loop; but the opening, free of branches and of ``exp`` and ``log``, is compiled to take
    several citizens at once (SIMD), which the one loop kept it from.
    """
    n = s.r.size
    mine = draws[worker]
    remote = month.level_bank > 0.0 or month.level_residence > 0.0
    for chunk in range(first, last):
        for block in (TRAVEL, TRAVEL_MORE, NOISE):
            fill(mine, month, chunk, n, block)
        if remote:
            fill(mine, month, chunk, n, RESTRICTIONS)
        begin, end = chunk * CHUNK, min(n, (chunk + 1) * CHUNK)
        _open_month(begin, end, s, pop, month, p, scratch)
        _travel_and_restrictions(begin, end, chunk, s, pop, month, p, mine, remote, counts,
                                 sums)
        _noise_normals(begin, end, mine, tails[worker], scratch)
        _close_month(begin, end, s, pop, month, p, scratch)
        _note_pull(begin, end, chunk, s, month, p, scratch, counts, sums)


@njit(**_LOOP)
def _note_pull(begin, end, chunk, s, month, p, scratch, counts, sums):
    """Count the residents of citizens begin..end-1 and note their emigration pull (row 0)."""
    r_now, e_now, present, pull = (s.r[begin:end], s.e[begin:end], s.present[begin:end],
                                   scratch[0, begin:end])
    for k in range(r_now.size):
        here = present[k]
        counts[chunk, _RESIDENTS] += here
        if here and month.emigration_rate > 0.0:
            pull[k] = emigration_pull(r_now[k], e_now[k], p)
            sums[chunk, 0] += pull[k]


@njit(**_STAGE)
def _open_month(begin, end, s, pop, month, p, scratch):
    """The month's opening for citizens begin..end-1: peer change, war rally, media, camps.

    Compiled to treat several citizens at once: branch-free (the rules pick rather than
    branch, and emigrants' values are computed and dropped), and over the chunk's slices
    (an index into the whole arrays might be negative, as far as the compiler knows, and
    then it cannot prove the arrays apart).
    """
    r_now, e_now, r_anchor_now = s.r[begin:end], s.e[begin:end], s.r_anchor[begin:end]
    peer_r, peer_e = scratch[0, begin:end], scratch[1, begin:end]
    contact, present = s.contact[begin:end], s.present[begin:end]
    diets, loyalty = pop.diet[begin:end], pop.loyalty[begin:end]
    for k in range(r_now.size):
        diet = diets[k]
        r, e = clip(r_now[k] + peer_r[k]), clip(e_now[k] + peer_e[k])
        r, r_anchor = apply_rally(r, r_anchor_now[k], diet, month)
        watched_r, watched_e = watch_media(r, e, contact[k], diet, month, p)
        watched_r, watched_e = sort_by_camp(watched_r, watched_e, camp(loyalty[k], month),
                                            month)
        r_now[k] = watched_r if present[k] else r
        e_now[k] = watched_e if present[k] else e
        r_anchor_now[k] = r_anchor


@njit(**_STAGE)
def _travel_and_restrictions(begin, end, chunk, s, pop, month, p, draws, remote, counts,
                             sums):
    """Travel and contact, reports from ties abroad, restrictions and grievance.

    One citizen at a time: the compiler finds several at once not worth it here (many
    small integer and flag values, and the travel propensity's ``exp``). Over the chunk's
    slices, as ``_open_month``: indices that cannot be negative spare every array read
    the check for a negative index, and the loop, with some twenty arrays, the registers.
    """
    r_now, e_now, present = s.r[begin:end], s.e[begin:end], s.present[begin:end]
    eu_ties_now, russia_ties_now = s.eu_ties[begin:end], s.russia_ties[begin:end]
    has_visa, contact, grievance = (s.has_visa[begin:end], s.contact[begin:end],
                                    s.grievance[begin:end])
    last_trip_west = s.last_trip_west[begin:end]
    income, age_band, car_owner = (pop.income[begin:end], pop.age_band[begin:end],
                                   pop.car_owner[begin:end])
    for k in range(r_now.size):
        here = present[k]
        r, e = r_now[k], e_now[k]
        eu_ties, russia_ties = eu_ties_now[k], russia_ties_now[k]
        expiry_u, application_u, refusal_u, trip_u = uniforms(draws, TRAVEL, k)
        quality_u, exchange_u, russia_u, substitution_u = uniforms(draws, TRAVEL_MORE, k)
        propensity = travel_propensity(e, eu_ties, income[k], p)
        visa, refused, exchange = renew_visa(
            has_visa[k], here, propensity, age_band[k] == YOUNG, expiry_u, application_u,
            refusal_u, exchange_u, month)
        wish, at_border, goes = trip_thresholds(propensity, car_owner[k], month)
        good_trip, bad_trip, transport_blocked, crossing_blocked = make_trip(
            visa, exchange, here, wish, at_border, goes, trip_u, quality_u, month)
        turned_back = transport_blocked | crossing_blocked | refused
        to_russia = visit_russia(here, russia_ties, turned_back, russia_u, substitution_u,
                                 month, p)
        contact[k] = update_contact_stock(contact[k], good_trip, month)
        last_trip_west[k] = note_trip_west(last_trip_west[k], good_trip, bad_trip, month)
        if good_trip:
            r, e = good_contact(r, e, p)
        if bad_trip or refused:
            e = negative_contact(e, p)
        if to_russia:
            r, e = russia_contact(r, e, p)

        hits = transport_blocked + crossing_blocked
        if here:
            r, e = hear_from_ties_abroad(r, e, eu_ties, russia_ties, month, p)
            if remote:
                bank_u, residence_u, _, _ = uniforms(draws, RESTRICTIONS, k)
                bank, residence = remote_hit_chances(eu_ties, income[k], month, p)
                hits += (bank_u < bank) + (residence_u < residence)
        grievance[k] = accumulate_grievance(grievance[k], hits, p)
        r_now[k], e_now[k], has_visa[k] = r, e, visa
        counts[chunk, _GOOD] += good_trip
        counts[chunk, _BAD] += bad_trip
        counts[chunk, _REFUSED] += refused
        counts[chunk, _HITS] += hits
        counts[chunk, _RUSSIA] += to_russia
        # Visa holders' wishes that reach the border: next month's queues (a pick, not a
        # branch: who holds a visa is hard to guess; adding 0.0 changes no sum).
        sums[chunk, 1] += at_border if here & visa else 0.0


@njit(**_LOOP)
def _noise_normals(begin, end, draws, tails, scratch):
    """Put the noise's normals of citizens begin..end-1 in scratch rows 0 and 1.

    A stage of its own: the normal quantile branches and calls ``log`` in the tails, which
    would keep the month's close from treating several citizens at once
    (``draws.standard_normals`` treats the central region several at once, with ``tails``
    the thread's list of positions).
    """
    size = end - begin
    standard_normals(draws[NOISE, 0, :size], scratch[0, begin:end], tails)
    standard_normals(draws[NOISE, 1, :size], scratch[1, begin:end], tails)


@njit(**_STAGE)
def _close_month(begin, end, s, pop, month, p, scratch):
    """The month's close for residents begin..end-1: grievance acts, noise, anchoring.

    Over the chunk's slices, as ``_open_month``, and branch-free; the noise's normals are in
    scratch rows 0 and 1 (``_noise_normals``). The compiler still takes one citizen at a
    time here: the blame shares are looked up in the month's tables, arrays it cannot
    prove apart from the attitudes it writes.
    """
    r_now, e_now = s.r[begin:end], s.e[begin:end]
    r_anchor, e_anchor = s.r_anchor[begin:end], s.e_anchor[begin:end]
    grievance, present = s.grievance[begin:end], s.present[begin:end]
    diets, loyalty, age_band = pop.diet[begin:end], pop.loyalty[begin:end], pop.age_band[begin:end]
    z_r, z_e = scratch[0, begin:end], scratch[1, begin:end]
    for k in range(r_now.size):
        r, e = resent(r_now[k], e_now[k], grievance[k], diets[k], camp(loyalty[k], month),
                      month, p)
        r, e = drift(r, e, z_r[k], z_e[k], p)
        r, e = return_to_anchor(r, e, r_anchor[k], e_anchor[k], age_band[k], p)
        r_now[k] = r if present[k] else r_now[k]
        e_now[k] = e if present[k] else e_now[k]


@njit(**_LOOP)
def _emigration_chunks(first, last, worker, s, mean_pull, month, p, scratch, draws, counts):
    """Step 3 for chunks first..last-1: who leaves, and where to (scratch row 1)."""
    n = s.r.size
    mine = draws[worker]
    for chunk in range(first, last):
        fill(mine, month, chunk, n, EMIGRATION)
        begin, end = chunk * CHUNK, min(n, (chunk + 1) * CHUNK)
        present = s.present[begin:end]
        pull, where = scratch[0, begin:end], scratch[1, begin:end]
        for k in range(present.size):
            where[k] = STAYS
            if not present[k]:
                continue
            leave_u, west_u, _, _ = uniforms(mine, EMIGRATION, k)
            outcome = emigrates(pull[k], mean_pull, leave_u, west_u, month, p)
            if outcome != STAYS:
                present[k] = False
                where[k] = outcome
                counts[chunk, _EMIGRANTS] += 1
                counts[chunk, _WEST] += outcome == WEST_BOUND


@njit(**_LOOP)
def _tie_emigrants(s, network, scratch):
    """Give the ties of this month's emigrants a tie where each went.

    Ties are other citizens' counters, so this runs in citizen order on one thread.
    """
    for i in range(s.r.size):
        if scratch[1, i] != STAYS:
            tie_emigrant(i, s, network, scratch[1, i] == WEST_BOUND)
