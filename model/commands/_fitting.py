"""Options shared by ``calibrate`` and ``validate``: budget, population, seed, executor."""

from __future__ import annotations

import argparse

from ..analysis.calibration.abc import Budget
from ..inputs.errors import InputError
from ..inputs.scenario import MAX_CITIZENS
from ._options import (
    add_citizens_option,
    add_executor_options,
    add_output_options,
    output_folder,
    seed_number,
    whole_number,
)

#: The float format of the fits' tables: six significant digits are beyond their precision.
FLOAT_FORMAT = "%.6g"

#: Citizens per evaluation. At 5,000 the seed-to-seed spread of a wave's simulated survey
#: share is about 0.8 pp, well under a wave's sampling error (about 1.9 pp at n = 700), and
#: an evaluation takes about 0.17 s (docs/calibration.md).
FIT_CITIZENS = 5_000


def add_fit_arguments(parser: argparse.ArgumentParser, budget: Budget, out: str) -> None:
    """Declare the budget, population, seed, executor and output options."""
    parser.add_argument("--particles", type=int, default=budget.particles, metavar="N",
                        help=f"particles per ABC generation (default {budget.particles})")
    parser.add_argument("--max-simulations", type=int, default=budget.max_simulations,
                        metavar="N", help="stop after this many model runs in total "
                                          f"(default {budget.max_simulations:,})")
    parser.add_argument("--max-minutes", type=float, default=budget.max_minutes, metavar="M",
                        help=f"stop after this many minutes (default {budget.max_minutes:g}; "
                             "checked between generations)")
    parser.add_argument("--max-generations", type=int, default=budget.max_generations,
                        metavar="N", help=f"at most N generations (default "
                                          f"{budget.max_generations})")
    parser.add_argument("--min-acceptance", type=float, default=budget.min_acceptance_rate,
                        metavar="RATE", help="stop when a generation accepts fewer than this "
                                             f"share (default {budget.min_acceptance_rate:g})")
    add_citizens_option(parser, FIT_CITIZENS)
    parser.add_argument("--seed", type=int, default=0, metavar="S",
                        help="the fit's seed: same seed, same posterior on any executor "
                             "(default 0)")
    add_output_options(parser, out, plots=None)
    add_executor_options(parser)


def budget_from(args: argparse.Namespace) -> Budget:
    """Return the validated budget of the command line.

    Raises:
        InputError: for a value out of range.
    """
    if not 0 < args.max_minutes <= 7 * 24 * 60:
        raise InputError("--max-minutes", "value", args.max_minutes,
                         "a number of minutes above 0 and at most a week (10080)")
    if not 0 <= args.min_acceptance < 1:
        raise InputError("--min-acceptance", "value", args.min_acceptance,
                         "a share from 0 up to (not including) 1")
    return Budget(particles=whole_number("--particles", args.particles, 10, 100_000),
                  max_simulations=whole_number("--max-simulations", args.max_simulations, 10,
                                               100_000_000),
                  max_minutes=float(args.max_minutes),
                  max_generations=whole_number("--max-generations", args.max_generations, 1,
                                               1000),
                  min_acceptance_rate=float(args.min_acceptance))


def check_common(args: argparse.Namespace) -> None:
    """Validate population, seed, workers and output folder.

    Raises:
        InputError: for a bad value.
    """
    whole_number("--citizens", args.citizens, 100, MAX_CITIZENS)
    seed_number("--seed", args.seed)
    output_folder(args)


def fit_command(name: str, args: argparse.Namespace, budget: Budget) -> list[str]:
    """Return the command line that repeats a fit: its budget, population, seed and folder."""
    return ["python", "run.py", name, "--seed", str(args.seed), "--citizens", str(args.citizens),
            "--particles", str(budget.particles), "--max-simulations",
            str(budget.max_simulations), "--max-minutes", f"{budget.max_minutes:g}",
            "--max-generations", str(budget.max_generations), "--min-acceptance",
            f"{budget.min_acceptance_rate:g}", "--out", str(args.out)]
