"""Ensemble outputs: tidy shares, the summary with paired differences, written atomically.

The per-run files (``OUT/runs/<id>.npz``, see ``model.runs.execution``) are read back one
scenario at a time, in a fixed order (scenarios as given, then members in design order), and
streamed into ``shares.csv`` and ``shares.parquet``; the scenarios' arrays are small (members
x months x measures x categories). The same pass computes, for every month, the weighted
mean and 5th-95th percentile band of the model-averaged ensemble and of each variant, and
the paired difference from the reference (same member, scenario minus reference), which
``summary.csv`` reports at the horizon dates with the variance split by source
(``model.analysis.uncertainty``) and the figures draw.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..analysis.uncertainty import Split, sign_probability, split_variance, weighted_band
from ..core.observation import CATEGORIES, MEASURES
from ..inputs.calendar import month_range, parse_month
from .atomic import atomic_path
from .design import Design, Member
from .execution import Task, load_result

AVERAGED = "averaged"
SHARES_COLUMNS = ("scenario", "variant", "member", "seed", "date", "measure", *CATEGORIES)
#: The variance shares reported with every averaged difference (``uncertainty.Split``).
SHARE_COLUMNS = ("share_structure", "share_parameters", "share_assumptions", "share_futures",
                 "share_seed", "share_interactions")
SUMMARY_COLUMNS = ("scenario", "variant", "weight", "measure", "date", "category", "n_runs",
                   "n_parameter_sets", "mean", "p05", "p95", "diff_mean", "diff_p05",
                   "diff_p95", "diff_p_sign", *SHARE_COLUMNS)
#: The ensemble band: 5th and 95th percentiles across members, weighted.
LOW, HIGH = 0.05, 0.95
SHARES_SCHEMA = pa.schema([
    ("scenario", pa.string()), ("variant", pa.string()), ("member", pa.string()),
    ("seed", pa.int64()), ("date", pa.string()), ("measure", pa.string()),
    *((category, pa.float64()) for category in CATEGORIES)])


def default_horizons(start: str, end: str) -> list[str]:
    """Return the end of each year within the run (December), plus the last month."""
    months = month_range(start, end)
    horizons = [m for m in months[1:] if m.endswith("-12")]
    if months[-1] not in horizons:
        horizons.append(months[-1])
    return horizons


@dataclass(frozen=True)
class Band:
    """Weighted mean and 5-95% band across members, each (months, measures, categories)."""

    mean: np.ndarray
    low: np.ndarray
    high: np.ndarray

    @classmethod
    def of(cls, stack: np.ndarray, weights: np.ndarray | None = None) -> Band:
        """Summarise a (members, months, measures, categories) stack across members."""
        weights = np.ones(len(stack)) if weights is None else np.asarray(weights)
        return cls(*weighted_band(stack, weights, (LOW, HIGH)))


@dataclass(frozen=True)
class Ensemble:
    """The per-month summary of a scenario comparison (what the figures draw).

    Attributes:
        scenarios: scenario names, the reference first.
        months: the months, ``YYYY-MM``.
        members: the design's members, in run order (each ran in every scenario).
        weights: each variant's weight in the averaged ensemble.
        shares: per group (``averaged`` or a variant), per scenario, the band of its shares.
        differences: the same for the paired difference from the reference.
        splits: per scenario but the reference, the averaged difference's variance split.
        signs: per scenario, the probability that the averaged difference has its mean's sign.
        parameter_sets: per group, how many distinct parameter sets ran.
        paired: per scenario, every member's difference from the reference.
    """

    scenarios: tuple[str, ...]
    months: tuple[str, ...]
    members: tuple[Member, ...]
    weights: Mapping[str, float]
    shares: Mapping[str, Mapping[str, Band]]
    differences: Mapping[str, Mapping[str, Band]]
    splits: Mapping[str, Split]
    signs: Mapping[str, np.ndarray]
    parameter_sets: Mapping[str, int]
    paired: Mapping[str, np.ndarray]

    def member_differences(self, scenario: str) -> np.ndarray:
        """Return each member's paired difference (members, months, measures, categories)."""
        return self.paired[scenario]

    @property
    def reference(self) -> str:
        """The reference scenario (the first one)."""
        return self.scenarios[0]

    @property
    def variants(self) -> tuple[str, ...]:
        """The variants in the ensemble, in design order."""
        return tuple(self.weights)

    @property
    def groups(self) -> tuple[str, ...]:
        """``averaged``, then each variant (the rows of the summary)."""
        return (AVERAGED, *self.variants)

    def runs(self, group: str = AVERAGED) -> int:
        """Return how many members a group has (runs per scenario)."""
        return sum(1 for m in self.members if group in (AVERAGED, m.variant))

    def describe(self) -> str:
        """Return one line saying what a band covers, for figure footers."""
        sources = "seeds, posterior parameters, sampled assumptions and futures"
        return (f"{self.runs()} runs per scenario ({self.parameter_sets[AVERAGED]} distinct "
                f"parameter sets) over {len(self.variants)} mechanism variant(s) weighted "
                f"{', '.join(f'{n} {w:.2f}' for n, w in self.weights.items())}; bands cover "
                f"{sources}" + (" and the variants" if len(self.variants) > 1 else ""))


def _stack(out_dir: Path, tasks: Sequence[Task]) -> np.ndarray:
    return np.stack([load_result(out_dir, task) for task in tasks])


