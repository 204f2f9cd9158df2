"""Reading scenario TOML files (see ``model.scenario`` for the format)."""

from __future__ import annotations

import os
import tempfile
import tomllib
from collections.abc import Mapping
from pathlib import Path

import tomli_w

from .calendar import parse_month
from .scenario import (
    _MISSING, _TIMELINE_SECTIONS, DEFAULT_CITIZENS, DEFAULT_END, DEFAULT_SEEDS, LATEST_END,
    MAX_CITIZENS, MODEL_START, Scenario, ScenarioError, validate_parameter,
    validate_timeline,
)

_TOP_KEYS = {"name", "description", "extends", "run", "levers", "exogenous", "parameters"}
_RUN_KEYS = {"start", "end", "citizens", "seeds"}


def load_scenario(path: str | Path, _chain: tuple[Path, ...] = ()) -> Scenario:
    """Read, validate and resolve a scenario file (following ``extends``).

    Raises:
        ScenarioError: for any problem, naming the file, key, value and what is allowed.
    """
    path = Path(path)
    source = str(path)
    if not path.is_file():
        raise ScenarioError(source, "file", _MISSING, "no such scenario file")
    resolved = path.resolve()
    if resolved in _chain:
        cycle = " -> ".join(str(p) for p in (*_chain, resolved))
        raise ScenarioError(source, "extends", str(path), f"circular extends: {cycle}")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        line = getattr(error, "lineno", None)
        raise ScenarioError(source, "TOML", _MISSING, f"not valid TOML: {error}",
                            line=line) from None
    return scenario_from_dict(data, source, base_dir=path.parent, chain=(*_chain, resolved))


def scenario_from_dict(data: Mapping, source: str, base_dir: Path | None = None,
                       chain: tuple[Path, ...] = ()) -> Scenario:
    """Validate a parsed scenario table and resolve it against its base."""
    unknown = set(data) - _TOP_KEYS
    if unknown:
        from .registry import unknown_name_message

        key = sorted(unknown)[0]
        raise ScenarioError(source, key, data[key],
                            unknown_name_message(key, sorted(_TOP_KEYS)) + " at the top level")
    for section in ("run", "levers", "exogenous", "parameters"):
        if section in data and not isinstance(data[section], Mapping):
            raise ScenarioError(source, section, data[section], "must be a table")
    if not any(data.get(key) for key in ("levers", "exogenous", "parameters", "run",
                                         "extends", "name")):
        raise ScenarioError(source, "scenario", _MISSING, "the file is empty")

    if "extends" in data:
        if not isinstance(data["extends"], str):
            raise ScenarioError(source, "extends", data["extends"], "a path to a .toml file")
        base_path = (base_dir or Path(".")) / data["extends"]
        if not base_path.is_file():
            raise ScenarioError(source, "extends", data["extends"],
                                f"no such file {base_path}")
        base = load_scenario(base_path, chain)
    else:
        base = Scenario(name="baseline")

    name = data.get("name", Path(source).stem)
    if not isinstance(name, str) or not name.strip():
        raise ScenarioError(source, "name", name, "a non-empty string")
    description = data.get("description", "")
    if not isinstance(description, str):
        raise ScenarioError(source, "description", description, "a string")

    run = dict(data.get("run", {}))
    unknown_run = set(run) - _RUN_KEYS
    if unknown_run:
        from .registry import unknown_name_message

        key = sorted(unknown_run)[0]
        raise ScenarioError(source, f"run.{key}", run[key],
                            unknown_name_message(key, sorted(_RUN_KEYS)) + " in [run]")
    start = run.get("start", base.start)
    if start != MODEL_START:
        raise ScenarioError(source, "run.start", start,
                            f"the model starts in {MODEL_START}, the first survey wave")
    end = run.get("end", base.end if "extends" in data else DEFAULT_END)
    try:
        if not parse_month(MODEL_START) < parse_month(end) <= parse_month(LATEST_END):
            raise ValueError
    except (ValueError, TypeError):
        raise ScenarioError(source, "run.end", end,
                            f"a month YYYY-MM after {MODEL_START} and no later than "
                            f"{LATEST_END}") from None
    citizens = _whole_number(source, "run.citizens", run.get("citizens", base.citizens),
                             1, MAX_CITIZENS)
    seeds = _whole_number(source, "run.seeds", run.get("seeds", base.seeds), 1, 100_000)

    changes = {}
    for section in _TIMELINE_SECTIONS:
        changes[section] = {
            lever: validate_timeline(source, section, lever, raw, start, end)
            for lever, raw in data.get(section, {}).items()
        }
    parameters = {key: validate_parameter(source, key, value)
                  for key, value in data.get("parameters", {}).items()}
    return base.with_changes(levers=changes["levers"], exogenous=changes["exogenous"],
                             parameters=parameters, name=name, description=description,
                             start=start, end=end, citizens=citizens, seeds=seeds,
                             path=source)


def _whole_number(source: str, key: str, value: object, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ScenarioError(source, key, value, f"a whole number from {low} to {high:,}")
    return value


def _points_table(points) -> dict:
    return {p.month: ({"value": p.value, "ramp": True} if p.ramp else p.value)
            for p in points}


def scenario_to_dict(scenario: Scenario, base: Scenario | None = None,
                     extends: str | None = None) -> dict:
    """Return the TOML table of ``scenario``.

    Without ``base`` every change against the registry is written, so loading the table
    gives the same scenario. With ``base`` (and the ``extends`` path to write) only the
    timelines and parameters that differ from the base are written.
    """
    table: dict = {"name": scenario.name, "description": scenario.description}
    if extends:
        table["extends"] = extends
    table["run"] = {"start": scenario.start, "end": scenario.end,
                    "citizens": scenario.citizens, "seeds": scenario.seeds}
    for section in _TIMELINE_SECTIONS:
        mine = getattr(scenario, section)
        theirs = getattr(base, section) if base else {}
        changed = {name: _points_table(points) for name, points in mine.items()
                   if base is None or scenario.timeline(name) != base.timeline(name)
                   or name not in theirs and points}
        if changed:
            table[section] = changed
    parameters = {k: v for k, v in scenario.parameters.items()
                  if base is None or base.resolved_parameters()[k] != v}
    if parameters:
        table["parameters"] = parameters
    return table


def write_scenario(scenario: Scenario, path: str | Path, base: Scenario | None = None,
                   extends: str | None = None) -> Path:
    """Write ``scenario`` as a TOML file atomically (see ``scenario_to_dict``)."""
    path = Path(path)
    text = tomli_w.dumps(scenario_to_dict(scenario, base, extends))
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, suffix=".tmp",
                                     encoding="utf-8") as handle:
        handle.write(text)
    os.replace(handle.name, path)
    return path


__all__ = ["DEFAULT_CITIZENS", "DEFAULT_SEEDS", "load_scenario", "scenario_from_dict",
           "scenario_to_dict", "write_scenario"]
