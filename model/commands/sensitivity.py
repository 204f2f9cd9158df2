"""``sensitivity``: which inputs move opinion most (Morris screening or Sobol indices).

Every sample point is a policy counterfactual: sampled levers and exogenous inputs hold from
the policy month, sampled parameters all along, and the same seed with the levers at the
baseline gives the status quo. Runs go through the execution engine (process pool or Dask,
resumable). See ``docs/sensitivity.md``.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..analysis import sensitivity as sa
from ..analysis.exploration import Counterfactual
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
    confidence_level,
    output_folder,
    seed_number,
    whole_number,
)

NAME = "sensitivity"
HELP = ("Global sensitivity analysis (Morris or Sobol, SALib) of the 2030 shares over chosen "
        "levers and uncertainties, with a tornado chart of the levers.")
ORDER = 20

DEFAULT_OUT = "results/sensitivity"
DEFAULT_FACTORS = "levers,exogenous,calibrated"
#: Many runs: 5,000 citizens keep a Morris screen of every lever to minutes on a laptop.
DEFAULT_CITIZENS = 5_000
DEFAULT_SAMPLES = {"morris": 10, "sobol": 64}
OUTPUT_FILES = ("indices.csv", "samples.csv", "tornado.csv", "tornado.png", "sobol.png",
                "morris.png", "morris_change.png")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the command's options."""
    parser.add_argument("--method", choices=sa.METHODS, default="morris",
                        help="morris: cheap screening (mu*, sigma); sobol: variance shares "
                             "(S1, ST), many more runs (default: morris)")
    parser.add_argument("--factors", default=DEFAULT_FACTORS, metavar="NAME,...",
                        help="inputs to vary: registry names and the group words levers, "
                             "exogenous, calibrated (the 12 calibrated parameters) "
                             f"(default: {DEFAULT_FACTORS})")
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
    add_many_run_options(parser, DEFAULT_OUT, where=" in the base scenario")


# --- validation ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Plan:
    """A validated analysis, ready to run."""

    method: str
    factors: tuple[sa.Factor, ...]
    samples: int
    levels: int
    seeds: tuple[int, ...]
    design: sa.ModelDesign
    conf_level: float
    resamples: int
    tornado: bool
    out: Path

    @property
    def counterfactual(self) -> Counterfactual:
        """How points become runs."""
        return self.design.counterfactual


def plan_sensitivity(args: argparse.Namespace, setup: Setup) -> Plan:
    """Validate every input and return the plan.

    Raises:
        InputError: for any bad value, before anything is written.
    """
    factors = sa.select_factors(args.factors, args.ranges)
    sa.check_fixed(factors, args.overrides)
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
    return Plan(args.method, factors, samples, args.levels, seeds,
                sa.ModelDesign(design, args.citizens, worker=setup.worker), args.conf_level,
                args.resamples, args.tornado and any(f.is_lever for f in factors), out)


# --- the command -----------------------------------------------------------------------------
def main(args: argparse.Namespace, setup: Setup | None = None) -> int:
    """Run the analysis; return 0, or 1 if any run failed (finished runs are kept).

    ``setup`` gives the worker (default: the simulation).
    """
    clock, setup = Clock.start(), setup or Setup()
    plan = plan_sensitivity(args, setup)
    X = sa.sample(plan.factors, plan.method, plan.samples, args.seed, plan.levels)
    rows = sa.points(plan.factors, X)
    swings = sa.tornado_points(plan.factors) if plan.tornado else []
    swing_rows = [point for _, _, point in swings]
    tasks = sa.point_tasks(plan.design, rows + swing_rows, plan.seeds)
    n_runs = sa.count_runs(tasks)
    with Executor(args, plan.out) as executor:
        say(f"{plan.method}: {len(plan.factors)} factors, {len(rows)} sample points"
            + (f" + {len(swing_rows)} tornado points" if swings else "")
            + f" x {len(plan.seeds)} seed(s) = {n_runs} model runs (status quo runs included) "
            f"of {plan.design.n_citizens:,} citizens ({executor}) into {plan.out}/")
        report = executor.run(sa.all_tasks(tasks), plan.design.worker, f"{plan.method} runs")
        if not report.ok:
            return report_failures(report, plan.out, OUTPUT_FILES,
                                   _manifest(plan, args, report, executor, clock, ()))
        Y = sa.point_outcomes(plan.design, tasks, plan.out)
        clear_outputs(plan.out, OUTPUT_FILES)
        written = _write_outputs(plan, args, X, rows, Y, swings, n_runs)
        write_manifest(plan.out, _manifest(plan, args, report, executor, clock, written))
    print(f"Wrote {', '.join(written)} and manifest.json to {plan.out}/: {n_runs} model runs "
          f"({report.completed} now, {report.reused} reused) in {clock.seconds():.1f} s.")
    return 0