def _tidy(row: Sequence[Task], members: Sequence[Member], stack: np.ndarray,
          months: Sequence[str]) -> pd.DataFrame:
    """Return one scenario's runs as tidy rows: (member, month, measure) by answer share."""
    n_members, n_months, n_measures, _ = stack.shape
    per_member = n_months * n_measures
    frame = pd.DataFrame(stack.reshape(n_members * per_member, -1), columns=list(CATEGORIES))
    columns = {
        "scenario": np.repeat([task.scenario.name for task in row], per_member),
        "variant": np.repeat([m.variant for m in members], per_member),
        "member": np.repeat([m.label for m in members], per_member),
        "seed": np.repeat([task.seed for task in row], per_member),
        "date": np.tile(np.repeat(list(months), n_measures), n_members),
        "measure": np.tile(MEASURES, n_months * n_members),
    }
    for position, (name, values) in enumerate(columns.items()):
        frame.insert(position, name, values)
    return frame


def write_shares_and_bands(out_dir: str | Path, grid: Sequence[Sequence[Task]],
                           design: Design, members: Sequence[Member]) -> Ensemble:
    """Stream every run into ``shares.csv`` and ``shares.parquet``; return the bands.

    Args:
        out_dir: the output folder (its ``runs/`` holds every task's result).
        grid: ``grid[i][j]`` is scenario ``i`` with member ``j``; row 0 is the reference.
        design: the ensemble's design (variants, weights, pairs).
        members: the design's members, in the grid's column order.
    """
    out_dir = Path(out_dir)
    first = grid[0][0].scenario
    months = tuple(month_range(first.start, first.end))
    weights = np.array([m.weight for m in members])
    groups = {AVERAGED: np.arange(len(members))}
    groups |= {name: np.array([i for i, m in enumerate(members) if m.variant == name])
               for name in design.variants}
    names, reference = [], None
    shares = {group: {} for group in groups}
    differences = {group: {} for group in groups}
    splits, signs, all_paired = {}, {}, {}
    with (atomic_path(out_dir / "shares.csv") as csv_path,
          atomic_path(out_dir / "shares.parquet") as parquet_path,
          open(csv_path, "w", encoding="utf-8", newline="") as csv,
          pq.ParquetWriter(parquet_path, SHARES_SCHEMA) as parquet):
        csv.write(",".join(SHARES_COLUMNS) + "\n")
        for row in grid:
            stack = _stack(out_dir, row)
            table = _tidy(row, members, stack, months)
            table.to_csv(csv, header=False, index=False, lineterminator="\n")
            parquet.write_table(pa.Table.from_pandas(table, schema=SHARES_SCHEMA,
                                                     preserve_index=False))
            reference = stack if reference is None else reference
            name = row[0].scenario.name
            names.append(name)
            paired = stack - reference  # same member: same seed, parameters and future
            all_paired[name] = paired
            for group, index in groups.items():
                # Within a variant its members count equally, whatever (even zero) weight
                # the variant has in the average.
                within = weights[index] if group == AVERAGED else None
                shares[group][name] = Band.of(stack[index], within)
                differences[group][name] = Band.of(paired[index], within)
            if len(names) > 1:
                splits[name] = split_variance(paired, members, design)
                signs[name] = sign_probability(paired, weights)
    parameter_sets = {AVERAGED: design.distinct_parameter_sets()}
    parameter_sets |= {name: len({tuple(sorted(m.parameters().items()))
                                  for m in members if m.variant == name})
                       for name in design.variants}
    return Ensemble(tuple(names), months, tuple(members), dict(design.weights), shares,
                    differences, splits, signs, parameter_sets, all_paired)


def summary_table(ensemble: Ensemble, horizons: Sequence[str]) -> pd.DataFrame:
    """Return the summary at the horizons: a row per scenario, group, measure, date, answer.

    ``mean``, ``p05``, ``p95`` are the share's weighted mean and 5-95% band across members;
    ``diff_*`` the same for the paired difference from the reference (0 for the reference).
    The averaged rows add ``diff_p_sign`` (the probability that the difference has its
    mean's sign) and the shares of its variance by source (``share_*``, see
    ``model.analysis.uncertainty``). All values are fractions (0.05 = 5% of respondents; a
    difference of 0.05 = 5 points).
    """
    origin = parse_month(ensemble.months[0])
    runs = {group: ensemble.runs(group) for group in ensemble.groups}
    rows = []
    for name in ensemble.scenarios:
        split = ensemble.splits.get(name)
        shares = split.shares() if split is not None else {}
        for group in ensemble.groups:
            band, diff = ensemble.shares[group][name], ensemble.differences[group][name]
            weight = 1.0 if group == AVERAGED else ensemble.weights[group]
            averaged = group == AVERAGED and split is not None
            for m, measure in enumerate(MEASURES):
                for date in horizons:
                    t = parse_month(date) - origin
                    for c, category in enumerate(CATEGORIES):
                        extra = ([ensemble.signs[name][t, m, c],
                                  *(shares[key.removeprefix("share_")][t, m, c]
                                    for key in SHARE_COLUMNS)]
                                 if averaged else [np.nan] * (1 + len(SHARE_COLUMNS)))
                        rows.append((name, group, weight, measure, date, category,
                                     runs[group], ensemble.parameter_sets[group],
                                     band.mean[t, m, c], band.low[t, m, c], band.high[t, m, c],
                                     diff.mean[t, m, c], diff.low[t, m, c],
                                     diff.high[t, m, c], *extra))
    return pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))


def write_summary(out_dir: str | Path, ensemble: Ensemble, horizons: Sequence[str]) -> Path:
    """Write ``summary.csv`` atomically and return its path."""
    path = Path(out_dir) / "summary.csv"
    with atomic_path(path) as temporary:
        summary_table(ensemble, horizons).to_csv(temporary, index=False, lineterminator="\n")
    return path
