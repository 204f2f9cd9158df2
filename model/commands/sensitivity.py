"""``sensitivity``: which inputs move opinion most (Morris screening or Sobol indices).

Every sample point is a policy counterfactual: sampled levers and exogenous inputs hold from
the policy month, sampled parameters all along, and the same seed with the levers at the
baseline gives the status quo. The design runs once per mechanism variant (``--variant``):
its switched-off parameters at 0, its other calibrated parameters from its posterior (seed
``s`` draws index ``s``) unless sampled. Runs go through the execution engine (process pool
or Dask, resumable). See ``docs/sensitivity.md``.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..analysis import sensitivity as sa
from ..analysis.exploration import Counterfactual
from ..inputs import variants
from ..inputs.errors import InputError
from ..inputs.overrides import apply_overrides
from ..inputs.scenario import DEFAULT_END, MAX_CITIZENS, baseline
from ..runs.atomic import write_csv
from ..runs.provenance import short_commit
from ._executor import Executor, Setup, report_failures, say
from ._manifest import Clock, clear_outputs, execution_record, manifest, write_manifest
from ._options import (
    add_citizens_option,
    add_many_run_options,
    add_outcome_options,
    add_variant_options,
    confidence_level,
    output_folder,
    seed_number,
    whole_number,
)
from ._variants import VariantPlan, plan_variants

NAME = "sensitivity"
HELP = ("Global sensitivity analysis (Morris or Sobol, SALib) of the 2030 shares over chosen "
        "levers and uncertainties, with a tornado chart of the levers.")
ORDER = 20

DEFAULT_OUT = "results/sensitivity"
DEFAULT_FACTORS = "levers,exogenous,calibrated"
#: Many runs: 5,000 citizens keep a Morris screen of every lever to minutes on a laptop.
DEFAULT_CITIZENS = 5_000
DEFAULT_SAMPLES = {"morris": 10, "sobol": 64}
FIGURES = ("sobol", "morris", "morris_change")
#: With several variants each variant's index figures carry its name (morris_NAME.png).
OUTPUT_FILES = ("indices.csv", "samples.csv", "tornado.csv", "tornado.png",
                *(f"{figure}{suffix}.png" for figure in FIGURES
                  for suffix in ("", *(f"_{name}" for name in variants.names()))))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the command's options."""
    parser.add_argument("--method", choices=sa.METHODS, default="morris",
                        help="morris: cheap screening (mu*, sigma); sobol: variance shares "
                             "(S1, ST), many more runs (default: morris)")
    parser.add_argument("--factors", default=DEFAULT_FACTORS, metavar="NAME,...",
                        help="inputs to vary: registry names and the group words levers, "
                             "exogenous, calibrated (the variant's calibrated parameters) "
                             f"(default: {DEFAULT_FACTORS}). A sampled parameter wins over "
                             "the variant's posterior draw; one the variant switches off "
                             "cannot be sampled, nor one --set fixes")
    parser.add_argument("--range", dest="ranges", action="append", default=[],
                        metavar="NAME=LOW:HIGH",
                        help="narrow a factor's range within its registry bounds (default "
                             "range: registry bounds; calibration prior for calibrated "
                             "parameters); repeatable")
    parser.add_argument("--samples", type=int, metavar="N",
                        help="Morris trajectories (default 10; runs = N x (factors + 1)) or "
                             "Sobol base size, a power of two (default 64; runs = N x "
                             "(factors + 2)); plus the paired status quo runs")
    parser.add_argument("--levels", type=int, default=4, metavar="P",
                        help="Morris grid levels, an even number (default 4)")
    parser.add_argument("--replicates", type=int, default=1, metavar="R",
                        help="seeds per point (seed..seed+R-1), outcomes averaged (default 1)")
    parser.add_argument("--seed", type=int, default=0,
                        help="the one seed: sample, bootstrap and model runs (default 0)")
    add_citizens_option(parser, DEFAULT_CITIZENS)
    parser.add_argument("--horizon", default=DEFAULT_END, metavar="YYYY-MM",
                        help=f"month the outcomes are read at (default {DEFAULT_END})")
    add_outcome_options(parser, "levers and exogenous inputs", "bootstrap intervals")
    parser.add_argument("--resamples", type=int, default=1000, metavar="B",
                        help="bootstrap resamples (default 1000)")
    parser.add_argument("--no-tornado", dest="tornado", action="store_false",
                        help="skip the one-at-a-time lever runs of the tornado chart")
    add_variant_options(parser, variants.DEFAULT_VARIANT,
                        why=": averaged runs the design once per variant, five times the "
                            "runs; indices per variant, the tornado also model-averaged")
    add_many_run_options(parser, DEFAULT_OUT, where=" in the base scenario")


