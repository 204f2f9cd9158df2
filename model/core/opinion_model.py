"""``OpinionModel``: the Mesa model that owns the arrays, the random streams and the clock."""

from __future__ import annotations

from collections.abc import Collection

import mesa
import numpy as np

from ..inputs.scenario import Scenario, baseline
from . import attitudes
from .citizen import Citizen
from .draws import run_key
from .engine import MonthSummary, World, advance_month
from .mechanisms import travel
from .mechanisms.camps import camp_thresholds, loyalty_order
from .month import Month, MonthContext, build_month, months_at_war_by_month
from .network import build_network, renumbered, ring_order
from .observation import CATEGORIES, MEASURES, SurveyDesign, VirtualSurvey
from .population import synthesise_population
from .rest import last_trips_before_start, rest_anchors, steady_state
from .start_cache import Start, remembered_start, start_key
from .state import CitizenState
from .streams import RandomStreams

#: Months of the pandemic's travel before the start: March to September 2020 (borders and
#: consulates closed from March 2020; ``pandemic_travel_barrier`` in the registry).
PANDEMIC_MONTHS = 7

#: Below this many citizens, Mesa ``Citizen`` agents are created by default. Above it they
#: would cost more memory than the arrays themselves; pass ``create_agents=True`` to force.
AGENT_LIMIT = 200_000


