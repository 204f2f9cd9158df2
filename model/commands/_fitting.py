"""Options shared by ``calibrate`` and ``validate``: budget, population, seed, executor."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..analysis.calibration.abc import Budget
from ..inputs.errors import InputError
from ..inputs.scenario import MAX_CITIZENS
from ._executor import add_executor_arguments

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
    parser.add_argument("--citizens", type=int, default=FIT_CITIZENS, metavar="N",
                        help=f"simulated citizens per model run (default {FIT_CITIZENS:,})")
    parser.add_argument("--seed", type=int, default=0, metavar="S",
                        help="the fit's seed: same seed, same posterior on any executor "
                             "(default 0)")
    add_executor_arguments(parser, out, plots_help=None)


def _whole(option: str, value: int, low: int, high: int) -> int:
    if isinstance(value, bool) or not low <= value <= high:
        raise InputError(option, "value", value, f"a whole number from {low:,} to {high:,}")
    return value


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
    return Budget(particles=_whole("--particles", args.particles, 10, 100_000),
                  max_simulations=_whole("--max-simulations", args.max_simulations, 10,
                                         100_000_000),
                  max_minutes=float(args.max_minutes),
                  max_generations=_whole("--max-generations", args.max_generations, 1, 1000),
                  min_acceptance_rate=float(args.min_acceptance))


def check_common(args: argparse.Namespace) -> None:
    """Validate population, seed, workers and output folder.

    Raises:
        InputError: for a bad value.
    """
    _whole("--citizens", args.citizens, 100, MAX_CITIZENS)
    _whole("--seed", args.seed, 0, 2**32 - 1)
    if args.workers is not None:
        _whole("--workers", args.workers, 1, 1024)
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise InputError("--out", "value", str(out), "a folder (this is a file)")


def workers(args: argparse.Namespace) -> int:
    """Return the number of local processes to use."""
    import os

    return args.workers or os.cpu_count() or 1


def say(text: str) -> None:
    """Print a progress line on stderr (results go to files, messages to stderr)."""
    print(text, file=sys.stderr, flush=True)


def write_csv(path: Path, table) -> Path:
    """Write a DataFrame as CSV atomically and return the path."""
    from ..runs.atomic import atomic_path

    with atomic_path(path) as temporary:
        table.to_csv(temporary, index=False, float_format="%.6g")
    return path