# --- validation ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Plan:
    """A validated analysis, ready to run: one design per variant."""

    method: str
    factors: Mapping[str, tuple[sa.Factor, ...]]
    samples: int
    levels: int
    seeds: tuple[int, ...]
    designs: Mapping[str, sa.ModelDesign]
    variants: VariantPlan
    conf_level: float
    resamples: int
    tornado: bool
    out: Path

    @property
    def design(self) -> sa.ModelDesign:
        """The first variant's design (what every design shares: size, outcomes, worker)."""
        return self.designs[self.variants.names[0]]

    @property
    def counterfactual(self) -> Counterfactual:
        """How points become runs."""
        return self.design.counterfactual


def plan_sensitivity(args: argparse.Namespace, setup: Setup) -> Plan:
    """Validate every input and return the plan.

    Raises:
        InputError: for any bad value, before anything is written.
    """
    chosen = plan_variants(args, setup)
    factors = {name: sa.select_factors(args.factors, args.ranges, variant=name)
               for name in chosen.names}
    for each in factors.values():
        sa.check_fixed(each, args.overrides)
    base = apply_overrides(baseline(), args.overrides)
    try:
        design = Counterfactual.build(horizon=args.horizon, policy_month=args.policy_month,
                                      measure=args.measure, base=base)
    except InputError as error:  # name the command-line option, not the keyword
        option = {"horizon": "--horizon", "policy_month": "--policy-month"}.get(error.key,
                                                                               "--measure")
        raise InputError(option, "value", error.value, error.allowed) from None
    samples = whole_number("--samples", args.samples or DEFAULT_SAMPLES[args.method], 2,
                           1_000_000)
    if args.method == "sobol" and samples & (samples - 1):
        raise InputError("--samples", "value", samples,
                         "a power of two for Sobol sampling (e.g. 32, 64, 128)")
    if args.levels < 2 or args.levels % 2:
        raise InputError("--levels", "value", args.levels, "an even whole number, 2 or more")
    whole_number("--replicates", args.replicates, 1, 1000)
    seed_number("--seed", args.seed)
    whole_number("--citizens", args.citizens, 1, MAX_CITIZENS)
    whole_number("--resamples", args.resamples, 10, 100_000)
    out = output_folder(args)
    confidence_level("--conf-level", args.conf_level)
    seeds = tuple(range(args.seed, args.seed + args.replicates))
    designs = {name: sa.ModelDesign(design, args.citizens, worker=setup.worker, variant=name,
                                    posterior=chosen.posteriors[name])
               for name in chosen.names}
    tornado = args.tornado and any(f.is_lever for each in factors.values() for f in each)
    return Plan(args.method, factors, samples, args.levels, seeds, designs, chosen,
                args.conf_level, args.resamples, tornado, out)


@dataclass(frozen=True)
class Part:
    """One variant's share of the analysis: its sample, points and tasks."""

    variant: str
    factors: tuple[sa.Factor, ...]
    X: np.ndarray
    rows: list[dict[str, float]]
    swings: list
    tasks: sa.PointTasks


def plan_part(plan: Plan, variant: str, seed: int) -> Part:
    """Return one variant's sample (from the one seed), its points and their tasks."""
    factors = plan.factors[variant]
    X = sa.sample(factors, plan.method, plan.samples, seed, plan.levels)
    rows = sa.points(factors, X)
    swings = sa.tornado_points(factors) if plan.tornado else []
    tasks = sa.point_tasks(plan.designs[variant], rows + [point for _, _, point in swings],
                           plan.seeds)
    return Part(variant, factors, X, rows, swings, tasks)


