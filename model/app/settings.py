"""From the explorer's controls to a scenario: pure functions, no user interface.

The page holds an ``ExplorerSettings``: the scenario file picked from the library, the month
from which the user's lever values apply (the policy month), and the values of the levers
the user moved, and the mechanism variant. Everything else (the lever history before the
policy month, the run's end, the parameters) comes from the picked scenario, and through it
from ``model.inputs.registry``: the controls are generated from the registry and nothing here
holds a lever default. The variant's switches and posterior mean fill the parameters the
picked scenario does not set (:func:`fitted_parameters`).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType

from ..inputs import registry, variants
from ..inputs.calendar import format_month, month_range, parse_month
from ..inputs.checks import is_finite
from ..inputs.errors import InputError, unknown_name_message
from ..inputs.posterior import posterior_path, variant_posterior
from ..inputs.registry import Group, Quantity
from ..inputs.scenario import Scenario, ScenarioError, baseline
from ..inputs.scenario_files import load_scenario
from ..inputs.timeline import TimelinePoint, compile_timeline

#: The month from which moved levers apply unless the user picks another.
DEFAULT_POLICY_MONTH = "2026-01"
#: Citizens simulated by the page: small, so a step and a redraw stay well under a second.
DEFAULT_CITIZENS = 5_000
CITIZEN_BOUNDS = (1_000, 50_000)
#: The built-in baseline, offered when the scenario library holds no baseline file.
BUILT_IN = "(built-in baseline)"
#: Name of the scenario file preferred as the first pick.
PREFERRED_PICK = "baseline.toml"
#: The variant selector's choices: every mechanism variant, then their weighted band.
VARIANT_CHOICES = (*variants.names(), variants.AVERAGED)


@dataclass(frozen=True)
class LeverControl:
    """A slider for one lever, derived from its registry entry.

    Attributes:
        name: the lever's registry (and scenario file) name.
        unit: its unit, shown next to the value.
        low: the registry's lower bound.
        high: the registry's upper bound.
        step: a round slider step, about a hundredth of the range.
        integer: True when the lever takes whole numbers only.
        description: the registry description, shown as help.
    """

    name: str
    unit: str
    low: float
    high: float
    step: float
    integer: bool
    description: str

    @classmethod
    def from_quantity(cls, quantity: Quantity) -> LeverControl:
        """Return the control of a registry quantity."""
        low, high = quantity.bounds
        integer = quantity.dtype == "int"
        step = slider_step(high - low, [p.value - low for p in quantity.history])
        if integer:
            step = max(1, int(step))
        return cls(quantity.name, quantity.unit, float(low), float(high), step, integer,
                   quantity.description)

    def clip(self, value: float) -> float:
        """Return ``value`` on the slider's grid, within the bounds.

        A browser slider sends float sums such as 0.011000000000000001.

        Raises:
            ScenarioError: for a value that is not a finite number (no slider sends one).
        """
        if not is_finite(value):
            raise ScenarioError("explorer", f"levers.{self.name}", value,
                                f"a finite number from {self.low:g} to {self.high:g} "
                                f"({self.unit})")
        steps = round((min(max(float(value), self.low), self.high) - self.low) / self.step)
        return min(round(self.low + steps * self.step, 10), self.high)


def slider_step(span: float, offsets: list[float]) -> float:
    """Return a slider step for a range of ``span``.

    The step is a 1-2-5 number of at most a hundredth of the span on whose grid every
    offset (a historical value minus the lower bound) lies, so that the slider can show the
    history exactly; at finest it is a ten-thousandth of the span.
    """
    step = round_step(span / 100)
    while step > span / 10_000:
        if all(abs(x / step - round(x / step)) < 1e-6 for x in offsets):
            return step
        step = round_step(step * 0.99)
    return step


def round_step(span: float) -> float:
    """Return the 1-2-5 number nearest below ``span`` (0.37 -> 0.2, 2 -> 2, 1000 -> 1000)."""
    exponent = math.floor(math.log10(span))
    for mantissa in (5, 2, 1):
        if mantissa * 10**exponent <= span * (1 + 1e-9):
            return round(mantissa * 10**exponent, max(0, -exponent))
    return 10.0**exponent


def lever_controls() -> tuple[LeverControl, ...]:
    """Return one control per lever, in registry order."""
    return tuple(LeverControl.from_quantity(q) for q in registry.group(Group.LEVER))


@dataclass(frozen=True)
class ExplorerSettings:
    """What the page's controls say.

    Attributes:
        scenario_file: the picked scenario file, or None for the built-in baseline.
        policy_month: from this month (``YYYY-MM``) on, the moved levers hold their values.
        levers: the values the user set, by lever name (levers not listed follow the
            picked scenario).
        variant: the mechanism variant (``model.inputs.variants``), or ``averaged``: the
            default variant stepped, with the weighted band across all variants.
    """

    scenario_file: str | None = None
    policy_month: str = DEFAULT_POLICY_MONTH
    levers: Mapping[str, float] = field(default_factory=dict)
    variant: str = variants.DEFAULT_VARIANT

    def __post_init__(self):
        object.__setattr__(self, "levers", MappingProxyType(dict(self.levers)))
        if self.variant not in VARIANT_CHOICES:
            raise InputError("explorer", "variant", self.variant,
                             f"one of {', '.join(VARIANT_CHOICES)}")

    def with_lever(self, name: str, value: float) -> ExplorerSettings:
        """Return these settings with one lever set."""
        return replace(self, levers={**self.levers, name: float(value)})

    @property
    def stepped_variant(self) -> str:
        """The variant of the model the page steps (the default one for ``averaged``)."""
        return variants.DEFAULT_VARIANT if self.variant == variants.AVERAGED else self.variant


#: The built-in baseline with nothing moved.
DEFAULT_SETTINGS = ExplorerSettings()


def fitted_parameters(variant_name: str, folder: Path | None = None) -> dict[str, float]:
    """Return the parameters the page runs a variant with.

    Its switched-off parameters at 0 and its posterior mean (one run shows the centre of
    the calibration, not one random draw); the registry defaults when it has no committed
    posterior. The picked scenario's own parameters win over these (``simulate``'s rule).
    """
    posterior = variant_posterior(variant_name, folder)
    return {**variants.variant(variant_name).fixed, **(posterior.mean() if posterior else {})}


def has_posterior(variant_name: str, folder: Path | None = None) -> bool:
    """Return True when the variant has a committed posterior."""
    return posterior_path(variant_name, folder).is_file()


def load_picked(scenario_file: str | None) -> Scenario:
    """Return the picked scenario (the built-in baseline for None).

    Raises:
        ScenarioError: if the file is not a valid scenario.
    """
    if scenario_file is None:
        return baseline()
    path = Path(scenario_file)
    stamp = path.stat().st_mtime_ns if path.is_file() else None
    return _load_cached(str(path), stamp)


@functools.lru_cache(maxsize=32)
def _load_cached(path: str, _stamp: int | None) -> Scenario:
    # The modification time is part of the key: an edited file is read again.
    return load_scenario(path)


def policy_months(scenario: Scenario) -> list[str]:
    """Return the months a policy may start in: after the model's start, up to the end."""
    first = format_month(parse_month(scenario.start) + 1)
    return month_range(first, scenario.end)


