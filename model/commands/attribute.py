"""``attribute``: why did opinion move? Shapley values of named factors (docs/attribution.md).

A factor file (``scenarios/factors/``) names an outcome and factors, each a group of levers
and exogenous inputs. Every coalition of factors (those that follow their history; the
others held) runs with every draw (a posterior particle and its own seed, the same in
every coalition: common random numbers), and ``model.analysis.attribution`` splits the
outcome's shift since Sep 2020 between the factors and the residual of the frozen world.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..analysis.attribution import MAX_EXACT_FACTORS, needed_coalitions, sampled_orders
from ..core.streams import generator
from ..inputs.errors import InputError
from ..inputs.factor_files import load_factor_file
from ..inputs.factors import FactorSet
from ..inputs.scenario import MAX_CITIZENS, TIMELINE_SECTIONS
from ..inputs.survey_data import Wave, load_out_of_sample_waves, load_waves
from ..runs.atomic import write_csv
from ..runs.attribution_tables import Runs, attribution_table, path_table, read_runs
from ..runs.design import Design, Member
from ..runs.execution import RunReport, Task
from ..runs.outputs import AVERAGED
from ..runs.provenance import sha256_file, short_commit
from ._executor import Executor, Setup, report_failures, say
from ._manifest import Clock, clear_outputs, execution_record, manifest, write_manifest
from ._options import (
    add_executor_options,
    add_output_options,
    add_variant_options,
    output_folder,
    whole_number,
)
from ._scenarios import scenario_dir
from ._variants import VariantPlan, plan_variants

NAME = "attribute"
HELP = ("Why did opinion move? Split a survey wave's shift since Sep 2020 between named "
        "factors (Shapley values over every combination of factors held or actual).")
ORDER = 15

FACTORS_DIR = "factors"
DEFAULT_FACTORS = "drivers_2020_2025.toml"
DEFAULT_OUT = "results/attribution"
#: "At least 100 distinct posterior draws per variant" (the issue): each with its own seed.
DEFAULT_DRAWS = 100
#: Citizens per run. The default factor file (7 factors, 128 coalitions) over five variants
#: x 100 draws is 64,000 runs to Nov 2025: 21 minutes on two idle cores (measured,
#: docs/attribution.md), most of a run's cost fixed, so fewer citizens would not be faster.
DEFAULT_CITIZENS = 500
MAX_DRAWS = 100_000
MAX_PERMUTATIONS = 100_000
#: The seed of the sampled orders (the same orders for every draw and every rerun).
ORDERS_SEED = 0
OUTPUT_FILES = ("attribution.csv", "attribution_path.csv", "waterfall.png",
                "attribution_path.png")


def default_factor_file() -> Path:
    """Return the library's factor file of the 2020-2025 drivers."""
    return scenario_dir() / FACTORS_DIR / DEFAULT_FACTORS


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the command's options."""
    parser.add_argument("factors", nargs="?", metavar="FACTORS.toml",
                        help="factor file (default: "
                             f"scenarios/{FACTORS_DIR}/{DEFAULT_FACTORS})")
    parser.add_argument("--draws", type=int, default=DEFAULT_DRAWS, metavar="N",
                        help="posterior draws per variant, each with its own seed, the same "
                             f"in every coalition (default {DEFAULT_DRAWS})")
    parser.add_argument("--citizens", type=int, default=DEFAULT_CITIZENS, metavar="N",
                        help=f"simulated citizens per run (default {DEFAULT_CITIZENS:,})")
    parser.add_argument("--outcome", metavar="KEY|YYYY-MM,...",
                        help="what to attribute instead of the file's [outcome]: a survey "
                             "wave's key (its first fieldwork month, e.g. 2025-08) or months "
                             "separated by commas")
    parser.add_argument("--permutations", type=int, metavar="N",
                        help="estimate the Shapley values from N sampled orders (in antithetic "
                             "pairs) instead of every coalition; needed above "
                             f"{MAX_EXACT_FACTORS} factors")
    add_variant_options(parser)
    add_output_options(parser, DEFAULT_OUT)
    add_executor_options(parser)


