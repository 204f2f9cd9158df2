"""The pure entry point: a scenario and a seed in, monthly shares out, no I/O."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..inputs.scenario import Scenario, baseline
from .observation import CATEGORIES, MEASURES
from .opinion_model import OpinionModel, check_months
from .subgroups import PANEL_SIZE, run_with_subgroups, subgroup_frame


@dataclass(frozen=True)
class SimulationResult:
    """Monthly answer shares of one run.

    Attributes:
        scenario: the scenario's name.
        seed: the seed it ran with.
        months: the months, ``YYYY-MM``.
        array: shares, shape (months, 2 measures, 4 categories), measures and categories in
            the order of ``observation.MEASURES`` and ``observation.CATEGORIES``.
        subgroup_array: the survey by subgroup in ``subgroup_months``, shape (those months,
            rows, columns) of ``core.subgroups`` (``ROWS``, ``COLUMNS``), if asked for.
        subgroup_months: the months ``subgroup_array`` holds (every month unless
            ``simulate`` was given some).
    """

    scenario: str
    seed: int
    months: tuple[str, ...]
    array: np.ndarray
    subgroup_array: np.ndarray | None = None
    subgroup_months: tuple[str, ...] | None = None

    def subgroups(self, panel_size: int = PANEL_SIZE) -> pd.DataFrame:
        """Return the survey by subgroup in each month read (``core.subgroups.subgroup_frame``).

        Only for a run made with ``simulate(..., subgroups=True)`` (or some months).
        """
        if self.subgroup_array is None:
            raise ValueError("run simulate(..., subgroups=True) to read the survey by subgroup")
        return pd.concat([subgroup_frame(table, month, panel_size)
                          for month, table in zip(self.subgroup_months, self.subgroup_array,
                                                  strict=True)], ignore_index=True)

    @property
    def shares(self) -> pd.DataFrame:
        """Tidy shares: one row per (date, measure).

        Columns: scenario, seed, date, measure, russia, both, eu, neither.
        """
        n_months, n_measures, _ = self.array.shape
        frame = pd.DataFrame(self.array.reshape(n_months * n_measures, -1),
                             columns=list(CATEGORIES))
        frame.insert(0, "measure", np.tile(MEASURES, n_months))
        frame.insert(0, "date", np.repeat(self.months, n_measures))
        frame.insert(0, "seed", self.seed)
        frame.insert(0, "scenario", self.scenario)
        return frame

    def at(self, month: str, measure: str = "survey") -> dict[str, float]:
        """Return the four shares of one month and measure."""
        row = self.array[self.months.index(month), MEASURES.index(measure)]
        return dict(zip(CATEGORIES, row.tolist(), strict=True))


def simulate(scenario: Scenario | None = None, seed: int = 0, n_citizens: int | None = None,
             parameters: Mapping[str, float] | None = None,
             subgroups: bool | Collection[str] = False,
             observe: Collection[str] | None = None) -> SimulationResult:
    """Run one scenario with one seed and return its monthly shares.

    Args:
        scenario: what to run (the historical baseline if omitted).
        seed: the one seed; the same seed gives the same result, bit for bit, and two
            scenarios run with the same seed share their random draws.
        n_citizens: population size (default: the scenario's, 4,000 unless it says).
        parameters: values for the parameters the scenario does not set itself (a
            posterior draw, a variant's switches, a sampled value); the scenario's own
            ``[parameters]`` win, as in ``run --posterior`` (what a scenario sets is what it
            is about). To change a parameter the scenario sets, change the scenario
            (``scenario.with_changes(parameters=...)``).
        subgroups: also read the survey by subgroup (``core.subgroups``;
            ``SimulationResult.subgroups()``): True for every month, or the months to read
            (a fit reads only its fieldwork months); the shares are the same either way.
        observe: the months whose shares are read (default every month); the others are
            NaN. What is read is the same either way: the survey changes nothing.

    Raises:
        ValueError: for a month to read that the run does not simulate.
    """
    scenario = (scenario or baseline()).with_default_parameters(parameters)
    model = OpinionModel(scenario, seed=seed, n_citizens=n_citizens, create_agents=False,
                         collect_data=False, observe=observe)
    months = tuple(model.months)
    read = _months_to_read(subgroups, months)
    by_subgroup = model.run_model() if read is None else run_with_subgroups(model, read)
    return SimulationResult(scenario=scenario.name, seed=seed, months=months,
                            array=model.shares.copy(), subgroup_array=by_subgroup,
                            subgroup_months=read)


def _months_to_read(subgroups: bool | Collection[str],
                    months: tuple[str, ...]) -> tuple[str, ...] | None:
    """Return the months whose survey by subgroup ``simulate`` reads, in run order (None: none)."""
    if subgroups is True:
        return months
    if subgroups is False:
        return None
    check_months("subgroups", subgroups, months)
    wanted = set(subgroups)
    return tuple(m for m in months if m in wanted)
