"""Atomic file writes: a file is either absent or complete, never half written.

Every output is written to a hidden temporary file in the destination folder and moved into
place with ``os.replace`` (atomic on POSIX and Windows within one file system). A process
killed mid-write leaves at most a stray ``.NAME.*.tmp`` file, which no reader looks at.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path to write; on success move it to ``path``, else delete it.

    The temporary file sits next to ``path`` (same file system, so the move is atomic) and is
    created by the caller with the normal umask, so outputs get ordinary permissions.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        yield temporary
        os.replace(temporary, path)
    finally:
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
