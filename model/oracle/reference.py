"""The monthly rules written agent by agent in plain Mesa: the oracle for the vectorised step.

``ReferenceCitizen.step``-style methods apply the rules of ``model.core.dynamics.advance_month``
to one citizen at a time with scalar Python and ``math``; nothing here calls the vectorised
mechanisms. The module serves three purposes:

* documentation: each rule reads as what one person does in a month;
* test oracle: copied from an ``OpinionModel`` and fed the same ``MonthlyDraws``, it must
  reproduce the vectorised state to rounding error (``tests/test_reference_oracle.py``);
* speed baseline: ``benchmarks/run_benchmarks.py`` times it against the vectorised model.

Synchronous semantics. The vectorised step updates every citizen from the state before each
mechanism. Only two mechanisms read other citizens, so only they need two phases:

* peers: every citizen first reads its partner's attitudes (``talk_to_partner``), then every
  citizen applies the change (``listen``);
* emigration: the hazard is normalised by the mean pull over residents, which the model
  computes between the two phases.

Every other rule (media, travel, extended contact, grievance, noise, anchoring) reads only
the citizen's own state and the month's inputs, so one pass of ``live_month`` applies them in
the documented order to each citizen in turn. Emigrants stay in the model with
``present = False``: they no longer talk, watch, travel or feel, but their visas still expire
and their memories (contact, grievance) still fade, as in the vectorised arrays.
"""

from __future__ import annotations

import copy
import math
from dataclasses import fields
from typing import NamedTuple

import mesa
import numpy as np

from ..core.mechanisms.events import WAR_MONTH
from ..core.mechanisms.media import EXPOSURE_BY_DIET, OTHER_FUNDING, REFERENCE_FUNDING
from ..core.mechanisms.travel import REFERENCE_CROSSINGS, REFERENCE_FEE
from ..core.observation import MEASURES, answers_from_favour
from ..core.population import (
    ADULT_POPULATION,
    AGE_SHARES,
    BOTH_MEDIA,
    INDEPENDENT_ONLY,
    LOYAL,
    OPPOSED,
    RARELY,
    STATE_ONLY,
)
from ..core.state import CitizenState, MonthlyDraws
from ..inputs.calendar import parse_month

#: Media outlets in the order of ``EXPOSURE_BY_DIET``'s columns.
OUTLETS = ("state", "russia", "independent")

#: Direction of the February 2022 war shock by media diet (toward Russia where state media
#: explain the war, away from it where independent media do).
WAR_DIRECTION = {STATE_ONLY: 1.0, BOTH_MEDIA: 0.0, INDEPENDENT_ONLY: -1.0, RARELY: 0.5}


class CitizenDraws(NamedTuple):
    """One citizen's random numbers for one month (its column of ``MonthlyDraws``)."""

    neighbour: float
    visa_expiry: float
    visa_application: float
    visa_refusal: float
    trip: float
    trip_quality: float
    exchange: float
    restriction: list[float]  # one per restriction type, ordered as RESTRICTIONS
    emigration: float
    emigration_west: float
    noise: list[float]        # two standard normals: r, then e


def clip(value: float) -> float:
    """Return an attitude clipped to [-1, 1]."""
    return min(1.0, max(-1.0, value))


def acceptance(distance: float, latitude: float, sharpness: float, backfire: float = 0.0,
               rejection_distance: float = math.inf) -> float:
    """Return h(d) = lambda^k / (lambda^k + d^k) - b [d > t] (smooth bounded confidence)."""
    scaled = latitude**sharpness
    accepted = scaled / (scaled + distance**sharpness)
    if backfire > 0 and distance > rejection_distance:
        accepted -= backfire
    return accepted


def normal_cdf(x: float) -> float:
    """Return the standard normal CDF Phi(x)."""
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