def _write_outputs(plan: Plan, args, X, rows, Y: pd.DataFrame, swings, n_runs: int) -> list:
    n_points = len(rows)
    indices = sa.analyze(plan.factors, plan.method, X, Y.iloc[:n_points].reset_index(drop=True),
                         args.seed, plan.conf_level, plan.resamples, plan.levels)
    samples = pd.concat([pd.DataFrame(rows), Y.iloc[:n_points].reset_index(drop=True)], axis=1)
    samples.insert(0, "point", range(n_points))
    tables = {"indices.csv": indices, "samples.csv": samples}
    tornado = None
    if swings:
        changes = [name for name in plan.design.outcome_names if name.endswith("_change")]
        tornado = sa.tornado_table(swings, Y.iloc[n_points:].reset_index(drop=True), changes)
        tables["tornado.csv"] = tornado
    for name, table in tables.items():
        write_csv(plan.out / name, table)
    written = list(tables)
    _print_ranking(indices, plan.method)
    if not args.plots:
        return written
    from ..figures import sensitivity as figures

    horizon, measure = plan.counterfactual.horizon, plan.counterfactual.measure
    credit = (f"Model: belarus-opinion-abm {short_commit()}; {n_runs} runs of "
              f"{plan.design.n_citizens:,} citizens, {len(plan.seeds)} seed(s) per point.")
    if tornado is not None:
        figures.plot_tornado(tornado, plan.out / "tornado.png", horizon, measure, credit)
        written.append("tornado.png")
    if plan.method == "sobol":
        figures.plot_sobol(indices, plan.out / "sobol.png", horizon, measure, credit)
        written.append("sobol.png")
    else:
        figures.plot_morris(indices, plan.out / "morris.png", horizon, measure, credit)
        written.append("morris.png")
        if any(f.is_lever for f in plan.factors):
            figures.plot_morris(indices, plan.out / "morris_change.png", horizon, measure,
                                credit, change=True)
            written.append("morris_change.png")
    return written


def _print_ranking(indices: pd.DataFrame, method: str, top: int = 5) -> None:
    measure = "mu_star" if method == "morris" else "ST"
    print(f"Top factors by {measure} (percentage points per full range)" if method == "morris"
          else f"Top factors by {measure} (share of variance)")
    for outcome, part in indices.groupby("outcome", sort=False):
        best = part.sort_values(measure, ascending=False).head(top)
        scale = 100 if method == "morris" else 1
        cells = ", ".join(f"{row.factor} {scale * getattr(row, measure):.2f}"
                          for row in best.itertuples())
        print(f"  {outcome}: {cells}")


def _reproduce(plan: Plan, args) -> list[str]:
    argv = ["python", "run.py", NAME, "--method", plan.method,
            "--factors", ",".join(f.name for f in plan.factors), "--samples", str(plan.samples),
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
    return [*argv, "--out", str(plan.out)]


def _manifest(plan: Plan, args, report, executor: Executor, clock: Clock, written) -> dict:
    body = {
        "method": plan.method,
        "factors": [{"name": f.name, "group": f.group, "low": f.low, "high": f.high,
                     "unit": f.unit, "whole_number": f.integer} for f in plan.factors],
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
