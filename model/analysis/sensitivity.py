"""Global sensitivity analysis: factors, SALib sampling, evaluation on the executor, indices.

The pipeline is sample -> evaluate -> analyse, the same for the model and for the analytic
test functions of ``test_functions.py``:

1. :func:`select_factors` picks levers, exogenous inputs and parameters by name, each with
   its range (registry bounds; the calibration prior for calibrated parameters; narrowed by
   ``NAME=LOW:HIGH``).
2. :func:`sample` draws SALib's Morris trajectories or Sobol (Saltelli) points.
3. :func:`evaluate_points` turns every point into tasks through a *design* and runs them with
   :func:`model.runs.execution.run_tasks` (serial, process pool or Dask; resumable); its two
   halves, :func:`point_tasks` and :func:`point_outcomes`, serve callers that run the tasks
   themselves (the ``sensitivity`` command). A
   :class:`ModelDesign` makes each point a policy counterfactual paired with its status quo
   (``test_functions.AnalyticDesign`` evaluates a test function with known indices instead).
4. :func:`analyze` computes Morris mu* / sigma or Sobol S1 / ST with bootstrap confidence
   intervals, per outcome.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
import pandas as pd

from ..core.streams import generator
from ..inputs import registry, variants
from ..inputs.errors import MISSING, InputError, unknown_name_message
from ..inputs.overrides import parse_override
from ..inputs.posterior import Posterior, variant_parameters
from ..inputs.registry import Group
from ..runs.execution import RunReport, Task, Worker, load_result, run_tasks, simulate_task
from .exploration import Counterfactual, check_input, split_inputs

METHODS = ("morris", "sobol")
#: Words that stand for a whole group in ``--factors``.
GROUP_WORDS = {
    "levers": lambda q: q.group is Group.LEVER,
    "exogenous": lambda q: q.group is Group.EXOGENOUS,
    "calibrated": lambda q: q.group is Group.PARAMETER and q.calibrated,
}


def group_names(word: str, variant: str = variants.DEFAULT_VARIANT) -> list[str]:
    """Return the registry names a group word stands for under a variant.

    ``calibrated`` is the variant's fitted parameters: the registry's calibrated ones minus
    those it switches off, plus those it frees (``Variant.free``).
    """
    names = [q.name for q in registry.ALL if GROUP_WORDS[word](q)]
    return list(variants.variant(variant).free(names)) if word == "calibrated" else names


# --- factors ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Factor:
    """One input varied by the analysis, over [low, high].

    Attributes:
        name: the registry name (or an analytic test function's input).
        low, high: the range explored.
        group: ``lever``, ``exogenous``, ``parameter`` (or ``analytic`` for a test function).
        integer: whether sampled values are rounded (whole-number registry entries).
        unit: the registry unit, for tables and figures.
    """

    name: str
    low: float
    high: float
    group: str
    integer: bool = False
    unit: str = ""

    @property
    def is_lever(self) -> bool:
        """True for a Western policy lever."""
        return self.group == Group.LEVER


def default_range(quantity: registry.Quantity) -> tuple[float, float]:
    """Return the plausible range: the calibration prior if set, else the registry bounds."""
    return tuple(map(float, quantity.prior or quantity.bounds))


def registry_factor(name: str, low: float | None = None, high: float | None = None) -> Factor:
    """Return the factor for a registry entry, over its default range unless narrowed."""
    quantity = registry.get(name)
    default_low, default_high = default_range(quantity)
    return Factor(name, default_low if low is None else float(low),
                  default_high if high is None else float(high), str(quantity.group),
                  quantity.dtype == "int", quantity.unit)


def select_factors(spec: str | Sequence[str], ranges: Sequence[str] = (),
                   option: str = "--factors",
                   variant: str = variants.DEFAULT_VARIANT) -> tuple[Factor, ...]:
    """Return the factors named in ``spec`` (names or group words), with narrowed ranges.

    Args:
        spec: comma-separated names and group words (``levers``, ``exogenous``,
            ``calibrated``), or a sequence of them.
        ranges: ``NAME=LOW:HIGH`` items narrowing a chosen factor within registry bounds;
            a range for a parameter the variant switches off is left to the variants that
            have it.
        option: the option name used in error messages.
        variant: the mechanism variant the factors are sampled in: ``calibrated`` stands
            for its fitted parameters, and naming a parameter it switches off is refused.

    Raises:
        InputError: for an unknown name, a parameter the variant switches off, or a bad
            range.
    """
    words = [w.strip() for w in (spec.split(",") if isinstance(spec, str) else spec)]
    names: list[str] = []
    known = {q.name for q in registry.ALL}
    held = variants.variant(variant)
    for word in filter(None, words):
        if word in GROUP_WORDS:
            names += group_names(word, variant)
        elif word in known:
            held.check_free([word], option)
            names.append(word)
        else:
            hint = unknown_name_message(word, [*known, *GROUP_WORDS])
            raise InputError(option, "value", word,
                             f"{hint}; give registry names (python run.py levers) or "
                             f"{', '.join(GROUP_WORDS)}, separated by commas")
    names = list(dict.fromkeys(names))  # a name in a group word and given again counts once
    if not names:
        raise InputError(option, "value", spec if isinstance(spec, str) else ",".join(spec),
                         "at least one lever, exogenous input or parameter")
    narrowed = parse_ranges([item for item in ranges
                             if item.partition("=")[0].strip() not in held.off], names)
    return tuple(registry_factor(name, *narrowed.get(name, (None, None))) for name in names)


def parse_ranges(items: Sequence[str], chosen: Sequence[str],
                 option: str = "--range") -> dict[str, tuple[float, float]]:
    """Parse ``NAME=LOW:HIGH`` items; each must name a chosen factor and lie within bounds.

    Raises:
        InputError: naming the item and what is allowed.
    """
    form = "write NAME=LOW:HIGH, e.g. visa_fee_eur=0:90"
    ranges = {}
    for item in items:
        name, _, text = (part.strip() for part in item.partition("="))
        low_text, colon, high_text = text.partition(":")
        if not name or not colon:
            raise InputError(option, "value", item, form)
        if name not in chosen:
            hint = unknown_name_message(name, chosen)
            raise InputError(option, name, text, f"{hint} among the chosen factors "
                             f"({', '.join(chosen)})")
        try:
            low, high = float(low_text), float(high_text)
        except ValueError:
            raise InputError(option, name, text, f"numbers; {form}") from None
        quantity = registry.get(name)
        bounds = quantity.bounds
        if not bounds[0] <= low < high <= bounds[1]:
            raise InputError(option, name, text,
                             f"LOW < HIGH within the registry bounds [{bounds[0]:g}, "
                             f"{bounds[1]:g}] ({quantity.unit})")
        ranges[name] = (low, high)
    return ranges


def salib_problem(factors: Sequence[Factor]) -> dict:
    """Return SALib's problem dictionary."""
    return {"num_vars": len(factors), "names": [f.name for f in factors],
            "bounds": [[f.low, f.high] for f in factors]}


# --- sampling ------------------------------------------------------------------------------
def sample(factors: Sequence[Factor], method: str, n: int, seed: int,
           levels: int = 4) -> np.ndarray:
    """Return the SALib sample, one row per point (before rounding whole-number factors).

    Args:
        factors: what to vary.
        method: ``morris`` (``n`` trajectories of ``len(factors) + 1`` points on a grid of
            ``levels``) or ``sobol`` (Saltelli's scheme without second-order terms:
            ``n * (len(factors) + 2)`` points; ``n`` a power of two).
        n: trajectories or base sample size.
        seed: the seed; the sample is drawn from its own stream.
        levels: Morris grid levels.
    """
    problem = salib_problem(factors)
    rng = generator(seed, "sensitivity-sample")
    if method == "morris":
        from SALib.sample import morris

        return morris.sample(problem, n, num_levels=levels, seed=rng)
    if method == "sobol":
        from SALib.sample import sobol

        return sobol.sample(problem, n, calc_second_order=False, seed=rng)
    raise ValueError(f"unknown method {method!r}; one of {METHODS}")


def sample_size(method: str, n: int, n_factors: int) -> int:
    """Return how many points ``sample`` draws."""
    return n * (n_factors + 1) if method == "morris" else n * (n_factors + 2)


def points(factors: Sequence[Factor], X: np.ndarray) -> list[dict[str, float]]:
    """Return the sample as input dictionaries, whole-number factors rounded."""
    rows = []
    for x in X:
        rows.append({f.name: float(round(v)) if f.integer else float(v)
                     for f, v in zip(factors, x, strict=True)})
    return rows


# --- evaluation ------------------------------------------------------------------------------
class Design(Protocol):
    """How a point becomes tasks, and their results outcomes (the model or a test function)."""

    outcome_names: tuple[str, ...]
    worker: Worker

    def tasks(self, point: Mapping[str, float], seed: int) -> tuple[Task, ...]:
        """Return the tasks one point needs with one seed."""

    def outcomes(self, arrays: Sequence[np.ndarray]) -> dict[str, float]:
        """Return the scalar outcomes from the tasks' results, in task order."""


@dataclass(frozen=True)
class ModelDesign:
    """The model: each point is a policy counterfactual paired with its status quo.

    Attributes:
        counterfactual: how a point becomes its two scenarios and outcomes.
        n_citizens: simulated citizens per run.
        worker: what runs a task.
        variant: the mechanism variant: its switched-off parameters are held at 0.
        posterior: the variant's committed posterior, or None (registry defaults): seed
            ``s`` runs with its draw ``s`` (``variant_parameters``), the same for every
            point, so a Morris step changes the sampled factor only. A point's sampled
            parameters win over the draw.
    """

    counterfactual: Counterfactual
    n_citizens: int
    worker: Worker = simulate_task
    variant: str = variants.DEFAULT_VARIANT
    posterior: Posterior | None = None

    @property
    def outcome_names(self) -> tuple[str, ...]:
        """Shares at the horizon and their change from the status quo."""
        return self.counterfactual.outcome_names

    def tasks(self, point: Mapping[str, float], seed: int) -> tuple[Task, Task]:
        """Return the (policy, status quo) tasks."""
        background = variant_parameters(self.variant, self.posterior, seed)
        return self.counterfactual.tasks(split_inputs(point, "sample"), seed, self.n_citizens,
                                         background)

    def outcomes(self, arrays: Sequence[np.ndarray]) -> dict[str, float]:
        """Return the counterfactual's outcomes."""
        return self.counterfactual.outcomes(*arrays)


#: The tasks of every point: ``plan[i][j]`` are point i's tasks with seed j.
PointTasks = list[list[tuple[Task, ...]]]


def point_tasks(design: Design, rows: Sequence[Mapping[str, float]],
                seeds: Sequence[int]) -> PointTasks:
    """Return the tasks of every point with every seed."""
    return [[design.tasks(row, seed) for seed in seeds] for row in rows]


def all_tasks(plan: PointTasks) -> Iterator[Task]:
    """Yield every task of the points, in order (shared ones more than once)."""
    return (task for per_point in plan for tasks in per_point for task in tasks)


def point_outcomes(design: Design, plan: PointTasks, out: str | Path) -> pd.DataFrame:
    """Return the outcomes of every point, averaged over its seeds, from finished runs."""
    cache: dict[str, np.ndarray] = {}

    def result(task: Task) -> np.ndarray:
        # Points often share their status quo run (a Morris step along a lever keeps the
        # uncertainties): read each file once.
        if task.id not in cache:
            cache[task.id] = load_result(out, task)
        return cache[task.id]

    table = []
    for per_point in plan:
        values = [design.outcomes([result(t) for t in tasks]) for tasks in per_point]
        table.append({name: float(np.mean([v[name] for v in values]))
                      for name in design.outcome_names})
        if len(cache) > 4096:
            cache.clear()
    return pd.DataFrame(table, columns=list(design.outcome_names))


def evaluate_points(design: Design, rows: Sequence[Mapping[str, float]], seeds: Sequence[int],
                    out: str | Path, **execution) -> tuple[pd.DataFrame | None, RunReport]:
    """Run every point with every seed on the executor; return outcomes averaged over seeds.

    Args:
        design: how points become tasks and results outcomes; its ``worker`` runs the tasks.
        rows: the points.
        seeds: each point runs once per seed; outcomes are averaged over them.
        out: results go to ``out/runs`` (finished runs there are reused).
        **execution: ``workers``, ``scheduler``, ``progress``, ``description`` for
            :func:`model.runs.execution.run_tasks`.

    Returns:
        (outcomes, one row per point, or None if any run failed; the run report).
    """
    plan = point_tasks(design, rows, seeds)
    report = run_tasks(all_tasks(plan), out, worker=design.worker, **execution)
    return (point_outcomes(design, plan, out) if report.ok else None), report


def count_runs(plan: PointTasks) -> int:
    """Return how many distinct model runs the points need (shared status quo runs once)."""
    return len({task.id for task in all_tasks(plan)})


# --- analysis --------------------------------------------------------------------------------
def analyze(factors: Sequence[Factor], method: str, X: np.ndarray, Y: pd.DataFrame, seed: int,
            conf_level: float = 0.95, resamples: int = 1000, levels: int = 4) -> pd.DataFrame:
    """Return the indices with confidence intervals, one row per (outcome, factor).

    Morris: ``mu`` (signed mean elementary effect), ``mu_star`` (mean absolute effect, the
    ranking measure), ``sigma`` (spread: non-linearity or interactions), with ``mu_star``'s
    bootstrap interval. Elementary effects are per full range of the factor, in the
    outcome's unit. Sobol: ``S1`` (first-order) and ``ST`` (total) with their intervals.
    """
    problem = salib_problem(factors)
    frames = []
    for outcome in Y.columns:
        y = Y[outcome].to_numpy(dtype=float)
        rng = generator(seed, f"sensitivity-bootstrap-{outcome}")  # one per outcome
        if method == "morris":
            from SALib.analyze import morris

            result = morris.analyze(problem, X, y, num_resamples=resamples,
                                    conf_level=conf_level, num_levels=levels, seed=rng)
            half = np.asarray(result["mu_star_conf"], dtype=float)
            frame = pd.DataFrame({
                "mu": result["mu"], "mu_star": result["mu_star"], "sigma": result["sigma"],
                "mu_star_conf": half,
                "mu_star_low": np.asarray(result["mu_star"]) - half,
                "mu_star_high": np.asarray(result["mu_star"]) + half})
            frame["rank"] = frame["mu_star"].rank(ascending=False, method="min").astype(int)
        else:
            from SALib.analyze import sobol

            result = sobol.analyze(problem, y, calc_second_order=False,
                                   num_resamples=resamples, conf_level=conf_level, seed=rng)
            frame = pd.DataFrame({index: result[index] for index in ("S1", "S1_conf",
                                                                     "ST", "ST_conf")})
            for index in ("S1", "ST"):
                frame[f"{index}_low"] = frame[index] - frame[f"{index}_conf"]
                frame[f"{index}_high"] = frame[index] + frame[f"{index}_conf"]
            frame["rank"] = frame["ST"].rank(ascending=False, method="min").astype(int)
        frame.insert(0, "factor", [f.name for f in factors])
        frame.insert(0, "outcome", outcome)
        frame.insert(2, "group", [f.group for f in factors])
        frame.insert(3, "low", [f.low for f in factors])
        frame.insert(4, "high", [f.high for f in factors])
        frame["outcome_sd"] = float(np.std(y))
        frames.append(frame)
    table = pd.concat(frames, ignore_index=True)
    table.insert(0, "method", method)
    table["conf_level"] = conf_level
    return table


# --- one-at-a-time swings (the tornado) ------------------------------------------------------
def tornado_points(factors: Sequence[Factor]) -> list[tuple[Factor, str, dict[str, float]]]:
    """Return (lever, "low"/"high", point) for each lever at each end of its range."""
    swings = []
    for factor in (f for f in factors if f.is_lever):
        for end, value in (("low", factor.low), ("high", factor.high)):
            swings.append((factor, end, {factor.name: float(round(value)) if factor.integer
                                         else float(value)}))
    return swings


def tornado_table(swings: Sequence[tuple[Factor, str, dict]], outcomes: pd.DataFrame,
                  changes: Sequence[str]) -> pd.DataFrame:
    """Return one row per (lever, outcome): the change from the status quo at each end."""
    rows = []
    for (factor, end, point), (_, values) in zip(swings, outcomes.iterrows(), strict=True):
        for outcome in changes:
            rows.append({"factor": factor.name, "unit": factor.unit, "end": end,
                         "value": point[factor.name], "outcome": outcome,
                         "change": float(values[outcome])})
    long = pd.DataFrame(rows)
    wide = long.pivot_table(index=["outcome", "factor", "unit"], columns="end",
                            values=["value", "change"], sort=False)
    wide.columns = [f"{kind}_at_{end}" for kind, end in wide.columns]
    return _ranked(wide.reset_index())


#: The tornado's columns before ``swing``; the first five say which swing a row is.
TORNADO_COLUMNS = ("outcome", "factor", "unit", "value_at_low", "value_at_high",
                   "change_at_low", "change_at_high")


def _ranked(wide: pd.DataFrame) -> pd.DataFrame:
    """Return the tornado's columns with the swing, largest first within each outcome."""
    wide = wide[list(TORNADO_COLUMNS)].copy()
    wide["swing"] = (wide["change_at_high"] - wide["change_at_low"]).abs()
    return wide.sort_values(["outcome", "swing"], ascending=[True, False], ignore_index=True)


def averaged_tornado(tables: Mapping[str, pd.DataFrame],
                     weights: Mapping[str, float]) -> pd.DataFrame:
    """Return the model-averaged tornado: each lever's changes, weighted over the variants.

    Args:
        tables: each variant's :func:`tornado_table` (every variant has every lever: no
            variant switches a lever off).
        weights: the variants' weights, summing to 1.
    """
    keys = list(TORNADO_COLUMNS[:5])
    stacked = pd.concat([table.assign(weight=weights[name]) for name, table in tables.items()],
                        ignore_index=True)
    for column in ("change_at_low", "change_at_high"):
        stacked[column] *= stacked["weight"]
    summed = stacked.groupby(keys, sort=False)[["change_at_low", "change_at_high"]].sum()
    return _ranked(summed.reset_index())


def check_fixed(factors: Sequence[Factor], overrides: Sequence[str]) -> None:
    """Refuse a ``--set`` on a sampled factor: the sample would silently win from the policy month.

    Raises:
        InputError: naming the clash (ScenarioError for an item that is not KEY=VALUE).
    """
    sampled = {f.name for f in factors}
    for text in overrides:
        name = parse_override(text).name
        if name in sampled:
            raise InputError("--set", text.strip(), MISSING,
                             f"{name!r} is a sampled factor; drop it from --factors or from "
                             "--set")


__all__ = ["METHODS", "Factor", "ModelDesign", "all_tasks", "analyze", "averaged_tornado",
           "check_fixed", "check_input", "count_runs", "default_range", "evaluate_points",
           "group_names", "point_outcomes", "point_tasks", "points", "registry_factor",
           "sample", "sample_size", "select_factors", "tornado_points", "tornado_table"]
