"""The manifest every command writes: what it did, how to reproduce it, with which code.

:func:`manifest` builds the parts all commands share around the command's own ``body``; the
order of the keys is the reading order: status and how to reproduce, what was computed, the
code and machine, how the runs went, the files written.
"""

from __future__ import annotations

import shlex
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ..runs.atomic import write_json
from ..runs.execution import RunReport, code_version
from ..runs.provenance import environment, git_state, library_versions

MANIFEST = "manifest.json"
#: What ``reproduce.note`` says when the executor cannot change a result.
REPRODUCE_NOTE = ("run from the repository root at that commit; --workers and --scheduler do "
                  "not change any result")


@dataclass(frozen=True)
class Clock:
    """When a command started: the manifest's creation time and the wall time since."""

    created: str
    started: float

    @classmethod
    def start(cls) -> Clock:
        """Return the clock of a command starting now."""
        return cls(datetime.now(UTC).isoformat(timespec="seconds"), time.perf_counter())

    def seconds(self) -> float:
        """Return the wall seconds since the start."""
        return time.perf_counter() - self.started


def execution_record(report: RunReport, executor: object, clock: Clock, **extra) -> dict:
    """Return the manifest's ``execution``: where the runs went, how many, which failed.

    Args:
        report: what ``run_tasks`` did.
        executor: where the runs went (its text is recorded).
        clock: the command's clock, for the wall time.
        **extra: further entries, placed before the failed runs.
    """
    return {"executor": str(executor), "model_runs": len(report.tasks),
            "ran_now": report.completed, "reused": report.reused,
            "damaged_run_files_rerun": report.damaged,
            "wall_seconds": round(clock.seconds(), 2), **extra,
            "failed": [{**failure.task.describe(),
                        "error": f"{failure.error_type}: {failure.message}",
                        "record": str(failure.record)} for failure in report.failures]}


def manifest(clock: Clock, command: Sequence[str], body: Mapping, outputs: Sequence, *,
             execution: Mapping | None = None, note: str = REPRODUCE_NOTE) -> dict:
    """Return a command's manifest.

    Args:
        clock: the command's clock.
        command: the command line that reproduces the result, from ``python run.py``.
        body: what the command computed, in its own keys.
        outputs: the files written (none when runs failed).
        execution: from :func:`execution_record`, for commands that run tasks; failed runs
            in it make the status ``failed``.
        note: what to know when reproducing.
    """
    git = git_state()
    failed = bool(execution and execution["failed"])
    record = {
        "status": "failed" if failed else "complete",
        "created": clock.created,
        "reproduce": {"command": shlex.join(command), "checkout": git["commit"], "note": note,
                      "argv": sys.argv[1:]},
        **body,
        "code": {**git, "model_code_version": code_version()},
        "libraries": library_versions(),
        "environment": environment(),
    }
    if execution is not None:
        record["execution"] = dict(execution)
    record["outputs"] = [str(path) for path in outputs]
    return record


def write_manifest(out: Path, record: Mapping) -> Path:
    """Write ``record`` as ``out/manifest.json`` (atomically) and return its path.

    Written last, after every output it lists (see :func:`clear_outputs`).
    """
    return write_json(Path(out) / MANIFEST, record)


def clear_outputs(out: Path, names: Iterable[str] = ()) -> None:
    """Remove an earlier command's manifest, then the outputs ``names``, from ``out``.

    The manifest goes first: from then until the new one is written last, the folder holds
    no manifest, so a table is never read as described by a manifest of another command
    (one stopped while writing its outputs leaves tables and no manifest).
    """
    (Path(out) / MANIFEST).unlink(missing_ok=True)
    for name in names:
        (Path(out) / name).unlink(missing_ok=True)
