"""Command line: ``python run.py COMMAND ...``; with no command, the default job.

Bad input (a scenario file, a ``--set`` override, a CLI value, a damaged data file, an output
folder that cannot be used or that another command holds) is reported on stderr with the
file, key, value and what is allowed, and exits with status 2 before anything is written.
Ctrl-C, SIGTERM and SIGHUP stop the command's workers and exit with 128 plus the signal
(130, 143, 129), saying how to resume. A file that cannot be written mid-run (a full disk)
or a lost Dask cluster exits with status 1, the finished runs kept. No traceback in any of
these cases.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence

from . import commands
from .commands._executor import RETRY_HINT, RunsInterruptedError, Setup
from .inputs.errors import InputError
from .runs.atomic import WriteError
from .runs.execution import ClusterLostError, RunsFailedError
from .runs.stopping import signal_number, stop_signals

FAILED = 1
USAGE_ERROR = 2
#: Exit status after a stop signal, as shells report it: 128 + the signal (130 for Ctrl-C).
SIGNALLED = 128
RESUME_HINT = "Finished runs are kept; run the same command again to resume."


def _command_names() -> list[str]:
    return [info.name for info in pkgutil.iter_modules(commands.__path__)
            if not info.name.startswith("_")]


def _command_modules(only: str | None = None) -> list:
    names = [only] if only in _command_names() else _command_names()
    found = [importlib.import_module(f"{commands.__name__}.{name}") for name in names]
    return sorted((m for m in found if hasattr(m, "NAME")), key=lambda m: (m.ORDER, m.NAME))


def build_parser(only: str | None = None) -> tuple[argparse.ArgumentParser, dict]:
    """Return the argument parser and the command modules by name.

    ``only``: a command's name, to import that command alone (a command's module imports
    what it computes with, and the calibration's pyabc takes seconds); else every command.
    """
    parser = argparse.ArgumentParser(
        prog="run.py",
        description="Policy-impact simulator of Belarusian foreign-policy opinion. "
                    "Without a command: run the default scenario comparison into results/.")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    modules = {}
    for module in _command_modules(only):
        sub = subparsers.add_parser(module.NAME, help=module.HELP, description=module.HELP)
        module.add_arguments(sub)
        modules[module.NAME] = module
    return parser, modules


def main(argv: Sequence[str] | None = None, setup: Setup | None = None) -> int:
    """Parse ``argv`` and run the command; return the exit status.

    Args:
        argv: the arguments (default: ``sys.argv[1:]``).
        setup: what the command computes with (worker, posterior file, waves file), passed
            to commands that run the model; None for the model's own.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    parser, modules = build_parser(argv[0] if argv else "run")
    if not argv and "run" in modules:
        argv = modules["run"].default_argv()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return USAGE_ERROR
    command = modules[args.command]
    try:
        with stop_signals():
            return int((command.main(args) if setup is None else command.main(args, setup))
                       or 0)
    except InputError as error:
        return _fail(f"error: {error}", USAGE_ERROR)
    except RunsInterruptedError as stop:
        return _fail(f"\ninterrupted: {stop}", SIGNALLED + stop.signal_number)
    except KeyboardInterrupt as stop:  # before or after the runs: nothing half written
        return _fail("\ninterrupted", SIGNALLED + signal_number(stop))
    except WriteError as error:
        return _fail(f"error: {error}. Finished runs are kept; free space (or make the folder "
                     "writable) and run the same command again to resume.", FAILED)
    except ClusterLostError as error:
        return _fail(f"error: {error}. {RESUME_HINT}", FAILED)
    except RunsFailedError as error:
        return _fail(f"error: {error}\n{RETRY_HINT}", FAILED)


def _fail(message: str, status: int) -> int:
    print(message, file=sys.stderr, flush=True)
    return status
