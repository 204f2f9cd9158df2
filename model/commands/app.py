"""``python run.py app``: serve the interactive explorer on this machine (127.0.0.1)."""

from __future__ import annotations

import argparse
import os
import socket
import sys
from pathlib import Path

from ..app.server import HOST
from ..inputs.errors import InputError
from ..inputs.survey_data import load_waves

NAME = "app"
HELP = ("Serve the interactive explorer (a Mesa SolaraViz page: scenario, lever sliders, "
        "live shares, save as scenario) at http://127.0.0.1:PORT/.")
ORDER = 60

DEFAULT_PORT = 8765
ROOT = Path(__file__).resolve().parents[2]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the app's options."""
    parser.add_argument("--port", type=int, default=DEFAULT_PORT,
                        help=f"port to serve on, 1-65535 (default {DEFAULT_PORT})")
    parser.add_argument("--scenarios", default="scenarios", metavar="DIR",
                        help="scenario library the page offers (default: scenarios)")
    parser.add_argument("--save-dir", default=None, metavar="DIR",
                        help="where 'Save as scenario' writes (default: DIR/saved of the "
                             "library, so library files are never overwritten)")
    parser.add_argument("--overwrite-library", action="store_true",
                        help="let 'Save as scenario' (with 'overwrite' ticked) replace a "
                             "scenario of the library, when --save-dir is the library")
    parser.add_argument("--fetch-assets", action="store_true",
                        help="download the page's JavaScript and CSS into Solara's cache with "
                             "npm (for machines that cannot reach the public CDN), then exit")


def check_port(port: int) -> int:
    """Return ``port`` if it is a valid TCP port that is free on 127.0.0.1.

    Raises:
        InputError: naming the value and what is allowed.
    """
    if not 1 <= port <= 65535:
        raise InputError("--port", "port", port, "a TCP port from 1 to 65535")
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server does
        try:
            probe.bind((HOST, port))
        except OSError as error:
            raise InputError("--port", "port", port,
                             f"cannot listen on {HOST}:{port} ({error.strerror}); "
                             "choose another port") from None
    return port


def server_command(port: int) -> list[str]:
    """Return the command that serves the page: Solara on 127.0.0.1 behind the origin check.

    The page writes files and has no login: it listens on the loopback address only, and
    answers only its own pages (``model.app.server``).
    """
    return [sys.executable, "-m", "model.app.server", str(port)]


def server_environment(library: Path, saved: Path,
                       overwrite_library: bool = False) -> dict[str, str]:
    """Return the server's environment: the folders for the page, no usage telemetry."""
    from ..app.page import LIBRARY_ENV, OVERWRITE_LIBRARY_ENV, SAVED_ENV

    return {**os.environ, LIBRARY_ENV: str(library.resolve()), SAVED_ENV: str(saved.resolve()),
            OVERWRITE_LIBRARY_ENV: "1" if overwrite_library else "0",
            "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT),
                                                        os.environ.get("PYTHONPATH")]))}


def main(args: argparse.Namespace) -> int:
    """Serve the page until interrupted (or fetch its assets with ``--fetch-assets``)."""
    from ..app import assets

    if args.fetch_assets:
        try:
            fetched = assets.fetch_missing()
        except RuntimeError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        print(f"fetched {', '.join(fetched)}" if fetched else "page assets already cached",
              f"in {assets.cache_dir()}")
        return 0
    port = check_port(args.port)
    load_waves()  # the page draws them: a damaged file is refused here, not in the browser
    library = Path(args.scenarios)
    if library.exists() and not library.is_dir():
        raise InputError("--scenarios", "scenarios", args.scenarios, "a folder of .toml files")
    saved = Path(args.save_dir) if args.save_dir else library / "saved"
    if not library.is_dir():
        print(f"note: no scenario library at {library}/; the page offers the built-in "
              "baseline", file=sys.stderr)
    missing = assets.missing_packages()
    if missing:
        print(f"note: page assets not cached ({', '.join(missing)}); the server fetches them "
              "from the public CDN. Offline, run `python run.py app --fetch-assets` first.",
              file=sys.stderr)
    print(f"Serving the explorer at http://{HOST}:{port}/ (Ctrl+C stops it)", flush=True)
    # Resolves the folders: before chdir.
    environment = server_environment(library, saved, args.overwrite_library)
    command = server_command(port)
    # Replace this process with the server: Ctrl+C and a kill reach it directly.
    os.chdir(ROOT)
    os.execve(command[0], command, environment)
    return 0  # not reached
