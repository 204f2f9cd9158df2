"""``run --subgroups``: the virtual survey by subgroup, averaged over the ensemble's members.

Each member's run is repeated with a worker that reads the survey by subgroup every month
(``core.subgroups.run_with_subgroups``), into ``OUT/subgroups/runs/`` (the same task ids as
``OUT/runs/``, so the pass resumes like the main one). ``subgroups.csv`` then holds, per
scenario and horizon date, the member-weighted mean over the ensemble (``averaged``) and
over each variant of every subgroup's answer shares, with the sampling interval of one
Chatham House wave of the stated panel size around that mean (``core.subgroups``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ..core.simulate import simulate
from ..core.subgroups import PANEL_SIZE, subgroup_frame
from ..inputs.calendar import month_range
from .atomic import atomic_path
from .design import Design, Member
from .execution import Task, iter_results

#: Where the subgroup pass keeps its runs, inside the output folder.
SUBGROUPS_DIR = "subgroups"
OUTPUT_FILE = "subgroups.csv"
AVERAGED = "averaged"


def subgroups_task(task: Task) -> np.ndarray:
    """Run a task reading the survey by subgroup every month (a ``run_tasks`` worker)."""
    return simulate(task.scenario, seed=task.seed, n_citizens=task.citizens,
                    parameters=task.parameters, subgroups=True).subgroup_array


def weighted_mean(stack: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Return the weighted mean over the first axis, skipping NaN (NaN where all are)."""
    present = ~np.isnan(stack)
    scale = np.tensordot(weights, present, axes=1)
    total = np.tensordot(weights, np.where(present, stack, 0.0), axes=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(scale > 0, total / scale, np.nan)


def subgroups_table(out_dir: str | Path, grid: Sequence[Sequence[Task]], design: Design,
                    members: Sequence[Member], horizons: Sequence[str],
                    panel_size: int = PANEL_SIZE) -> pd.DataFrame:
    """Return the tidy subgroup table of a finished subgroup pass.

    Columns: scenario, variant (``averaged`` or a variant's name), n_runs, then those of
    ``core.subgroups.subgroup_frame``.
    """
    first = grid[0][0].scenario
    months = month_range(first.start, first.end)
    at = [months.index(month) for month in horizons]
    weights = np.array([member.weight for member in members])
    groups = {AVERAGED: np.arange(len(members))}
    groups |= {name: np.array([i for i, m in enumerate(members) if m.variant == name])
               for name in design.variants}
    if len(design.variants) == 1:
        del groups[design.variants[0]]  # the same runs as the averaged ensemble
    frames = []
    for row in grid:
        stack = np.stack([array[at] for _, array in iter_results(out_dir, row)])
        for group, index in groups.items():
            mean = weighted_mean(stack[index], weights[index])
            for month, table in zip(horizons, mean, strict=True):
                frame = subgroup_frame(table, month, panel_size)
                frame.insert(0, "n_runs", len(index))
                frame.insert(0, "variant", group)
                frame.insert(0, "scenario", row[0].scenario.name)
                frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def write_subgroups(out_dir: str | Path, table: pd.DataFrame) -> Path:
    """Write the subgroup table to ``OUT/subgroups.csv`` atomically; return its path."""
    path = Path(out_dir) / OUTPUT_FILE
    with atomic_path(path) as temporary:
        table.to_csv(temporary, index=False, lineterminator="\n", float_format="%.6g")
    return path
