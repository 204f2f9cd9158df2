"""``robustness``: in how many plausible futures does each policy help?

Each policy scenario and the baseline run in K sampled futures (exogenous inputs from the
policy month and calibrated parameters over their plausible ranges, a Latin hypercube; or
parameters from the committed calibration with ``--posterior``), one seed per future shared
by every scenario. The futures are drawn once per mechanism variant (``--variant``): its
switched-off parameters at 0, its unsampled calibrated parameters from its posterior. See
``docs/sensitivity.md``.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..analysis import robustness as rb
from ..analysis import sensitivity as sa
from ..inputs import variants
from ..inputs.calendar import format_month, parse_month
from ..inputs.errors import MISSING, InputError
from ..inputs.overrides import apply_overrides
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
    add_variant_options,
    confidence_level,
    output_folder,
    seed_number,
    whole_number,
)
from ._scenarios import REFERENCE_FILE, check_comparable, scenario_dir
from ._variants import VariantPlan, plan_variants

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
                             "words exogenous, calibrated (the variant's calibrated "
                             f"parameters) (default: {DEFAULT_UNCERTAINTIES}). A sampled "
                             "parameter wins over the variant's posterior draw; one the "
                             "variant switches off cannot be sampled, nor one the reference "
                             "sets; a policy scenario keeps a parameter it sets itself")
    parser.add_argument("--range", dest="ranges", action="append", default=[],
                        metavar="NAME=LOW:HIGH",
                        help="narrow an uncertainty's range within its registry bounds; "
                             "repeatable")
    parser.add_argument("--posterior", action="store_true",
                        help="draw every parameter from the variant's committed calibration "
                             "(model/data/posteriors/VARIANT.csv) instead of sampling it "
                             "over its plausible range")
    parser.add_argument("--seed", type=int, default=0,
                        help="the one seed: future k runs with seed+k (default 0)")
    add_citizens_option(parser, DEFAULT_CITIZENS)
    add_outcome_options(parser, "exogenous inputs", "Wilson intervals")
    add_variant_options(parser, variants.DEFAULT_VARIANT,
                        why=": averaged runs the futures once per variant, five times the "
                            "runs, and adds model-averaged rows")
    add_many_run_options(parser, DEFAULT_OUT, where=" in every scenario", plots="the figure")


@dataclass(frozen=True)
class Plan:
    """A validated robustness check, ready to run: futures per variant."""

    reference: Scenario
    policies: tuple[Scenario, ...]
    files: tuple[Path, ...]
    factors: Mapping[str, tuple[sa.Factor, ...]]
    from_posterior: bool
    futures: Mapping[str, tuple[rb.Future, ...]]
    variants: VariantPlan
    n_citizens: int
    policy_month: str
    measure: str
    conf_level: float
    out: Path

    @property
    def samples(self) -> int:
        """Futures per variant."""
        return len(next(iter(self.futures.values())))

    @property
    def source(self) -> str:
        """How the futures were drawn, in words."""
        names = ", ".join(dict.fromkeys(
            f.name for each in self.factors.values() for f in each
            if not (self.from_posterior and f.group == Group.PARAMETER)))
        text = f"Latin hypercube over {names}" if names else ""
        drawn = "parameters" if self.from_posterior else "unsampled calibrated parameters"
        return text + (" and " if text else "") + (
            f"{drawn} from each variant's posterior draw ({', '.join(self.variants.names)})")


def _check_reference(reference: Scenario, factors, from_posterior: bool) -> None:
    """Refuse to sample a parameter the reference sets: its own value would win everywhere."""
    if from_posterior:
        return
    for factor in factors:
        if factor.group == Group.PARAMETER and factor.name in reference.parameters:
            raise InputError("--uncertainties", factor.name, MISSING,
                             f"the reference scenario {reference.name!r} sets this parameter "
                             "itself, and a scenario's own parameters win over sampled "
                             "values: drop it from --uncertainties")


def _note_kept(policies, reference, factors) -> None:
    """Say which sampled parameters a policy scenario keeps at its own value."""
    sampled = {f.name for f in factors if f.group == Group.PARAMETER}
    for policy in policies:
        kept = sorted(name for name in sampled
                      if policy.parameters.get(name) != reference.parameters.get(name))
        if kept:
            say(f"note: {policy.name} sets {', '.join(kept)} itself: not sampled in its runs")


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
    chosen = plan_variants(args, setup, "--posterior" if args.posterior else None)
    factors = {name: sa.select_factors(args.uncertainties, args.ranges, "--uncertainties",
                                       variant=name) for name in chosen.names}
    for each in factors.values():
        for factor in each:
            if factor.is_lever:
                raise InputError("--uncertainties", "value", factor.name,
                                 "levers are what the policies set; sample exogenous inputs "
                                 "and parameters only")
        sa.check_fixed(each, args.overrides)
        _check_reference(reference, each, args.posterior)
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
    if not args.posterior:
        _note_kept(policies, reference, dict.fromkeys(f for e in factors.values() for f in e))
    futures = {name: tuple(rb.draw_futures(factors[name], args.samples, args.seed,
                                           chosen.posteriors[name], variant=name,
                                           sample_parameters=not args.posterior))
               for name in chosen.names}
    return Plan(reference, tuple(policies), tuple(files), factors, args.posterior, futures,
                chosen, args.citizens, format_month(month), args.measure, args.conf_level, out)


def main(args: argparse.Namespace, setup: Setup | None = None) -> int:
    """Run the check; return 0, or 1 if any run failed (finished runs are kept).

    ``setup`` gives the worker and the committed posteriors (default: the model's).
    """
    clock, setup = Clock.start(), setup or Setup()
    plan = plan_robustness(args, setup)
    grid: dict[tuple[str, str, int], Task] = {}
    for variant, futures in plan.futures.items():
        for future in futures:
            for scenario in (plan.reference, *plan.policies):
                changed, parameters = rb.in_future(scenario, plan.reference, future,
                                                   plan.policy_month)
                grid[variant, scenario.name, future.index] = Task(changed, future.seed,
                                                                  parameters, plan.n_citizens)
    with Executor(args, plan.out) as executor:
        say(f"{len(plan.policies)} policies + {plan.reference.name} x {plan.samples} "
            f"futures x {len(plan.futures)} variant(s) = {len(grid)} runs of "
            f"{plan.n_citizens:,} citizens ({executor}) into {plan.out}/")
        report = executor.run(grid.values(), setup.worker, "robustness runs")
        if not report.ok:
            return report_failures(report, plan.out, OUTPUT_FILES,
                                   _manifest(plan, args, report, executor, clock, ()))
        per_future = pd.concat([_variant_futures(plan, grid, variant)
                                for variant in plan.futures], ignore_index=True)
        table = rb.summarize(per_future, plan.reference.end, plan.conf_level, plan.source,
                             plan.variants.weights)
        clear_outputs(plan.out, OUTPUT_FILES)
        written = _write_outputs(plan, args, table, per_future, len(grid))
        write_manifest(plan.out, _manifest(plan, args, report, executor, clock, written))
    _print_table(table)
    print(f"Wrote {', '.join(written)} and manifest.json to {plan.out}/: {len(grid)} model "
          f"runs ({report.completed} now, {report.reused} reused) in {clock.seconds():.1f} s.")
    return 0


def _variant_futures(plan: Plan, grid, variant: str) -> pd.DataFrame:
    """Return one variant's table of futures: each policy's changes from the reference."""
    results = {}
    for future in plan.futures[variant]:
        reference = load_result(plan.out, grid[variant, plan.reference.name, future.index])
        for scenario in plan.policies:
            policy = load_result(plan.out, grid[variant, scenario.name, future.index])
            results[scenario.name, future.index] = rb.changes(policy, reference, plan.measure)
    return rb.future_table(plan.futures[variant], [s.name for s in plan.policies], results,
                           variant)


def _write_outputs(plan: Plan, args, table, per_future, n_runs: int) -> list[str]:
    for name, frame in (("robustness.csv", table), ("robustness_futures.csv", per_future)):
        write_csv(plan.out / name, frame)
    written = ["robustness.csv", "robustness_futures.csv"]
    if args.plots:
        from ..figures.sensitivity import plot_robustness

        chosen = plan.variants
        shown = variants.AVERAGED if chosen.averaged else chosen.names[0]
        credit = (f"Model: belarus-opinion-abm {short_commit()}; {n_runs} runs of "
                  f"{plan.n_citizens:,} citizens; variant {shown}"
                  + (f" ({', '.join(chosen.names)}, {chosen.weighting} weights)."
                     if chosen.averaged else "."))
        plot_robustness(table[table["variant"] == shown].reset_index(drop=True),
                        plan.out / "robustness.png", plan.reference.end, plan.measure, credit)
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
        print(f"  {row.scenario} ({row.variant}): " + "; ".join(cells)
              + f"; mean change Russia {100 * row.russia_change_mean:+.2f} pp, "
                f"EU {100 * row.eu_change_mean:+.2f} pp")


def _manifest(plan: Plan, args, report, executor: Executor, clock: Clock, written) -> dict:
    argv = ["python", "run.py", NAME, *map(str, plan.files), "--samples", str(plan.samples),
            "--uncertainties", args.uncertainties, "--seed", str(args.seed),
            "--citizens", str(plan.n_citizens), "--policy-month", plan.policy_month,
            "--measure", plan.measure, "--conf-level", str(plan.conf_level)]
    if args.reference:
        argv += ["--reference", str(args.reference)]
    for item in args.ranges:
        argv += ["--range", item]
    for item in args.overrides:
        argv += ["--set", item]
    if plan.from_posterior:
        argv.append("--posterior")
    argv += plan.variants.argv()
    factors = dict.fromkeys(f for each in plan.factors.values() for f in each)
    body = {
        "reference": plan.reference.name,
        "policies": [s.name for s in plan.policies],
        "uncertainties": [{"name": f.name, "group": f.group, "low": f.low, "high": f.high,
                           "unit": f.unit} for f in factors],
        "uncertainties_by_variant": {name: [f.name for f in each]
                                     for name, each in plan.factors.items()},
        "futures": plan.source,
        "parameters_from_posterior": plan.from_posterior,
        **plan.variants.record(),
        "samples": plan.samples,
        "seeds": [f.seed for f in next(iter(plan.futures.values()))],
        "n_citizens": plan.n_citizens,
        "horizon": plan.reference.end,
        "policy_month": plan.policy_month,
        "measure": plan.measure,
    }
    body["rule"] = ("a policy scenario's own exogenous timelines and parameters (those "
                    "differing from the reference) keep the scenario's values in every "
                    "future; " + body["rule"])
    return manifest(clock, [*argv, "--out", str(plan.out)], body, written,
                    execution=execution_record(report, executor, clock))
