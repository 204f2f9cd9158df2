"""Calibrated parameter sets (ABC-SMC particles and weights) and drawing from them.

The calibration command writes ``model/data/posterior.csv``: one row per particle, a
``weight`` column and one column per calibrated parameter. Projections draw one particle
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
from .registry import Group

POSTERIOR_FILE = "posterior.csv"


@dataclass(frozen=True)
class Posterior:
    """Weighted parameter particles."""

    particles: pd.DataFrame  # one column per parameter
    weights: np.ndarray      # normalised, one per particle
    source: str

    @classmethod
    def from_csv(cls, path: str | Path) -> Posterior:
        """Read particles and weights; check every column names a parameter within bounds.

        Raises:
            ValueError: if the file is malformed.
        """
        table = pd.read_csv(path)
        if "weight" not in table.columns or len(table) == 0:
            raise ValueError(f"{path}: a posterior needs a 'weight' column and rows")
        parameters = set(registry.names(Group.PARAMETER))
        particles = table.drop(columns="weight")
        for name in particles.columns:
            if name not in parameters:
                raise ValueError(f"{path}: column {name!r} is not a parameter")
            quantity = registry.get(name)
            for value in particles[name]:
                quantity.check(float(value))
        weights = table["weight"].to_numpy(dtype=float)
        if (weights < 0).any() or weights.sum() <= 0:
            raise ValueError(f"{path}: weights must be non-negative and not all zero")
        return cls(particles.reset_index(drop=True), weights / weights.sum(), str(path))

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
