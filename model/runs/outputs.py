"""Ensemble outputs: tidy shares, the summary with paired differences, written atomically.

The per-run files (``OUT/runs/<id>.npz``, see ``model.runs.execution``) are read back one
scenario at a time, in a fixed order (scenarios as given, then seeds ascending), and streamed
into ``shares.csv`` and ``shares.parquet``; only two scenarios' arrays (the reference and the
current one) are held in memory at once. The same pass computes, for every month, the mean
and the 5th-95th percentile band across seeds and the paired difference from the reference
(same seed, scenario minus reference), which ``summary.csv`` reports at the horizon dates and
the figures draw.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..core.observation import CATEGORIES, MEASURES
from ..core.simulate import SimulationResult
from ..inputs.calendar import month_range, parse_month
from .atomic import atomic_path
from .execution import Task, load_result

SHARES_COLUMNS = ("scenario", "seed", "date", "measure", *CATEGORIES)
SUMMARY_COLUMNS = ("scenario", "measure", "date", "category", "n_seeds", "mean", "p05", "p95",
                   "diff_mean", "diff_p05", "diff_p95")
#: The ensemble band: 5th and 95th percentiles across seeds.
LOW, HIGH = 0.05, 0.95
SHARES_SCHEMA = pa.schema([
    ("scenario", pa.string()), ("seed", pa.int64()), ("date", pa.string()),
    ("measure", pa.string()), *((category, pa.float64()) for category in CATEGORIES)])


def default_horizons(start: str, end: str) -> list[str]:
    """Return the end of each year within the run (December), plus the last month."""
    months = month_range(start, end)
    horizons = [m for m in months[1:] if m.endswith("-12")]
    if months[-1] not in horizons:
        horizons.append(months[-1])
    return horizons


@dataclass(frozen=True)
class Band:
    """Mean and 5-95% band across seeds, each shaped (months, measures, categories)."""

    mean: np.ndarray
    low: np.ndarray
    high: np.ndarray

    @classmethod
    def of(cls, stack: np.ndarray) -> Band:
        """Summarise a (seeds, months, measures, categories) stack across seeds."""
        low, high = np.quantile(stack, [LOW, HIGH], axis=0)
        return cls(stack.mean(axis=0), low, high)


@dataclass(frozen=True)
class Ensemble:
    """The per-month summary of a scenario comparison (what the figures draw).

    Attributes:
        scenarios: scenario names, the reference first.
        months: the months, ``YYYY-MM``.
        seeds: the seeds every scenario ran with.
        shares: per scenario, the band of its shares.
        differences: per scenario, the band of its paired difference from the reference.
    """

    scenarios: tuple[str, ...]
    months: tuple[str, ...]
    seeds: tuple[int, ...]
    shares: dict[str, Band]
    differences: dict[str, Band]

    @property
    def reference(self) -> str:
        """The reference scenario (the first one)."""
        return self.scenarios[0]


def _stack(out_dir: Path, tasks: Sequence[Task]) -> np.ndarray:
    return np.stack([load_result(out_dir, task) for task in tasks])


def _tidy(task: Task, array: np.ndarray) -> pd.DataFrame:
    months = tuple(month_range(task.scenario.start, task.scenario.end))
    return SimulationResult(task.scenario.name, task.seed, months, array).shares


def write_shares_and_bands(out_dir: str | Path,
                           grid: Sequence[Sequence[Task]]) -> Ensemble:
    """Stream every run into ``shares.csv`` and ``shares.parquet``; return the bands.

    Args:
        out_dir: the output folder (its ``runs/`` holds every task's result).
        grid: ``grid[i][j]`` is scenario ``i`` with seed ``j``; every row has the same
            seeds in the same order, and row 0 is the reference.
    """
    out_dir = Path(out_dir)
    names, shares, differences = [], {}, {}
    reference = None
    # The files close (innermost first) before the atomic moves put them in place.
    with (atomic_path(out_dir / "shares.csv") as csv_path,
          atomic_path(out_dir / "shares.parquet") as parquet_path,
          open(csv_path, "w", encoding="utf-8", newline="") as csv,
          pq.ParquetWriter(parquet_path, SHARES_SCHEMA) as parquet):
        csv.write(",".join(SHARES_COLUMNS) + "\n")
        for row in grid:
            stack = _stack(out_dir, row)
            frames = [_tidy(task, array) for task, array in zip(row, stack, strict=True)]
            table = pd.concat(frames, ignore_index=True)
            table.to_csv(csv, header=False, index=False, lineterminator="\n")
            parquet.write_table(pa.Table.from_pandas(table, schema=SHARES_SCHEMA,
                                                     preserve_index=False))
            if reference is None:
                reference = stack
            name = row[0].scenario.name
            names.append(name)
            shares[name] = Band.of(stack)
            differences[name] = Band.of(stack - reference)  # paired: same seed
    first = grid[0][0].scenario
    return Ensemble(tuple(names), tuple(month_range(first.start, first.end)),
                    tuple(task.seed for task in grid[0]), shares, differences)


def summary_table(ensemble: Ensemble, horizons: Sequence[str]) -> pd.DataFrame:
    """Return the summary at the horizon dates: one row per scenario, measure, date, category.

    ``mean``, ``p05``, ``p95`` are the share's mean and 5-95% band across seeds;
    ``diff_*`` the same for the paired difference from the reference (0 for the reference).
    All values are fractions (0.05 = 5% of respondents; a difference of 0.05 = 5 points).
    """
    origin = parse_month(ensemble.months[0])
    rows = []
    for name in ensemble.scenarios:
        band, diff = ensemble.shares[name], ensemble.differences[name]
        for m, measure in enumerate(MEASURES):
            for date in horizons:
                t = parse_month(date) - origin
                for c, category in enumerate(CATEGORIES):
                    rows.append((name, measure, date, category, len(ensemble.seeds),
                                 band.mean[t, m, c], band.low[t, m, c], band.high[t, m, c],
                                 diff.mean[t, m, c], diff.low[t, m, c], diff.high[t, m, c]))
    return pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))


def write_summary(out_dir: str | Path, ensemble: Ensemble, horizons: Sequence[str]) -> Path:
    """Write ``summary.csv`` atomically and return its path."""
    path = Path(out_dir) / "summary.csv"
    with atomic_path(path) as temporary:
        summary_table(ensemble, horizons).to_csv(temporary, index=False, lineterminator="\n")
    return path