class OpinionModel(mesa.Model):
    """Belarusian foreign-policy opinion under propaganda, peers, travel and grievance.

    One step is one month, from the scenario's start (September 2020). Build it, then call
    ``step()`` or ``run_model()``; ``shares`` holds the monthly answer shares, shape
    (months, 2 measures, 4 categories), and ``datacollector`` records the same.

    Args:
        scenario: what to run; the historical baseline if omitted.
        seed: the one seed; every random stream derives from it. ``None`` (what
            ``mesa.batch_run`` passes for its iterations) draws one from the operating
            system; it is kept in ``seed`` so the run can be repeated.
        n_citizens: population size (defaults to the scenario's).
        create_agents: create Mesa ``Citizen`` agents (default: when N <= AGENT_LIMIT).
        survey_design: the virtual instrument (the Chatham House design by default).
        collect_data: fill ``datacollector`` every month (default); ``simulate`` reads
            ``shares`` instead, and saves the reporters' cost (a tenth of a small run).
        observe: the months (``YYYY-MM``) whose shares are read (default: every month);
            the others stay NaN. The survey changes nothing in the model, so what is read
            is the same either way; a fit reads only its waves' fieldwork months, and saves
            most of the survey's cost (a fifth of a calibration run).
    """

    def __init__(self, scenario: Scenario | None = None, seed: int | None = 0,
                 n_citizens: int | None = None, create_agents: bool | None = None,
                 survey_design: SurveyDesign | None = None, collect_data: bool = True,
                 observe: Collection[str] | None = None):
        if seed is None:
            seed = int(np.random.SeedSequence().generate_state(1)[0])
        self.streams = RandomStreams(seed)
        super().__init__(rng=self.streams.integer_seed("mesa"))
        self.spec = scenario or baseline()  # Mesa's own ``scenario`` attribute is Mesa's.
        self.seed = seed
        self.params = self.spec.resolved_parameters()
        self.inputs = self.spec.compile_inputs()
        self.months = self.inputs.months
        self.key = run_key(seed)
        n = int(n_citizens or self.spec.citizens)
        p = self.params

        self._war_months = months_at_war_by_month(self.inputs.series["war"])
        self.survey_design = survey_design or SurveyDesign()
        start = self._start(n)
        self.survey, self.initial_constants = start.survey, start.initial_constants
        self._border_reference, self._border_traffic = start.border_reference, start.border_traffic
        self._loyalty, self._loyalty_order = start.population.loyalty, start.loyalty_order
        self.world = World(start.population, start.network, start.state.copy(), p.record())
        self.record = start.first

        self.shares = np.full((self.inputs.n_months, len(MEASURES), len(CATEGORIES)), np.nan)
        self._observed = None if observe is None else _month_flags(observe, self.months)
        self.summaries: list[MonthSummary] = []
        self._collect_data = collect_data
        self.datacollector = mesa.DataCollector(model_reporters={
            f"{measure}_{category}": [self.share, [m, c]]
            for m, measure in enumerate(MEASURES) for c, category in enumerate(CATEGORIES)
        })
        self._citizens: list[Citizen] | None = None
        if create_agents if create_agents is not None else n <= AGENT_LIMIT:
            self._citizens = [Citizen(self, i) for i in range(n)]
        self._observe()

    # --- construction --------------------------------------------------------------------
    def _start(self, n: int) -> Start:
        """Return the Sep 2020 world of ``n`` citizens: built, or the same one built before.

        The start depends only on what its key holds (``start_key``); runs of one draw in
        several scenarios (an ensemble's scenarios, an attribution's coalitions) share it.
        """
        key = start_key(self.seed, n, self.params, self.inputs.at(0), self._war_months[0],
                        self.survey_design)
        return remembered_start(key, n, lambda: self._build_start(n))

    def _build_start(self, n: int) -> Start:
        """Build the population, the attitudes, the network and the state at rest."""
        p, start = self.params, self.inputs.at(0)
        population = synthesise_population(
            n, self.streams["population"], p.initial_eu_tie_share, p.initial_russia_tie_share,
            start["regime_opposed_share"], start["regime_loyal_share"])
        # The camps are bands of the fixed loyalty scores among residents (``camps``).
        self._loyalty, self._loyalty_order = population.loyalty, loyalty_order(population.loyalty)
        record = p.record()
        self._border_reference = self._border_traffic = 1.0  # set by ``_rest_state``
        first = self._record_at(0, np.ones(n, dtype=bool), record, border_demand=1.0)
        r, e = self._initial_attitudes(population, first, record)
        # Homophily key: towns and villages form separate rings (joined by rewired shortcuts);
        # within them, neighbours in the ring are close in age and in East-West orientation.
        similarity = (100.0 * population.urban + 1.5 * population.age_band + 1.5 * (r - e)
                      + 0.7 * self.streams["network"].standard_normal(n))
        # Citizens are numbered around the ring from here on, so that ties join nearby
        # numbers and a partner's attitudes are mostly in the cache (``core.network``).
        order = ring_order(similarity)
        population, r, e = population.subset(order), r[order], e[order]
        # The same citizens in loyalty order, renumbered (an O(N) lookup, not a new sort).
        self._loyalty = population.loyalty
        self._loyalty_order = renumbered(self._loyalty_order, order)
        self.survey = VirtualSurvey(population, self.survey_design)
        network = build_network(n, int(p.network_degree), p.network_rewiring,
                                self.streams["network"])
        state = self._rest_state(population, network, r, e, first, record)
        return Start(population, self.survey, network, state, first, self._loyalty_order,
                     self._border_reference, self._border_traffic, self.initial_constants)

    def _initial_attitudes(self, population, first: Month, record) -> tuple[np.ndarray,
                                                                           np.ndarray]:
        """Return attitudes placed so that the virtual survey reads the Sep 2020 wave."""
        p, n = self.params, population.size
        draws = self.streams["attitudes"].standard_normal((2, n))
        east_west = attitudes.orientation(population, p.initial_orientation_diet,
                                          p.initial_orientation_regime,
                                          p.initial_orientation_age, p.initial_spread, draws[0])
        openness = draws[1]
        rows = np.arange(min(n, attitudes.SOLVE_SUBSAMPLE))
        subsurvey = VirtualSurvey(population.subset(rows), self.survey_design)
        present = np.ones(rows.size, dtype=bool)

        def initial_survey(r, e, _rows):
            return subsurvey.read(r, e, present, first, record)[1]

        constants = attitudes.solve_initial_constants(east_west, openness, initial_survey)
        self.initial_constants = constants
        return attitudes.place_attitudes(east_west, openness, constants)

    def _rest_state(self, population, network, r, e, first: Month, record) -> CitizenState:
        """Return the initial state at rest under Sep 2020's world (``core.rest``)."""
        eu_ties, russia_ties = population.eu_ties.copy(), population.russia_ties.copy()
        visa, contact, grievance, drift_r, drift_e, border, west_recent = steady_state(
            r, e, population, eu_ties, russia_ties, network, first, record)
        has_visa = self.streams["attitudes"].random(population.size) < visa
        self._border_traffic = float(np.mean(border * has_visa))
        # The queues' reference: the traffic the 2020 crossings carried before the pandemic,
        # with the consulates' 2018 output (the stationary visa stock and wishes to cross
        # of that world). Sep 2020's own traffic, cut by the pandemic and the consulates'
        # closure, lies far below what the crossings could carry.
        before = {**self.inputs.at(0), "pandemic_travel_barrier": 0.0,
                  "visa_processing_capacity": 1.0}
        visa, _, _, _, _, border, west_earlier = steady_state(
            r, e, population, eu_ties, russia_ties, network,
            self._record_for(before, 0, np.ones(population.size, dtype=bool), record,
                             border_demand=1.0), record, with_drift=False)
        reference = float(np.mean(border * visa))
        self._border_reference = reference if reference > 0.0 else 1.0
        # Trips west before the start, for "visited the EU in the last five years": at
        # Sep 2020's own rates back to March 2020 (the pandemic), at the rates of the world
        # before it (the same as the queues' reference) for the 53 months before that.
        last_trip_west = last_trips_before_start(
            self.streams["history"].random(population.size), west_recent, west_earlier,
            PANDEMIC_MONTHS)
        r_anchor, e_anchor = rest_anchors(r, e, drift_r, drift_e, population.age_band,
                                          self.params.anchoring_rate)
        return CitizenState(r=r, e=e, r_anchor=r_anchor, e_anchor=e_anchor,
                            grievance=grievance, contact=contact, has_visa=has_visa,
                            eu_ties=eu_ties, russia_ties=russia_ties,
                            present=np.ones(population.size, dtype=bool),
                            last_trip_west=last_trip_west)

    def _record_at(self, t: int, present: np.ndarray, record,
                   border_demand: float) -> Month:
        """Return month ``t``'s record, its context read from the model's state."""
        return self._record_for(self.inputs.at(t), t, present, record, border_demand)

    def _record_for(self, inputs, t: int, present: np.ndarray, record,
                    border_demand: float) -> Month:
        """Return the record of month ``t`` with the given inputs, ``present`` the residents."""
        capacity = travel.capacity(inputs)
        load = (border_demand / self._border_reference) / capacity if capacity > 0 else np.inf
        opposed_below, loyal_from = camp_thresholds(self._loyalty, inputs, present,
                                                    self._loyalty_order)
        context = MonthContext(months_at_war=self._war_months[t],
                               border_load=load, opposed_below=opposed_below,
                               loyal_from=loyal_from)
        return build_month(t, self.key, inputs, record, context)

    # --- observation ---------------------------------------------------------------------
    def _observe(self) -> None:
        s, t = self.world.state, self.month_index
        if self._observed is None or self._observed[t]:
            self.shares[t] = self.survey.read(s.r, s.e, s.present, self.record,
                                              self.world.params)
        if self._collect_data:
            self.datacollector.collect(self)

    def share(self, measure: int, category: int) -> float:
        """Return this month's share of one answer under one measure (a DataCollector reporter)."""
        return float(self.shares[min(self.month_index, len(self.months) - 1), measure, category])

    # --- the clock -----------------------------------------------------------------------
    @property
    def month_index(self) -> int:
        """Months since the start (0 before the first step)."""
        return self.steps

    @property
    def month(self) -> str:
        """The current month, ``YYYY-MM``."""
        return self.months[min(self.month_index, len(self.months) - 1)]

    @property
    def repression(self) -> float:
        """The repression index in force this month."""
        t = min(self.month_index, self.inputs.n_months - 1)
        return float(self.inputs.series["repression_index"][t])

    def month_record(self, t: int) -> Month:
        """Return month ``t``'s record of scalars (``core.month``), as the step reads it."""
        s = self.world.state
        demand = self.summaries[-1].border_demand if self.summaries else self._border_traffic
        return self._record_at(t, s.present, self.world.params, demand)

    def step(self) -> None:
        """Advance one month: apply the mechanisms with this month's record, then observe."""
        t = self.month_index  # Mesa's wrapper has already advanced ``steps`` to the new month
        if t >= self.inputs.n_months:
            self.running = False
            return
        was_present = self.world.state.present.copy() if self._citizens else None
        self.record = self.month_record(t)
        self.summaries.append(advance_month(self.world, self.record))
        if was_present is not None:
            for i in np.flatnonzero(was_present & ~self.world.state.present):
                self._citizens[i].remove()
        self._observe()
        self.running = t < self.inputs.n_months - 1

    def run_model(self) -> None:
        """Run to the scenario's last month."""
        while self.running:
            self.step()


def check_months(option: str, months: Collection[str], run_months: tuple[str, ...]) -> None:
    """Raise ValueError, naming ``option``, if a month of ``months`` is outside the run."""
    unknown = sorted(set(months) - set(run_months))
    if unknown:
        raise ValueError(f"{option}: months {', '.join(unknown)} are outside the run "
                         f"({run_months[0]} to {run_months[-1]})")


def _month_flags(months: Collection[str], run_months: tuple[str, ...]) -> np.ndarray:
    """Return, per month of the run, whether it is among ``months`` (``check_months`` first)."""
    check_months("observe", months, run_months)
    wanted = set(months)
    return np.array([month in wanted for month in run_months])
