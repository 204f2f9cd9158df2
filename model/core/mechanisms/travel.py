"""Travel to the EU and first-hand contact: visas, crossings, transport, trip quality."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .attitude_change import clip_attitudes

#: Passenger road crossings open in Sep 2020: Poland 3, Lithuania 6, Latvia 2 (see the
#: registry's crossing levers). Capacity is measured against this.
REFERENCE_CROSSINGS = 11.0

#: Fee (EUR) at which the application rate is at its reference (the facilitated fee).
REFERENCE_FEE = 35.0


@dataclass
class TravelOutcome:
    """Who was refused a visa, and who made a good or a humiliating trip this month."""

    refused: np.ndarray
    good_trip: np.ndarray
    bad_trip: np.ndarray


def border_capacity(open_poland: float, open_lithuania: float, open_latvia: float,
                    exponent: float) -> float:
    """Return crossing capacity relative to Sep 2020.

    C(t) = ((L_PL + L_LT + L_LV) / 11) ** theta
    """
    return ((open_poland + open_lithuania + open_latvia) / REFERENCE_CROSSINGS) ** exponent


def crossing_closure(levers) -> float:
    """Return the share of Sep 2020 crossings that are closed (0 when as many or more open)."""
    open_crossings = (levers["open_crossings_poland"] + levers["open_crossings_lithuania"]
                      + levers["open_crossings_latvia"])
    return max(0.0, 1.0 - open_crossings / REFERENCE_CROSSINGS)


def transport_access(car_owner: np.ndarray, car_plate_ban: float, bus_routes: float,
                     bus_dependence: float, car_to_bus: float) -> np.ndarray:
    """Return each citizen's means of getting to the border, relative to Sep 2020.

    without a car:  A = (1 - b_bus) + b_bus * L_bus
    car owners:     A = (1 - L_car) + L_car * sigma_cb * A_without_car

    Car owners drive unless the plate ban stops them; then a share sigma_cb of them take the
    bus or train instead.
    """
    without_car = (1.0 - bus_dependence) + bus_dependence * bus_routes
    with_car = (1.0 - car_plate_ban) + car_plate_ban * car_to_bus * without_car
    return np.where(car_owner, with_car, without_car)


def travel_propensity(e: np.ndarray, eu_ties: np.ndarray, income: np.ndarray,
                      attitude_selection: float, ties_selection: float,
                      income_selection: float) -> np.ndarray:
    """Return the self-selection multiplier of travel and visa applications.

    w_i = exp(gamma_e e_i + gamma_ties min(T_i, 3) + gamma_inc income_i)
    """
    return np.exp(attitude_selection * e + ties_selection * np.minimum(eu_ties, 3)
                  + income_selection * income)


def application_scale(levers, p) -> float:
    """Return the month's visa application probability before self-selection.

    v0 * L_cap * exp(-gamma_fee (L_fee - 35) / 35)
    """
    fee_factor = np.exp(-p.visa_fee_elasticity
                        * (levers["visa_fee_eur"] - REFERENCE_FEE) / REFERENCE_FEE)
    # No pandemic factor here: the capacity lever is derived from visas actually issued, which
    # already reflect the pandemic.
    return (p.visa_application_rate * levers["visa_processing_capacity"]) * fee_factor


def trip_scale(levers, pandemic_barrier: float, p) -> float:
    """Return the month's trip probability before selection and transport: pi0 C(t) (1 - P(t))."""
    capacity = border_capacity(levers["open_crossings_poland"],
                               levers["open_crossings_lithuania"],
                               levers["open_crossings_latvia"], p.crossing_capacity_exponent)
    return p.trip_rate * capacity * (1.0 - pandemic_barrier)


def bad_trip_probability(levers, p) -> float:
    """Return the chance that a trip is humiliating: q0 + q_queue * closure + q_conf * L_goods."""
    return (p.bad_trip_base + p.queue_humiliation * crossing_closure(levers)
            + p.confiscation_humiliation * levers["consumer_goods_sanctions"])


