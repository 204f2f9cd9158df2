"""The options the commands share, declared once, and the checks of their values.

Every check raises ``InputError`` naming the option, the value and what is allowed, so a
command refuses bad input (exit status 2) before it writes anything.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ..analysis.exploration import DEFAULT_POLICY_MONTH
from ..core.observation import MEASURES
from ..inputs import checks, variants
from ..inputs.checks import MAX_SEED
from ..inputs.errors import MISSING, InputError
from ..inputs.posterior import Posterior
from ..inputs.variants import AVERAGED
from ..runs.folder import ANYWHERE_OPTION, check_output_folder

#: Local worker processes allowed with ``--workers``.
MAX_WORKERS = 1024


# --- declaring --------------------------------------------------------------------------------
def add_set_option(parser: argparse.ArgumentParser, where: str = "") -> None:
    """Declare the repeatable ``--set`` (read back as ``args.overrides``).

    Args:
        parser: the command's parser.
        where: what the overrides apply to, for the help (e.g. " in every scenario").
    """
    parser.add_argument("--set", dest="overrides", action="append", default=[],
                        metavar="KEY[@YYYY-MM]=VALUE",
                        help=f"change a lever, exogenous input or parameter{where}: KEY=VALUE "
                             "from the start, or KEY@YYYY-MM=VALUE from a month on (levers and "
                             "exogenous inputs); repeatable; names and bounds: python run.py "
                             "levers")


def add_output_options(parser: argparse.ArgumentParser, out: str,
                       plots: str | None = "the figures") -> None:
    """Declare ``--out`` and, when the figures are optional, ``--no-plots`` (``args.plots``)."""
    parser.add_argument("--out", default=out, metavar="DIR",
                        help=f"output folder (default {out}/); finished runs found there are "
                             "reused; one command at a time")
    parser.add_argument(ANYWHERE_OPTION, dest="any_out", action="store_true",
                        help="let --out be the filesystem root or the project's own folder")
    if plots:
        parser.add_argument("--no-plots", dest="plots", action="store_false",
                            help=f"skip {plots}")


def add_executor_options(parser: argparse.ArgumentParser) -> None:
    """Declare ``--workers``, ``--scheduler`` and ``--progress``: where and how runs go."""
    parser.add_argument("--workers", type=int, metavar="N",
                        help="local worker processes (default: every core); 1 runs serially")
    parser.add_argument("--scheduler", metavar="ADDRESS",
                        help="run on a Dask distributed cluster, e.g. tcp://host:8786")
    parser.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                        help="progress bar with ETA (default: when the terminal shows it)")


def add_many_run_options(parser: argparse.ArgumentParser, out: str, *, where: str = "",
                         plots: str = "the figures") -> None:
    """Declare what every command that runs and plots many simulations takes.

    ``--set``, ``--out``, ``--no-plots``, ``--workers``, ``--scheduler``, ``--progress``.
    """
    add_set_option(parser, where)
    add_output_options(parser, out, plots)
    add_executor_options(parser)


def add_citizens_option(parser: argparse.ArgumentParser, default: int) -> None:
    """Declare ``--citizens``, the population of every run."""
    parser.add_argument("--citizens", type=int, default=default, metavar="N",
                        help=f"simulated citizens per run (default {default:,})")


def add_outcome_options(parser: argparse.ArgumentParser, sampled: str, intervals: str) -> None:
    """Declare ``--policy-month``, ``--measure`` and ``--conf-level`` of a sampling command.

    Args:
        parser: the command's parser.
        sampled: what holds from the policy month, for the help.
        intervals: which intervals ``--conf-level`` sets, for the help.
    """
    parser.add_argument("--policy-month", default=DEFAULT_POLICY_MONTH, metavar="YYYY-MM",
                        help=f"sampled {sampled} hold from this month (default "
                             f"{DEFAULT_POLICY_MONTH})")
    parser.add_argument("--measure", choices=MEASURES, default="survey",
                        help="survey (the virtual online panel) or population (default "
                             "survey)")
    parser.add_argument("--conf-level", type=float, default=0.95, metavar="C",
                        help=f"confidence level of the {intervals} (default 0.95)")


def add_variant_option(parser: argparse.ArgumentParser, default: str = AVERAGED,
                       why: str = "", what: str = "mechanism variant to project with") -> None:
    """Declare ``--variant`` (repeatable, or ``averaged``: every variant).

    Args:
        parser: the command's parser.
        default: the variant without ``--variant`` (read back by ``chosen_variants``).
        why: why that default, for the help (e.g. the runtime of averaging).
        what: what the variant is for, for the help.
    """
    parser.set_defaults(variant_default=default)
    parser.add_argument("--variant", dest="variants", action="append", default=None,
                        metavar="NAME", help=f"{what}: " + ", ".join(variants.names())
                        + f", or {AVERAGED} (every variant); repeatable (default "
                        f"{default}{why}). `python run.py variants` describes them")


def add_variant_options(parser: argparse.ArgumentParser, default: str = AVERAGED,
                        why: str = "") -> None:
    """Declare ``--variant`` (repeatable, or ``averaged``) and ``--weights``.

    Args:
        parser: the command's parser.
        default: the variant without ``--variant`` (read back by ``chosen_variants``).
        why: why that default, for the help (e.g. the runtime of averaging).
    """
    add_variant_option(parser, default, why)
    parser.add_argument("--weights", choices=variants.WEIGHTINGS,
                        default=variants.DEFAULT_WEIGHTING,
                        help="how the averaged answer weights the variants: stacking "
                             "(out-of-sample predictive weights from validate), abc "
                             "(posterior model probabilities of ABC model selection) or "
                             f"equal (default {variants.DEFAULT_WEIGHTING}; "
                             "docs/calibration.md)")


def chosen_variants(args: argparse.Namespace) -> tuple[str, ...]:
    """Return the variants ``--variant`` asks for, in the registry's order.

    No ``--variant`` means the command's default (every variant unless it says);
    ``--variant averaged`` means every variant.

    Raises:
        InputError: for an unknown name, listing the allowed ones.
    """
    asked = args.variants or [getattr(args, "variant_default", AVERAGED)]
    chosen = set()
    for name in asked:
        if name == AVERAGED:
            chosen |= set(variants.names())
        elif name in variants.names():
            chosen.add(name)
        else:
            raise InputError("--variant", name, MISSING,
                             f"one of {', '.join(variants.names())}, or {AVERAGED}")
    return tuple(name for name in variants.names() if name in chosen)


# --- checking ---------------------------------------------------------------------------------
def whole_number(option: str, value: object, low: int, high: int) -> int:
    """Return ``value`` if it is a whole number from ``low`` to ``high``.

    Raises:
        InputError: naming the option and the range.
    """
    return checks.whole_number(option, "value", value, low, high)


def seed_number(option: str, value: object) -> int:
    """Return ``value`` if it is a valid seed, a whole number from 0 to 2**32 - 1."""
    return whole_number(option, value, 0, MAX_SEED)


def confidence_level(option: str, value: float) -> float:
    """Return ``value`` if it is a confidence level in [0.5, 1).

    Raises:
        InputError: naming the option and the range.
    """
    if not 0.5 <= value < 1:
        raise InputError(option, "value", value, "a number in [0.5, 1)")
    return value


def output_folder(args: argparse.Namespace) -> Path:
    """Check ``--workers`` and ``--out``; return the output folder (not created yet).

    Raises:
        InputError: for a worker count out of range, or an output folder that cannot be
            written (see ``model.runs.folder.check_output_folder``).
    """
    if args.workers is not None:
        whole_number("--workers", args.workers, 1, MAX_WORKERS)
    return check_output_folder(args.out, args.any_out)


def load_posterior(wanted: bool | None, path: Path) -> Posterior | None:
    """Return the posterior that ``--posterior`` asks for, read from ``path``.

    Args:
        wanted: True (required), False (not used) or None (used when one is committed).
        path: the committed calibration (``model/data/posterior.csv``).

    Raises:
        InputError: when the file is damaged (naming its line, row and column), or is
            missing but required. With ``wanted`` False the file is not even looked at.
    """
    if wanted is False:
        return None
    found = Posterior.from_csv(path) if path.exists() else None
    if wanted and found is None:
        raise InputError("--posterior", "value", True,
                         f"no calibration is committed at {path}; calibrate first or drop "
                         "--posterior")
    return found
