"""Options and connection shared by every command that runs many simulations."""

from __future__ import annotations

import argparse

from ..inputs.errors import InputError


def add_executor_arguments(parser: argparse.ArgumentParser, out: str,
                           plots_help: str | None = "skip the figures") -> None:
    """Declare ``--out``, ``--workers``, ``--scheduler``, ``--progress`` (and ``--no-plots``)."""
    parser.add_argument("--out", default=out, metavar="DIR",
                        help=f"output folder (default {out}/); finished runs found there are "
                             "reused")
    parser.add_argument("--workers", type=int, metavar="N",
                        help="local worker processes (default: every core); 1 runs serially")
    parser.add_argument("--scheduler", metavar="ADDRESS",
                        help="run on a Dask distributed cluster, e.g. tcp://host:8786")
    if plots_help:
        parser.add_argument("--no-plots", dest="plots", action="store_false", help=plots_help)
    parser.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                        help="progress bar with ETA (default: when the terminal shows it)")


def connect(address: str | None):
    """Return a Dask client for ``--scheduler ADDRESS``, or None without one.

    Raises:
        InputError: when no scheduler answers there.
    """
    if not address:
        return None
    from distributed import Client

    try:
        return Client(address, timeout="15s")
    except (OSError, TimeoutError, ValueError) as error:
        raise InputError("--scheduler", "address", address,
                         f"no Dask scheduler answers there ({error})") from None


def describe_executor(args: argparse.Namespace, client) -> str:
    """Return where the runs go, for the start message and the manifest."""
    import os

    workers = args.workers or os.cpu_count() or 1
    return (f"Dask scheduler {args.scheduler}" if client else
            "serial" if workers == 1 else f"process pool, {workers} workers")


def interrupted(out) -> int:
    """Say that finished runs are kept and how to resume; return the exit status (130)."""
    import sys

    print(f"\ninterrupted: finished runs are kept in {out}/runs; run the same command again "
          "to resume", file=sys.stderr)
    return 130


def discard_outputs(out, names) -> None:
    """Remove a previous run's outputs, so none sits next to a manifest of a failed run."""
    from pathlib import Path

    for name in names:
        (Path(out) / name).unlink(missing_ok=True)
