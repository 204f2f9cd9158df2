"""Command line: ``python run.py COMMAND ...``; with no command, the default job.

Bad input (a scenario file, a ``--set`` override, a CLI value) is reported on stderr with
the file, key, value and what is allowed, and exits with status 2 before anything is written.
Ctrl-C during a command's runs exits with status 130 and says how to resume.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence

from . import commands
from .commands._executor import RunsInterruptedError, Setup
from .inputs.errors import InputError

USAGE_ERROR = 2
#: Exit status after Ctrl-C, as shells report it (128 + SIGINT).
INTERRUPTED = 130


def _command_modules() -> list:
    found = [importlib.import_module(f"{commands.__name__}.{info.name}")
             for info in pkgutil.iter_modules(commands.__path__) if not info.name.startswith("_")]
    return sorted((m for m in found if hasattr(m, "NAME")), key=lambda m: (m.ORDER, m.NAME))


def build_parser() -> tuple[argparse.ArgumentParser, dict]:
    """Return the argument parser and the command modules by name."""
    parser = argparse.ArgumentParser(
        prog="run.py",
        description="Policy-impact simulator of Belarusian foreign-policy opinion. "
                    "Without a command: run the default scenario comparison into results/.")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    modules = {}
    for module in _command_modules():
        sub = subparsers.add_parser(module.NAME, help=module.HELP, description=module.HELP)
        module.add_arguments(sub)
        modules[module.NAME] = module
    return parser, modules


def main(argv: Sequence[str] | None = None, setup: Setup | None = None) -> int:
    """Parse ``argv`` and run the command; return the exit status.

    Args:
        argv: the arguments (default: ``sys.argv[1:]``).
        setup: what the command computes with (worker, posterior file), passed to commands
            that run the model; None for the model's own.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    parser, modules = build_parser()
    if not argv and "run" in modules:
        argv = modules["run"].default_argv()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return USAGE_ERROR
    command = modules[args.command]
    try:
        return int((command.main(args) if setup is None else command.main(args, setup)) or 0)
    except InputError as error:
        print(f"error: {error}", file=sys.stderr)
        return USAGE_ERROR
    except RunsInterruptedError as stop:
        print(f"\ninterrupted: {stop}", file=sys.stderr)
        return INTERRUPTED