# --- the command -----------------------------------------------------------------------------
def main(args: argparse.Namespace, setup: Setup | None = None) -> int:
    """Run the analysis; return 0, or 1 if any run failed (finished runs are kept).

    ``setup`` gives the worker and the committed posteriors (default: the model's).
    """
    clock, setup = Clock.start(), setup or Setup()
    plan = plan_sensitivity(args, setup)
    parts = [plan_part(plan, name, args.seed) for name in plan.variants.names]
    every = [per_point for part in parts for per_point in part.tasks]
    n_runs = sa.count_runs(every)
    with Executor(args, plan.out) as executor:
        n_points, n_swings = len(parts[0].rows), len(parts[0].swings)
        say(f"{plan.method}: {len(parts[0].factors)} factors, {n_points} sample points"
            + (f" + {n_swings} tornado points" if n_swings else "")
            + f" x {len(plan.seeds)} seed(s) x {len(parts)} variant(s) = {n_runs} model runs "
            f"(status quo runs included) of {plan.design.n_citizens:,} citizens ({executor}) "
            f"into {plan.out}/")
        report = executor.run(sa.all_tasks(every), plan.design.worker, f"{plan.method} runs")
        if not report.ok:
            return report_failures(report, plan.out, OUTPUT_FILES,
                                   _manifest(plan, args, report, executor, clock, ()))
        clear_outputs(plan.out, OUTPUT_FILES)
        written = _write_outputs(plan, args, parts, n_runs)
        write_manifest(plan.out, _manifest(plan, args, report, executor, clock, written))
    print(f"Wrote {', '.join(written)} and manifest.json to {plan.out}/: {n_runs} model runs "
          f"({report.completed} now, {report.reused} reused) in {clock.seconds():.1f} s.")
    return 0


@dataclass(frozen=True)
class Tables:
    """One variant's results."""

    indices: pd.DataFrame
    samples: pd.DataFrame
    tornado: pd.DataFrame | None


def part_tables(plan: Plan, args, part: Part) -> Tables:
    """Return one variant's indices, samples and tornado, from its finished runs."""
    Y = sa.point_outcomes(plan.designs[part.variant], part.tasks, plan.out)
    n_points = len(part.rows)
    first = Y.iloc[:n_points].reset_index(drop=True)
    indices = sa.analyze(part.factors, plan.method, part.X, first, args.seed, plan.conf_level,
                         plan.resamples, plan.levels)
    samples = pd.concat([pd.DataFrame(part.rows), first], axis=1)
    samples.insert(0, "point", range(n_points))
    tornado = None
    if part.swings:
        changes = [name for name in plan.design.outcome_names if name.endswith("_change")]
        tornado = sa.tornado_table(part.swings, Y.iloc[n_points:].reset_index(drop=True),
                                   changes)
    return Tables(*(None if table is None else table.assign(variant=part.variant)
                    [["variant", *table.columns]] for table in (indices, samples, tornado)))


def _write_outputs(plan: Plan, args, parts: list[Part], n_runs: int) -> list:
    results = {part.variant: part_tables(plan, args, part) for part in parts}
    tables = {"indices.csv": pd.concat([r.indices for r in results.values()],
                                       ignore_index=True),
              "samples.csv": pd.concat([r.samples for r in results.values()],
                                       ignore_index=True)}
    tornado = None
    if plan.tornado:
        tornadoes = {name: r.tornado for name, r in results.items()}
        tornado = pd.concat(list(tornadoes.values()), ignore_index=True)
        if plan.variants.averaged:
            averaged = sa.averaged_tornado(
                {name: table.drop(columns="variant") for name, table in tornadoes.items()},
                plan.variants.weights)
            tornado = pd.concat([tornado, averaged.assign(variant=variants.AVERAGED)
                                 [tornado.columns]], ignore_index=True)
        tables["tornado.csv"] = tornado
    for name, table in tables.items():
        write_csv(plan.out / name, table)
    written = list(tables)
    for name, result in results.items():
        _print_ranking(result.indices, plan.method, name if plan.variants.averaged else "")
    if not args.plots:
        return written
    return written + _write_figures(plan, results, tornado, n_runs)


