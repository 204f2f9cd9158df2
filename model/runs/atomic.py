"""Atomic file writes: a file is either absent or complete, never half written.

Every output is written to a hidden temporary file in the destination folder and moved into
place with ``os.replace`` (atomic on POSIX and Windows within one file system). A process
killed mid-write leaves at most a stray ``.NAME.PID.XXXXXXXX.tmp`` file, which no reader looks
at and :func:`remove_stale_temporaries` deletes once its writer is gone. A write that fails
(a full disk, a folder made read-only, an I/O error) raises :class:`WriteError`, which names
the file and the reason.
"""

from __future__ import annotations

import json
import os
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import psutil

#: The temporary files ``atomic_path`` makes: ``.NAME.PID.HEX.tmp``.
_TEMPORARY = re.compile(r"^\..+\.(?P<pid>[0-9]+)\.[0-9a-f]{8}\.tmp$")


class WriteError(OSError):
    """A file could not be written; what was written before it is intact.

    Attributes:
        path: the file that was being written.
        reason: the operating system's words (``No space left on device``...).
    """

    def __init__(self, path: str | Path, error: OSError):
        self.path, self.reason = Path(path), error.strerror or str(error)
        super().__init__(error.errno, f"cannot write {self.path}: {self.reason}")

    def __str__(self) -> str:
        return f"cannot write {self.path}: {self.reason}"


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path to write; on success move it to ``path``, else delete it.

    The temporary file sits next to ``path`` (same file system, so the move is atomic) and is
    created by the caller with the normal umask, so outputs get ordinary permissions.

    Raises:
        WriteError: when the folder cannot be made or the file cannot be written or moved.
    """
    path = Path(path)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        yield temporary
        os.replace(temporary, path)
    except WriteError:
        raise
    except OSError as error:
        raise WriteError(path, error) from error
    finally:
        with suppress(OSError):  # the folder went away or became read-only: the error says so
            temporary.unlink(missing_ok=True)


def write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically and return the path."""
    with atomic_path(path) as temporary:
        temporary.write_text(text, encoding="utf-8")
    return Path(path)


def write_json(path: str | Path, data: object) -> Path:
    """Write ``data`` as indented JSON to ``path`` atomically and return the path."""
    return write_text(path, json.dumps(data, indent=2, sort_keys=False) + "\n")


def write_csv(path: str | Path, table, float_format: str | None = None) -> Path:
    """Write a DataFrame as CSV (no index) to ``path`` atomically and return the path."""
    with atomic_path(path) as temporary:
        table.to_csv(temporary, index=False, float_format=float_format)
    return Path(path)


def remove_stale_temporaries(folder: str | Path) -> int:
    """Delete the temporary files in ``folder`` whose writer no longer runs; return how many.

    A temporary file names its writer's process id, so one still being written by a live
    process (this one, or another command) is left alone.
    """
    removed = 0
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return 0
    for entry in entries:
        found = _TEMPORARY.match(entry.name)
        if found and entry.is_file(follow_symlinks=False) \
                and not psutil.pid_exists(int(found["pid"])):
            with suppress(OSError):
                os.unlink(entry.path)
                removed += 1
    return removed