class ReferenceCitizen(mesa.Agent):
    """One citizen whose monthly rules are written out one by one (see the module docstring).

    Attributes are plain Python numbers copied from the vectorised model's arrays; ``ties``
    lists the citizens this one listens to, in the network's order.
    """

    def __init__(self, model: ReferenceModel, index: int, traits: dict, state: dict):
        super().__init__(model)
        self.index = index
        self.diet = traits["diet"]
        self.regime = traits["regime"]
        self.income = traits["income"]
        self.car_owner = traits["car_owner"]
        self.border_region = traits["border_region"]
        self.young = traits["age_band"] == 0
        for name, value in state.items():
            setattr(self, name, value)
        self.ties: list[ReferenceCitizen] = []
        self._peer_change = (0.0, 0.0)
        self._emigration_pull = 0.0

    # --- 1. peers (two phases: everyone reads, then everyone moves) --------------------------
    def talk_to_partner(self) -> None:
        """Pick one tie at random and work out how far to move toward them (not yet moving).

        a_i += alpha * c_ij * h(|a_j - a_i|) * (a_j - a_i), c_ij = intergroup credibility
        across the loyal/opposed divide, else 1; nobody moves if either has emigrated.
        """
        p, u = self.model.params, self.model.draws[self.index].neighbour
        partner = self.ties[min(int(u * len(self.ties)), len(self.ties) - 1)]
        self._peer_change = (0.0, 0.0)
        if not (self.present and partner.present):
            return
        dr, de = partner.r - self.r, partner.e - self.e
        across_divide = {self.regime, partner.regime} == {LOYAL, OPPOSED}
        credibility = p.intergroup_credibility if across_divide else 1.0
        weight = p.peer_rate * credibility * acceptance(math.hypot(dr, de), p.peer_latitude,
                                                        p.peer_sharpness)
        self._peer_change = (weight * dr, weight * de)

    def listen(self) -> None:
        """Apply the change worked out in ``talk_to_partner``."""
        dr, de = self._peer_change
        self.r, self.e = clip(self.r + dr), clip(self.e + de)

    # --- 2. to 6.: rules that read only the citizen's own state -----------------------------
    def live_month(self) -> None:
        """Media, travel, extended contact, grievance, noise and anchoring, in that order."""
        self.watch_media()
        refused, bad_trip = self.travel()
        self.hear_from_ties_abroad()
        self.feel_restrictions(refused, bad_trip)
        self.drift()
        self.return_to_anchor()

    def watch_media(self) -> None:
        """Move toward each outlet in turn, by dose, exposure and acceptance.

        a_i += beta_M I_M x_iM g_iM h(|mu_M - a_i|) (mu_M - a_i), with g = 1 / (1 + chi K_i)
        for state and Russian media (first-hand contact buffers propaganda).
        """
        if not self.present:
            return
        m, p = self.model, self.model.params
        shield = 1.0 / (1.0 + p.contact_buffer * self.contact)
        for outlet, name in enumerate(OUTLETS):
            dose = m.media_doses[outlet]
            if dose == 0.0:
                continue
            mu_r, mu_e = m.media_positions[outlet]
            dr, de = mu_r - self.r, mu_e - self.e
            pull = dose * EXPOSURE_BY_DIET[self.diet][outlet] * acceptance(
                math.hypot(dr, de), p.media_latitude, 2.0, p.media_backfire,
                p.media_rejection_distance)
            if name != "independent":
                pull *= shield
            self.r += pull * dr
            self.e += pull * de
        self.r, self.e = clip(self.r), clip(self.e)

    def travel(self) -> tuple[bool, bool]:
        """Visas, exchanges and trips; return (refused a visa, made a humiliating trip).

        The visa expires (prob 1 / T_visa); without one a resident applies (prob v0 * cap *
        fee factor * w_i * (1 - P)) and may be refused; young residents may join an exchange;
        visa holders travel (prob pi0 * C * (1 - P) * w_i * A_i); a trip is humiliating with
        prob q0 + q_queue * closure + q_conf * goods sanctions. A good trip adds contact and
        moves e up by kappa_e (1 - e), r down by kappa_r max(r, 0), anchors by a share nu.
        """
        m, p, u = self.model, self.model.params, self.model.draws[self.index]
        levers = m.month_inputs
        self.has_visa = self.has_visa and u.visa_expiry >= 1.0 / p.visa_validity_months

        propensity = math.exp(p.travel_attitude_selection * self.e
                              + p.travel_ties_selection * min(self.eu_ties, 3)
                              + p.travel_income_selection * self.income)
        refused = exchange = trip = bad_trip = False
        if self.present and not self.has_visa \
                and u.visa_application < m.visa_application_base * propensity:
            refused = u.visa_refusal < levers["visa_refusal_rate"]
            self.has_visa = not refused
        if self.present and self.young and u.exchange < m.exchange_probability:
            exchange = self.has_visa = True

        if self.car_owner:
            access = (1.0 - levers["car_plate_ban"]) \
                + levers["car_plate_ban"] * p.car_to_bus_substitution * m.bus_access
        else:
            access = m.bus_access
        if self.present and self.has_visa and not exchange:
            trip = u.trip < m.trip_base * propensity * access
        bad_trip = trip and u.trip_quality < m.bad_trip_probability
        good_trip = (trip and not bad_trip) or exchange

        self.contact = self.contact * 0.5 ** (1.0 / p.contact_half_life) + good_trip
        if good_trip:
            gain_e, gain_r = p.contact_gain, p.contact_russia_reduction
            self.e = clip(self.e + gain_e * (1.0 - self.e))
            self.r = clip(self.r - gain_r * max(self.r, 0.0))
            self.e_anchor += p.contact_anchor_share * gain_e * (1.0 - self.e_anchor)
            self.r_anchor -= p.contact_anchor_share * gain_r * max(self.r_anchor, 0.0)
        return refused, bad_trip

    def hear_from_ties_abroad(self) -> None:
        """Take in the reports of ties living in the EU (extended contact).

        e_i += kappa_ext min(T_i, 3) (2 q - 1), q = (bank access + residence ease) / 2.
        """
        if self.present:
            m = self.model
            self.e = clip(self.e + m.params.extended_contact_rate * min(self.eu_ties, 3)
                          * m.tie_report_quality)

    def restriction_exposure(self) -> tuple[float, ...]:
        """Return how exposed this citizen is to each restriction (order of RESTRICTIONS)."""
        has_ties = self.eu_ties > 0
        return (min(1.0, 0.3 + 0.4 * self.border_region + 0.3 * self.car_owner),
                self.car_owner * (0.3 + 0.7 * self.has_visa),
                min(1.0, 0.7 * has_ties + 0.3 * (self.income == 2)),
                float(has_ties),
                float(self.border_region or self.has_visa))

    def feel_restrictions(self, refused: bool, bad_trip: bool) -> None:
        """Count restriction hits, accumulate grievance, and let blamed grievance act.

        Restriction l hits with prob h * exposure_l * level_l; g <- 1 - (1 - g)(1 - eta)^hits,
        then g <- (1 - delta_g) g; e -= kappa_g phi g, r += kappa_gr I_S phi g.
        """
        m, p = self.model, self.model.params
        hits = 0
        if self.present:
            for draw, exposure, level in zip(m.draws[self.index].restriction,
                                             self.restriction_exposure(),
                                             m.restriction_levels, strict=True):
                hits += draw < p.restriction_hit_rate * exposure * level
            hits += refused + bad_trip
        self.grievance = 1.0 - (1.0 - self.grievance) * (1.0 - p.grievance_gain) ** hits
        self.grievance *= 1.0 - p.grievance_decay
        if self.present:
            blamed = self.attribution * self.grievance
            self.e = clip(self.e - p.grievance_to_eu * blamed)
            self.r = clip(self.r + p.grievance_to_russia * m.month_inputs["propaganda_state"]
                          * blamed)

    def drift(self) -> None:
        """Add idiosyncratic noise: r += sigma z_1, e += sigma z_2."""
        if self.present:
            sigma, z = self.model.params.attitude_noise, self.model.draws[self.index].noise
            self.r, self.e = clip(self.r + sigma * z[0]), clip(self.e + sigma * z[1])

    def return_to_anchor(self) -> None:
        """Pull both attitudes back toward their anchors: a += s (a^0 - a) (Friedkin-Johnsen)."""
        if self.present:
            self.r += self.stubbornness * (self.r_anchor - self.r)
            self.e += self.stubbornness * (self.e_anchor - self.e)

    # --- 7. emigration (two phases around the model's normaliser) ---------------------------
    def emigration_pull(self) -> float:
        """Return exp(gamma_m (e - r)): pro-EU citizens are likelier to leave."""
        return math.exp(self.model.params.emigration_attitude_selection * (self.e - self.r))

    def consider_emigrating(self, mean_pull: float) -> None:
        """Leave with hazard m(t) * pull / (mean pull of residents).

        The ties of those who go west gain a close tie living in the EU.
        """
        m = self.model
        if not self.present:
            return
        hazard = m.month_inputs["emigration_rate"] * self.emigration_pull() / mean_pull
        u = m.draws[self.index]
        if u.emigration < hazard:
            self.present = False
            m.emigrants += 1
            if u.emigration_west < m.params.emigration_west_share:
                for tie in self.ties:
                    tie.eu_ties += 1

    # --- events and observation -----------------------------------------------------------
    def feel_war_shock(self, size: float) -> None:
        """Shift r and its anchor by w d(diet), d = +1 state only, 0 both, -1 independent only.

        +0.5 for those who rarely follow media; every citizen, as in the vectorised event.
        """
        shift = size * WAR_DIRECTION[self.diet]
        self.r, self.r_anchor = clip(self.r + shift), clip(self.r_anchor + shift)

    def favour_chances(self) -> tuple[float, float, float]:
        """Return the chances of favouring Russia, the EU, and both (two-axis probit)."""
        p = self.model.params
        p_russia = normal_cdf((self.r - p.threshold_russia) / p.response_noise)
        p_eu = normal_cdf((self.e - p.threshold_eu) / p.response_noise)
        return p_russia, p_eu, p_russia * p_eu


