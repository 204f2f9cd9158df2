"""Where a command's runs go, and how a command ends when they are interrupted or fail.

:class:`Executor` holds the output folder (one command at a time) and turns ``--workers``,
``--scheduler`` and ``--progress`` into runs here or on a Dask cluster; :class:`Setup` holds
what the runs compute with (the worker, the committed posterior, the survey waves), which
tests replace instead of patching module names. Ctrl-C or a stop signal during the runs
raises :class:`RunsInterruptedError` (the command line exits with 128 plus the signal and
says how to resume); :func:`report_failures` ends a command some of whose runs failed.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import struct
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from ..inputs import variants
from ..inputs.errors import InputError
from ..inputs.posterior import default_posteriors_dir, posterior_path
from ..inputs.survey_data import waves_path
from ..runs.execution import (
    RUNS_DIR,
    RunReport,
    Task,
    Worker,
    close_client,
    run_tasks,
    simulate_task,
)
from ..runs.folder import FolderLock, describe_taken_over
from ..runs.stopping import signal_number
from ._manifest import clear_outputs, write_manifest

RETRY_HINT = "Finished runs are kept; run the same command again to retry the failed ones."


def say(text: str) -> None:
    """Print a message on stderr (results go to files and stdout, messages to stderr)."""
    print(text, file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Setup:
    """What the commands compute with besides their options; tests pass their own.

    Attributes:
        worker: turns a task into its result array (the simulation).
        posteriors: the folder of the committed calibrations (one per variant), which
            ``--posterior`` draws from and ``calibrate --install`` writes.
        waves_file: the Chatham House survey waves, which figures draw and fits target.
    """

    worker: Worker = simulate_task
    posteriors: Path = field(default_factory=default_posteriors_dir)
    waves_file: Path = field(default_factory=waves_path)

    @property
    def posterior_file(self) -> Path:
        """Return the default variant's posterior in :attr:`posteriors`."""
        return posterior_path(variants.DEFAULT_VARIANT, self.posteriors)


class RunsInterruptedError(Exception):
    """Ctrl-C or a stop signal arrived: the finished runs are on disk, and a rerun resumes.

    Attributes:
        signal_number: the signal that stopped the command (SIGINT for Ctrl-C).
    """

    def __init__(self, out: Path, signal_number: int = signal.SIGINT):
        self.signal_number = signal_number
        where = out / RUNS_DIR if (out / RUNS_DIR).is_dir() else out
        super().__init__(f"finished runs are kept in {where}; run the same command again "
                         "to resume")


#: Seconds for ``--scheduler`` to accept a connection and greet, before it counts as
#: unreachable: the Dask client's own timeout applies to connecting only, not to a peer
#: that accepts and then says nothing (it waits forever then).
PROBE_SECONDS = 4.0
#: Seconds the Dask client may take to connect to a scheduler that greeted the probe.
CONNECT_SECONDS = 10
#: A Dask message starts with its length and its number of frames (two little-endian
#: 64-bit integers); the first one a scheduler sends on a new connection is its greeting,
#: a few hundred bytes.
_FRAME_HEADER = struct.Struct("<QQ")
_LARGEST_GREETING = 1 << 20


def _probe(host: str, port: int) -> None:
    """Connect to ``host:port`` and read the first bytes it sends, within PROBE_SECONDS.

    Raises:
        TimeoutError: nothing accepted or greeted in time.
        OSError: the connection was refused or the host not found.
        ValueError: what answered does not speak Dask's protocol.
    """
    deadline = time.monotonic() + PROBE_SECONDS
    with socket.create_connection((host, port), timeout=PROBE_SECONDS) as connection:
        received = b""
        while len(received) < _FRAME_HEADER.size:
            connection.settimeout(max(0.01, deadline - time.monotonic()))
            chunk = connection.recv(_FRAME_HEADER.size - len(received))
            if not chunk:
                raise ValueError("the connection was closed without a greeting")
            received += chunk
    length, frames = _FRAME_HEADER.unpack(received)
    if not 0 < length <= _LARGEST_GREETING or not 0 < frames <= 64:
        raise ValueError("something answers, but not in Dask's protocol")


