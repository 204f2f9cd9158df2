"""The monthly rules written agent by agent in plain Mesa: the oracle for the compiled engine.

``ReferenceCitizen`` applies the rules of ``model.core.engine`` to one citizen at a time in
scalar Python with ``math``; nothing here calls a compiled rule. The module serves three
purposes:

* documentation: each rule reads as what one person does in a month;
* test oracle: copied from an ``OpinionModel`` that has not stepped, it replays the same
  random numbers and must end in the same state to rounding error
  (``tests/test_oracle.py``, over the whole horizon);
* speed baseline: ``benchmarks/run_benchmarks.py`` times it against the engine.

What it shares with the engine, on purpose: the month's record of scalars
(``core.month.build_month``, built here from the oracle's own parameters), the random
numbers (``core.draws``: the same counter-based blocks), the survey instrument (a
measurement over all respondents, not a citizen's rule) and the named constants of the
mechanism modules, read from those modules at run time (so a test can change one here
and see the comparison fail).

Synchronous semantics. Only two rules read other citizens, so only they need two phases:
peers (everyone reads their partner, then everyone moves) and emigration (the hazard is
normalised by the residents' mean pull, computed between the phases). Every other rule
reads only the citizen's own state, so one pass of ``live_month`` applies them in order.
Emigrants stay in the model with ``present = False``: they no longer talk, watch, travel or
feel, but their visas still expire and their memories (contact, grievance) still fade.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import mesa
import numpy as np

from ..core import draws
from ..core.mechanisms import events, grievance, media, peers, travel
from ..core.month import build_month
from ..core.observation import MEASURES, answers_from_favour
from ..core.population import LOYAL, OPPOSED
from ..core.state import CitizenState
from ..inputs.calendar import parse_month

#: The standard normal distribution (its quantile function turns a uniform into noise).
STANDARD_NORMAL = NormalDist()


def clip(value: float) -> float:
    """Return an attitude clipped to [-1, 1]."""
    return min(1.0, max(-1.0, value))


def acceptance(distance: float, latitude: float, sharpness: float) -> float:
    """Return h(d) = lambda^k / (lambda^k + d^k) (smooth bounded confidence)."""
    scaled = latitude**sharpness
    return scaled / (scaled + distance**sharpness)


def normal_cdf(x: float) -> float:
    """Return the standard normal CDF Phi(x)."""
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


class ReferenceCitizen(mesa.Agent):
    """One citizen whose monthly rules are written out one by one (see the module docstring).

    Attributes are plain Python numbers copied from the engine's arrays; ``ties`` lists the
    citizens this one listens to, in the network's order.
    """

    def __init__(self, model: ReferenceModel, index: int, traits: dict, state: dict):
        super().__init__(model)
        self.index = index
        self.diet = traits["diet"]
        self.regime = traits["regime"]
        self.income = traits["income"]
        self.car_owner = traits["car_owner"]
        self.border_region = traits["border_region"]
        self.age_band = traits["age_band"]
        for name, value in state.items():
            setattr(self, name, value)
        self.ties: list[ReferenceCitizen] = []
        self._peer_change = (0.0, 0.0)

    def uniforms(self, block: int) -> tuple[float, float, float, float]:
        """Return this month's four uniforms of one named block (``core.draws.BLOCKS``)."""
        return self.model.draws[block][self.index]

    # --- 1. peers (two phases: everyone reads, then everyone moves) --------------------------
    def talk_to_partner(self) -> None:
        """Pick one tie at random and work out how far to move toward them (not yet moving).

        a_i += alpha * c_ij * h(|a_j - a_i|) * (a_j - a_i), c_ij = intergroup credibility
        across the loyal/opposed divide, else 1; nobody moves if either has emigrated.
        """
        p, u = self.model.params, self.uniforms(draws.PEERS)[0]
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

        a_i += beta_M I_M x_iM g_iM [h(|mu_M - a_i|) - b 1(|mu_M - a_i| > t_M)] (mu_M - a_i),
        with g = 1 / (1 + chi K_i) for state and Russian media (contact buffers propaganda).
        """
        if not self.present:
            return
        month, p = self.model.month, self.model.params
        shield = 1.0 / (1.0 + p.contact_buffer * self.contact)
        outlets = (
            (month.dose_state, p.media_position_state_r, p.media_position_state_e, shield),
            (month.dose_russia, p.media_position_russia_r, p.media_position_russia_e, shield),
            (month.dose_independent, p.media_position_independent_r,
             p.media_position_independent_e, 1.0),
        )
        for outlet, (dose, mu_r, mu_e, buffer) in enumerate(outlets):
            if dose == 0.0:
                continue
            dr, de = mu_r - self.r, mu_e - self.e
            distance = math.hypot(dr, de)
            accepted = acceptance(distance, p.media_latitude, media.MEDIA_SHARPNESS)
            if p.media_backfire > 0 and distance > p.media_rejection_distance:
                accepted -= p.media_backfire
            pull = dose * media.EXPOSURE_BY_DIET[self.diet][outlet] * accepted * buffer
            self.r += pull * dr
            self.e += pull * de
        self.r, self.e = clip(self.r), clip(self.e)

    def travel(self) -> tuple[bool, bool]:
        """Visas, exchanges and trips; return (refused a visa, made a humiliating trip).

        The visa expires (prob 1 / T_visa); without one a resident applies (prob: the month's
        application rate times w_i) and may be refused; young residents may join an exchange;
        visa holders travel (prob: the month's trip rate times w_i times transport access);
        a trip is humiliating with the month's bad-trip probability. A good trip adds contact
        and moves e up by kappa_e (1 - e), r down by kappa_r max(r, 0), anchors by a share nu.
        """
        month, p = self.model.month, self.model.params
        expiry_u, application_u, refusal_u, trip_u = self.uniforms(draws.TRAVEL)
        quality_u, exchange_u, _, _ = self.uniforms(draws.TRAVEL_RARE)
        self.has_visa = self.has_visa and expiry_u >= 1.0 / p.visa_validity_months

        propensity = math.exp(p.travel_attitude_selection * self.e
                              + p.travel_ties_selection * min(self.eu_ties, travel.EU_TIES_CAP)
                              + p.travel_income_selection * self.income)
        refused = exchange = trip = False
        if self.present and not self.has_visa \
                and application_u < month.apply_rate * propensity:
            refused = refusal_u < month.refusal_rate
            self.has_visa = not refused
        young = self.age_band == travel.YOUNG
        if self.present and young and exchange_u < month.exchange_probability:
            exchange = self.has_visa = True

        access = month.access_with_car if self.car_owner else month.access_without_car
        if self.present and self.has_visa and not exchange:
            trip = trip_u < month.trip_rate * propensity * access
        bad_trip = trip and quality_u < month.bad_trip_probability
        good_trip = (trip and not bad_trip) or exchange

        self.contact = self.contact * 0.5 ** (1.0 / p.contact_half_life) + good_trip
        if good_trip:
            self.e = clip(self.e + p.contact_gain * (1.0 - self.e))
            self.r = clip(self.r - p.contact_russia_reduction * max(self.r, 0.0))
            self.e_anchor += p.contact_anchor_share * p.contact_gain * (1.0 - self.e_anchor)
            self.r_anchor -= (p.contact_anchor_share * p.contact_russia_reduction
                              * max(self.r_anchor, 0.0))
        return refused, bad_trip

    def hear_from_ties_abroad(self) -> None:
        """Take in the reports of ties living in the EU (extended contact).

        e_i += kappa_ext min(T_i, 3) (2 q - 1), q = (bank access + residence ease) / 2.
        """
        if self.present:
            m = self.model
            self.e = clip(self.e + m.params.extended_contact_rate
                          * min(self.eu_ties, travel.EU_TIES_CAP) * m.month.tie_report)

    def restriction_exposure(self) -> tuple[float, ...]:
        """Return how exposed this citizen is to each restriction (``grievance.RESTRICTIONS``)."""
        g = grievance
        has_ties = self.eu_ties > 0
        car_ban = g.CAR_BAN_EXPOSURE_VISA if self.has_visa else g.CAR_BAN_EXPOSURE_NO_VISA
        return (min(1.0, g.GOODS_EXPOSURE_BASE + g.GOODS_EXPOSURE_BORDER * self.border_region
                    + g.GOODS_EXPOSURE_CAR * self.car_owner),
                self.car_owner * car_ban,
                min(1.0, g.BANK_EXPOSURE_TIES * has_ties
                    + g.BANK_EXPOSURE_SAVINGS * (self.income == g.TOP_INCOME)),
                float(has_ties),
                float(self.border_region or self.has_visa))

    def feel_restrictions(self, refused: bool, bad_trip: bool) -> None:
        """Count restriction hits, accumulate grievance, and let blamed grievance act.

        Restriction l hits with prob h * exposure_l * level_l; g <- 1 - (1 - g)(1 - eta)^hits,
        then g <- (1 - delta_g) g; e -= kappa_g phi g, r += kappa_gr I_S phi g.
        """
        month, p = self.model.month, self.model.params
        levels = [getattr(month, f"level_{name}") for name in grievance.RESTRICTIONS]
        hits = 0
        if self.present:
            restriction_u = (*self.uniforms(draws.RESTRICTIONS),
                             self.uniforms(draws.RESTRICTIONS_MORE)[0])
            for u, exposure, level in zip(restriction_u, self.restriction_exposure(), levels,
                                          strict=True):
                hits += level > 0.0 and u < p.restriction_hit_rate * exposure * level
            hits += refused + bad_trip
        self.grievance = 1.0 - (1.0 - self.grievance) * (1.0 - p.grievance_gain) ** hits
        self.grievance *= 1.0 - p.grievance_decay
        if self.present:
            blamed = self.blames_the_west() * self.grievance
            self.e = clip(self.e - p.grievance_to_eu * blamed)
            self.r = clip(self.r + month.grievance_to_russia_now * blamed)

    def blames_the_west(self) -> float:
        """Return the chance of blaming the West for a restriction, by media frame and camp.

        phi = sigmoid(phi0 + phi_S s - phi_I d + phi_reg (regime - 1)), s and d the state and
        independent shares of the citizen's diet.
        """
        p = self.model.params
        logit = (p.attribution_intercept
                 + p.attribution_state_media * grievance.STATE_FRAME[self.diet]
                 - p.attribution_independent_media * grievance.INDEPENDENT_FRAME[self.diet]
                 + p.attribution_regime * (self.regime - 1))
        return 1.0 / (1.0 + math.exp(-logit))

    def drift(self) -> None:
        """Add idiosyncratic noise, r += sigma z_1, e += sigma z_2 (normal quantiles)."""
        if self.present:
            sigma = self.model.params.attitude_noise
            u_r, u_e, _, _ = self.uniforms(draws.NOISE)
            self.r = clip(self.r + sigma * STANDARD_NORMAL.inv_cdf(u_r))
            self.e = clip(self.e + sigma * STANDARD_NORMAL.inv_cdf(u_e))

    def return_to_anchor(self) -> None:
        """Pull both attitudes toward their anchors: a += s f(age) (a^0 - a) (Friedkin-Johnsen)."""
        if self.present:
            p = self.model.params
            stubbornness = p.anchoring_rate * peers.STUBBORNNESS_BY_AGE[self.age_band]
            self.r += stubbornness * (self.r_anchor - self.r)
            self.e += stubbornness * (self.e_anchor - self.e)

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
        leave_u, west_u, _, _ = self.uniforms(draws.EMIGRATION)
        if leave_u < m.month.emigration_rate * self.emigration_pull() / mean_pull:
            self.present = False
            m.emigrants += 1
            if west_u < m.params.emigration_west_share:
                for tie in self.ties:
                    tie.eu_ties += 1

    # --- events and observation -----------------------------------------------------------
    def feel_war_shock(self) -> None:
        """Shift r and its anchor by w d(diet), d = +1 state only, 0 both, -1 independent only.

        +0.5 for those who rarely follow media; every citizen, as in the engine's event.
        """
        shift = self.model.params.war_shock * events.WAR_DIRECTION[self.diet]
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
    random-number key, so each month it replays the same numbers and must end in the same
    state. ``shares`` has the layout of ``OpinionModel.shares``. Its ``params`` (a
    ``Parameters``) may be replaced before it runs, to check that a change is detected.

    Args:
        source: the model to copy (before its first step).
    """

    def __init__(self, source):
        super().__init__(rng=source.seed)
        if source.steps:
            raise ValueError("copy the model before it steps")
        self.params = source.params
        self.inputs = source.inputs
        self.key = source.key
        self.survey = source.survey
        world = source.world
        traits = {name: values.tolist() for name, values in world.population._asdict().items()}
        states = {name: values.tolist() for name, values in world.state._asdict().items()}
        self.citizens = [
            ReferenceCitizen(self, i, {name: values[i] for name, values in traits.items()},
                             {name: values[i] for name, values in states.items()})
            for i in range(world.population.size)]
        for citizen in self.citizens:
            citizen.ties = [self.citizens[j] for j in world.network.neighbours(citizen.index)]

        self.shares = np.full_like(source.shares, np.nan)
        self.emigrants = 0
        war = parse_month(events.WAR_MONTH) - parse_month(self.inputs.start)
        if 0 < war < self.inputs.n_months:
            self.schedule_event(self.war_shock, at=war - 0.5)
        self.observe()

    def war_shock(self) -> None:
        """February 2022: every citizen's r and anchor shift by media diet."""
        self.agents.do("feel_war_shock")

    def set_month(self, t: int) -> None:
        """Build month ``t``'s record from this model's parameters, and replay its numbers."""
        self.month = build_month(t, self.key, self.inputs.at(t), self.params.record())
        n = len(self.citizens)
        self.draws = [draws.block_for_everyone(*self.key, t, block, n).T.tolist()
                      for block in range(len(draws.BLOCKS))]

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
        if self.month.emigration_rate > 0.0 and len(residents):
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
        t = min(self.steps, self.inputs.n_months - 1)
        chances = [citizen.favour_chances() for citizen in self.citizens]
        residents = [row for row, citizen in zip(chances, self.citizens, strict=True)
                     if citizen.present]
        mean_chances = [math.fsum(column) / len(residents)
                        for column in zip(*residents, strict=True)]
        self.shares[t, MEASURES.index("population")] = answers_from_favour(
            np.array(mean_chances))
        cells = np.zeros((self.survey.N_CELLS, 5))
        for citizen, row in zip(self.citizens, chances, strict=True):
            if not citizen.present:
                continue
            cell = self.survey.cell[citizen.index]
            if self.survey.in_target[citizen.index]:
                cells[cell, 4] += 1.0
            if self.survey.in_frame[citizen.index]:
                cells[cell, 3] += 1.0
                cells[cell, :3] += row
        repression = float(self.inputs.series["repression_index"][t])
        self.shares[t, MEASURES.index("survey")] = self.survey.shares(cells, repression,
                                                                      self.params.record())

    def state(self) -> CitizenState:
        """Return the citizens' state as arrays laid out like ``OpinionModel.world.state``."""
        def column(name, dtype):
            return np.array([getattr(c, name) for c in self.citizens], dtype=dtype)

        return CitizenState(**{
            name: column(name, {"has_visa": bool, "present": bool,
                                "eu_ties": np.int16}.get(name, np.float64))
            for name in CitizenState._fields})

