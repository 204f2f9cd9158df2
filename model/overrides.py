"""Command-line overrides: ``--set KEY=VALUE`` and ``--set KEY@YYYY-MM=VALUE``.

``KEY`` is a lever, an exogenous input or a parameter. For a lever or exogenous input the
value holds from the run's start (``KEY=VALUE``) or from the given month on; a parameter
takes no date. Overrides are validated exactly like scenario files.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from . import registry
from .registry import Group
from .scenario import _MISSING, Scenario, ScenarioError, validate_parameter, validate_timeline

_OVERRIDE = re.compile(r"^(?P<key>[A-Za-z_][A-Za-z0-9_]*)(@(?P<month>[^=]*))?=(?P<value>.*)$")
SOURCE = "--set"


def parse_value(text: str) -> object:
    """Return ``text`` as an int or float if it is one, else the text itself."""
    for convert in (int, float):
        try:
            return convert(text)
        except ValueError:
            pass
    lowered = text.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    return text


def apply_overrides(scenario: Scenario, overrides: Iterable[str]) -> Scenario:
    """Return ``scenario`` with every ``--set`` override applied (the original is untouched).

    Raises:
        ScenarioError: naming the override, the value and what is allowed.
    """
    for text in overrides:
        match = _OVERRIDE.match(text.strip())
        if match is None:
            raise ScenarioError(SOURCE, text, _MISSING,
                                "write KEY=VALUE or KEY@YYYY-MM=VALUE")
        key, month, raw = match["key"], match["month"], match["value"]
        value = parse_value(raw)
        known = {q.name: q for q in registry.ALL}
        if key not in known:
            raise ScenarioError(SOURCE, key, raw, registry.unknown_name_message(key, known)
                                + " among levers, exogenous inputs and parameters")
        quantity = known[key]
        if quantity.group is Group.PARAMETER:
            if month is not None:
                raise ScenarioError(SOURCE, f"{key}@{month}", raw,
                                    "parameters are constant: write KEY=VALUE without a date")
            scenario = scenario.with_changes(
                parameters={key: validate_parameter(SOURCE, key, value)})
            continue
        section = "levers" if quantity.group is Group.LEVER else "exogenous"
        points = validate_timeline(SOURCE, section, key,
                                   {month or scenario.start: value}, scenario.start,
                                   scenario.end)
        scenario = scenario.with_changes(**{section: {key: points}})
    return scenario
