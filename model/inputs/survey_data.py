"""The Chatham House survey waves the model is calibrated and checked on.

``model/data/chatham_house_waves.csv`` is a copy of ``shared/data/chatham_house_waves.csv``
(sources and caveats in its columns), shipped with the package so a fresh clone runs
without ``../shared``. Only these waves may be used for calibration.
"""

from __future__ import annotations

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

    @property
    def reported(self) -> tuple[str, ...]:
        """Categories with a reported share."""
        return tuple(c for c in CATEGORIES if not np.isnan(self.shares[c]))

    @property
    def mid_month(self) -> str:
        """The middle fieldwork month (for plotting)."""
        return self.months[len(self.months) // 2]


def load_waves_table() -> pd.DataFrame:
    """Return the raw waves table as published in shared/data."""
    with resources.files("model.data").joinpath("chatham_house_waves.csv").open() as handle:
        return pd.read_csv(handle)


def _fieldwork_months(start: str, end: str) -> tuple[str, ...]:
    first, last = parse_month(str(start)[:7]), parse_month(str(end)[:7])
    return tuple(format_month(m) for m in range(first, last + 1))


def load_waves() -> list[Wave]:
    """Return the waves that report at least one alliance share, oldest first."""
    waves = []
    for row in load_waves_table().itertuples(index=False):
        shares = {c: float(getattr(row, c)) / 100.0 for c in CATEGORIES}
        if all(np.isnan(v) for v in shares.values()):
            continue
        n = row.sample_n if not pd.isna(row.sample_n) else UNKNOWN_SAMPLE_SIZE
        waves.append(Wave(label=row.wave_label,
                          months=_fieldwork_months(row.field_start, row.field_end),
                          sample_size=int(n), shares=shares, notes=str(row.notes)))
    return waves
