"""Command-line overrides: ``--set KEY=VALUE`` and ``--set KEY@YYYY-MM=VALUE``.

``KEY`` is a lever, an exogenous input or a parameter (optionally written with its section,
``levers.visa_fee_eur``, as error messages show it). For a lever or exogenous input the value
holds from the run's start (``KEY=VALUE``: the whole timeline, history included, is replaced)
or from the given month on (``KEY@YYYY-MM=VALUE``: the timeline is kept before that month). A
parameter takes no date. Overrides apply in the order given, so a later one on the same
timeline replaces an earlier one from its own month on. They are validated exactly like
scenario files, and recorded in the scenario's description so that whatever records the
resolved scenario records them too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from . import registry
from .calendar import parse_month
from .errors import MISSING, did_you_mean
from .registry import Group
from .scenario import (
    Scenario,
    ScenarioError,
    section_of,
    validate_parameter,
    validate_timeline,
)
from .scenario_files import RUN_KEYS

SOURCE = "--set"
_OVERRIDE = re.compile(r"^\s*(?P<key>[^=@]*?)\s*(@\s*(?P<month>[^=]*?)\s*)?=\s*(?P<value>.*?)\s*$")
_FORM = "write KEY=VALUE or KEY@YYYY-MM=VALUE, e.g. visa_fee_eur@2026-01=20"


def parse_value(text: str) -> object:
    """Return ``text`` as an int or float if it is one, ``true``/``false`` as a bool, else text."""
    for convert in (int, float):
        try:
            return convert(text)
        except ValueError:
            pass
    lowered = text.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    return text


@dataclass(frozen=True)
class Override:
    """One ``--set`` item split into its parts; only its form has been checked.

    Attributes:
        key: the name as typed, possibly with its section (``levers.visa_fee_eur``).
        month: the month after ``@`` as typed, or None when the value holds from the start.
        value: the value, converted by :func:`parse_value`.
    """

    key: str
    month: str | None
    value: object

    @property
    def name(self) -> str:
        """The input's name, without a section."""
        return self.key.rpartition(".")[2]

    @property
    def shown(self) -> str:
        """The key as error messages show it: with its month, when one was given."""
        return f"{self.key}@{self.month}" if self.month is not None else self.key


def parse_override(text: str) -> Override:
    """Split one ``--set`` item, ``KEY=VALUE`` or ``KEY@YYYY-MM=VALUE``, into its parts.

    Raises:
        ScenarioError: when the item has another form or no value.
    """
    match = _OVERRIDE.match(text)
    if match is None or not match["key"]:
        raise ScenarioError(SOURCE, text.strip() or '""', MISSING, _FORM)
    override = Override(match["key"], match["month"], parse_value(match["value"]))
    if not match["value"]:
        raise ScenarioError(SOURCE, override.shown, MISSING, f"a value is missing; {_FORM}")
    return override


def apply_overrides(scenario: Scenario, overrides: Iterable[str]) -> Scenario:
    """Return ``scenario`` with every ``--set`` override applied (the original is untouched).

    Raises:
        ScenarioError: naming the override, the value and what is allowed.
    """
    applied = []
    for text in overrides:
        scenario = _apply_one(scenario, text)
        applied.append(text.strip())
    if not applied:
        return scenario
    note = "Command-line overrides (--set): " + "; ".join(applied) + "."
    description = f"{scenario.description}\n\n{note}" if scenario.description else note
    return scenario.with_changes(description=description)


def _apply_one(scenario: Scenario, text: str) -> Scenario:
    override = parse_override(text)
    month, shown, value = override.month, override.shown, override.value
    quantity = _quantity(override)
    if quantity.group is Group.PARAMETER:
        if month is not None:
            raise ScenarioError(SOURCE, shown, value,
                                "parameters are constant over the run: write KEY=VALUE "
                                "without a date")
        try:
            checked = validate_parameter(SOURCE, quantity.name, value)
        except ScenarioError as error:
            raise ScenarioError(SOURCE, shown, value, error.allowed) from None
        return scenario.with_changes(parameters={quantity.name: checked})
    if month is not None:
        try:
            parse_month(month)
        except ValueError:
            raise ScenarioError(SOURCE, shown, value,
                                'dates are months written YYYY-MM, e.g. "2026-01"') from None
    section = section_of(quantity.group)
    try:
        points = validate_timeline(SOURCE, section, quantity.name,
                                   {month or scenario.start: value}, scenario.start,
                                   scenario.end)
    except ScenarioError as error:
        raise ScenarioError(SOURCE, shown, value, error.allowed) from None
    return scenario.with_changes(**{section: {quantity.name: points}})


def _quantity(override: Override) -> registry.Quantity:
    """Return the quantity that the override's key names (``name`` or ``section.name``)."""
    shown, value = override.shown, override.value
    section, _, name = override.key.rpartition(".")
    known = {q.name: q for q in registry.ALL}
    if name in RUN_KEYS and not section:
        raise ScenarioError(SOURCE, shown, value,
                            f"{name!r} is a run setting, not a lever or parameter: set it in "
                            "the scenario file's [run] table or with the command's own option")
    if name not in known:
        raise ScenarioError(SOURCE, shown, value,
                            f"unknown lever, exogenous input or parameter {name!r}"
                            f"{did_you_mean(name, known)} "
                            "(`python run.py levers` lists them)")
    quantity = known[name]
    home = section_of(quantity.group)
    if section and section != home:
        raise ScenarioError(SOURCE, shown, value,
                            f"{name!r} is in [{home}], not [{section}]; write {home}.{name} or "
                            f"{name}")
    return quantity
