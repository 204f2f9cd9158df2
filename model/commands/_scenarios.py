"""The scenario library, and the checks of a set of scenarios compared in one command."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ..inputs.errors import InputError
from ..inputs.scenario import Scenario

SCENARIO_DIR = "scenarios"
REFERENCE_FILE = "baseline.toml"
_SOURCE_ROOT = Path(__file__).resolve().parents[2]


def scenario_dir() -> Path:
    """Return the scenario library: ``scenarios/`` here, else next to the source code."""
    here = Path(SCENARIO_DIR)
    return here if here.is_dir() else _SOURCE_ROOT / SCENARIO_DIR


def library_files() -> list[Path]:
    """Return every ``*.toml`` of the library, ``baseline.toml`` first, the rest by name."""
    files = sorted(scenario_dir().glob("*.toml"))
    return sorted(files, key=lambda path: path.name != REFERENCE_FILE)


def source(scenario: Scenario) -> str:
    """Return where a scenario came from, for messages: its file or the built-in baseline."""
    return scenario.path or "built-in baseline"


def check_comparable(scenarios: Sequence[Scenario]) -> None:
    """Refuse a set whose runs cannot pair up with the first scenario's (the reference).

    Paired differences need distinct names (they label the results) and the same months.

    Raises:
        InputError: naming the scenario's file and the clash.
    """
    reference, seen = scenarios[0], {}
    for scenario in scenarios:
        if scenario.name in seen:
            raise InputError(source(scenario), "name", scenario.name,
                             "scenario names must differ within one run; "
                             f"{seen[scenario.name]} has the same name")
        seen[scenario.name] = source(scenario)
        if (scenario.start, scenario.end) != (reference.start, reference.end):
            raise InputError(source(scenario), "run.end", scenario.end,
                             "every scenario in one comparison must cover the same months as "
                             f"the reference {source(reference)} ({reference.start} to "
                             f"{reference.end})")
