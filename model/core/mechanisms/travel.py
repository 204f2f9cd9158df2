"""Travel and first-hand contact: visas, crossings, queues, trips to the EU and to Russia.

A month of travel for one citizen, in the order the engine applies it:

1. the visa: it may expire; without one a resident may apply and be granted or refused one;
   the young may join an exchange programme (a visa and a good trip);
2. the wish to travel west: with probability pi0 w_i (1 - P(t)) a resident wants to go
   this month (w_i the self-selection multiplier, P the pandemic barrier). The wish is met
   only with a visa, with crossing capacity C(t)^theta and transport access A_i(t); a wish
   blocked by transport (car-plate ban, fewer buses) or by closed crossings is a restriction
   hit (``grievance``), and a blocked wish or a refused visa may become a trip to Russia
   instead (substitution, the column's argument);
3. the trip west, if made, is humiliating with a probability that rises with the queues at
   the border (traffic over open capacity) and with confiscations under goods sanctions;
4. contact: a good trip pulls e toward 1 (and r down); a humiliating trip or a visa refusal
   pulls e toward -1, more strongly (negative contact); a trip to Russia pulls r toward 1
   and e toward -1; close ties abroad pull attitudes toward the tone of their reports.

Every effect pulls an attitude toward a bounded target, so none can push it past [-1, 1].
The probabilities are functions of their own (the engine compares them with its random
numbers; the initial steady state uses them as expectations).
"""

from __future__ import annotations

import math

from numba import njit

from ..population import ADULT_POPULATION, AGE_SHARES
from .attitude_change import clip

#: Passenger road crossings open in Sep 2020: Poland 3, Lithuania 6, Latvia 2 (see the
#: registry's crossing levers). Capacity is measured against this.
REFERENCE_CROSSINGS = 11.0

#: Fee (EUR) at which the application rate is at its reference (the facilitated fee).
REFERENCE_FEE = 35.0

#: Close ties abroad beyond this many add no more travel propensity or reports from abroad.
TIES_CAP = 3

#: Age band of young adults (18-29), who can join exchange programmes.
YOUNG = 0

#: Trips to Russia by citizens without ties there, relative to those with ties. Assumption:
#: visits to relatives and work are most trips.
RUSSIA_TRIPS_WITHOUT_TIES = 1.0 / 3.0

#: ``last_trip_west`` of a citizen with no trip west on record: none since the travel
#: history drawn at the start (``core.rest``), which covers ``HISTORY_MONTHS``.
NO_TRIP_WEST = -32768

#: Months of travel before the start that the initial history covers (Sep 2020 and the 59
#: before it): enough for Chatham House's "visited the EU in the last five years" from the
#: first month on.
HISTORY_MONTHS = 60


def open_crossings(inputs) -> float:
    """Return the passenger road crossings open to Poland, Lithuania and Latvia together."""
    return (inputs["open_crossings_poland"] + inputs["open_crossings_lithuania"]
            + inputs["open_crossings_latvia"])


def capacity(inputs) -> float:
    """Return crossing capacity relative to Sep 2020 (open crossings / 11)."""
    return open_crossings(inputs) / REFERENCE_CROSSINGS


def application_scale(inputs, p) -> float:
    """Return the month's visa application probability before self-selection.

    v0 * L_cap * exp(-gamma_fee (L_fee - 35) / 35)

    No pandemic factor: the capacity lever is derived from visas actually issued, which
    already reflect the pandemic.
    """
    fee_factor = math.exp(-p.visa_fee_elasticity
                          * (inputs["visa_fee_eur"] - REFERENCE_FEE) / REFERENCE_FEE)
    return p.visa_application_rate * inputs["visa_processing_capacity"] * fee_factor


def exchange_probability(participants: float) -> float:
    """Return the monthly chance that a young adult joins an exchange programme.

    participants per year / 12 / number of adults aged 18-29 in Belarus.
    """
    return participants / 12.0 / (AGE_SHARES[YOUNG] * ADULT_POPULATION)


def transport_access(inputs, p) -> tuple[float, float]:
    """Return the means of getting to the border relative to Sep 2020, (without, with a car).

    without a car:  A = (1 - b_bus) + b_bus * L_bus
    car owners:     A = (1 - L_car) + L_car * sigma_cb * A_without_car

    Car owners drive unless the plate ban stops them; then a share sigma_cb of them take the
    bus or train instead.
    """
    without_car = (1.0 - p.bus_dependence) + p.bus_dependence * inputs["bus_routes"]
    ban = inputs["car_plate_ban"]
    return without_car, (1.0 - ban) + ban * p.car_to_bus_substitution * without_car


