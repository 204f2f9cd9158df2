"""Where a result came from: code version, libraries, input file hashes, machine."""

from __future__ import annotations

import hashlib
import platform
import subprocess
import sys
from functools import cache
from importlib import metadata
from pathlib import Path

#: Distributions whose versions are recorded in every manifest.
LIBRARIES = ("belarus-opinion-abm", "numpy", "numba", "scipy", "pandas", "mesa", "matplotlib",
             "pyarrow", "tqdm", "dask", "distributed", "tomli-w", "pyabc", "SALib")
_SOURCE_ROOT = Path(__file__).resolve().parents[2]


def sha256_file(path: str | Path) -> str:
    """Return the SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def library_versions() -> dict[str, str]:
    """Return the installed version of each recorded library ('not installed' if absent)."""
    versions = {}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def _git(*args: str) -> str | None:
    try:
        done = subprocess.run(["git", *args], cwd=_SOURCE_ROOT, capture_output=True,
                              text=True, timeout=10, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip()


@cache
def git_state() -> dict[str, object]:
    """Return the source checkout's commit and whether it has uncommitted changes.

    Both are None when the code does not run from a git checkout (e.g. an installed wheel).
    """
    commit = _git("rev-parse", "HEAD")
    status = _git("status", "--porcelain", "--untracked-files=no") if commit else None
    return {"commit": commit, "dirty": bool(status) if status is not None else None}


def short_commit() -> str:
    """Return the first 8 characters of the commit, or 'unknown commit'."""
    commit = git_state()["commit"]
    return f"{commit[:8]}{'+changes' if git_state()['dirty'] else ''}" if commit \
        else "unknown commit"


def environment() -> dict[str, str]:
    """Return the Python version, platform and machine name."""
    return {"python": sys.version.split()[0], "platform": platform.platform(),
            "machine": platform.node()}
