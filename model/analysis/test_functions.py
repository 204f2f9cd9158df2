"""Analytic test functions with known sensitivity indices, run like the model.

They check the sensitivity pipeline end to end: an
:class:`~model.analysis.sensitivity.AnalyticDesign` turns each sample point into a
:class:`~model.runs.execution.Task` whose parameters carry the point, and
:func:`analytic_task` (the worker) evaluates the function instead of simulating.
Sampling, the executor, result files and the analysis are those of the model.
"""

from __future__ import annotations

import math

import numpy as np

from ..runs.execution import Task

#: Prefix of the scenario name that tells :func:`analytic_task` which function to evaluate.
PREFIX = "analytic:"


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


def analytic_task(task: Task) -> np.ndarray:
    """Worker: evaluate the analytic function the task's scenario names at its parameters."""
    name = task.scenario.name.removeprefix(PREFIX)
    return np.array([FUNCTIONS[name](**(task.parameters or {}))])
