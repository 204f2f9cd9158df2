"""Factors of an attribution: named groups of inputs, an outcome, and each coalition's world.

A :class:`FactorSet` (read from a factor file, ``model.inputs.factor_files``) builds the
scenario of every coalition: the factors in it follow the registry's history, the others
are held (their inputs constant from the start at a given month's values) or replaced by
given timelines. ``python run.py attribute`` runs them; ``docs/attribution.md`` explains.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

from ..core.observation import CATEGORIES
from . import registry
from .calendar import months_between
from .scenario import Scenario, section_of
from .survey_data import Wave
from .timeline import TimelinePoint, compile_timeline

DEFAULT_MEASURE = "survey"


@dataclass(frozen=True)
class Outcome:
    """What is attributed: one measure's answers, averaged over a window of months.

    Attributes:
        months: the months named (a wave's fieldwork months, or those listed).
        measure: ``survey`` or ``population``.
        answers: the answers, in ``CATEGORIES`` order.
        wave: the survey wave, when the outcome is one (its fieldwork weights the months).
    """

    months: tuple[str, ...]
    measure: str = DEFAULT_MEASURE
    answers: tuple[str, ...] = CATEGORIES
    wave: Wave | None = None

    @property
    def key(self) -> str:
        """Return the wave's key (its first fieldwork month), or the months joined by ','."""
        return self.wave.months[0] if self.wave else ",".join(self.months)

    @property
    def end(self) -> str:
        """Return the last month the outcome reads: the runs stop there."""
        return self.months[-1]

    def describe(self) -> str:
        """Return the outcome in words, for messages and figures."""
        if self.wave:
            return f"the {self.wave.label} wave (fieldwork {self.months[0]} to {self.end})"
        return "the mean of " + ", ".join(self.months)

    def weights(self, months: Sequence[str]) -> np.ndarray:
        """Return the weights over the simulated ``months`` of the outcome's mean.

        A wave weighs its fieldwork days (``Wave.month_weights``, as the calibration
        targets do); listed months each weigh the same, at their month-end state.
        """
        if self.wave is not None:
            return self.wave.month_weights(months)
        weights = np.zeros(len(months))
        weights[[list(months).index(month) for month in self.months]] = 1 / len(self.months)
        return weights


@dataclass(frozen=True)
class Factor:
    """A named group of inputs, held (or replaced) when the factor does not follow history.

    Attributes:
        key: the factor's key in the file (``[factors.KEY]``).
        label: what it is, in words.
        held: inputs held constant from the start, each at its value in the month given.
        timelines: inputs replaced by these timelines instead.
    """

    key: str
    label: str
    held: Mapping[str, str] = field(default_factory=dict)
    timelines: Mapping[str, tuple[TimelinePoint, ...]] = field(default_factory=dict)

    def __post_init__(self):
        object.__setattr__(self, "held", MappingProxyType(dict(self.held)))
        object.__setattr__(self, "timelines", MappingProxyType(dict(self.timelines)))

    @property
    def inputs(self) -> tuple[str, ...]:
        """Return every input the factor moves, held ones first."""
        return (*self.held, *self.timelines)

    def counterfactual(self, actual: Scenario) -> dict[str, dict]:
        """Return the changes to ``actual`` that take this factor's history away.

        A held input becomes a constant from the run's start at its value in ``actual`` in
        the month it is held at; a replaced one takes its timeline (from its first month).
        """
        changes: dict[str, dict] = {"levers": {}, "exogenous": {}}
        for name, month in self.held.items():
            value = compile_timeline(actual.timeline(name), actual.start,
                                     months_between(actual.start, month) + 1)[-1]
            section = section_of(registry.get(name).group)
            changes[section][name] = (TimelinePoint(actual.start, float(value)),)
        for name, points in self.timelines.items():
            changes[section_of(registry.get(name).group)][name] = points
        return changes


@dataclass(frozen=True)
class FactorSet:
    """A validated factor file.

    Attributes:
        name: the file's name (labels the runs).
        description: what it asks, and which inputs it leaves moving and why.
        outcome: what is attributed.
        factors: the factors, in the file's order (factor i is bit i of a coalition).
        path: the file, when read from one.
    """

    name: str
    description: str
    outcome: Outcome
    factors: tuple[Factor, ...]
    path: str | None = None

    def actual(self) -> Scenario:
        """Return the actual world: the registry's history, run to the outcome's end."""
        return Scenario(name=self.name).with_changes(end=self.outcome.end)

    def scenario(self, coalition: int) -> Scenario:
        """Return the world of a coalition: its factors actual, the others taken away.

        Args:
            coalition: a bit mask, bit i set when factor i follows its history.
        """
        actual = self.actual()
        levers, exogenous = {}, {}
        for i, factor in enumerate(self.factors):
            if not coalition >> i & 1:
                changes = factor.counterfactual(actual)
                levers |= changes["levers"]
                exogenous |= changes["exogenous"]
        kept = [f.key for i, f in enumerate(self.factors) if coalition >> i & 1]
        name = f"{self.name}: actual {'+'.join(kept)}" if kept else f"{self.name}: all held"
        return actual.with_changes(levers=levers, exogenous=exogenous, name=name)

    def start_changes(self) -> dict[str, tuple[str, ...]]:
        """Return, by factor, the inputs whose held or replaced value differs in the start month.

        The model sets its anchors so that the start month's world is at rest
        (``docs/ODD.md``, section 5): a change to the start month's inputs moves the anchors
        with it, so most of its effect never shows (``docs/attribution.md``).
        """
        actual = self.actual()
        first = actual.compile_inputs().at(0)
        found = {}
        for factor in self.factors:
            changes = factor.counterfactual(actual)
            held = actual.with_changes(**changes).compile_inputs().at(0)
            names = tuple(name for name in factor.inputs if held[name] != first[name])
            if names:
                found[factor.key] = names
        return found

    def moving(self) -> tuple[str, ...]:
        """Return the dated inputs that change within the outcome's window but no factor moves.

        They follow their history in every coalition, so their effect is in the residual.
        """
        taken = {name for factor in self.factors for name in factor.inputs}
        compiled = self.actual().compile_inputs()
        return tuple(name for name, series in compiled.series.items()
                     if name not in taken and np.ptp(series) > 0)