# --- validation --------------------------------------------------------------------------
@dataclass(frozen=True)
class Plan:
    """A validated attribution, ready to run."""

    factors: FactorSet
    file: Path
    variants: VariantPlan
    design: Design
    n_citizens: int
    orders: np.ndarray | None
    out: Path
    waves: tuple[Wave, ...]
    waves_file: Path
    outcome_option: str | None = None

    @property
    def coalitions(self) -> tuple[int, ...]:
        """The coalitions that run (every one, or those the sampled orders need)."""
        return needed_coalitions(len(self.factors.factors), self.orders)

    def members(self) -> list[Member]:
        """Return the draws, variant by variant."""
        return self.design.members()

    def grid(self, members: list[Member]) -> list[list[Task]]:
        """Return ``grid[i][j]``: draw i in coalition j."""
        scenarios = [self.factors.scenario(mask) for mask in self.coalitions]
        return [[Task(scenario, member.inputs.seed, member.parameters() or None,
                      self.n_citizens) for scenario in scenarios] for member in members]


def plan_attribution(args: argparse.Namespace, setup: Setup) -> Plan:
    """Validate every input of the command and return the plan.

    Raises:
        InputError: for any bad file or value, before anything is written.
    """
    file = Path(args.factors) if args.factors else default_factor_file()
    in_sample = load_waves(setup.waves_file)
    waves = (*in_sample, *load_out_of_sample_waves())
    factors = load_factor_file(file, waves, args.outcome)
    k = len(factors.factors)
    orders = None
    if args.permutations is not None:
        n = whole_number("--permutations", args.permutations, 2, MAX_PERMUTATIONS)
        orders = sampled_orders(k, n, generator(ORDERS_SEED, "attribution_orders"))
    elif k > MAX_EXACT_FACTORS:
        raise InputError(str(file), "factors", k,
                         f"at most {MAX_EXACT_FACTORS} factors for exact Shapley values (the "
                         f"full factorial runs 2^k coalitions per draw, here {2 ** k:,}); "
                         "give --permutations N to sample orders instead")
    draws = whole_number("--draws", args.draws, 1, MAX_DRAWS)
    citizens = whole_number("--citizens", args.citizens, 1, MAX_CITIZENS)
    out = output_folder(args)
    chosen = plan_variants(args, setup)
    # Futures start after the last wave and the assumptions stay at the defaults the
    # posteriors were fitted with: a draw varies its particle and its seed only.
    design = Design(chosen.names, draws, 1, chosen.posteriors, chosen.weights,
                    assumptions=False, futures=False, pick_freeze=False)
    return Plan(factors, file, chosen, design, citizens, orders, out, tuple(in_sample),
                setup.waves_file, args.outcome)


# --- the command -------------------------------------------------------------------------
def main(args: argparse.Namespace, setup: Setup | None = None) -> int:
    """Run the attribution; return 0, or 1 if any run failed (the failures are listed).

    Args:
        args: the parsed command line.
        setup: the worker, the posteriors and the waves file (default: the model's).
    """
    setup = setup or Setup()
    clock = Clock.start()
    plan = plan_attribution(args, setup)
    members = plan.members()
    grid = plan.grid(members)
    moving = plan.factors.moving()
    if moving:
        say(f"note: no factor moves {', '.join(moving)}: they follow their history in every "
            "coalition, so their effect is in the residual")
    for key, names in plan.factors.start_changes().items():
        say(f"note: factor {key} changes {', '.join(names)} in {plan.factors.actual().start} "
            "itself; the model's anchors are set so that the start month is at rest, so "
            "they absorb most of that change: start a replacement timeline a month later to "
            "keep it (docs/attribution.md)")
    with Executor(args, plan.out) as executor:
        k = len(plan.factors.factors)
        how = ("exact" if plan.orders is None else f"{len(plan.orders)} sampled orders")
        say(f"Attributing {plan.factors.outcome.describe()} to {k} factors ({how}): "
            f"{len(plan.coalitions)} coalitions x {len(members)} draws "
            f"({len(plan.design.variants)} variant(s), {plan.design.draws} each) = "
            f"{len(plan.coalitions) * len(members):,} runs of {plan.n_citizens:,} citizens "
            f"to {plan.factors.outcome.end} ({executor}) into {plan.out}/")
        report = executor.run((task for row in grid for task in row), setup.worker)
        if not report.ok:
            return report_failures(report, plan.out, OUTPUT_FILES,
                                   _manifest(plan, report, executor, clock, ()))
        clear_outputs(plan.out, OUTPUT_FILES)
        runs = read_runs(plan.out, plan.factors, members, grid, plan.coalitions)
        written = _write_outputs(plan, runs, args.plots)
        write_manifest(plan.out, _manifest(plan, report, executor, clock, written))
    print(f"Wrote {', '.join(written)} and manifest.json to {plan.out}/ "
          f"({report.completed} runs now, {report.reused} reused).")
    return 0