def tie_report(inputs) -> float:
    """Return the tone of reports from ties in the EU, in [-1, 1]: 2 q(t) - 1.

    q(t) = (L_bank + L_legal) / 2: emigrants who can bank and stay legally send home good
    reports; blocked accounts and residence hurdles turn them sour.
    """
    return 2.0 * (0.5 * (inputs["eu_bank_access"] + inputs["legal_residence_ease"])) - 1.0


def bad_trip_probability(border_load: float, goods_sanctions: float, p) -> float:
    """Return the chance that a trip west is humiliating.

    q = q0 + q_queue * max(0, 1 - 1 / load) + q_conf * L_goods, at most 1

    with load the border's traffic over its open capacity, relative to Sep 2020: queues,
    and with them humiliation, grow once traffic outruns the crossings left open.
    """
    queues = max(0.0, 1.0 - 1.0 / border_load) if border_load > 0.0 else 0.0
    return min(1.0, p.bad_trip_base + p.queue_humiliation * queues
               + p.confiscation_humiliation * goods_sanctions)


def month_terms(inputs, p, context) -> dict[str, float]:
    """Return the travel and contact rules' share of the month's record.

    The border load (queues) comes from last month's traffic (``context``).
    """
    without_car, with_car = transport_access(inputs, p)
    open_to_travel = 1.0 - inputs["pandemic_travel_barrier"]
    return {
        "visa_keep_threshold": 1.0 / p.visa_validity_months,
        "apply_rate": application_scale(inputs, p),
        "refusal_rate": inputs["visa_refusal_rate"],
        "exchange_probability": exchange_probability(inputs["exchange_participants"]),
        "wish_rate": p.trip_rate * open_to_travel,
        # More crossings than in 2020 shorten queues (the load) but add no wishes to travel.
        "capacity_factor": min(1.0, capacity(inputs)) ** p.crossing_capacity_exponent,
        "access_without_car": without_car,
        "access_with_car": with_car,
        "contact_decay": 0.5 ** (1.0 / p.contact_half_life),
        "tie_report": tie_report(inputs),
        "russia_trip_rate": p.russia_trip_rate * open_to_travel,
        "bad_trip_probability": bad_trip_probability(context.border_load,
                                                     inputs["consumer_goods_sanctions"], p),
    }


@njit(cache=True, inline="always")
def travel_propensity(e, eu_ties, income, p):
    """Return the self-selection multiplier of travel and visa applications.

    w_i = exp(gamma_e e_i + gamma_ties min(T_i, 3) + gamma_inc income_i)
    """
    return math.exp(p.travel_attitude_selection * e
                    + p.travel_ties_selection * min(eu_ties, TIES_CAP)
                    + p.travel_income_selection * income)


@njit(cache=True, inline="always")
def renew_visa(has_visa, here, propensity, young, expiry_u, application_u, refusal_u,
               exchange_u, month):
    """Return a citizen's visa this month, whether they were refused one, and an exchange.

    A visa expires with probability 1 / T_visa (emigrants' visas too). A resident without
    one applies with probability v0 * L_cap * exp(-gamma_fee (L_fee - 35) / 35) * w_i; a
    share L_refuse is refused, the rest get a visa. A young resident joins an exchange
    programme with the month's exchange probability: a visa and a good trip.

    Returns:
        (holds a visa, was refused, joined an exchange).
    """
    # & and | rather than "and" and "or": every operand is a comparison, cheap and free of
    # side effects, and evaluating them all spares the branches a wrong guess costs.
    visa = has_visa & (expiry_u >= month.visa_keep_threshold)
    applying = here & (not visa) & (application_u < month.apply_rate * propensity)
    refused = applying & (refusal_u < month.refusal_rate)
    exchange = here & young & (exchange_u < month.exchange_probability)
    return visa | (applying & (not refused)) | exchange, refused, exchange


@njit(cache=True, inline="always")
def trip_thresholds(propensity, car_owner, month):
    """Return the chances that a resident wants to go west, gets to the border, and goes.

    wish = pi0 w (1 - P);  at the border = wish * A;  goes = wish * A * C^theta, with A the
    transport access with or without a car and C the crossing capacity. A uniform below
    ``goes`` is a trip; between ``goes`` and ``at the border`` a wish blocked by closed
    crossings; between ``at the border`` and ``wish`` a wish blocked by transport (the
    car-plate ban, fewer buses).
    """
    wish = month.wish_rate * propensity
    access = month.access_with_car if car_owner else month.access_without_car
    at_border = wish * access
    return wish, at_border, at_border * month.capacity_factor