def nearest_month(allowed: list[str], month: str) -> str:
    """Return ``month`` moved into the allowed range (a sorted list of months)."""
    return min(max(month, allowed[0]), allowed[-1])  # YYYY-MM strings sort as months


def check_policy_month(scenario: Scenario, month: str) -> str:
    """Return ``month`` if a policy may start then.

    Raises:
        InputError: naming the month and the allowed range.
    """
    allowed = policy_months(scenario)
    if month not in allowed:
        raise InputError("explorer", "policy month", month,
                         f"a month YYYY-MM from {allowed[0]} to {allowed[-1]}")
    return month


def values_at(scenario: Scenario, month: str) -> dict[str, float]:
    """Return every lever's value in force in ``month`` under ``scenario``."""
    return {name: float(compile_timeline(scenario.timeline(name), month, 1)[0])
            for name in registry.names(Group.LEVER)}


def lever_changes(picked: Scenario, settings: ExplorerSettings) -> dict[str, tuple[float, float]]:
    """Return ``{lever: (picked value, set value)}`` for the levers set to a new value."""
    check_policy_month(picked, settings.policy_month)
    before = values_at(picked, settings.policy_month)
    controls = {c.name: c for c in lever_controls()}
    changes = {}
    for name, value in settings.levers.items():
        if name not in controls:
            raise ScenarioError("explorer", f"levers.{name}", value,
                                unknown_name_message(name, controls) + " among the levers")
        try:
            value = registry.get(name).check(value)
        except (TypeError, ValueError) as error:
            raise ScenarioError("explorer", f"levers.{name}", value, str(error)) from None
        if value != before[name]:
            changes[name] = (before[name], value)
    return changes


def explorer_scenario(picked: Scenario, settings: ExplorerSettings) -> Scenario:
    """Return the picked scenario with the moved levers set from the policy month on.

    A moved lever replaces the picked scenario's timeline from the policy month: what the
    picked scenario did before stays, later changes it planned for that lever are dropped.

    Raises:
        InputError: for a policy month outside the run; ScenarioError (a subclass) for an
            unknown lever or a value out of bounds.
    """
    changes = lever_changes(picked, settings)
    if not changes:
        return picked
    month = settings.policy_month
    summary = ", ".join(f"{name} {old:g} -> {new:g}" for name, (old, new) in changes.items())
    return picked.with_changes(
        levers={name: (TimelinePoint(month, new),) for name, (_, new) in changes.items()},
        name=f"{picked.name} + what-if",
        description=f"{picked.name} with, from {month}: {summary}.")


def first_loadable(choices: Mapping[str, str | None]) -> str | None:
    """Return the first offered scenario that loads (the built-in baseline if none does)."""
    for path in choices.values():
        try:
            load_picked(path)
        except ScenarioError:
            continue
        return path
    return None


def scenario_choices(library: Path, saved: Path) -> dict[str, str | None]:
    """Return the scenarios the page offers: ``{label: path}``, the preferred pick first.

    The library's ``*.toml`` files come first (``baseline.toml`` leading), then the saved
    ones (labelled ``saved/NAME.toml``). The built-in baseline is offered when the library
    has no ``baseline.toml``.
    """
    library_files = sorted(library.glob("*.toml"), key=lambda p: (p.name != PREFERRED_PICK,
                                                                   p.name))
    choices: dict[str, str | None] = {}
    if not any(p.name == PREFERRED_PICK for p in library_files):
        choices[BUILT_IN] = None
    for path in library_files:
        choices[path.name] = str(path)
    if saved.resolve() != library.resolve():
        for path in sorted(saved.glob("*.toml")):
            choices[f"{saved.name}/{path.name}"] = str(path)
    return choices