class ReferenceModel(mesa.Model):
    """A per-agent copy of an ``OpinionModel`` that has not stepped yet.

    It copies the population, network, state, parameters, inputs, survey instrument and
    random streams, so each month it draws the same ``MonthlyDraws`` and must end in the
    same state. ``shares`` has the layout of ``OpinionModel.shares``.

    Args:
        source: the vectorised model to copy (before its first step).
    """

    def __init__(self, source):
        super().__init__(rng=source.seed)
        if source.steps:
            raise ValueError("copy the vectorised model before it steps")
        self.params = source.params
        self.inputs = source.inputs
        self.streams = copy.deepcopy(source.streams)
        self.survey = source.survey
        world = source.world
        p = self.params
        self.media_positions = ((p.media_position_state_r, p.media_position_state_e),
                                (p.media_position_russia_r, p.media_position_russia_e),
                                (p.media_position_independent_r, p.media_position_independent_e))
        traits = {f.name: getattr(world.population, f.name).tolist()
                  for f in fields(world.population)}
        states = {f.name: getattr(world.state, f.name).tolist() for f in fields(world.state)}
        self.citizens = [
            ReferenceCitizen(self, i, {name: values[i] for name, values in traits.items()},
                             {name: values[i] for name, values in states.items()})
            for i in range(world.population.size)]
        for citizen in self.citizens:
            citizen.ties = [self.citizens[j] for j in world.network.neighbours(citizen.index)]

        self.shares = np.full_like(source.shares, np.nan)
        self.emigrants = 0
        war = parse_month(WAR_MONTH) - parse_month(self.inputs.start)
        if 0 < war < self.inputs.n_months:
            self.schedule_event(self.war_shock, at=war - 0.5)
        self.observe()

    def war_shock(self) -> None:
        """February 2022: every citizen's r and anchor shift by media diet."""
        self.agents.do("feel_war_shock", self.params.war_shock)

    def set_month(self, t: int) -> None:
        """Read month ``t``'s inputs and draw its random numbers; derive the month's scalars."""
        p = self.params
        self.month_inputs = levers = self.inputs.at(t)
        # The month's random numbers, handed to each citizen as plain floats.
        month = MonthlyDraws.draw(self.streams, len(self.citizens))
        columns = [getattr(month, f.name) for f in fields(MonthlyDraws)]
        self.draws = [CitizenDraws(*values) for values in zip(
            *(column.T.tolist() for column in columns), strict=True)]

        funding_boost = 1.0 + p.funding_reach_elasticity * math.log2(
            (OTHER_FUNDING + levers["eu_civil_society_funding"])
            / (OTHER_FUNDING + REFERENCE_FUNDING))
        reach = (1.0 - levers["independent_media_blocking"]) * max(0.0, funding_boost)
        self.media_doses = (p.media_rate_state * levers["propaganda_state"],
                            p.media_rate_russia * levers["propaganda_russia"],
                            p.media_rate_independent * reach)

        open_to_travel = 1.0 - levers["pandemic_travel_barrier"]
        fee_factor = math.exp(-p.visa_fee_elasticity * (levers["visa_fee_eur"] - REFERENCE_FEE)
                              / REFERENCE_FEE)
        # No pandemic factor: the capacity lever already reflects it (see travel.py).
        self.visa_application_base = (p.visa_application_rate
                                      * levers["visa_processing_capacity"] * fee_factor)
        self.exchange_probability = (levers["exchange_participants"] / 12.0
                                     / (AGE_SHARES[0] * ADULT_POPULATION))
        crossings = (levers["open_crossings_poland"] + levers["open_crossings_lithuania"]
                     + levers["open_crossings_latvia"])
        capacity = (crossings / REFERENCE_CROSSINGS) ** p.crossing_capacity_exponent
        self.trip_base = p.trip_rate * capacity * open_to_travel
        self.bus_access = (1.0 - p.bus_dependence) + p.bus_dependence * levers["bus_routes"]
        closure = max(0.0, 1.0 - crossings / REFERENCE_CROSSINGS)
        self.bad_trip_probability = (p.bad_trip_base + p.queue_humiliation * closure
                                     + p.confiscation_humiliation
                                     * levers["consumer_goods_sanctions"])
        self.tie_report_quality = 2.0 * (0.5 * (levers["eu_bank_access"]
                                                + levers["legal_residence_ease"])) - 1.0
        self.restriction_levels = (levers["consumer_goods_sanctions"], levers["car_plate_ban"],
                                   1.0 - levers["eu_bank_access"],
                                   1.0 - levers["legal_residence_ease"], closure)

    def step(self) -> None:
        """One month: peers (two phases), each citizen's own rules, emigration, observation."""
        t = self.steps  # Mesa has already advanced ``steps`` to the new month
        if t >= self.inputs.n_months:
            self.running = False
            return
        self.set_month(t)
        self.agents.do("talk_to_partner")
        self.agents.do("listen")
        self.agents.do("live_month")
        self.emigrants = 0
        residents = self.agents.select(lambda citizen: citizen.present)
        if self.month_inputs["emigration_rate"] > 0.0 and len(residents):
            pulls = residents.map("emigration_pull")
            residents.do("consider_emigrating", math.fsum(pulls) / len(pulls))
        self.observe()
        self.running = t < self.inputs.n_months - 1

    def observe(self) -> None:
        """Record this month's shares: residents' mean answer chances, and the survey's.

        The survey instrument (frame, panel selection, falsification, raking) is a
        measurement over all respondents, not a citizen's rule, so the shared
        ``VirtualSurvey`` reads the citizens' answer chances.
        """
        p, t = self.params, min(self.steps, self.inputs.n_months - 1)
        chances = [citizen.favour_chances() for citizen in self.citizens]
        present = [citizen.present for citizen in self.citizens]
        residents = [row for row, here in zip(chances, present, strict=True) if here]
        mean_chances = [math.fsum(column) / len(residents)
                        for column in zip(*residents, strict=True)]
        self.shares[t, MEASURES.index("population")] = answers_from_favour(
            np.array(mean_chances))
        repression = float(self.inputs.series["repression_index"][t])
        self.shares[t, MEASURES.index("survey")] = self.survey.shares(
            np.array(chances).T, np.array(present), repression, p.fear_opposed,
            p.fear_neutral, p.falsification_rate, p.panel_fear_aversion,
            p.panel_loyalist_aversion)

    def state(self) -> CitizenState:
        """Return the citizens' state as arrays laid out like ``OpinionModel.world.state``."""
        def column(name, dtype):
            return np.array([getattr(c, name) for c in self.citizens], dtype=dtype)

        return CitizenState(**{
            f.name: column(f.name, {"has_visa": bool, "present": bool,
                                    "eu_ties": np.int16}.get(f.name, np.float64))
            for f in fields(CitizenState)})

