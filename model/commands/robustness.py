"""``robustness``: in how many plausible futures does each policy help?

Each policy scenario and the baseline run in K sampled futures (exogenous inputs from the
policy month and calibrated parameters over their plausible ranges, a Latin hypercube; or
parameters from the committed calibration with ``--posterior``), one seed per future shared
by every scenario. See ``docs/sensitivity.md``.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

from ..analysis import robustness as rb
from ..analysis import sensitivity as sa
from ..inputs.calendar import format_month, parse_month
from ..inputs.errors import MISSING, InputError
from ..inputs.overrides import apply_overrides
from ..inputs.posterior import Posterior
from ..inputs.registry import Group
from ..inputs.scenario import MAX_CITIZENS, Scenario
from ..inputs.scenario_files import load_scenario
from ..runs.atomic import write_csv
from ..runs.execution import Task, load_result
from ..runs.provenance import short_commit
from ._executor import Executor, Setup, report_failures, say
from ._manifest import Clock, clear_outputs, execution_record, manifest, write_manifest
from ._options import (
    add_citizens_option,
    add_many_run_options,
    add_outcome_options,
    confidence_level,
    load_posterior,
    output_folder,
    seed_number,
    whole_number,
)
from ._scenarios import REFERENCE_FILE, check_comparable, scenario_dir

NAME = "robustness"
HELP = ("Share of sampled futures (uncertainties or the calibration posterior) in which each "
        "policy scenario lowers the Russia share and raises the EU share.")
ORDER = 25

DEFAULT_OUT = "results/robustness"
DEFAULT_UNCERTAINTIES = "exogenous,calibrated"
DEFAULT_CITIZENS = 5_000
DEFAULT_SAMPLES = 50
OUTPUT_FILES = ("robustness.csv", "robustness_futures.csv", "robustness.png")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the command's options."""
    parser.add_argument("scenarios", nargs="*", metavar="SCENARIO.toml",
                        help=f"policy scenarios (default: every {scenario_dir()}/*.toml but "
                             f"{REFERENCE_FILE})")
    parser.add_argument("--reference", metavar="SCENARIO.toml",
                        help=f"the status quo (default: {REFERENCE_FILE} in the scenario "
                             "folder)")
    parser.add_argument("--samples", type=int, default=DEFAULT_SAMPLES, metavar="K",
                        help=f"sampled futures (default {DEFAULT_SAMPLES}); runs = K x "
                             "(policies + 1)")
    parser.add_argument("--uncertainties", default=DEFAULT_UNCERTAINTIES, metavar="NAME,...",
                        help="exogenous inputs and parameters to sample: names and the group "
                             f"words exogenous, calibrated (default: {DEFAULT_UNCERTAINTIES})")
    parser.add_argument("--range", dest="ranges", action="append", default=[],
                        metavar="NAME=LOW:HIGH",
                        help="narrow an uncertainty's range within its registry bounds; "
                             "repeatable")
    parser.add_argument("--posterior", action="store_true",
                        help="draw parameters from the committed calibration "
                             "(model/data/posterior.csv) instead of their plausible ranges")
    parser.add_argument("--seed", type=int, default=0,
                        help="the one seed: future k runs with seed+k (default 0)")
    add_citizens_option(parser, DEFAULT_CITIZENS)
    add_outcome_options(parser, "exogenous inputs", "Wilson intervals")
    add_many_run_options(parser, DEFAULT_OUT, where=" in every scenario", plots="the figure")


@dataclass(frozen=True)
class Plan:
    """A validated robustness check, ready to run."""

    reference: Scenario
    policies: tuple[Scenario, ...]
    files: tuple[Path, ...]
    factors: tuple[sa.Factor, ...]
    posterior: Posterior | None
    futures: tuple[rb.Future, ...]
    n_citizens: int
    policy_month: str
    measure: str
    conf_level: float
    out: Path

    @property
    def source(self) -> str:
        """How the futures were drawn, in words."""
        names = ", ".join(f.name for f in self.factors
                          if not (self.posterior and f.group == Group.PARAMETER))
        text = f"Latin hypercube over {names}" if names else ""
        if self.posterior:
            text += (" and " if text else "") + f"parameters from the calibration posterior " \
                                                f"({Path(self.posterior.source).name})"
        return text


def plan_robustness(args: argparse.Namespace, setup: Setup) -> Plan:
    """Validate every input and return the plan.

    Raises:
        InputError: for any bad file or value, before anything is written.
    """
    folder = scenario_dir()
    reference_file = Path(args.reference) if args.reference else folder / REFERENCE_FILE
    files = [Path(f) for f in args.scenarios] or sorted(
        p for p in folder.glob("*.toml") if p.resolve() != reference_file.resolve())
    if not files:
        raise InputError("scenarios", "value", MISSING, "at least one policy scenario file")
    reference = apply_overrides(load_scenario(reference_file), args.overrides)
    policies = [apply_overrides(load_scenario(path), args.overrides) for path in files]
    check_comparable([reference, *policies])
    factors = sa.select_factors(args.uncertainties, args.ranges, "--uncertainties")
    for factor in factors:
        if factor.is_lever:
            raise InputError("--uncertainties", "value", factor.name,
                             "levers are what the policies set; sample exogenous inputs "
                             "and parameters only")
    sa.check_fixed(factors, args.overrides)
    whole_number("--samples", args.samples, 2, 100_000)
    seed_number("--seed", args.seed)
    whole_number("--citizens", args.citizens, 1, MAX_CITIZENS)
    confidence_level("--conf-level", args.conf_level)
    try:
        month = parse_month(args.policy_month)
    except ValueError:
        raise InputError("--policy-month", "value", args.policy_month,
                         'a month written "YYYY-MM"') from None
    if not parse_month(reference.start) < month <= parse_month(reference.end):
        raise InputError("--policy-month", "value", args.policy_month,
                         f"a month after {reference.start}, up to {reference.end}")
    out = output_folder(args)
    posterior = load_posterior(True, setup.posterior_file) if args.posterior else None
    futures = rb.draw_futures(factors, args.samples, args.seed, posterior)
    return Plan(reference, tuple(policies), tuple(files), factors, posterior, tuple(futures),
                args.citizens, format_month(month), args.measure, args.conf_level, out)