def connect(address: str | None):
    """Return a Dask client for ``--scheduler ADDRESS``, or None without one.

    The address is probed first (a TCP connection and the scheduler's greeting), so a
    refused, silent or foreign address is reported within ``PROBE_SECONDS``.

    Raises:
        InputError: when no scheduler answers there.
    """
    if not address:
        return None
    from distributed import Client
    from distributed.comm.addressing import parse_address, parse_host_port

    def refuse(reason: object) -> InputError:
        return InputError("--scheduler", "address", address,
                          f"no Dask scheduler answers there ({reason})")

    try:
        scheme, location = parse_address(address)
        if scheme == "tcp":  # tls greets only after its own handshake
            _probe(*parse_host_port(location, default_port=8786))
    except TimeoutError:
        raise refuse(f"no answer within {PROBE_SECONDS:g} s") from None
    except (OSError, ValueError) as error:
        raise refuse(getattr(error, "strerror", None) or error) from None
    try:
        return Client(address, timeout=f"{CONNECT_SECONDS}s")
    except Exception as error:  # whatever answered, it is not a scheduler
        # Something that is not Dask (a web server, a proxy) can make the client read a
        # frame length of exabytes and fail allocating it: not a scheduler either.
        raise refuse(f"{type(error).__name__}: {error}"[:200]) from None


class Executor:
    """Where a command's runs go (serial, a process pool or a Dask cluster) and its folder.

    A context manager: on entry it connects to ``--scheduler`` and takes the output folder
    (``FolderLock``: one command at a time, the folder made), in that order so that an
    unreachable scheduler leaves no folder behind; on exit it disconnects and lets the
    folder go, whatever happened in between. Ctrl-C or a stop signal inside becomes
    :class:`RunsInterruptedError`.

    Args:
        args: the parsed command line (``--workers``, ``--scheduler``, ``--progress``).
        out: the checked output folder.
    """

    def __init__(self, args: argparse.Namespace, out: Path):
        self.workers: int | None = args.workers
        self.address: str | None = args.scheduler
        self.progress: bool | None = args.progress
        self.out = Path(out)
        self.client = None
        self._held = ExitStack()

    def __enter__(self) -> Executor:
        with ExitStack() as entering:
            self.client = connect(self.address)
            entering.callback(self._disconnect)
            lock = entering.enter_context(FolderLock(self.out))
            if lock.taken_over:
                say(f"note: {describe_taken_over(lock.taken_over)}")
            if lock.unlocked:
                say(f"note: {self.out}/ cannot be locked ({lock.unlocked}): do not run a second "
                    "command into it at the same time")
            self._held = entering.pop_all()
        return self

    def _disconnect(self) -> None:
        if self.client is not None:
            close_client(self.client)
            self.client = None

    def __exit__(self, kind, error, trace) -> None:
        self._held.close()  # the folder goes, then the client
        if kind is not None and issubclass(kind, KeyboardInterrupt):
            raise RunsInterruptedError(self.out, signal_number(error)) from None

    @property
    def processes(self) -> int:
        """How many local processes run at once (every core unless ``--workers`` says)."""
        return self.workers or os.cpu_count() or 1

    def __str__(self) -> str:
        if self.address:
            return f"Dask scheduler {self.address}"
        return "serial" if self.processes == 1 else f"process pool, {self.processes} workers"

    def run(self, tasks: Iterable[Task], worker: Worker, description: str = "runs",
            folder: Path | None = None) -> RunReport:
        """Run every task not yet finished in the output folder; return the report.

        ``folder`` (inside the output folder) keeps the runs of a second worker over the
        same tasks apart from the first's (their ids are the same); default: the folder.

        Raises:
            RunsInterruptedError: on Ctrl-C or a stop signal; finished runs are kept.
        """
        where = self.out if folder is None else Path(folder)
        try:
            report = run_tasks(tasks, where, workers=self.workers, scheduler=self.client,
                               progress=self.progress, worker=worker, description=description)
        except KeyboardInterrupt as stop:
            raise RunsInterruptedError(where, signal_number(stop)) from None
        if report.damaged:
            say(f"note: {report.damaged} run file(s) in {where / RUNS_DIR} did not read back "
                "whole and were run again")
        return report


def report_failures(report: RunReport, out: Path, outputs: Sequence[str],
                    manifest: Mapping) -> int:
    """End a command some of whose runs failed; return its exit status, 1.

    Removes the ``outputs`` an earlier run left in ``out`` (none may sit next to a manifest
    that does not describe it), writes the failed command's manifest, lists the failed runs
    and says how to retry them.
    """
    clear_outputs(out, outputs)
    write_manifest(out, manifest)
    say(report.failure_summary())
    say(RETRY_HINT)
    return 1
