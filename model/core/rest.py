"""The initial state as a rest point: nothing moves in Sep 2020's world unless it changes.

The attitudes of September 2020 are placed to reproduce the first survey wave
(``attitudes``). Left there, they would drift under the model's own 2020 world: the media,
peers, contact and grievance all pull, and anchors equal to the attitudes would let them.
So the state is completed here in two steps, under the first month's inputs (every lever
and exogenous input at its Sep 2020 value):

1. the stocks start at their steady state: a citizen holds a visa with its stationary
   probability under the visa rules (expiry, applications, refusals, exchanges); the stock of
   recent contact K and the grievance g start at their expected stationary levels; the
   month of the last trip west is drawn from the stationary monthly chances of a trip;
2. each anchor is set so that anchoring exactly cancels the expected monthly pull of every
   other rule at the initial attitudes: x0 = x - D / s, with D the expected change from
   peers (the mean over the citizen's ties), media, sorting by camp, trips west and to
   Russia (good and negative contact weighted by their probabilities), reports from ties
   abroad and grievance, and s the citizen's stubbornness.

The world then stays where the first wave found it, in expectation, while its inputs stay at
their Sep 2020 values (``tests/test_rest.py``), and moves only when they change. Anchors
may fall outside [-1, 1]: they are where the 2020 forces held a citizen's attitudes.
Second-order terms (one rule acting on another's change within a month, clipping, noise)
are left out; the test measures what they leave.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .mechanisms.camps import camp, sort_by_camp
from .mechanisms.grievance import TOP_INCOME, resent
from .mechanisms.media import watch_media
from .mechanisms.peers import STUBBORNNESS_BY_AGE, peer_change
from .mechanisms.travel import (
    HISTORY_MONTHS,
    NO_TRIP_WEST,
    YOUNG,
    good_contact,
    hear_from_ties_abroad,
    negative_contact,
    russia_contact,
    russia_trip_chance,
    travel_propensity,
    trip_thresholds,
)
from .threads import CHUNK, for_chunks


def steady_state(r, e, pop, eu_ties, russia_ties, network, month, p, with_drift=True):
    """Return each citizen's stationary visa probability, contact stock, grievance and drift.

    ``with_drift=False`` leaves the drift at 0: the travel figures alone, without the pass
    over every citizen's ties (most of the cost at millions of citizens). Each citizen's
    figures are their own, so the chunks of citizens are shared between threads
    (``core.threads``) with the same numbers whatever their count.

    Returns:
        visa (probability of holding one), contact (K), grievance (g), the expected monthly
        change of r and of e from every rule but anchoring, the chance of reaching the
        border if holding a visa (the queues' reference) and the monthly chance of a trip
        west, good or humiliating (the travel history), arrays of N.
    """
    # Seven arrays of their own: the contact stock and grievance become the state's.
    out = tuple(np.zeros(r.size) for _ in range(7))
    for_chunks(_steady_state_chunks, r.size, r, e, pop, eu_ties, russia_ties, network, month,
               p, with_drift, out)
    return out


@njit(cache=True, nogil=True, _nrt=False)
def _steady_state_chunks(first, last, worker, r, e, pop, eu_ties, russia_ties, network,
                         month, p, with_drift, out):
    """Fill ``steady_state``'s seven arrays ``out`` for the citizens of chunks first..last-1."""
    visa, contact, grievance, drift_r, drift_e, border, west = out
    expiry = month.visa_keep_threshold
    for i in range(first * CHUNK, min(r.size, last * CHUNK)):
        propensity = travel_propensity(e[i], eu_ties[i], pop.income[i], p)
        exchange = month.exchange_probability if pop.age_band[i] == YOUNG else 0.0
        # Visa: v' = v (1 - x) + (1 - v (1 - x)) a  ->  v = a / (x + a (1 - x)).
        gained = min(1.0, month.apply_rate * propensity * (1.0 - month.refusal_rate)
                     + exchange)
        v = gained / (expiry + gained * (1.0 - expiry)) if gained > 0.0 else 0.0
        visa[i] = v
        without_visa = 1.0 - v * (1.0 - expiry)
        refused = without_visa * min(1.0, month.apply_rate * propensity) * month.refusal_rate
        wish, at_border, goes = trip_thresholds(propensity, pop.car_owner[i], month)
        border[i] = at_border
        trips = v * goes
        good = trips * (1.0 - month.bad_trip_probability) + exchange
        west[i] = min(1.0, trips + exchange)
        negative = trips * month.bad_trip_probability + refused
        turned_back = v * (wish - goes) + refused
        to_russia = min(1.0, russia_trip_chance(russia_ties[i], month)
                        + p.russia_substitution * turned_back)
        contact[i] = good / (1.0 - month.contact_decay)

        # Grievance: hits from blocked wishes and remote restrictions; E[(1 - eta)^H] is
        # taken as the product over restrictions of (1 - chance * eta).
        holder = eu_ties[i] > 0 or pop.income[i] == TOP_INCOME
        chances = (v * (at_border - goes), v * (wish - at_border),
                   p.restriction_hit_rate * month.level_bank if holder else 0.0,
                   p.restriction_hit_rate * month.level_residence if eu_ties[i] > 0 else 0.0)
        kept = 1.0
        for chance in chances:
            kept *= 1.0 - chance * p.grievance_gain
        decay = 1.0 - p.grievance_decay
        grievance[i] = decay * (1.0 - kept) / (1.0 - decay * kept)
        if not with_drift:
            continue

        # Expected change of (r, e) from each rule at the initial attitudes.
        ri, ei = r[i], e[i]
        mine = camp(pop.loyalty[i], month)
        start, end = network.indptr[i], network.indptr[i + 1]
        for slot in range(start, end):
            j = network.indices[slot]
            dr, de = peer_change(ri, ei, r[j], e[j], mine, camp(pop.loyalty[j], month), month,
                                 p)
            drift_r[i] += dr / (end - start)
            drift_e[i] += de / (end - start)
        media_r, media_e = watch_media(ri, ei, contact[i], pop.diet[i], month, p)
        sorted_r, sorted_e = sort_by_camp(ri, ei, mine, month)
        good_r, good_e = good_contact(ri, ei, p)
        russia_r, russia_e = russia_contact(ri, ei, p)
        ties_r, ties_e = hear_from_ties_abroad(ri, ei, eu_ties[i], russia_ties[i], month, p)
        grieved_r, grieved_e = resent(ri, ei, grievance[i], pop.diet[i], mine, month, p)
        drift_r[i] += ((media_r - ri) + (sorted_r - ri) + good * (good_r - ri)
                       + to_russia * (russia_r - ri) + (ties_r - ri) + (grieved_r - ri))
        drift_e[i] += ((media_e - ei) + (sorted_e - ei) + good * (good_e - ei)
                       + to_russia * (russia_e - ei) + negative * (negative_contact(ei, p) - ei)
                       + (ties_e - ei)
                       + (grieved_e - ei))


def last_trips_before_start(u: np.ndarray, recent: np.ndarray, earlier: np.ndarray,
                            recent_months: int) -> np.ndarray:
    """Return the month of each citizen's last trip west before the start, or NO_TRIP_WEST.

    Travel history: going back from the start (t = 0, -1, ...), a citizen travelled west
    in each month with their stationary monthly chance, ``recent`` in the last
    ``recent_months`` months (the pandemic's world) and ``earlier`` before (the world of
    2018-19), independently from month to month; the last trip is the first month, going
    back, with a trip (a geometric draw by inversion of one uniform ``u`` each). No trip in
    the ``HISTORY_MONTHS`` covered is NO_TRIP_WEST.
    """
    def months_back(v, chance):  # the first month with a trip, counted from 1
        with np.errstate(divide="ignore", invalid="ignore"):  # no chance: never (inf)
            back = np.ceil(np.log1p(-v) / np.log1p(-np.minimum(chance, 1.0 - 1e-12)))
        return np.maximum(back, 1.0)

    none_recent = (1.0 - np.minimum(recent, 1.0)) ** recent_months
    in_recent = u < 1.0 - none_recent
    later_u = np.clip((u - (1.0 - none_recent)) / np.maximum(none_recent, 1e-300), 0.0,
                      np.nextafter(1.0, 0.0))
    back = np.where(in_recent, months_back(u, recent),
                    recent_months + months_back(later_u, earlier))
    last = np.full(u.size, NO_TRIP_WEST, dtype=np.int16)
    found = (back >= 1) & (back <= HISTORY_MONTHS)
    last[found] = (1 - back[found]).astype(np.int16)
    return last


def rest_anchors(r: np.ndarray, e: np.ndarray, drift_r: np.ndarray, drift_e: np.ndarray,
                 age_band: np.ndarray, anchoring_rate: float) -> tuple[np.ndarray, np.ndarray]:
    """Return the anchors at which anchoring cancels the expected drift: x0 = x - D / s.

    With no anchoring (s = 0) nothing can hold the attitudes: the anchors are the attitudes.
    """
    stubbornness = anchoring_rate * STUBBORNNESS_BY_AGE[age_band]
    if anchoring_rate <= 0.0:
        return r.copy(), e.copy()
    return r - drift_r / stubbornness, e - drift_e / stubbornness
