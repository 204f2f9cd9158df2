"""Calibrated parameter sets (ABC-SMC particles and weights) and drawing from them.

Each mechanism variant (``model.inputs.variants``) has its own posterior,
``model/data/posteriors/NAME.csv``, written by ``calibrate --variant NAME --install``: one
row per particle, a ``weight`` column and one column per parameter the variant fits;
:meth:`Posterior.from_csv` refuses a file that is anything else. Beside it, ``NAME.json`` is
the fit's manifest (budget, runs, effective sample size, wall time). Projections draw one particle
per seed, so ensemble bands carry parameter uncertainty as well as chance. The draw for a
seed comes from its own named stream (``model.core.streams.generator(seed, "posterior")``), so
it is the same in every scenario, process and machine: scenarios still share parameter draws.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from ..core.streams import generator, stream_key
from . import registry, variants
from .errors import MISSING, InputError
from .registry import Group
from .survey_patterns import PATTERN_SETS
from .tables import CsvTable

POSTERIORS_DIR = "posteriors"
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
    def from_csv(cls, path: str | Path, names: Sequence[str] | None = None) -> Posterior:
        """Read particles and weights, checking every cell.

        The file has a ``weight`` column and one column per parameter in ``names`` (default:
        every calibrated parameter, the default variant's), no other;
        every value is a finite number within its parameter's bounds; every weight is above
        0 and together they sum to one (up to the rounding of the written digits).

        Raises:
            InputError: naming the file, the line, the row and the column of the first
                problem.
        """
        if names is None:
            names = [q.name for q in registry.group(Group.PARAMETER) if q.calibrated]
        columns = (WEIGHT, *names)
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

    def draw(self, index: int, *names: str | int) -> dict[str, float]:
        """Return particle draw ``index`` of the stream ``posterior``, ``names`` (by weight).

        Draws with different indices are independent; the same index and names give the
        same particle in every scenario, process and machine.
        """
        # Names join the spawn key by their stable CRC-32, as stream names do.
        path = (stream_key(name) if isinstance(name, str) else name for name in names)
        rng = generator(index, "posterior", *path)
        row = int(rng.choice(len(self.weights), p=self.weights))
        return {name: float(value) for name, value in self.particles.iloc[row].items()}

    def sd_ratios(self) -> dict[str, float]:
        """Return each parameter's posterior sd over its prior's (near 1: not identified)."""
        ratios = {}
        for name in self.particles.columns:
            values = self.particles[name].to_numpy()
            mean = np.average(values, weights=self.weights)
            sd = np.sqrt(np.average((values - mean) ** 2, weights=self.weights))
            low, high = registry.get(name).prior
            ratios[name] = float(sd / ((high - low) / np.sqrt(12)))
        return ratios

    def mean(self) -> dict[str, float]:
        """Return the weighted posterior mean of each parameter."""
        return {name: float(np.average(self.particles[name], weights=self.weights))
                for name in self.particles.columns}


def default_posteriors_dir() -> Path:
    """Return the folder of the committed posteriors (inside the package)."""
    return Path(str(resources.files("model.data").joinpath(POSTERIORS_DIR)))


def posterior_path(variant_name: str, folder: Path | None = None) -> Path:
    """Return where variant ``variant_name``'s posterior lives in ``folder``."""
    return Path(folder or default_posteriors_dir()) / f"{variant_name}.csv"


def default_posterior_path() -> Path:
    """Return where the default variant's committed posterior lives."""
    return posterior_path(variants.DEFAULT_VARIANT)


def variant_posterior(variant_name: str, folder: Path | None = None) -> Posterior | None:
    """Return a variant's committed posterior, or None when it has not been calibrated.

    A posterior fitted with survey patterns (``calibrate --patterns SET``) also holds the
    parameters the set frees (``inputs.survey_patterns.PatternSet.frees``); projections
    then draw them with the rest instead of sampling them as assumptions.

    Raises:
        InputError: for a damaged file, or one whose columns are not the variant's fitted
            parameters (with, or without, a pattern set's).
    """
    path = posterior_path(variant_name, folder)
    if not path.is_file():
        return None
    fitted = variants.variant(variant_name).free(q.name for q in registry.PARAMETERS
                                                  if q.calibrated)
    return Posterior.from_csv(path, fitted + _pattern_columns(path, fitted))


def _pattern_columns(path: Path, fitted: tuple[str, ...]) -> tuple[str, ...]:
    """Return the parameters of the pattern set whose every freed one heads a column of ``path``."""
    with open(path, encoding="utf-8", newline="") as file:
        header = set(file.readline().strip().split(","))
    for found in PATTERN_SETS.values():
        extra = tuple(name for name in found.frees if name not in fitted)
        if extra and set(extra) <= header:
            return extra
    return ()


def variant_parameters(variant_name: str, posterior: Posterior | None,
                       index: int) -> dict[str, float]:
    """Return draw ``index`` of a variant: its switched-off parameters at 0, plus a particle.

    Without a posterior only the switches are returned (the registry defaults stand for the
    fitted parameters).
    """
    chosen = variants.variant(variant_name)
    drawn = posterior.draw(index, variant_name) if posterior is not None else {}
    return {**chosen.fixed, **drawn}


def default_posterior() -> Posterior | None:
    """Return the default variant's committed posterior, or None when there is none."""
    return variant_posterior(variants.DEFAULT_VARIANT)
