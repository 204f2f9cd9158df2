"""Scenarios: a name, run settings, and dated changes to levers, exogenous inputs and parameters.

A scenario stores only what it changes. Everything it does not mention follows the registry:
the historical lever timeline (kept to 2030 at its last value) and the default parameters.
A timeline given in a scenario replaces the registry's history from its first month on.

TOML form::

    name = "reopen_crossings"
    description = "All passenger crossings reopened from 2026."
    extends = "baseline.toml"          # optional, relative to this file

    [run]
    end = "2030-12"
    citizens = 20000
    seeds = 10

    [levers]
    open_crossings_poland = { "2026-01" = 5 }
    visa_fee_eur = 0                   # a bare number holds from the run's start

    [levers.visa_refusal_rate]
    "2026-01" = 0.02
    "2027-01" = { value = 0.005, ramp = true }   # linear ramp from the previous point

    [exogenous]
    propaganda_state = { "2026-01" = 2.0 }

    [parameters]
    peer_rate = 0.1
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from types import MappingProxyType

from . import registry
from .calendar import months_between, parse_month
from .errors import MISSING, InputError, unknown_name_message
from .parameters import Parameters
from .registry import Group
from .timeline import CompiledInputs, TimelinePoint, compile_timeline, override_from

#: The model is initialised from the Chatham House wave of September 2020.
MODEL_START = "2020-09"
DEFAULT_END = "2030-12"
LATEST_END = "2050-12"
#: Citizens per run: ``run``'s default ensemble (1,440 runs) fits in 3 minutes on
#: two cores at this size; its seed noise is reported with every effect (docs/running.md).
DEFAULT_CITIZENS = 3_000
#: The full adult population can be simulated one citizen per person.
MAX_CITIZENS = 9_100_000
#: Seeds per parameter draw of `run` (the draws carry the seed-to-seed spread already).
DEFAULT_SEEDS = 1

#: The one map between a scenario file's sections and the input groups they hold. Each
#: section is also the ``Scenario`` field with that group's changes, and ``--set`` accepts it
#: as a prefix (``levers.visa_fee_eur``).
SECTIONS: Mapping[str, Group] = MappingProxyType(
    {"levers": Group.LEVER, "exogenous": Group.EXOGENOUS, "parameters": Group.PARAMETER})
#: The sections whose entries are dated timelines.
TIMELINE_SECTIONS = tuple(s for s, group in SECTIONS.items() if group is not Group.PARAMETER)


def section_of(group: Group) -> str:
    """Return the section (and ``Scenario`` field) that holds the inputs of ``group``."""
    return next(section for section, held in SECTIONS.items() if held is group)


class ScenarioError(InputError):
    """Bad input in a scenario: its file, a ``--set`` override, or an input value.

    Input values are levers, exogenous inputs and parameters, wherever they are given (a
    file, ``--set``, ``evaluate(...)``). Other bad input (an option's value, a month for a
    command) raises the parent class, :class:`~model.inputs.errors.InputError`.
    """


def _frozen(mapping: Mapping) -> Mapping:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True)
class Scenario:
    """A validated scenario. Immutable: derive variants with ``with_changes``."""

    name: str
    description: str = ""
    start: str = MODEL_START
    end: str = DEFAULT_END
    citizens: int = DEFAULT_CITIZENS
    seeds: int = DEFAULT_SEEDS
    levers: Mapping[str, tuple[TimelinePoint, ...]] = field(default_factory=dict)
    exogenous: Mapping[str, tuple[TimelinePoint, ...]] = field(default_factory=dict)
    parameters: Mapping[str, float] = field(default_factory=dict)
    path: str | None = None

    def __post_init__(self):
        object.__setattr__(self, "levers", _frozen(self.levers))
        object.__setattr__(self, "exogenous", _frozen(self.exogenous))
        object.__setattr__(self, "parameters", _frozen(self.parameters))

    @property
    def n_months(self) -> int:
        """Number of recorded months, the start month included."""
        return months_between(self.start, self.end) + 1

    def timeline(self, name: str) -> tuple[TimelinePoint, ...]:
        """Return the full timeline of a lever or exogenous input: history plus changes."""
        quantity = registry.get(name)
        history = tuple(TimelinePoint(p.month, p.value, p.ramp) for p in quantity.history)
        changes = getattr(self, section_of(quantity.group)).get(name)
        return override_from(history, changes or ())

    def compile_inputs(self) -> CompiledInputs:
        """Return every lever and exogenous input as one value per month of the run.

        Scenarios that differ only in their parameters (a fit's draws, an ensemble's
        variants) share one compiled copy, whose series are read-only.
        """
        return _compiled_inputs(self.start, self.end, tuple(sorted(self.levers.items())),
                                tuple(sorted(self.exogenous.items())))

    def with_default_parameters(self, parameters: Mapping[str, float] | None) -> Scenario:
        """Return this scenario with ``parameters`` for the ones it does not set itself.

        The precedence every caller shares (``simulate``, ``run --posterior``, the
        sensitivity and robustness commands, ``evaluate`` and the explorer): a scenario's
        own ``[parameters]`` are what the scenario is about, so a posterior draw, a variant's
        switches or a sampled value never replace them.
        """
        missing = {k: v for k, v in (parameters or {}).items() if k not in self.parameters}
        return self.with_changes(parameters=missing) if missing else self

    def resolved_parameters(self) -> Parameters:
        """Return every parameter: registry defaults with this scenario's overrides."""
        return Parameters(self.parameters)

    def with_changes(self, *, levers=None, exogenous=None, parameters=None,
                     **settings) -> Scenario:
        """Return a new scenario; the original is untouched.

        Timelines in ``levers`` and ``exogenous`` replace the current ones from their first
        month on; ``parameters`` override; ``settings`` replace fields (name, end...).
        """
        merged_levers = dict(self.levers)
        for name, points in (levers or {}).items():
            merged_levers[name] = override_from(merged_levers.get(name, ()), points)
        merged_exogenous = dict(self.exogenous)
        for name, points in (exogenous or {}).items():
            merged_exogenous[name] = override_from(merged_exogenous.get(name, ()), points)
        return replace(self, levers=merged_levers, exogenous=merged_exogenous,
                       parameters={**self.parameters, **(parameters or {})}, **settings)


