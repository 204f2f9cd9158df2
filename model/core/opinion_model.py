"""``OpinionModel``: the Mesa model that owns the arrays, the random streams and the clock."""

from __future__ import annotations

import mesa
import numpy as np

from ..inputs.calendar import parse_month
from ..inputs.scenario import Scenario, baseline
from . import attitudes
from .citizen import Citizen
from .draws import run_key
from .engine import MonthSummary, World, advance_month, war_shock
from .mechanisms.events import WAR_MONTH
from .month import Month, build_month
from .network import build_network
from .observation import CATEGORIES, MEASURES, SurveyDesign, VirtualSurvey
from .population import synthesise_population
from .state import CitizenState
from .streams import RandomStreams

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
    """

    def __init__(self, scenario: Scenario | None = None, seed: int | None = 0,
                 n_citizens: int | None = None, create_agents: bool | None = None,
                 survey_design: SurveyDesign | None = None):
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

        population = synthesise_population(n, self.streams["population"],
                                           self.params.initial_eu_tie_share)
        self.survey = VirtualSurvey(population, survey_design or SurveyDesign())
        state = self._initial_state(population)
        # Homophily key: towns and villages form separate rings (joined by rewired shortcuts);
        # within them, neighbours in the ring are close in age and in East-West orientation.
        similarity = (100.0 * population.urban + 1.5 * population.age_band
                      + 1.5 * (state.r - state.e)
                      + 0.7 * self.streams["network"].standard_normal(n))
        network = build_network(similarity, int(self.params.network_degree),
                                self.params.network_rewiring, self.streams["network"])
        self.world = World(population, network, state, self.params.record())

        self.shares = np.full((self.inputs.n_months, len(MEASURES), len(CATEGORIES)), np.nan)
        self.summaries: list[MonthSummary] = []
        self.datacollector = mesa.DataCollector(model_reporters={
            f"{measure}_{category}": [self.share, [m, c]]
            for m, measure in enumerate(MEASURES) for c, category in enumerate(CATEGORIES)
        })
        self._schedule_events()
        self._citizens: list[Citizen] | None = None
        if create_agents if create_agents is not None else n <= AGENT_LIMIT:
            self._citizens = [Citizen(self, i) for i in range(n)]
        self._observe()

    # --- construction --------------------------------------------------------------------
    def _initial_state(self, population) -> CitizenState:
        p, n = self.params, population.size
        draws = self.streams["attitudes"].standard_normal((2, n))
        east_west = attitudes.orientation(population, p.initial_orientation_diet,
                                          p.initial_orientation_regime,
                                          p.initial_orientation_age, p.initial_spread, draws[0])
        openness = draws[1]
        rows = np.arange(min(n, attitudes.SOLVE_SUBSAMPLE))
        subsurvey = VirtualSurvey(population.subset(rows), self.survey.design)
        present = np.ones(rows.size, dtype=bool)
        repression, record = self.inputs.at(0)["repression_index"], p.record()

        def initial_survey(r, e, _rows):
            return subsurvey.read(r, e, present, repression, record)[1]

        constants = attitudes.solve_initial_constants(east_west, openness, initial_survey)
        r, e = attitudes.place_attitudes(east_west, openness, constants)
        self.initial_constants = constants
        return CitizenState(
            r=r, e=e, r_anchor=r.copy(), e_anchor=e.copy(),
            grievance=np.zeros(n), contact=np.zeros(n),
            has_visa=population.has_visa.copy(), eu_ties=population.eu_ties.copy(),
            present=np.ones(n, dtype=bool),
        )

    def _schedule_events(self) -> None:
        """Schedule dated one-off events on Mesa's event list.

        An event dated month t fires at time t - 0.5, before that month's step.
        """
        war = parse_month(WAR_MONTH) - parse_month(self.spec.start)
        if 0 < war < self.inputs.n_months:
            self.schedule_event(self._war_shock, at=war - 0.5)

    def _war_shock(self) -> None:
        war_shock(self.world)

    # --- observation ---------------------------------------------------------------------
    def _observe(self) -> None:
        s, t = self.world.state, self.month_index
        self.shares[t] = self.survey.read(s.r, s.e, s.present, self.repression,
                                          self.world.params)
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
        return build_month(t, self.key, self.inputs.at(t), self.world.params)

    def step(self) -> None:
        """Advance one month: apply the mechanisms with this month's record, then observe."""
        t = self.month_index  # Mesa's wrapper has already advanced ``steps`` to the new month
        if t >= self.inputs.n_months:
            self.running = False
            return
        was_present = self.world.state.present.copy() if self._citizens else None
        self.summaries.append(advance_month(self.world, self.month_record(t)))
        if was_present is not None:
            for i in np.flatnonzero(was_present & ~self.world.state.present):
                self._citizens[i].remove()
        self._observe()
        self.running = t < self.inputs.n_months - 1

    def run_model(self) -> None:
        """Run to the scenario's last month."""
        while self.running:
            self.step()
