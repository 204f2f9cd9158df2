"""Where the compiled engine is cached, keyed by the source of the whole numeric core.

Numba's own cache checks only the file of the function it compiled, not the functions it
calls: edit a rule in ``mechanisms/`` and the cached engine that inlined it would still be
loaded, silently running the old rule. So the cache lives in a folder named after a hash of
every source file of ``model/core``: any edit there compiles afresh (once), and nothing
stale can be loaded. Old folders are left for other checkouts; delete them freely.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numba

CORE = Path(__file__).resolve().parent


def source_stamp(core: Path = CORE) -> str:
    """Return a short hash of every Python source file of the numeric core."""
    digest = hashlib.sha256()
    for path in sorted(core.rglob("*.py")):
        digest.update(path.relative_to(core).as_posix().encode() + b"\0"
                      + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def cache_folder() -> Path:
    """Return the folder for this source's compiled functions (under NUMBA_CACHE_DIR if set)."""
    base = os.environ.get("NUMBA_CACHE_DIR") or os.environ.get("XDG_CACHE_HOME")
    root = Path(base) if base else Path.home() / ".cache"
    return root / "belarus-opinion-abm" / "numba" / source_stamp()


def use_stamped_cache() -> None:
    """Point Numba's cache at ``cache_folder()``; call before any compiled function is defined."""
    numba.config.CACHE_DIR = str(cache_folder())
