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
from pathlib import Path

import numpy as np
import pandas as pd

from ..core.observation import CATEGORIES
from .calendar import days_in_month, format_month, parse_month
from .errors import MISSING, InputError
from .tables import CsvTable

WAVES_FILE = "chatham_house_waves.csv"
#: Published waves that are not in shared/data: the model is checked against them, never
#: fitted to them (the brief: fit only to what shared/data holds).
OUT_OF_SAMPLE_FILE = "out_of_sample_waves.csv"

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


#: The columns of the waves file, each required.
COLUMNS = ("wave_label", "field_start", "field_end", "sample_n", *CATEGORIES, "hard_to_say",
           "source_url", "notes", "fieldwork_rounds", "fieldwork_days_known")
#: The values of ``fieldwork_days_known``: ``yes`` needs both fieldwork dates as days.
DAYS_KNOWN = ("yes", "no")
#: Reported shares are rounded percentages: a wave's may add up to a little over 100.
SHARE_SUM_SLACK = 1.0
#: The largest believable sample of one survey wave.
MAX_SAMPLE_SIZE = 1_000_000


def waves_path() -> Path:
    """Return the survey waves CSV shipped with the package."""
    return Path(str(resources.files("model.data").joinpath(WAVES_FILE)))


def out_of_sample_path() -> Path:
    """Return the CSV of the out-of-sample check waves shipped with the package."""
    return Path(str(resources.files("model.data").joinpath(OUT_OF_SAMPLE_FILE)))


def load_out_of_sample_waves() -> list[Wave]:
    """Return the out-of-sample check waves, oldest first (same format as the waves file)."""
    return load_waves(out_of_sample_path())


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
        first, last = (table.cell(row, key).text for key in ("field_start", "field_end"))
        if parse_month(end) < parse_month(start) or (len(first) == len(last) == 10
                                                     and last < first):
            raise table.cell(row, "field_end").error(last, f"a date not before field_start "
                                                           f"{first}")
        _check_fieldwork(table, row, start, end)
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


def _check_fieldwork(table: CsvTable, row: int, start: str, end: str) -> None:
    """Check a row's fieldwork rounds (months within its span) and its days-known flag."""
    rounds = table.cell(row, "fieldwork_rounds")
    for month in rounds.text.split():
        try:
            inside = parse_month(start) <= parse_month(month) <= parse_month(end)
        except ValueError:
            inside = False
        if not inside:
            raise rounds.error(month, f'months "YYYY-MM" from {start} to {end}, separated by '
                                      "spaces, or empty")
    known = table.cell(row, "fieldwork_days_known")
    if known.text not in DAYS_KNOWN:
        raise known.error(known.text or MISSING, " or ".join(DAYS_KNOWN))
    dates = [table.cell(row, key).text for key in ("field_start", "field_end")]
    if known.text == "yes" and not all(len(d) == 10 for d in dates):
        raise known.error("yes", '"no", or both field_start and field_end as days '
                                 '"YYYY-MM-DD"')


def _fieldwork(start: str, end: str, rounds: str) -> tuple[tuple[str, int, int], ...]:
    """Return a wave's fieldwork stretches from its table row (see ``Wave.fieldwork``)."""
    if isinstance(rounds, str) and rounds.strip():
        return tuple((month, 1, days_in_month(month)) for month in rounds.split())
    start, end = str(start), str(end)
    first, last = parse_month(start[:7]), parse_month(end[:7])
    stretches = []
    for absolute in range(first, last + 1):
        month = format_month(absolute)
        low = int(start[8:10]) if absolute == first and len(start) == 10 else 1
        high = int(end[8:10]) if absolute == last and len(end) == 10 else days_in_month(month)
        stretches.append((month, low, high))
    return tuple(stretches)


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
        fieldwork = _fieldwork(row.field_start, row.field_end, row.fieldwork_rounds)
        waves.append(Wave(label=row.wave_label, months=tuple(m for m, _, _ in fieldwork),
                          sample_size=int(n), shares=shares, notes=str(row.notes),
                          fieldwork=fieldwork))
    return waves
