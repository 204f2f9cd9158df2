"""The Chatham House survey waves the model is calibrated and checked on.

``model/data/chatham_house_waves.csv`` is a copy of ``shared/data/chatham_house_waves.csv``
(sources and caveats in its columns), shipped with the package so a fresh clone runs
without ``../shared``. Only these waves may be used for calibration.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from ..core.observation import CATEGORIES
from .calendar import format_month, parse_month
from .errors import MISSING, InputError
from .tables import CsvTable

WAVES_FILE = "chatham_house_waves.csv"

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


#: The columns of the waves file, each required.
COLUMNS = ("wave_label", "field_start", "field_end", "sample_n", *CATEGORIES, "hard_to_say",
           "source_url", "notes")
#: Reported shares are rounded percentages: a wave's may add up to a little over 100.
SHARE_SUM_SLACK = 1.0
#: The largest believable sample of one survey wave.
MAX_SAMPLE_SIZE = 1_000_000


def waves_path() -> Path:
    """Return the survey waves CSV shipped with the package."""
    return Path(str(resources.files("model.data").joinpath(WAVES_FILE)))


def load_waves_table(path: str | Path | None = None) -> pd.DataFrame:
    """Return the raw waves table as published in shared/data (read after checking it)."""
    path = waves_path() if path is None else Path(path)
    _checked_table(path)
    return pd.read_csv(path)


def _checked_table(path: Path) -> CsvTable:
    """Return the waves file as text after checking every cell.

    Raises:
        InputError: naming the file, line, row and column of the first problem.
    """
    table = CsvTable.read(path, COLUMNS, "the Chatham House survey waves")
    for row in range(1, len(table.rows) + 1):
        if not table.cell(row, "wave_label").text:
            raise table.cell(row, "wave_label").error(MISSING, "a label naming the wave")
        start, end = (table.cell(row, key).month() for key in ("field_start", "field_end"))
        if parse_month(end) < parse_month(start):
            raise table.cell(row, "field_end").error(
                table.cell(row, "field_end").text, f"a month not before field_start {start}")
        table.cell(row, "sample_n").whole(1, MAX_SAMPLE_SIZE, empty_ok=True)
        shares = [table.cell(row, key).number(0, 100, empty_ok=True, what="a percentage")
                  for key in (*CATEGORIES, "hard_to_say")]
        total = sum(share for share in shares if share is not None)
        if total > 100 + SHARE_SUM_SLACK:
            raise InputError(table.source, f"row {row}, columns {', '.join(CATEGORIES)}, "
                             "hard_to_say", MISSING,
                             f"shares of one wave summing to at most 100 (+{SHARE_SUM_SLACK:g} "
                             f"for rounding); these sum to {total:g}", line=table.lines[row - 1])
    return table


def _fieldwork_months(start: str, end: str) -> tuple[str, ...]:
    first, last = parse_month(str(start)[:7]), parse_month(str(end)[:7])
    return tuple(format_month(m) for m in range(first, last + 1))


def load_waves(path: str | Path | None = None) -> list[Wave]:
    """Return the waves that report at least one alliance share, oldest first.

    Args:
        path: the waves CSV (default: the one shipped in ``model/data``).

    Raises:
        InputError: when the file is damaged (naming its line, row and column).
    """
    waves = []
    for row in load_waves_table(path).itertuples(index=False):
        shares = {c: float(getattr(row, c)) / 100.0 for c in CATEGORIES}
        if all(np.isnan(v) for v in shares.values()):
            continue
        n = row.sample_n if not pd.isna(row.sample_n) else UNKNOWN_SAMPLE_SIZE
        waves.append(Wave(label=row.wave_label,
                          months=_fieldwork_months(row.field_start, row.field_end),
                          sample_size=int(n), shares=shares, notes=str(row.notes)))
    return waves