@njit(cache=True, inline="always")
def make_trip(visa, exchange, here, wish, at_border, goes, trip_u, quality_u, month):
    """Return how a resident's wish to travel west turned out this month.

    A visa holder's wish (uniform below ``wish``) is a trip below ``goes``, otherwise it is
    blocked by closed crossings (below ``at_border``) or by transport. A wish without a
    visa is blocked too (but is no restriction hit: the visa process is its own rule). A
    trip is humiliating with the month's bad-trip probability. An exchange is a good trip.

    Returns:
        (good trip, humiliating trip, blocked by transport, blocked by crossings).
    """
    tries = here & (not exchange) & visa & (trip_u < wish)  # & and |: see ``renew_visa``
    trip = tries & (trip_u < goes)
    crossing_blocked = tries & (goes <= trip_u) & (trip_u < at_border)
    transport_blocked = tries & (at_border <= trip_u)
    bad_trip = trip & (quality_u < month.bad_trip_probability)
    return (trip & (not bad_trip)) | exchange, bad_trip, transport_blocked, crossing_blocked


@njit(cache=True, inline="always")
def visit_russia(here, russia_ties, turned_back, russia_u, substitution_u, month, p):
    """Return whether a resident travels to Russia this month (no visa needed).

    With probability pi_R (1 - P), or a third of it without ties there; or, for someone the
    West turned back this month (a wish blocked at the border or on the way, a refused
    visa), as a substitute, with probability sigma_R.
    """
    return here & ((russia_u < russia_trip_chance(russia_ties, month))
                   | (turned_back & (substitution_u < p.russia_substitution)))


@njit(cache=True, inline="always")
def russia_trip_chance(russia_ties, month):
    """Return the monthly chance of a trip to Russia for its own sake.

    pi_R (1 - P) with ties there, a third of it without.
    """
    return month.russia_trip_rate * (1.0 if russia_ties > 0 else RUSSIA_TRIPS_WITHOUT_TIES)


@njit(cache=True, inline="always")
def good_contact(r, e, p):
    """Return attitudes after a good trip west: e += kappa_e (1 - e), r -= kappa_r max(r, 0)."""
    return clip(r - p.contact_russia_reduction * max(r, 0.0)), clip(e + p.contact_gain * (1.0 - e))


@njit(cache=True, inline="always")
def negative_contact(e, p):
    """Return e after a humiliating trip or a visa refusal: e -= lambda_neg kappa_e (1 + e).

    Negative contact weighs more than positive contact (Barlow et al. 2012; Banas et al.
    2020), so the weight lambda_neg is at least 1.
    """
    return clip(e - p.negative_contact_weight * p.contact_gain * (1.0 + e))


@njit(cache=True, inline="always")
def russia_contact(r, e, p):
    """Return attitudes after a trip to Russia: r += kappa_R,r (1 - r), e -= kappa_R,e (1 + e)."""
    return (clip(r + p.russia_contact_gain_r * (1.0 - r)),
            clip(e - p.russia_contact_gain_e * (1.0 + e)))


@njit(cache=True, inline="always")
def update_contact_stock(contact, good_trip, month):
    """Return the stock of recent good EU contact: K <- K 0.5^(1 / H_K) + [good trip]."""
    return contact * month.contact_decay + (1.0 if good_trip else 0.0)


@njit(cache=True, inline="always")
def note_trip_west(last_trip_west, good_trip, bad_trip, month):
    """Return the month of the last trip west: this month's t if one was made (good or not)."""
    return month.t if good_trip | bad_trip else last_trip_west  # | not or: no branch


@njit(cache=True, inline="always")
def hear_from_ties_abroad(r, e, eu_ties, russia_ties, month, p):
    """Return a resident's attitudes coloured by close ties abroad (extended contact).

    e_i += kappa_ext min(T_i, 3) ((2 q(t) - 1) - e_i),  q(t) = (L_bank + L_legal) / 2
    r_i += kappa_ext,R min(T_R,i, 3) (1 - r_i)

    Reports from the EU are as good as emigrants' lives there (bank accounts, legal
    residence); reports from Russia pull toward it.
    """
    e = e + p.extended_contact_rate * min(eu_ties, TIES_CAP) * (month.tie_report - e)
    r = r + p.russia_extended_contact_rate * min(russia_ties, TIES_CAP) * (1.0 - r)
    return clip(r), clip(e)
