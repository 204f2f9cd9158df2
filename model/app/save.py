""""Save as scenario": the page's what-if written as a scenario file that extends the pick.

Saved files go to their own folder (``scenarios/saved/`` by default). Even when that folder
is the library itself (``--save-dir``), a library scenario is replaced only when the server
was started with ``--overwrite-library``, and never one the picked scenario stands on (the
saved file would extend itself). A saved file extends the
picked file by a relative path and lists only the levers the user moved, from the policy
month on; its run settings (end, citizens, seeds) are the picked scenario's, so it runs as a
full ensemble from the command line like any scenario file.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np

from ..inputs.errors import InputError
from ..inputs.scenario import Scenario
from ..inputs.scenario_files import load_scenario, scenario_file_chain, write_scenario
from ..runs.atomic import write_text
from .settings import ExplorerSettings, explorer_scenario, lever_changes, load_picked

#: A saved scenario's name: letters, digits, '_' and '-', starting with a letter or digit.
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")


def check_name(name: str) -> str:
    """Return the name, stripped, if it can name a scenario file.

    Raises:
        InputError: naming the value and the allowed characters.
    """
    stripped = str(name).strip()
    if not NAME_PATTERN.match(stripped):
        raise InputError("save as", "name", name,
                         "1 to 64 letters, digits, '_' or '-', starting with a letter or "
                         "digit (it becomes the file name NAME.toml)")
    return stripped


def saved_scenario(settings: ExplorerSettings, name: str) -> Scenario:
    """Return the scenario a save writes: the what-if, named, with the pick's run settings."""
    picked = load_picked(settings.scenario_file)
    changes = lever_changes(picked, settings)
    summary = ", ".join(f"{lever} {old:g} -> {new:g}" for lever, (old, new) in changes.items())
    origin = Path(settings.scenario_file).name if settings.scenario_file else "the baseline"
    description = (f"Saved from the interactive explorer: {origin} with, from "
                   f"{settings.policy_month}: {summary}." if changes else
                   f"Saved from the interactive explorer: {origin} unchanged.")
    return explorer_scenario(picked, settings).with_changes(name=name, description=description)


def save_as_scenario(settings: ExplorerSettings, name: str, folder: str | Path,
                     overwrite: bool = False, library: str | Path | None = None,
                     overwrite_library: bool = False) -> Path:
    """Write the page's what-if to ``folder/NAME.toml`` and check that it loads back.

    Args:
        settings: the page's controls.
        name: the scenario's name and file stem.
        folder: where saved scenarios go (created if missing).
        overwrite: replace an existing saved file of that name.
        library: the scenario library, whose files are replaced only with
            ``overwrite_library``.
        overwrite_library: the server's ``--overwrite-library``.

    Returns:
        The path written.

    Raises:
        InputError: for a bad name, an existing file without ``overwrite``, a library file
            without ``overwrite_library``, or a file the picked scenario extends (itself
            or a base of it).
    """
    name = check_name(name)
    folder = Path(folder)
    path = folder / f"{name}.toml"
    picked_file = Path(settings.scenario_file) if settings.scenario_file else None
    if picked_file is not None:
        chain = scenario_file_chain(picked_file)
        if any(path.resolve() == file.resolve() for file in chain):
            raise InputError(str(path), "name", name,
                             "this is the picked scenario or a file it extends, which the "
                             "saved file would then extend itself; choose another name")
    in_library = library is not None and path.resolve().parent == Path(library).resolve()
    if path.exists() and in_library and not overwrite_library:
        raise InputError(str(path), "name", name,
                         "a library scenario has this name, and the explorer replaces none "
                         "unless started with --overwrite-library; choose another name")
    if path.exists() and not overwrite:
        raise InputError(str(path), "name", name,
                         "a saved scenario with this name exists; choose another name "
                         "or tick 'overwrite'")
    scenario = saved_scenario(settings, name)
    picked = load_picked(settings.scenario_file)
    previous = path.read_bytes() if path.exists() else None
    if picked_file is None:
        write_scenario(scenario, path)
    else:
        folder.mkdir(parents=True, exist_ok=True)
        extends = Path(os.path.relpath(picked_file.resolve(), folder.resolve())).as_posix()
        write_scenario(scenario, path, base=picked, extends=extends)
    try:
        _check_round_trip(path, scenario)
    except Exception:
        # Put back what the file held: a failed save must not cost the old scenario.
        if previous is None:
            path.unlink()
        else:
            write_text(path, previous.decode("utf-8"))
        raise
    return path


def _check_round_trip(path: Path, expected: Scenario) -> None:
    # A file that loads as a different scenario would silently run another what-if.
    loaded = load_scenario(path)
    inputs, wanted = loaded.compile_inputs(), expected.compile_inputs()
    same = (loaded.end == expected.end
            and dict(loaded.resolved_parameters())
            == dict(expected.resolved_parameters())
            and all(np.array_equal(inputs.series[k], wanted.series[k]) for k in wanted.series))
    if not same:
        raise RuntimeError(f"{path} did not load back as the saved scenario; not kept")
