"""``robustness``: in how many plausible futures does each policy help?

Each policy scenario and the baseline run in K sampled futures (exogenous inputs from the
policy month and calibrated parameters over their plausible ranges, a Latin hypercube; or
parameters from the committed calibration with ``--posterior``), one seed per future shared
by every scenario. See ``docs/sensitivity.md``.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ..analysis import robustness as rb
from ..analysis import sensitivity as sa
from ..analysis.exploration import DEFAULT_POLICY_MONTH
from ..core.observation import MEASURES
from ..inputs.calendar import format_month, parse_month
from ..inputs.errors import MISSING, InputError
from ..inputs.overrides import add_set_argument, apply_overrides
from ..inputs.posterior import Posterior, default_posterior, default_posterior_path
from ..inputs.registry import Group
from ..inputs.scenario import MAX_CITIZENS, Scenario
from ..inputs.scenario_files import load_scenario
from ..runs.provenance import environment, git_state, library_versions, short_commit
from ._executor import (
    add_executor_arguments,
    connect,
    describe_executor,
    discard_outputs,
    interrupted,
)
from .run import REFERENCE_FILE, scenario_dir

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
    parser.add_argument("--citizens", type=int, default=DEFAULT_CITIZENS, metavar="N",
                        help=f"simulated citizens per run (default {DEFAULT_CITIZENS:,})")
    parser.add_argument("--policy-month", default=DEFAULT_POLICY_MONTH, metavar="YYYY-MM",
                        help="sampled exogenous inputs hold from this month (default "
                             f"{DEFAULT_POLICY_MONTH})")
    parser.add_argument("--measure", choices=MEASURES, default="survey",
                        help="survey (the virtual online panel) or population (default "
                             "survey)")
    parser.add_argument("--conf-level", type=float, default=0.95, metavar="C",
                        help="confidence level of the Wilson intervals (default 0.95)")
    add_set_argument(parser)
    add_executor_arguments(parser, DEFAULT_OUT, "skip the figure")


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


def _whole(option: str, value: int, low: int, high: int) -> int:
    if not low <= value <= high:
        raise InputError(option, "value", value, f"a whole number from {low:,} to {high:,}")
    return value


def _posterior(wanted: bool) -> Posterior | None:
    if not wanted:
        return None
    try:
        posterior = default_posterior()
    except (ValueError, TypeError, KeyError) as error:
        raise InputError(str(default_posterior_path()), "posterior", MISSING,
                         f"the committed calibration cannot be read: {error}") from None
    if posterior is None:
        raise InputError("--posterior", "value", True,
                         f"no calibration is committed at {default_posterior_path()}; "
                         "calibrate first or drop --posterior")
    return posterior


def plan_robustness(args: argparse.Namespace) -> Plan:
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
    names = {reference.name: str(reference_file)}
    for scenario, path in zip(policies, files, strict=True):
        if scenario.name in names:
            raise InputError(str(path), "name", scenario.name,
                             f"scenario names must differ; {names[scenario.name]} has the "
                             "same name")
        names[scenario.name] = str(path)
        if (scenario.start, scenario.end) != (reference.start, reference.end):
            raise InputError(str(path), "run.end", scenario.end,
                             f"every scenario must cover the reference's months "
                             f"({reference.start} to {reference.end})")
    factors = sa.select_factors(args.uncertainties, args.ranges, "--uncertainties")
    for factor in factors:
        if factor.is_lever:
            raise InputError("--uncertainties", "value", factor.name,
                             "levers are what the policies set; sample exogenous inputs "
                             "and parameters only")
    sa.check_fixed(factors, args.overrides)
    _whole("--samples", args.samples, 2, 100_000)
    _whole("--seed", args.seed, 0, 2**32 - 1)
    _whole("--citizens", args.citizens, 1, MAX_CITIZENS)
    if args.workers is not None:
        _whole("--workers", args.workers, 1, 1024)
    if not 0.5 <= args.conf_level < 1:
        raise InputError("--conf-level", "value", args.conf_level, "a number in [0.5, 1)")
    try:
        month = parse_month(args.policy_month)
    except ValueError:
        raise InputError("--policy-month", "value", args.policy_month,
                         'a month written "YYYY-MM"') from None
    if not parse_month(reference.start) < month <= parse_month(reference.end):
        raise InputError("--policy-month", "value", args.policy_month,
                         f"a month after {reference.start}, up to {reference.end}")
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise InputError("--out", "value", str(out), "a folder (this is a file)")
    posterior = _posterior(args.posterior)
    futures = rb.draw_futures(factors, args.samples, args.seed, posterior)
    return Plan(reference, tuple(policies), tuple(files), factors, posterior, tuple(futures),
                args.citizens, format_month(month), args.measure, args.conf_level, out)



def main(args: argparse.Namespace) -> int:
    """Run the check; return 0, or 1 if any run failed (finished runs are kept)."""
    from ..runs.execution import Task, load_result, run_tasks

    started, created = time.perf_counter(), datetime.now(UTC).isoformat(timespec="seconds")
    plan = plan_robustness(args)
    grid: dict[tuple[str, int], Task] = {}
    for future in plan.futures:
        for scenario in (plan.reference, *plan.policies):
            changed, parameters = rb.in_future(scenario, plan.reference, future,
                                               plan.policy_month)
            grid[scenario.name, future.index] = Task(changed, future.seed, parameters,
                                                     plan.n_citizens)
    client = connect(args.scheduler)
    executor = describe_executor(args, client)
    print(f"{len(plan.policies)} policies + {plan.reference.name} x {len(plan.futures)} futures "
          f"= {len(grid)} runs of {plan.n_citizens:,} citizens ({executor}) into {plan.out}/",
          file=sys.stderr)
    try:
        plan.out.mkdir(parents=True, exist_ok=True)
        try:
            report = run_tasks(grid.values(), plan.out, workers=args.workers, scheduler=client,
                               progress=args.progress, description="robustness runs")
        except KeyboardInterrupt:
            return interrupted(plan.out)
    finally:
        if client is not None:
            client.close()
    if not report.ok:
        discard_outputs(plan.out, OUTPUT_FILES)
        _write_manifest(plan, args, report, executor, created, started, ())
        print(report.failure_summary(), file=sys.stderr)
        return 1
    results = {}
    for future in plan.futures:
        reference = load_result(plan.out, grid[plan.reference.name, future.index])
        for scenario in plan.policies:
            policy = load_result(plan.out, grid[scenario.name, future.index])
            results[scenario.name, future.index] = rb.changes(policy, reference, plan.measure)
    per_future = rb.future_table(plan.futures, [s.name for s in plan.policies], results)
    table = rb.summarize(per_future, plan.reference.end, plan.conf_level, plan.source)
    written = _write_outputs(plan, args, table, per_future, len(grid))
    _write_manifest(plan, args, report, executor, created, started, written)
    _print_table(table)
    print(f"Wrote {', '.join(written)} and manifest.json to {plan.out}/: {len(grid)} model "
          f"runs ({report.completed} now, {report.reused} reused) in "
          f"{time.perf_counter() - started:.1f} s.")
    return 0


def _write_outputs(plan: Plan, args, table, per_future, n_runs: int) -> list[str]:
    from ..runs.atomic import atomic_path

    for name, frame in (("robustness.csv", table), ("robustness_futures.csv", per_future)):
        with atomic_path(plan.out / name) as temporary:
            frame.to_csv(temporary, index=False)
    written = ["robustness.csv", "robustness_futures.csv"]
    (plan.out / "robustness.png").unlink(missing_ok=True)
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


def _write_manifest(plan: Plan, args, report, executor: str, created: str, started: float,
                    written) -> None:
    from ..runs.atomic import write_json
    from ..runs.execution import code_version

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
    write_json(plan.out / "manifest.json", {
        "status": "complete" if report.ok else "failed",
        "created": created,
        "reproduce": {"command": shlex.join([*argv, "--out", str(plan.out)]),
                      "checkout": git_state()["commit"]},
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
        "code": {**git_state(), "model_code_version": code_version()},
        "libraries": library_versions(),
        "environment": environment(),
        "execution": {"executor": executor, "model_runs": len(report.tasks),
                      "ran_now": report.completed, "reused": report.reused,
                      "wall_seconds": round(time.perf_counter() - started, 2),
                      "failed": [{**f.task.describe(), "error": f"{f.error_type}: {f.message}"}
                                 for f in report.failures]},
        "outputs": list(written),
    })
