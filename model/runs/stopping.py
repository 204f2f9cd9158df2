"""Stopping a command cleanly: SIGTERM and SIGHUP act like Ctrl-C, and workers go with it.

:func:`stop_signals` makes SIGINT, SIGTERM and SIGHUP raise :class:`StopSignal` (a
``KeyboardInterrupt``, so every place that already handles Ctrl-C handles them: finished runs
are kept and the command says how to resume), and ignores a repeated signal while the
command cleans up. :func:`stop_pool` ends a process pool's workers at once: a pool's own
shutdown lets each running task finish (minutes, and about 270 MB per worker, after the
command was told to stop), and a worker that is not stopped outlives the command.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager

#: The signals that stop a command: Ctrl-C, ``kill``, and a closed terminal.
STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP")
                     if hasattr(signal, name))
#: Seconds a terminated worker gets to exit before it is killed.
TERMINATE_SECONDS = 5.0


class StopSignal(KeyboardInterrupt):
    """A stop signal arrived (SIGINT, SIGTERM or SIGHUP).

    Attributes:
        signal_number: which one; the command exits with 128 plus it, as shells report.
    """

    def __init__(self, signal_number: int):
        super().__init__(signal.Signals(signal_number).name)
        self.signal_number = signal_number


def signal_number(interrupt: BaseException | None) -> int:
    """Return the signal behind a ``KeyboardInterrupt`` (SIGINT for a plain Ctrl-C)."""
    return getattr(interrupt, "signal_number", signal.SIGINT)


@contextmanager
def stop_signals() -> Iterator[None]:
    """Within the block, a stop signal raises :class:`StopSignal`; later ones are ignored.

    A signal the process was started ignoring stays ignored: ``nohup`` ignores SIGHUP so
    that a long run outlives its terminal, and the command keeps that promise. The previous
    handlers come back on exit. Outside the main thread (where Python cannot set handlers)
    the block runs unchanged.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {number: signal.getsignal(number) for number in STOP_SIGNALS
                if signal.getsignal(number) is not signal.SIG_IGN}

    def stop(number, _frame):
        for each in previous:  # once: a second signal must not cut the cleanup short
            signal.signal(each, signal.SIG_IGN)
        raise StopSignal(number)

    for number in previous:
        signal.signal(number, stop)
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def stop_pool(pool: ProcessPoolExecutor) -> None:
    """End a process pool now: terminate its workers, then kill those that linger.

    Queued tasks are cancelled; the tasks that were running are lost (their runs were not
    written, so a rerun does them).
    """
    # Python 3.14 has ProcessPoolExecutor.terminate_workers() for this; before it, the
    # worker processes are reachable only through _processes (pid -> Process, since 3.2).
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(TERMINATE_SECONDS)
        if process.is_alive():
            process.kill()
            process.join(TERMINATE_SECONDS)
    pool.shutdown(wait=True, cancel_futures=True)