def _write_outputs(plan: Plan, runs: Runs, plots: bool) -> list[str]:
    table = attribution_table(runs, plan.factors, plan.waves, plan.orders)
    write_csv(plan.out / "attribution.csv", table, float_format="%.6g")
    path = path_table(runs, plan.factors, plan.orders)
    write_csv(plan.out / "attribution_path.csv", path, float_format="%.6g")
    _print_summary(table)
    written = ["attribution.csv", "attribution_path.csv"]
    if not plots:
        return written
    from ..figures.attribution import plot_path, plot_waterfall

    credit = (f"Model: belarus-opinion-abm {short_commit()}, {plan.n_citizens:,} citizens per "
              f"run, {plan.design.draws} draws per variant ({', '.join(plan.design.variants)}); "
              f"factors: {plan.file.name}.")
    outcome = plan.factors.outcome.describe()
    plot_waterfall(table, plan.out / "waterfall.png", outcome, credit)
    plot_path(path, plan.out / "attribution_path.png", outcome, credit)
    return [*written, "waterfall.png", "attribution_path.png"]


def _print_summary(table) -> None:
    """Print the averaged attribution, in percentage points, one column per answer."""
    averaged = table[table["variant"] == AVERAGED]
    wide = averaged.pivot(index="factor", columns="answer", values="shapley")
    wide = wide.loc[list(dict.fromkeys(averaged["factor"])),
                    list(dict.fromkeys(averaged["answer"]))]
    print("Shapley values, percentage points (model-averaged):")
    print((100 * wide).round(2).to_string())


# --- the manifest ------------------------------------------------------------------------
def _reproduce(plan: Plan) -> list[str]:
    argv = ["python", "run.py", NAME, str(plan.file), "--draws", str(plan.design.draws),
            "--citizens", str(plan.n_citizens), *plan.variants.argv()]
    if plan.outcome_option is not None:
        argv += ["--outcome", plan.outcome_option]
    if plan.orders is not None:
        argv += ["--permutations", str(len(plan.orders))]
    return [*argv, "--out", str(plan.out)]


def _factor_record(plan: Plan) -> list[dict]:
    actual = plan.factors.actual()
    records = []
    for factor in plan.factors.factors:
        changes = factor.counterfactual(actual)
        replaced = {name: [{"month": p.month, "value": p.value, "ramp": p.ramp}
                           for p in points]
                    for section in TIMELINE_SECTIONS for name, points in changes[section].items()}
        records.append({"key": factor.key, "label": factor.label,
                        "held_at": dict(factor.held), "replaced_by": replaced})
    return records


def _manifest(plan: Plan, report: RunReport, executor: Executor, clock: Clock,
              written) -> dict:
    outcome = plan.factors.outcome
    files = [plan.file, plan.waves_file,
             *(Path(p.source) for p in plan.variants.posteriors.values() if p is not None)]
    body = {
        "factor_file": {"path": str(plan.file), "sha256": sha256_file(plan.file),
                        "name": plan.factors.name},
        "outcome": {"key": outcome.key, "describe": outcome.describe(),
                    "months": list(outcome.months), "measure": outcome.measure,
                    "answers": list(outcome.answers)},
        "factors": _factor_record(plan),
        "left_moving": list(plan.factors.moving()),
        "start_month_changes": {key: list(names)
                                for key, names in plan.factors.start_changes().items()},
        "method": ("exact: every coalition" if plan.orders is None else
                   f"sampled: {len(plan.orders)} orders in antithetic pairs, seed "
                   f"{ORDERS_SEED}"),
        "coalitions": len(plan.coalitions),
        "ensemble": {**plan.variants.record(), "draws_per_variant": plan.design.draws,
                     "rule": "draw d of a variant: posterior particle d and seed d, the same "
                             "in every coalition; assumptions at their defaults"},
        "n_citizens": plan.n_citizens,
        "inputs_sha256": {str(path): sha256_file(path) for path in dict.fromkeys(files)},
    }
    execution = execution_record(report, executor, clock)
    return manifest(clock, _reproduce(plan), body, written, execution=execution)