def tie_report(bank_access: float, residence_ease: float) -> float:
    """Return the tone of reports from ties in the EU, in [-1, 1]: 2 q(t) - 1."""
    tie_quality = 0.5 * (bank_access + residence_ease)
    return 2.0 * tie_quality - 1.0


def travel_and_contact(r, e, r_anchor, e_anchor, contact, has_visa, present, eu_ties, income,
                       car_owner, young, levers, pandemic_barrier, exchange_probability, p,
                       draws) -> TravelOutcome:
    """Run one month of visas, trips and their effects on attitudes (in place).

    1. Visas expire with probability 1 / T_visa.
    2. Residents without a visa apply with probability
       v0 * L_cap * exp(-gamma_fee (L_fee - 35) / 35) * w_i; a share L_refuse
       is refused (grievance), the rest get a visa.
    3. Young residents join an exchange programme with probability ``exchange_probability``:
       a visa and a guaranteed good trip.
    4. Visa holders travel with probability pi0 * w_i * C(t) * A_i(t) * (1 - P(t)).
    5. A trip is humiliating with probability q0 + q_queue * closure + q_conf * L_goods
       (queues, searches, confiscations: grievance), otherwise good.
    6. Good trips add one unit of contact stock K (which halves every H_K months), raise e by
       kappa_e (1 - e) and lower r by kappa_r max(r, 0); a share nu of that moves the anchors.
    """
    has_visa &= draws.visa_expiry >= 1.0 / p.visa_validity_months

    propensity = travel_propensity(e, eu_ties, income, p.travel_attitude_selection,
                                   p.travel_ties_selection, p.travel_income_selection)
    apply_probability = application_scale(levers, p) * propensity
    applying = present & ~has_visa & (draws.visa_application < apply_probability)
    refused = applying & (draws.visa_refusal < levers["visa_refusal_rate"])
    has_visa |= applying & ~refused

    exchange = present & young & (draws.exchange < exchange_probability)
    has_visa |= exchange

    access = transport_access(car_owner, levers["car_plate_ban"], levers["bus_routes"],
                              p.bus_dependence, p.car_to_bus_substitution)
    trip_probability = trip_scale(levers, pandemic_barrier, p) * propensity * access
    trip = present & has_visa & ~exchange & (draws.trip < trip_probability)
    bad_trip = trip & (draws.trip_quality < bad_trip_probability(levers, p))
    good_trip = (trip & ~bad_trip) | exchange

    contact *= 0.5 ** (1.0 / p.contact_half_life)
    contact += good_trip
    went = np.flatnonzero(good_trip)  # few travel in a month: update only them
    gain_e, gain_r = p.contact_gain, p.contact_russia_reduction
    e[went] += gain_e * (1.0 - e[went])
    r[went] -= gain_r * np.maximum(r[went], 0.0)
    e_anchor[went] += p.contact_anchor_share * gain_e * (1.0 - e_anchor[went])
    r_anchor[went] -= p.contact_anchor_share * gain_r * np.maximum(r_anchor[went], 0.0)
    clip_attitudes(r, e)
    return TravelOutcome(refused=refused, good_trip=good_trip, bad_trip=bad_trip)


def extended_contact(e: np.ndarray, eu_ties: np.ndarray, present: np.ndarray,
                     bank_access: float, residence_ease: float, rate: float) -> None:
    """Let close ties living in the EU colour attitudes toward it (extended contact).

    e_i += kappa_ext * min(T_i, 3) * (2 q(t) - 1),  q(t) = (L_bank + L_legal) / 2

    Emigrants who can bank and stay legally send home good reports (q > 1/2); blocked
    accounts and residence hurdles turn the reports sour.
    """
    e += rate * np.minimum(eu_ties, 3) * tie_report(bank_access, residence_ease) * present
    clip_attitudes(e)