def baseline() -> Scenario:
    """Return the historical baseline: the registry's lever history, then the status quo."""
    return Scenario(name="baseline",
                    description="History to late 2025, then the late-2025 settings to the end.")


def validate_timeline(source: str, section: str, name: str, raw: object, start: str,
                      end: str) -> tuple[TimelinePoint, ...]:
    """Check one timeline from a file or override and return its points.

    Raises:
        ScenarioError: naming the key, the value and what is allowed.
    """
    key = f"{section}.{name}"
    group = SECTIONS[section]
    if name not in registry.names(group):
        raise ScenarioError(source, key, MISSING, unknown_name_message(
            name, registry.names(group)) + f" among the {section}")
    quantity = registry.get(name)
    if not isinstance(raw, Mapping):
        raw = {start: raw}
    if not raw:
        raise ScenarioError(source, key, {}, "a timeline needs at least one dated value")
    points = []
    previous = None
    for month, entry in raw.items():
        where = f"{key}.{month}"
        try:
            at = parse_month(month)
        except ValueError:
            raise ScenarioError(source, where, entry,
                                'dates are months written "YYYY-MM", e.g. "2026-01"') from None
        if not parse_month(start) <= at <= parse_month(end):
            raise ScenarioError(source, where, entry,
                                f"dates must lie within the run, {start} to {end}")
        if previous is not None and at <= parse_month(previous):
            raise ScenarioError(source, where, entry,
                                f"dates must be in increasing order, and {month} does not "
                                f"come after {previous}")
        previous = month
        value, ramp = _dated_entry(source, where, entry)
        try:
            checked = quantity.check(value)
        except (TypeError, ValueError) as error:
            raise ScenarioError(source, where, value, str(error)) from None
        points.append(TimelinePoint(month, checked, ramp))
    return tuple(points)


_ENTRY_KEYS = ("value", "ramp")


def _dated_entry(source: str, key: str, entry: object) -> tuple[object, bool]:
    """Return (value, ramp) of one dated entry: a number, or ``{ value = x, ramp = true }``."""
    if not isinstance(entry, Mapping):
        return entry, False
    form = "a dated entry is a number or { value = NUMBER, ramp = true }"
    for name in entry:
        if name not in _ENTRY_KEYS:
            hint = unknown_name_message(name, _ENTRY_KEYS)
            raise ScenarioError(source, f"{key}.{name}", entry[name], f"{form}; {hint}")
    if "value" not in entry:
        raise ScenarioError(source, key, entry, f"{form}; the value is missing")
    ramp = entry.get("ramp", False)
    if not isinstance(ramp, bool):
        raise ScenarioError(source, f"{key}.ramp", ramp,
                            "true (a linear ramp from the previous point) or false (a step)")
    return entry["value"], ramp


def validate_parameter(source: str, name: str, value: object) -> float:
    """Check one parameter override and return its value.

    Raises:
        ScenarioError: naming the key, the value and what is allowed.
    """
    key = f"parameters.{name}"
    names = registry.names(Group.PARAMETER)
    if name not in names:
        raise ScenarioError(source, key, value, unknown_name_message(name, names)
                            + " among the parameters")
    try:
        return registry.get(name).check(value)
    except (TypeError, ValueError) as error:
        raise ScenarioError(source, key, value, str(error)) from None


@lru_cache(maxsize=64)
def _compiled_inputs(start: str, end: str, levers: tuple, exogenous: tuple) -> CompiledInputs:
    """Return the compiled inputs of a scenario's timelines (``Scenario.compile_inputs``)."""
    timelines = Scenario(name="inputs", start=start, end=end, levers=dict(levers),
                         exogenous=dict(exogenous))
    series = {}
    for name in registry.names(Group.LEVER) + registry.names(Group.EXOGENOUS):
        values = compile_timeline(timelines.timeline(name), start, timelines.n_months)
        values.flags.writeable = False
        series[name] = values
    return CompiledInputs(start, series)
