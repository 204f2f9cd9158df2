"""Dated timelines of levers and exogenous inputs, compiled to one value per month."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .calendar import format_month, parse_month


@dataclass(frozen=True)
class TimelinePoint:
    """From ``month`` on, the value is ``value``.

    With ``ramp`` the value is reached by a straight line from the previous point.
    """

    month: str
    value: float
    ramp: bool = False


def override_from(base: Sequence[TimelinePoint],
                  override: Sequence[TimelinePoint]) -> tuple[TimelinePoint, ...]:
    """Return ``base`` with everything from the override's first month on replaced.

    This is the meaning of a timeline in a scenario (and of ``--set KEY@YYYY-MM=VALUE``): "from
    this date, the lever follows this path", whatever the base said later.
    """
    if not override:
        return tuple(base)
    first = min(parse_month(p.month) for p in override)
    kept = [p for p in base if parse_month(p.month) < first]
    return tuple(sorted([*kept, *override], key=lambda p: parse_month(p.month)))


def compile_timeline(points: Sequence[TimelinePoint], start: str, n_months: int) -> np.ndarray:
    """Return the value in force in each of ``n_months`` months from ``start``.

    Before the first point the first value holds. A step point holds from its month until the
    next point; a ramp point is approached linearly from the previous point's month and value.
    """
    if not points:
        raise ValueError("a timeline needs at least one point")
    ordered = sorted(points, key=lambda p: parse_month(p.month))
    origin = parse_month(start)
    months = np.arange(n_months) + origin
    values = np.full(n_months, float(ordered[0].value))
    for previous, point in zip([None, *ordered[:-1]], ordered, strict=True):
        at = parse_month(point.month)
        if point.ramp and previous is not None:
            since = parse_month(previous.month)
            span = months[(months > since) & (months <= at)]
            fraction = (span - since) / (at - since)
            values[span - origin] = previous.value + fraction * (point.value - previous.value)
        values[months >= at] = point.value
    return values


@dataclass(frozen=True)
class CompiledInputs:
    """Every lever and exogenous series as one value per simulated month."""

    start: str
    series: dict[str, np.ndarray]

    @property
    def n_months(self) -> int:
        """Number of months covered, including the start month."""
        return next(iter(self.series.values())).size

    @property
    def months(self) -> list[str]:
        """The covered months as ``YYYY-MM``."""
        origin = parse_month(self.start)
        return [format_month(origin + t) for t in range(self.n_months)]

    def at(self, t: int) -> dict[str, float]:
        """Return every input's value in month ``t`` (0 = start), as a new dict."""
        return dict(self._by_month[t])

    @cached_property
    def _by_month(self) -> list[dict[str, float]]:
        """Every month's inputs, made once: a run asks for every month's, one at a time."""
        names = list(self.series)
        rows = np.array([self.series[name] for name in names], dtype=float).T.tolist()
        return [dict(zip(names, row, strict=True)) for row in rows]
