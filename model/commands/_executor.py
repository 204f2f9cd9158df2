"""Where a command's runs go, and how a command ends when they are interrupted or fail.

:class:`Executor` turns ``--workers``, ``--scheduler`` and ``--progress`` into runs here or
on a Dask cluster; :class:`Setup` holds what the runs compute with (the worker and the
committed posterior), which tests replace instead of patching module names. Ctrl-C during
the runs raises :class:`RunsInterruptedError` (the command line exits with 130 and says how to
resume); :func:`report_failures` ends a command some of whose runs failed.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..inputs.errors import InputError
from ..inputs.posterior import default_posterior_path
from ..inputs.survey_data import waves_path
from ..runs.execution import RunReport, Task, Worker, run_tasks, simulate_task
from ._manifest import write_manifest

RETRY_HINT = "Finished runs are kept; run the same command again to retry the failed ones."


def say(text: str) -> None:
    """Print a message on stderr (results go to files and stdout, messages to stderr)."""
    print(text, file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Setup:
    """What the commands compute with besides their options; tests pass their own.

    Attributes:
        worker: turns a task into its result array (the simulation).
        posterior_file: the committed calibration, which ``--posterior`` draws from and
            ``calibrate --install`` replaces.
        waves_file: the Chatham House survey waves, which figures draw and fits target.
    """

    worker: Worker = simulate_task
    posterior_file: Path = field(default_factory=default_posterior_path)
    waves_file: Path = field(default_factory=waves_path)


class RunsInterruptedError(Exception):
    """Ctrl-C arrived during the runs: the finished ones are on disk, and a rerun resumes."""

    def __init__(self, out: Path):
        super().__init__(f"finished runs are kept in {out}/runs; run the same command again "
                         "to resume")


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


class Executor:
    """The executor the command line asks for: serial, a process pool or a Dask cluster.

    A context manager: it connects to ``--scheduler`` on entry and disconnects on exit,
    whatever happens in between.
    """

    def __init__(self, args: argparse.Namespace):
        self.workers: int | None = args.workers
        self.address: str | None = args.scheduler
        self.progress: bool | None = args.progress
        self.client = None

    def __enter__(self) -> Executor:
        self.client = connect(self.address)
        return self

    def __exit__(self, *exception) -> None:
        if self.client is not None:
            self.client.close()
            self.client = None

    @property
    def processes(self) -> int:
        """How many local processes run at once (every core unless ``--workers`` says)."""
        return self.workers or os.cpu_count() or 1

    def __str__(self) -> str:
        if self.address:
            return f"Dask scheduler {self.address}"
        return "serial" if self.processes == 1 else f"process pool, {self.processes} workers"

    def run(self, tasks: Iterable[Task], out: Path, worker: Worker,
            description: str = "runs") -> RunReport:
        """Run every task not yet finished in ``out`` (created if needed); return the report.

        Raises:
            RunsInterruptedError: on Ctrl-C; the finished runs are kept for a rerun.
        """
        out.mkdir(parents=True, exist_ok=True)
        try:
            return run_tasks(tasks, out, workers=self.workers, scheduler=self.client,
                             progress=self.progress, worker=worker, description=description)
        except KeyboardInterrupt:
            raise RunsInterruptedError(out) from None


def report_failures(report: RunReport, out: Path, outputs: Sequence[str],
                    manifest: Mapping) -> int:
    """End a command some of whose runs failed; return its exit status, 1.

    Removes the ``outputs`` an earlier run left in ``out`` (none may sit next to a manifest
    that does not describe it), writes the failed command's manifest, lists the failed runs
    and says how to retry them.
    """
    for name in outputs:
        (out / name).unlink(missing_ok=True)
    write_manifest(out, manifest)
    say(report.failure_summary())
    say(RETRY_HINT)
    return 1
