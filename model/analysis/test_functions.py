"""Analytic test functions with known sensitivity indices, run like the model.

They check the sensitivity pipeline end to end: an :class:`AnalyticDesign` turns each
sample point into a :class:`~model.runs.execution.Task` whose parameters carry the point,
and its worker, a :class:`FunctionWorker` given to the executor in place of the
simulation, evaluates the function. Sampling, the executor, result files and the analysis
are those of the model; nothing in the model's own path knows these functions.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ..inputs.scenario import baseline
from ..runs.execution import Task
from .sensitivity import Factor


def ishigami(x1: float, x2: float, x3: float, a: float = 7.0, b: float = 0.1) -> float:
    """Ishigami & Homma (1990) function, inputs on [-pi, pi].

    Known indices (a=7, b=0.1): S1 = 0.314, 0.442, 0; ST = 0.558, 0.442, 0.244. x3 acts only
    through its interaction with x1, so it ranks last by S1 but third, not zero, by ST.
    """
    return math.sin(x1) + a * math.sin(x2) ** 2 + b * x3 ** 4 * math.sin(x1)


#: Coefficients of the additive function: on [0, 1] its Morris mu* are exactly these.
LINEAR_COEFFICIENTS = {"x1": 10.0, "x2": -5.0, "x3": 1.0, "x4": 0.0}


def linear(**x: float) -> float:
    """Additive function sum(c_i x_i); mu* of x_i over [0, 1] is |c_i| (ranking x1, x2, x3, x4)."""
    return sum(LINEAR_COEFFICIENTS[name] * value for name, value in x.items())


FUNCTIONS = {"ishigami": ishigami, "linear": linear}
#: Each function's inputs and their ranges.
INPUTS = {
    "ishigami": {name: (-math.pi, math.pi) for name in ("x1", "x2", "x3")},
    "linear": {name: (0.0, 1.0) for name in LINEAR_COEFFICIENTS},
}


def analytic_factors(function: str) -> tuple[Factor, ...]:
    """Return the inputs of an analytic test function as factors."""
    return tuple(Factor(name, low, high, "analytic")
                 for name, (low, high) in INPUTS[function].items())


@dataclass(frozen=True)
class FunctionWorker:
    """The worker that evaluates one analytic function at a task's parameters (the point).

    A module-level class, so that process pools and Dask workers can unpickle it.
    """

    function: str

    def __call__(self, task: Task) -> np.ndarray:
        """Return the function's value at the task's point, as a one-element array."""
        return np.array([FUNCTIONS[self.function](**(task.parameters or {}))])


@dataclass(frozen=True)
class AnalyticDesign:
    """A sensitivity design (``sensitivity.Design``) for an analytic function.

    Each point becomes one task whose parameters carry the point; the scenario's name is the
    function's, which keeps the tasks of different functions apart on disk.
    """

    function: str
    outcome_names: tuple[str, ...] = ("y",)

    @property
    def worker(self) -> FunctionWorker:
        """Evaluates the function in place of the simulation."""
        return FunctionWorker(self.function)

    def tasks(self, point: Mapping[str, float], seed: int) -> tuple[Task]:
        """Return one task whose parameters carry the point."""
        return (Task(baseline().with_changes(name=self.function), seed, dict(point), 1),)

    def outcomes(self, arrays: Sequence[np.ndarray]) -> dict[str, float]:
        """Return the function's value."""
        return {"y": float(arrays[0][0])}
