"""Exogenous futures: uncertain paths of the inputs nobody in the West controls, after 2025.

Holding propaganda, repression and emigration flat from the last known month would claim a
certainty nobody has. A future gives each exogenous input with a ``future`` range in the
registry a factor ``u``; from ``FUTURE_START`` its path (whatever the scenario says it is)
is multiplied by a straight line from 1 to ``u`` at the run's last month, and kept within
the input's bounds. The same future applies to every scenario of a comparison, so a
policy's effect is measured against the same world.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from .calendar import month_range, parse_month
from .registry import EXOGENOUS, FUTURE_START, Quantity
from .scenario import Scenario
from .timeline import TimelinePoint, compile_timeline


def uncertain_inputs() -> tuple[Quantity, ...]:
    """Return the exogenous inputs that have a future range, in registry order."""
    return tuple(q for q in EXOGENOUS if q.future is not None)


def sample_future(rng: np.random.Generator) -> dict[str, float]:
    """Return one future: a factor per uncertain input, uniform in its range."""
    return {q.name: float(rng.uniform(*q.future)) for q in uncertain_inputs()}


def with_future(scenario: Scenario, future: Mapping[str, float]) -> Scenario:
    """Return ``scenario`` with its exogenous paths bent by ``future`` from FUTURE_START.

    An empty future, or a run that ends before FUTURE_START, returns the scenario itself.
    """
    if not future or parse_month(scenario.end) < parse_month(FUTURE_START):
        return scenario
    months = month_range(scenario.start, scenario.end)
    first = months.index(FUTURE_START) if FUTURE_START in months else 0
    span = len(months) - first
    ramp = np.arange(1, span + 1) / span  # 1/span in the first future month, 1 at the end
    changes = {}
    for name, factor in future.items():
        quantity = next(q for q in uncertain_inputs() if q.name == name)
        path = compile_timeline(scenario.timeline(name), scenario.start, len(months))
        bent = np.clip(path[first:] * (1 + (factor - 1) * ramp), *quantity.bounds)
        changes[name] = tuple(TimelinePoint(month, float(value))
                              for month, value in zip(months[first:], bent, strict=True))
    return scenario.with_changes(exogenous=changes)
