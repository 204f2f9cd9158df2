"""The Chatham House survey waves the model is calibrated and checked on.

``model/data/chatham_house_waves.csv`` is a copy of ``shared/data/chatham_house_waves.csv``
(sources and caveats in its columns), shipped with the package so a fresh clone runs
without ``../shared``. Only these waves may be used for calibration.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources

import numpy as np
import pandas as pd

from ..core.observation import CATEGORIES
from .calendar import format_month, parse_month

#: Fallback sample size where a wave's n is not known (Aug-Nov 2025: "more than 700").
UNKNOWN_SAMPLE_SIZE = 700


@dataclass(frozen=True)
class Wave:
    """One survey wave with at least one alliance share reported.

    ``shares`` are fractions by category (NaN where not reported); ``months`` are the
    fieldwork months, ``YYYY-MM``.
    """

    label: str
    months: tuple[str, ...]
    sample_size: int
    shares: dict[str, float]
    notes: str
    #: Fieldwork days: (month, first day, last day) per stretch of fieldwork; a month whose
    #: days are not known is the whole month.
    fieldwork: tuple[tuple[str, int, int], ...] = ()

    @property
    def reported(self) -> tuple[str, ...]:
        """Categories with a reported share."""
        return tuple(c for c in CATEGORIES if not np.isnan(self.shares[c]))

    @property
    def mid_month(self) -> str:
        """The middle fieldwork month (for plotting)."""
        return self.months[len(self.months) // 2]

    def month_weights(self, months: Sequence[str]) -> np.ndarray:
        """Return the weights, over the simulated months, of the wave's day-weighted mean.

        The model's state of month m is the state at its end. A fieldwork day d of month m
        (of D days) sees the state interpolated between the ends of months m - 1 and m,
        (1 - d / D) S[m - 1] + (d / D) S[m]; the wave's share is the mean over its days.
        So wave 7 (20 Jan - 9 Feb 2022) sees nothing of March, when the model's war begins.
        """
        index = {month: i for i, month in enumerate(months)}
        weights = np.zeros(len(months))
        days = 0
        for month, first, last in self.fieldwork:
            i = index[month]
            length = calendar.monthrange(*map(int, month.split("-")))[1]
            for day in range(first, last + 1):
                fraction = day / length
                weights[max(i - 1, 0)] += 1.0 - fraction
                weights[i] += fraction
                days += 1
        return weights / days


def load_waves_table() -> pd.DataFrame:
    """Return the raw waves table as published in shared/data."""
    with resources.files("model.data").joinpath("chatham_house_waves.csv").open() as handle:
        return pd.read_csv(handle)


def _fieldwork(start: str, end: str, rounds: str) -> tuple[tuple[str, int, int], ...]:
    """Return a wave's fieldwork stretches from its table row (see ``Wave.fieldwork``)."""
    if isinstance(rounds, str) and rounds.strip():
        return tuple((month, 1, _days_in(month)) for month in rounds.split())
    start, end = str(start), str(end)
    first, last = parse_month(start[:7]), parse_month(end[:7])
    stretches = []
    for absolute in range(first, last + 1):
        month = format_month(absolute)
        low = int(start[8:10]) if absolute == first and len(start) == 10 else 1
        high = int(end[8:10]) if absolute == last and len(end) == 10 else _days_in(month)
        stretches.append((month, low, high))
    return tuple(stretches)


def _days_in(month: str) -> int:
    return calendar.monthrange(*map(int, month.split("-")))[1]


def load_waves() -> list[Wave]:
    """Return the waves that report at least one alliance share, oldest first."""
    waves = []
    for row in load_waves_table().itertuples(index=False):
        shares = {c: float(getattr(row, c)) / 100.0 for c in CATEGORIES}
        if all(np.isnan(v) for v in shares.values()):
            continue
        n = row.sample_n if not pd.isna(row.sample_n) else UNKNOWN_SAMPLE_SIZE
        fieldwork = _fieldwork(row.field_start, row.field_end, row.fieldwork_rounds)
        waves.append(Wave(label=row.wave_label, months=tuple(m for m, _, _ in fieldwork),
                          sample_size=int(n), shares=shares, notes=str(row.notes),
                          fieldwork=fieldwork))
    return waves
