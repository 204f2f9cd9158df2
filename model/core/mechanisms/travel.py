"""Travel to the EU and first-hand contact: visas, crossings, transport, trip quality."""

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

#: Close ties in the EU beyond this many add no more travel propensity or reports from abroad.
EU_TIES_CAP = 3

#: Age band of young adults (18-29), who can join exchange programmes.
YOUNG = 0


def open_crossings(inputs) -> float:
    """Return the passenger road crossings open to Poland, Lithuania and Latvia together."""
    return (inputs["open_crossings_poland"] + inputs["open_crossings_lithuania"]
            + inputs["open_crossings_latvia"])


def crossing_closure(inputs) -> float:
    """Return the share of Sep 2020 crossings that are closed (0 when as many or more open)."""
    return max(0.0, 1.0 - open_crossings(inputs) / REFERENCE_CROSSINGS)


def border_capacity(inputs, exponent: float) -> float:
    """Return crossing capacity relative to Sep 2020: C(t) = ((L_PL + L_LT + L_LV) / 11)^theta."""
    return (open_crossings(inputs) / REFERENCE_CROSSINGS) ** exponent


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


def bad_trip_probability(inputs, p) -> float:
    """Return the chance that a trip is humiliating: q0 + q_queue * closure + q_conf * L_goods."""
    return (p.bad_trip_base + p.queue_humiliation * crossing_closure(inputs)
            + p.confiscation_humiliation * inputs["consumer_goods_sanctions"])


def tie_report(inputs) -> float:
    """Return the tone of reports from ties in the EU, in [-1, 1]: 2 q(t) - 1.

    q(t) = (L_bank + L_legal) / 2: emigrants who can bank and stay legally send home good
    reports; blocked accounts and residence hurdles turn them sour.
    """
    return 2.0 * (0.5 * (inputs["eu_bank_access"] + inputs["legal_residence_ease"])) - 1.0


def month_terms(inputs, p) -> dict[str, float]:
    """Return the travel and contact rules' share of the month's record."""
    without_car, with_car = transport_access(inputs, p)
    return {
        "visa_keep_threshold": 1.0 / p.visa_validity_months,
        "apply_rate": application_scale(inputs, p),
        "refusal_rate": inputs["visa_refusal_rate"],
        "exchange_probability": exchange_probability(inputs["exchange_participants"]),
        "trip_rate": (p.trip_rate * border_capacity(inputs, p.crossing_capacity_exponent)
                      * (1.0 - inputs["pandemic_travel_barrier"])),
        "access_without_car": without_car,
        "access_with_car": with_car,
        "bad_trip_probability": bad_trip_probability(inputs, p),
        "contact_decay": 0.5 ** (1.0 / p.contact_half_life),
        "tie_report": tie_report(inputs),
    }


@njit(cache=True, inline="always")
def travel_propensity(e, eu_ties, income, p):
    """Return the self-selection multiplier of travel and visa applications.

    w_i = exp(gamma_e e_i + gamma_ties min(T_i, 3) + gamma_inc income_i)
    """
    return math.exp(p.travel_attitude_selection * e
                    + p.travel_ties_selection * min(eu_ties, EU_TIES_CAP)
                    + p.travel_income_selection * income)


@njit(cache=True, inline="always")
def renew_visa(has_visa, here, propensity, young, expiry_u, application_u, refusal_u,
               exchange_u, month):
    """Return a citizen's visa this month, whether they were refused one, and an exchange.

    A visa expires with probability 1 / T_visa (emigrants' visas too). A resident without
    one applies with probability v0 * L_cap * exp(-gamma_fee (L_fee - 35) / 35) * w_i; a
    share L_refuse is refused (grievance), the rest get a visa. A young resident joins an
    exchange programme with the month's exchange probability: a visa and a good trip.

    Returns:
        (holds a visa, was refused, joined an exchange).
    """
    visa = has_visa and expiry_u >= month.visa_keep_threshold
    applying = here and not visa and application_u < month.apply_rate * propensity
    refused = applying and refusal_u < month.refusal_rate
    exchange = here and young and exchange_u < month.exchange_probability
    return visa or (applying and not refused) or exchange, refused, exchange


@njit(cache=True, inline="always")
def make_trip(visa, exchange, here, propensity, car_owner, trip_u, quality_u, month):
    """Return whether a citizen made a good and a humiliating trip to the EU this month.

    A visa holder travels with probability pi0 * C(t) * (1 - P(t)) * w_i * A_i(t), A the
    transport access with or without a car; a trip is humiliating with probability
    q0 + q_queue * closure + q_conf * L_goods (queues, searches, confiscations), otherwise
    good. An exchange is a good trip.

    Returns:
        (good trip, humiliating trip).
    """
    access = month.access_with_car if car_owner else month.access_without_car
    trip = here and visa and not exchange and trip_u < month.trip_rate * propensity * access
    bad_trip = trip and quality_u < month.bad_trip_probability
    return (trip and not bad_trip) or exchange, bad_trip


@njit(cache=True, inline="always")
def contact_effect(r, e, r_anchor, e_anchor, contact, good_trip, month, p):
    """Return attitudes, anchors and contact stock after a month with or without a good trip.

    K <- K * 0.5^(1 / H_K) + [good trip]; a good trip raises e by kappa_e (1 - e) and lowers
    r by kappa_r max(r, 0); a share nu of that moves the anchors.

    Returns:
        (r, e, r_anchor, e_anchor, contact).
    """
    contact = contact * month.contact_decay + (1.0 if good_trip else 0.0)
    if good_trip:
        nu = p.contact_anchor_share
        e_anchor = e_anchor + nu * p.contact_gain * (1.0 - e_anchor)
        r_anchor = r_anchor - nu * p.contact_russia_reduction * max(r_anchor, 0.0)
        e = clip(e + p.contact_gain * (1.0 - e))
        r = clip(r - p.contact_russia_reduction * max(r, 0.0))
    return r, e, r_anchor, e_anchor, contact


@njit(cache=True, inline="always")
def hear_from_ties_abroad(e, eu_ties, month, p):
    """Return a resident's e coloured by close ties living in the EU (extended contact).

    e_i += kappa_ext * min(T_i, 3) * (2 q(t) - 1),  q(t) = (L_bank + L_legal) / 2
    """
    return clip(e + p.extended_contact_rate * min(eu_ties, EU_TIES_CAP) * month.tie_report)
