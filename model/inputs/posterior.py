"""Calibrated parameter sets (ABC-SMC particles and weights) and drawing from them.

The calibration command writes ``model/data/posterior.csv``: one row per particle, a
``weight`` column and one column per calibrated parameter; :meth:`Posterior.from_csv`
refuses a file that is anything else. Projections draw one particle
per seed, so ensemble bands carry parameter uncertainty as well as chance. The draw for a
seed comes from its own named stream (``model.core.streams.generator(seed, "posterior")``), so
it is the same in every scenario, process and machine: scenarios still share parameter draws.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from ..core.streams import generator
from . import registry
from .errors import MISSING, InputError
from .registry import Group
from .tables import CsvTable

POSTERIOR_FILE = "posterior.csv"
WEIGHT = "weight"
#: How far the weights may sum from 1: written with six significant digits, 400 weights
#: sum to 1 within about 1e-6; a damaged or hand-edited file is off by far more.
WEIGHT_SUM_TOLERANCE = 1e-4


@dataclass(frozen=True)
class Posterior:
    """Weighted parameter particles."""

    particles: pd.DataFrame  # one column per parameter
    weights: np.ndarray      # normalised, one per particle
    source: str

    @classmethod
    def from_csv(cls, path: str | Path) -> Posterior:
        """Read particles and weights, checking every cell.

        The file has a ``weight`` column and one column per calibrated parameter, no other;
        every value is a finite number within its parameter's bounds; every weight is above
        0 and together they sum to one (up to the rounding of the written digits).

        Raises:
            InputError: naming the file, the line, the row and the column of the first
                problem.
        """
        columns = (WEIGHT, *(q.name for q in registry.group(Group.PARAMETER) if q.calibrated))
        table = CsvTable.read(path, columns, "the calibration posterior")
        values: dict[str, list[float]] = {name: [] for name in columns}
        for name in columns[1:]:
            quantity = registry.get(name)
            for cell in table.cells(name):
                value = cell.value()
                try:
                    values[name].append(quantity.check(value))
                except (TypeError, ValueError) as error:
                    raise cell.error(value, str(error)) from None
        for cell in table.cells(WEIGHT):
            weight = cell.number(0, 1, what="a weight")
            if weight <= 0:
                raise cell.error(weight, "a weight above 0 (a particle of weight 0 is no "
                                         "particle)")
            values[WEIGHT].append(weight)
        weights = np.array(values.pop(WEIGHT))
        if abs(weights.sum() - 1) > WEIGHT_SUM_TOLERANCE:
            raise InputError(str(path), WEIGHT, MISSING,
                             f"weights summing to 1 (within {WEIGHT_SUM_TOLERANCE:g}); these "
                             f"sum to {weights.sum():.6g}")
        return cls(pd.DataFrame(values), weights / weights.sum(), str(path))

    def parameters_for(self, seed: int) -> dict[str, float]:
        """Return the particle drawn for ``seed`` (deterministic, weight-proportional)."""
        rng = generator(seed, "posterior")
        row = int(rng.choice(len(self.weights), p=self.weights))
        return {name: float(value) for name, value in self.particles.iloc[row].items()}

    def mean(self) -> dict[str, float]:
        """Return the weighted posterior mean of each parameter."""
        return {name: float(np.average(self.particles[name], weights=self.weights))
                for name in self.particles.columns}


def default_posterior_path() -> Path:
    """Return where the committed posterior lives (inside the package)."""
    return Path(str(resources.files("model.data").joinpath(POSTERIOR_FILE)))


def default_posterior() -> Posterior | None:
    """Return the committed posterior, or None when no calibration has been committed."""
    path = default_posterior_path()
    return Posterior.from_csv(path) if path.is_file() else None