def main(args: argparse.Namespace, setup: Setup | None = None) -> int:
    """Run the check; return 0, or 1 if any run failed (finished runs are kept).

    ``setup`` gives the worker and the posterior file (default: the model's).
    """
    clock, setup = Clock.start(), setup or Setup()
    plan = plan_robustness(args, setup)
    grid: dict[tuple[str, int], Task] = {}
    for future in plan.futures:
        for scenario in (plan.reference, *plan.policies):
            changed, parameters = rb.in_future(scenario, plan.reference, future,
                                               plan.policy_month)
            grid[scenario.name, future.index] = Task(changed, future.seed, parameters,
                                                     plan.n_citizens)
    with Executor(args, plan.out) as executor:
        say(f"{len(plan.policies)} policies + {plan.reference.name} x {len(plan.futures)} "
            f"futures = {len(grid)} runs of {plan.n_citizens:,} citizens ({executor}) into "
            f"{plan.out}/")
        report = executor.run(grid.values(), setup.worker, "robustness runs")
        if not report.ok:
            return report_failures(report, plan.out, OUTPUT_FILES,
                                   _manifest(plan, args, report, executor, clock, ()))
        results = {}
        for future in plan.futures:
            reference = load_result(plan.out, grid[plan.reference.name, future.index])
            for scenario in plan.policies:
                policy = load_result(plan.out, grid[scenario.name, future.index])
                results[scenario.name, future.index] = rb.changes(policy, reference,
                                                                  plan.measure)
        per_future = rb.future_table(plan.futures, [s.name for s in plan.policies], results)
        table = rb.summarize(per_future, plan.reference.end, plan.conf_level, plan.source)
        clear_outputs(plan.out, OUTPUT_FILES)
        written = _write_outputs(plan, args, table, per_future, len(grid))
        write_manifest(plan.out, _manifest(plan, args, report, executor, clock, written))
    _print_table(table)
    print(f"Wrote {', '.join(written)} and manifest.json to {plan.out}/: {len(grid)} model "
          f"runs ({report.completed} now, {report.reused} reused) in {clock.seconds():.1f} s.")
    return 0


def _write_outputs(plan: Plan, args, table, per_future, n_runs: int) -> list[str]:
    for name, frame in (("robustness.csv", table), ("robustness_futures.csv", per_future)):
        write_csv(plan.out / name, frame)
    written = ["robustness.csv", "robustness_futures.csv"]
    if args.plots:
        from ..figures.sensitivity import plot_robustness

        credit = (f"Model: belarus-opinion-abm {short_commit()}; {n_runs} runs of "
                  f"{plan.n_citizens:,} citizens.")
        plot_robustness(table, plan.out / "robustness.png", plan.reference.end, plan.measure,
                        credit)
        written.append("robustness.png")
    return written


def _print_table(table) -> None:
    print(f"Share of {int(table['samples'].iloc[0])} futures in which the policy helps by "
          f"{table['horizon'].iloc[0]} [{100 * table['conf_level'].iloc[0]:.0f}% Wilson]:")
    for row in table.itertuples():
        cells = [f"{label} {100 * getattr(row, column):.0f}% "
                 f"[{100 * getattr(row, column + '_low'):.0f}, "
                 f"{100 * getattr(row, column + '_high'):.0f}]"
                 for column, label in (("lowers_russia", "Russia down"),
                                       ("raises_eu", "EU up"),
                                       ("lowers_russia_and_raises_eu", "both"))]
        print(f"  {row.scenario}: " + "; ".join(cells)
              + f"; mean change Russia {100 * row.russia_change_mean:+.2f} pp, "
                f"EU {100 * row.eu_change_mean:+.2f} pp")


def _manifest(plan: Plan, args, report, executor: Executor, clock: Clock, written) -> dict:
    argv = ["python", "run.py", NAME, *map(str, plan.files), "--samples", str(len(plan.futures)),
            "--uncertainties", ",".join(f.name for f in plan.factors), "--seed", str(args.seed),
            "--citizens", str(plan.n_citizens), "--policy-month", plan.policy_month,
            "--measure", plan.measure, "--conf-level", str(plan.conf_level)]
    if args.reference:
        argv += ["--reference", str(args.reference)]
    for item in args.ranges:
        argv += ["--range", item]
    for item in args.overrides:
        argv += ["--set", item]
    if plan.posterior:
        argv.append("--posterior")
    body = {
        "reference": plan.reference.name,
        "policies": [s.name for s in plan.policies],
        "uncertainties": [{"name": f.name, "group": f.group, "low": f.low, "high": f.high,
                           "unit": f.unit} for f in plan.factors],
        "futures": plan.source,
        "posterior": plan.posterior.source if plan.posterior else None,
        "samples": len(plan.futures),
        "seeds": [f.seed for f in plan.futures],
        "n_citizens": plan.n_citizens,
        "horizon": plan.reference.end,
        "policy_month": plan.policy_month,
        "measure": plan.measure,
        "rule": "a policy scenario's own exogenous timelines and parameters (those differing "
                "from the reference) keep the scenario's values in every future",
    }
    return manifest(clock, [*argv, "--out", str(plan.out)], body, written,
                    execution=execution_record(report, executor, clock))