def _write_figures(plan: Plan, results: Mapping[str, Tables], tornado, n_runs: int) -> list:
    from ..figures import sensitivity as figures

    horizon, measure = plan.counterfactual.horizon, plan.counterfactual.measure
    chosen = plan.variants
    credit = (f"Model: belarus-opinion-abm {short_commit()}; {n_runs} runs of "
              f"{plan.design.n_citizens:,} citizens, {len(plan.seeds)} seed(s) per point; "
              f"variant {', '.join(chosen.names)}.")
    written = []
    if tornado is not None:
        shown = variants.AVERAGED if chosen.averaged else chosen.names[0]
        figures.plot_tornado(tornado[tornado["variant"] == shown].drop(columns="variant"),
                             plan.out / "tornado.png", horizon, measure,
                             credit + (f" Model-averaged ({chosen.weighting} weights)."
                                       if chosen.averaged else ""))
        written.append("tornado.png")
    for name, result in results.items():
        suffix = f"_{name}" if chosen.averaged else ""
        indices = result.indices.drop(columns="variant")
        if plan.method == "sobol":
            figures.plot_sobol(indices, plan.out / f"sobol{suffix}.png", horizon, measure,
                               credit)
            written.append(f"sobol{suffix}.png")
            continue
        figures.plot_morris(indices, plan.out / f"morris{suffix}.png", horizon, measure,
                            credit)
        written.append(f"morris{suffix}.png")
        if (indices["group"] == "lever").any():
            figures.plot_morris(indices, plan.out / f"morris_change{suffix}.png", horizon,
                                measure, credit, change=True)
            written.append(f"morris_change{suffix}.png")
    return written


def _print_ranking(indices: pd.DataFrame, method: str, variant: str = "",
                   top: int = 5) -> None:
    measure = "mu_star" if method == "morris" else "ST"
    where = f", variant {variant}" if variant else ""
    print(f"Top factors by {measure} (percentage points per full range{where})"
          if method == "morris" else f"Top factors by {measure} (share of variance{where})")
    for outcome, part in indices.groupby("outcome", sort=False):
        best = part.sort_values(measure, ascending=False).head(top)
        scale = 100 if method == "morris" else 1
        cells = ", ".join(f"{row.factor} {scale * getattr(row, measure):.2f}"
                          for row in best.itertuples())
        print(f"  {outcome}: {cells}")


def _reproduce(plan: Plan, args) -> list[str]:
    argv = ["python", "run.py", NAME, "--method", plan.method,
            "--factors", args.factors, "--samples", str(plan.samples),
            "--replicates", str(len(plan.seeds)), "--seed", str(args.seed),
            "--citizens", str(plan.design.n_citizens), "--horizon", plan.counterfactual.horizon,
            "--policy-month", plan.counterfactual.policy_month,
            "--measure", plan.counterfactual.measure, "--conf-level", str(plan.conf_level),
            "--resamples", str(plan.resamples)]
    if plan.method == "morris":
        argv += ["--levels", str(plan.levels)]
    for item in args.ranges:
        argv += ["--range", item]
    for item in args.overrides:
        argv += ["--set", item]
    if not args.tornado:
        argv.append("--no-tornado")
    return [*argv, *plan.variants.argv(), "--out", str(plan.out)]


def _manifest(plan: Plan, args, report, executor: Executor, clock: Clock, written) -> dict:
    body = {
        "method": plan.method,
        "factors": [{"name": f.name, "group": f.group, "low": f.low, "high": f.high,
                     "unit": f.unit, "whole_number": f.integer}
                    for f in dict.fromkeys(f for each in plan.factors.values() for f in each)],
        "factors_by_variant": {name: [f.name for f in each]
                               for name, each in plan.factors.items()},
        **plan.variants.record(),
        "samples": plan.samples,
        "seeds": list(plan.seeds),
        "n_citizens": plan.design.n_citizens,
        "horizon": plan.counterfactual.horizon,
        "policy_month": plan.counterfactual.policy_month,
        "measure": plan.counterfactual.measure,
        "overrides": list(args.overrides),
        "outcomes": list(plan.design.outcome_names),
    }
    return manifest(clock, _reproduce(plan, args), body, written,
                    execution=execution_record(report, executor, clock))
