"""The page's browser assets (JavaScript, CSS, fonts), cached for machines off the CDN.

A Solara page loads its scripts through the server's CDN proxy, which fetches them from a
public npm CDN on first use and keeps them in ``solara.server.settings.assets
.proxy_cache_dir``. On a machine that reaches the npm registry but not the CDN (CI, this
project's sandboxes), ``fetch_missing`` fills that cache with ``npm pack``: the CDN serves
npm packages file for file, so the unpacked package is what the proxy would have cached.

The packages needed are read from Solara's own page template, so a Solara upgrade that
changes them needs no edit here.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tarfile
import tempfile
from importlib import resources
from pathlib import Path

#: ``{{cdn}}/NAME@VERSION/...`` in Solara's page template; NAME may carry an npm scope.
_CDN_REFERENCE = re.compile(r"\{\{\s*cdn\s*\}\}/((?:@[\w.-]+/)?[\w.-]+@\d[\w.+-]*)/")
#: Solara's sidebar and widgets load no other packages once SolaraViz's draggable grid is
#: left out (see ``model.app.page``).
_TEMPLATE = ("server", "templates", "solara.html.j2")


def required_packages() -> list[str]:
    """Return the ``NAME@VERSION`` npm packages the page loads, from Solara's template."""
    from solara.server import settings
    from solara.util import IPYVUETIFY_V3

    template = resources.files("solara").joinpath(*_TEMPLATE).read_text(encoding="utf-8")
    # The template names an app bundle for each Vuetify major version; the page loads one.
    other_app = ("@widgetti/solara-vuetify-app@" if IPYVUETIFY_V3
                 else "@widgetti/solara-vuetify3-app@")
    found = {p for p in _CDN_REFERENCE.findall(template) if not p.startswith(other_app)}
    if settings.assets.fontawesome_enabled:
        found.add(settings.assets.fontawesome_path.strip("/").split("/")[0])
    return sorted(found)


def cache_dir() -> Path:
    """Return the folder Solara's CDN proxy serves cached packages from."""
    from solara.server import settings

    return Path(settings.assets.proxy_cache_dir)


def missing_packages(cache: Path | None = None) -> list[str]:
    """Return the required packages not yet in the cache."""
    cache = cache or cache_dir()
    return [p for p in required_packages() if not (cache / p / "package.json").is_file()]


def fetch_missing(cache: Path | None = None, npm: str = "npm") -> list[str]:
    """Download the missing packages with ``npm pack`` and unpack them into the cache.

    Returns:
        The packages fetched.

    Raises:
        RuntimeError: if npm is not installed or a package cannot be fetched.
    """
    cache = cache or cache_dir()
    wanted = missing_packages(cache)
    if wanted and shutil.which(npm) is None:
        raise RuntimeError(f"{npm!r} not found: install Node.js and npm to fetch "
                           f"{', '.join(wanted)}")
    for package in wanted:
        with tempfile.TemporaryDirectory() as scratch:
            done = subprocess.run([npm, "pack", package, "--pack-destination", scratch],
                                  capture_output=True, text=True, timeout=600, check=False)
            tarballs = list(Path(scratch).glob("*.tgz"))
            if done.returncode != 0 or len(tarballs) != 1:
                raise RuntimeError(f"npm pack {package} failed: {done.stderr.strip()}")
            with tarfile.open(tarballs[0]) as archive:
                archive.extractall(scratch, filter="data")
            target = cache / package
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.rmtree(target, ignore_errors=True)
            shutil.move(str(Path(scratch) / "package"), target)
    return wanted
