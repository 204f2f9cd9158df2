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
(``core.month.build_month``, built here from the oracle's own parameters and its own state:
its camps' bounds, its queues), the random numbers (``core.draws``: the same counter-based
blocks), the survey instrument (a measurement over all respondents, not a citizen's rule)
and the named constants of the mechanism modules, read from those modules at run time (so a
test can change one here and see the comparison fail).

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
from ..core.month import MonthContext, build_month, months_at_war
from ..core.observation import FRAME, MEASURES, TARGET, answers_from_favour
from ..core.population import LOYAL, NEUTRAL, OPPOSED
from ..core.state import CitizenState

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
        for name in ("diet", "loyalty", "income", "car_owner", "border_region", "age_band"):
            setattr(self, name, traits[name])
        for name, value in state.items():
            setattr(self, name, value)
        self.ties: list[ReferenceCitizen] = []
        self._peer_change = (0.0, 0.0)

    def uniforms(self, block: int) -> tuple[float, float, float, float]:
        """Return this month's four uniforms of one named block (``core.draws.BLOCKS``)."""
        return self.model.draws[block][self.index]

    @property
    def camp(self) -> int:
        """Return this month's camp: opposed below the month's lower bound, loyal from the upper."""
        month = self.model.month
        if self.loyalty < month.opposed_below:
            return OPPOSED
        return LOYAL if self.loyalty >= month.loyal_from else NEUTRAL

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
        across_divide = {self.camp, partner.camp} == {LOYAL, OPPOSED}
        credibility = p.intergroup_credibility if across_divide else 1.0
        weight = p.peer_rate * credibility * acceptance(math.hypot(dr, de), p.peer_latitude,
                                                        p.peer_sharpness)
        self._peer_change = (weight * dr, weight * de)

    def listen(self) -> None:
        """Apply the change worked out in ``talk_to_partner``."""
        dr, de = self._peer_change
        self.r, self.e = clip(self.r + dr), clip(self.e + de)

    # --- 2.: rules that read only the citizen's own state ----------------------------------
    def live_month(self) -> None:
        """Rally, media, sorting, travel, ties abroad, grievance, noise, anchoring, in order."""
        self.feel_the_war()
        self.watch_media()
        self.sort_by_camp()
        hits = self.travel()
        self.hear_from_ties_abroad()
        self.feel_restrictions(hits)
        self.drift()
        self.return_to_anchor()

    def feel_the_war(self) -> None:
        """Shift r and its anchor by the change of the war rally, times the diet's direction.

        d = +1 state only, 0 both, -1 independent only, +0.5 rarely; every citizen.
        """
        shift = self.model.month.rally_change * events.WAR_DIRECTION[self.diet]
        self.r, self.r_anchor = clip(self.r + shift), self.r_anchor + shift

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

    def sort_by_camp(self) -> None:
        """Turn against the other camp's patron: an opposed resident's r, a loyal one's e.

        x_i += sigma R(t) (-1 - x_i), R(t) the repression index; neutrals stay.
        """
        if not self.present or self.camp == NEUTRAL:
            return
        dose = self.model.params.sorting_rate * self.model.month_inputs["repression_index"]
        if self.camp == OPPOSED:
            self.r = clip(self.r + dose * (-1.0 - self.r))
        else:
            self.e = clip(self.e + dose * (-1.0 - self.e))

    def travel(self) -> int:
        """Visas, trips west and to Russia, and their contact; return the restriction hits.

        The visa expires (prob 1 / T_visa); without one a resident applies (prob: the
        month's application rate times the self-selection w_i) and may be refused (negative
        contact); the young may join an exchange (a good trip). A resident wishes to go west
        with prob pi0 (1 - P) w_i; the wish reaches the border with the transport access and
        passes it with the crossing capacity, or is blocked (a restriction hit, with a visa).
        A trip is humiliating with the month's bad-trip probability (negative contact). Being
        turned back (a blocked wish, a refused visa) may become a trip to Russia
        (substitution); ties there bring trips of their own. The month of a trip west, good
        or humiliating, is noted (the survey's "visited the EU in the last five years").
        """
        month, p = self.model.month, self.model.params
        expiry_u, application_u, refusal_u, trip_u = self.uniforms(draws.TRAVEL)
        quality_u, exchange_u, russia_u, substitution_u = self.uniforms(draws.TRAVEL_MORE)
        here = self.present
        self.has_visa = self.has_visa and expiry_u >= 1.0 / p.visa_validity_months
        propensity = math.exp(p.travel_attitude_selection * self.e
                              + p.travel_ties_selection * min(self.eu_ties, travel.TIES_CAP)
                              + p.travel_income_selection * self.income)
        refused = exchange = False
        if here and not self.has_visa and application_u < month.apply_rate * propensity:
            refused = refusal_u < month.refusal_rate
            self.has_visa = not refused
        if here and self.age_band == travel.YOUNG and exchange_u < month.exchange_probability:
            exchange = self.has_visa = True

        wish = month.wish_rate * propensity
        access = month.access_with_car if self.car_owner else month.access_without_car
        at_border = wish * access
        goes = at_border * month.capacity_factor
        wants = here and not exchange and trip_u < wish
        trip = wants and self.has_visa and trip_u < goes
        hits = 0
        if wants and self.has_visa and not trip:  # blocked at the border or on the way
            hits = 1
        bad_trip = trip and quality_u < month.bad_trip_probability
        good_trip = (trip and not bad_trip) or exchange
        self.model.border_demand += at_border if (here and self.has_visa) else 0.0

        ties_factor = 1.0 if self.russia_ties > 0 else travel.RUSSIA_TRIPS_WITHOUT_TIES
        to_russia = here and (russia_u < month.russia_trip_rate * ties_factor
                              or ((hits or refused)
                                  and substitution_u < p.russia_substitution))

        self.contact = self.contact * 0.5 ** (1.0 / p.contact_half_life) + good_trip
        if good_trip or bad_trip:
            self.last_trip_west = month.t
        if good_trip:
            self.r = clip(self.r - p.contact_russia_reduction * max(self.r, 0.0))
            self.e = clip(self.e + p.contact_gain * (1.0 - self.e))
        if bad_trip or refused:
            self.e = clip(self.e - p.negative_contact_weight * p.contact_gain * (1.0 + self.e))
        if to_russia:
            self.r = clip(self.r + p.russia_contact_gain_r * (1.0 - self.r))
            self.e = clip(self.e - p.russia_contact_gain_e * (1.0 + self.e))
        return hits

    def hear_from_ties_abroad(self) -> None:
        """Take in the reports of close ties abroad (extended contact).

        e += kappa_ext min(T, 3) ((2 q - 1) - e), q = (bank access + residence ease) / 2;
        r += kappa_ext,R min(T_R, 3) (1 - r).
        """
        if self.present:
            m, p = self.model.month, self.model.params
            self.e += p.extended_contact_rate * min(self.eu_ties, travel.TIES_CAP) * (
                m.tie_report - self.e)
            self.r += p.russia_extended_contact_rate * min(self.russia_ties, travel.TIES_CAP) * (
                1.0 - self.r)
            self.r, self.e = clip(self.r), clip(self.e)

    def blame(self) -> tuple[float, float]:
        """Return the shares blaming the West and the regime, by frame and camp.

        z = ((s - d + 1) / 2 + camp / 2) / 2; phi_W = lo_W + z (hi_W - lo_W),
        phi_R = hi_R + z (lo_R - hi_R).
        """
        p = self.model.params
        frame = (grievance.STATE_FRAME[self.diet] - grievance.INDEPENDENT_FRAME[self.diet]
                 + 1.0) / 2.0
        z = (frame + self.camp / 2.0) / 2.0
        return (p.blame_west_low + z * (p.blame_west_high - p.blame_west_low),
                p.blame_regime_high + z * (p.blame_regime_low - p.blame_regime_high))

    def feel_restrictions(self, hits: int) -> None:
        """Count restriction hits, accumulate grievance, and let it act by who is blamed.

        Bank (account holders: EU ties or top income) and residence (EU ties) each hit with
        prob h * severity; g <- 1 - (1 - g)(1 - eta)^hits, then g <- (1 - delta_g) g;
        e -= kappa_g phi_W (1 + a_S (I_S - 1)) g (1 + e); r -= kappa_gR phi_R g (1 + r);
        r += kappa_RI phi_W g (1 - r).
        """
        month, p = self.model.month, self.model.params
        if self.present and (month.level_bank > 0.0 or month.level_residence > 0.0):
            bank_u, residence_u, _, _ = self.uniforms(draws.RESTRICTIONS)
            holder = self.eu_ties > 0 or self.income == grievance.TOP_INCOME
            hits += holder and bank_u < p.restriction_hit_rate * month.level_bank
            hits += (self.eu_ties > 0
                     and residence_u < p.restriction_hit_rate * month.level_residence)
        if hits:
            self.grievance = 1.0 - (1.0 - self.grievance) * (1.0 - p.grievance_gain) ** hits
        self.grievance *= 1.0 - p.grievance_decay
        self.model.restriction_hits += hits
        if self.present:
            west, regime = self.blame()
            west *= self.grievance
            regime *= self.grievance
            self.e -= p.grievance_to_eu * month.west_blame_factor * west * (1.0 + self.e)
            self.r -= p.grievance_to_regime * regime * (1.0 + self.r)
            self.r += p.rejection_identification * west * (1.0 - self.r)
            self.r, self.e = clip(self.r), clip(self.e)

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
            self.r = clip(self.r + stubbornness * (self.r_anchor - self.r))
            self.e = clip(self.e + stubbornness * (self.e_anchor - self.e))

    # --- 3. emigration (two phases around the model's normaliser) ---------------------------
    def emigration_pull(self) -> float:
        """Return exp(gamma_m (e - r)): pro-EU citizens are likelier to leave."""
        return math.exp(self.model.params.emigration_attitude_selection * (self.e - self.r))

    def consider_emigrating(self, mean_pull: float) -> None:
        """Leave with hazard m(t) * pull / (mean pull of residents).

        The ties of those who go west gain a tie in the EU; of those who go east, in Russia.
        """
        m = self.model
        if not self.present:
            return
        leave_u, west_u, _, _ = self.uniforms(draws.EMIGRATION)
        if leave_u < m.month.emigration_rate * self.emigration_pull() / mean_pull:
            self.present = False
            m.emigrants += 1
            west = west_u < m.params.emigration_west_share
            for tie in self.ties:
                if west:
                    tie.eu_ties += 1
                else:
                    tie.russia_ties += 1

    # --- observation -------------------------------------------------------------------------
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
        self.border_reference = source._border_reference
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
        self.emigrants = self.restriction_hits = 0
        self.border_demand = source._border_traffic
        self.set_month(0)
        self.observe()

    def set_month(self, t: int) -> None:
        """Build month ``t``'s record from this model's parameters and state; replay its numbers."""
        inputs = self.month_inputs = self.inputs.at(t)
        residents = [c for c in self.citizens if c.present]
        loyalty = np.array([c.loyalty for c in residents], dtype=np.float32)
        capacity = travel.capacity(inputs)
        load = self.border_demand / self.border_reference / capacity if capacity > 0 else np.inf
        # The camps' bounds: the residents' loyalty quantiles (numpy's, not the engine's pass).
        low, high = np.quantile(loyalty, [inputs["regime_opposed_share"],
                                          1.0 - inputs["regime_loyal_share"]]) \
            if loyalty.size else (0.0, 0.0)
        opposed_below, loyal_from = float(low), float(max(high, low))
        context = MonthContext(months_at_war(self.inputs.series["war"], t), load,
                               opposed_below, loyal_from)
        self.month = build_month(t, self.key, inputs, self.params.record(), context)
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
        self.border_demand = 0.0
        self.agents.do("live_month")
        residents = self.agents.select(lambda citizen: citizen.present)
        self.border_demand /= max(1, len(residents))
        self.emigrants = 0
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
            cell = self.survey.group[citizen.index] * 3 + citizen.camp
            if self.survey.in_target[citizen.index]:
                cells[cell, TARGET] += 1.0
            if self.survey.in_frame[citizen.index]:
                cells[cell, FRAME] += 1.0
                cells[cell, :FRAME] += row
        self.shares[t, MEASURES.index("survey")] = self.survey.shares(
            cells, self.month.repression, self.params.record())

    def state(self) -> CitizenState:
        """Return the citizens' state as arrays laid out like ``OpinionModel.world.state``."""
        def column(name, dtype):
            return np.array([getattr(c, name) for c in self.citizens], dtype=dtype)

        dtypes = {"has_visa": bool, "present": bool, "eu_ties": np.int16,
                  "russia_ties": np.int16, "last_trip_west": np.int16}
        return CitizenState(**{name: column(name, dtypes.get(name, np.float64))
                               for name in CitizenState._fields})
