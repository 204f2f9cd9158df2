"""The model as a plain function, for exploratory-modelling tools (EMA Workbench and others).

``evaluate(seed=0, visa_fee_eur=0, propaganda_state=2.0, peer_rate=0.1)`` runs a policy
counterfactual: each lever or exogenous input named holds its value from ``policy_month`` to
the end, on top of the registry's history; each parameter named is a constant override
(under the base scenario's own ``[parameters]``, which win, and over the mechanism variant's
posterior draw, ``variant=`` and ``posterior_draw=``; switched-off parameters stay 0). The
same seed, exogenous inputs and parameters with every lever left at the baseline give the
status quo, and the outcomes include the change from it (common random numbers: same seed,
same noise, so the difference isolates the levers).

The sensitivity and robustness commands build their runs with the same
:class:`Counterfactual`, so this function and the command line give the same numbers for
the same inputs and seed.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from ..core.observation import CATEGORIES, MEASURES
from ..inputs import registry, variants
from ..inputs.calendar import format_month, month_range, parse_month
from ..inputs.checks import MAX_SEED, whole_number
from ..inputs.errors import InputError, did_you_mean
from ..inputs.posterior import Posterior, posterior_path, variant_parameters, variant_posterior
from ..inputs.registry import Group
from ..inputs.scenario import (
    DEFAULT_CITIZENS,
    DEFAULT_END,
    MAX_CITIZENS,
    MODEL_START,
    Scenario,
    ScenarioError,
    baseline,
)
from ..inputs.timeline import TimelinePoint
from ..runs.execution import Task, simulate_task

#: The month from which sampled levers and exogenous inputs hold: the first month after the
#: baseline's recorded history ends (the policy date of every scenario in ``scenarios/``).
DEFAULT_POLICY_MONTH = "2026-01"
SOURCE = "evaluate"


def outcome_label(horizon: str) -> str:
    """Return the suffix naming outcomes at ``horizon``: ``2030`` for December, else ``2030_06``."""
    year, month = horizon.split("-")
    return year if month == "12" else f"{year}_{month}"


def outcome_names(horizon: str, categories=CATEGORIES) -> tuple[str, ...]:
    """Return the scalar outcomes: each share at the horizon, then its change vs status quo."""
    label = outcome_label(horizon)
    return (tuple(f"{c}_{label}" for c in categories)
            + tuple(f"{c}_{label}_change" for c in categories))


@dataclass(frozen=True)
class Inputs:
    """Validated inputs by group: levers and exogenous inputs from the policy month, parameters."""

    levers: Mapping[str, float]
    exogenous: Mapping[str, float]
    parameters: Mapping[str, float]


def check_input(name: str, value: object, source: str = SOURCE) -> tuple[Group, float]:
    """Return the group and checked value of one input named as in the registry.

    Raises:
        ScenarioError: for an unknown name (with the nearest valid ones) or a bad value.
    """
    known = {q.name: q for q in registry.ALL}
    if name not in known:
        raise ScenarioError(source, name, value,
                            "unknown lever, exogenous input or parameter"
                            f"{did_you_mean(name, known)} "
                            "(`python run.py levers` lists them)")
    quantity = known[name]
    if isinstance(value, np.generic):  # numpy scalars from samplers and EMA Workbench
        value = value.item()
    try:
        return quantity.group, quantity.check(value)
    except (TypeError, ValueError) as error:
        raise ScenarioError(source, name, value, str(error)) from None


def split_inputs(inputs: Mapping[str, object], source: str = SOURCE) -> Inputs:
    """Validate inputs named as in the registry and sort them into their groups."""
    groups: dict[Group, dict[str, float]] = {group: {} for group in Group}
    for name, value in inputs.items():
        group, checked = check_input(name, value, source)
        groups[group][name] = checked
    return Inputs(groups[Group.LEVER], groups[Group.EXOGENOUS], groups[Group.PARAMETER])


@dataclass(frozen=True)
class Counterfactual:
    """A policy counterfactual on a base scenario: how sampled inputs become runs and outcomes.

    Attributes:
        base: the scenario everything is applied to (the baseline unless told otherwise); it
            runs to ``horizon``.
        policy_month: levers and exogenous inputs take their value from this month on.
        measure: ``survey`` (the virtual online panel) or ``population`` (all residents).
    """

    base: Scenario
    policy_month: str = DEFAULT_POLICY_MONTH
    measure: str = "survey"

    @classmethod
    def build(cls, *, horizon: str = DEFAULT_END, policy_month: str = DEFAULT_POLICY_MONTH,
              measure: str = "survey", base: Scenario | None = None,
              source: str = SOURCE) -> Counterfactual:
        """Check the settings and return the counterfactual (base: the baseline).

        Raises:
            InputError: naming the setting, its value and what is allowed.
        """
        base = base or baseline()
        horizon_at = _month(source, "horizon", horizon)
        if not parse_month(base.start) < horizon_at <= parse_month("2050-12"):
            raise InputError(source, "horizon", horizon,
                             f"a month after the model start {MODEL_START}, up to 2050-12")
        policy_at = _month(source, "policy_month", policy_month)
        if not parse_month(base.start) < policy_at <= horizon_at:
            raise InputError(source, "policy_month", policy_month,
                             f"a month after {base.start} and not after the horizon "
                             f"{horizon}")
        if measure not in MEASURES:
            raise InputError(source, "measure", measure, f"one of {', '.join(MEASURES)}")
        return cls(base.with_changes(end=format_month(horizon_at)),
                   format_month(policy_at), measure)

    @property
    def horizon(self) -> str:
        """The month the scalar outcomes are read at (the runs end there)."""
        return self.base.end

    @property
    def outcome_names(self) -> tuple[str, ...]:
        """Names of the scalar outcomes."""
        return outcome_names(self.horizon)

    def scenarios(self, inputs: Inputs) -> tuple[Scenario, Scenario]:
        """Return (policy, status quo): the status quo keeps the baseline levers."""
        def held(values: Mapping[str, float]) -> dict:
            return {name: (TimelinePoint(self.policy_month, value),)
                    for name, value in values.items()}

        status_quo = self.base.with_changes(name="status_quo", exogenous=held(inputs.exogenous))
        if not inputs.levers:
            return status_quo, status_quo
        return status_quo.with_changes(name="policy", levers=held(inputs.levers)), status_quo

    def tasks(self, inputs: Inputs, seed: int, n_citizens: int,
              background: Mapping[str, float] | None = None) -> tuple[Task, Task]:
        """Return the (policy, status quo) tasks of one input set and seed.

        Args:
            inputs: the point's levers, exogenous inputs and parameters.
            seed: the one seed of both runs.
            n_citizens: simulated citizens per run.
            background: parameters under the point's own (a variant's switches and a
                posterior draw); the point's parameters win over them, and the base
                scenario's own ``[parameters]`` win over both (``simulate``).
        """
        policy, status_quo = self.scenarios(inputs)
        parameters = {**(background or {}), **inputs.parameters} or None
        return (Task(policy, seed, parameters, n_citizens),
                Task(status_quo, seed, parameters, n_citizens))

    def outcomes(self, policy: np.ndarray, status_quo: np.ndarray) -> dict[str, float]:
        """Return the scalar outcomes from the two runs' share arrays (as fractions)."""
        m = MEASURES.index(self.measure)
        at, reference = policy[-1, m], status_quo[-1, m]
        label = outcome_label(self.horizon)
        values = {f"{c}_{label}": float(at[i]) for i, c in enumerate(CATEGORIES)}
        values |= {f"{c}_{label}_change": float(at[i] - reference[i])
                   for i, c in enumerate(CATEGORIES)}
        return values


def _month(source: str, key: str, text: object) -> int:
    try:
        return parse_month(str(text))
    except ValueError:
        raise InputError(source, key, text, 'a month written "YYYY-MM"') from None


@functools.lru_cache(maxsize=len(variants.VARIANTS))
def _committed_posterior(variant_name: str) -> Posterior | None:
    # Read once per process: an exploration tool calls evaluate thousands of times.
    return variant_posterior(variant_name)


def variant_background(variant_name: str, posterior_draw: int | None,
                       source: str = SOURCE) -> dict[str, float]:
    """Return the parameters a variant runs with: its switches, plus a posterior draw if asked.

    Args:
        variant_name: a name from ``model.inputs.variants``.
        posterior_draw: the index of the draw from the variant's committed posterior
            (``variant_parameters``), or None for the registry defaults.
        source: where the values were given, for errors.

    Raises:
        InputError: for an unknown variant, a bad index, or a draw from a variant that has
            no committed posterior.
    """
    if variant_name not in variants.names():
        raise InputError(source, "variant", variant_name,
                         f"one of {', '.join(variants.names())}")
    if posterior_draw is None:
        return dict(variants.variant(variant_name).fixed)
    index = whole_number(source, "posterior_draw", posterior_draw, 0, MAX_SEED)
    posterior = _committed_posterior(variant_name)
    if posterior is None:
        raise InputError(source, "posterior_draw", posterior_draw,
                         f"a draw needs a committed posterior for variant {variant_name!r} "
                         f"({posterior_path(variant_name)}); omit posterior_draw to run with "
                         "the registry defaults")
    return variant_parameters(variant_name, posterior, index)


def evaluate(*, seed: int = 0, n_citizens: int = DEFAULT_CITIZENS, horizon: str = DEFAULT_END,
             policy_month: str = DEFAULT_POLICY_MONTH, measure: str = "survey",
             variant: str = variants.DEFAULT_VARIANT, posterior_draw: int | None = None,
             **inputs: float) -> dict[str, object]:
    """Run a policy counterfactual and its status quo; return outcome scalars and series.

    Parameters come, by precedence: the baseline's own (none), then the ones named in
    ``inputs``, then the draw ``posterior_draw`` from the variant's committed posterior,
    then the registry defaults; the variant's switched-off parameters are held at 0 (naming
    one of them is refused). The ``sensitivity`` command runs seed ``s`` with draw ``s``:
    ``evaluate(seed=s, posterior_draw=s, variant=v, ...)`` gives its numbers.

    Args:
        seed: the one seed (the status quo run shares it: common random numbers).
        n_citizens: simulated citizens per run.
        horizon: the last simulated month, ``YYYY-MM``; scalar outcomes are read there.
        policy_month: levers and exogenous inputs hold their value from this month on.
        measure: ``survey`` (the virtual Chatham House panel) or ``population``.
        variant: the mechanism variant (``python run.py variants``; default the default
            model, ``grievance``).
        posterior_draw: draw this index from the variant's committed posterior for the
            calibrated parameters (None: the registry defaults).
        **inputs: levers, exogenous inputs and parameters, named as in ``model/inputs/registry.py``
            (``python run.py levers`` lists them), each within its bounds. Unnamed ones
            follow the baseline.

    Returns:
        ``russia_2030``, ``both_2030``, ``eu_2030``, ``neither_2030`` (shares at the horizon
        as fractions; the suffix is the horizon, e.g. ``eu_2028_06``), the same with
        ``_change`` (policy minus status quo), monthly series ``russia``, ``both``, ``eu``,
        ``neither`` (numpy arrays from the model start to the horizon) with ``*_change``
        series, and ``months`` (the series' months, ``YYYY-MM``).

    Raises:
        ScenarioError: for an unknown name (the message offers the nearest valid names) or a
            value outside its bounds.
        InputError: for a bad setting (horizon, policy month, measure, seed, population,
            variant, posterior draw), or a parameter the variant switches off.

    Example:
        >>> out = evaluate(seed=1, n_citizens=2_000, visa_fee_eur=0, propaganda_state=2.0)
        >>> out["eu_2030_change"]  # doctest: +SKIP
    """
    design = Counterfactual.build(horizon=horizon, policy_month=policy_month, measure=measure)
    seed = whole_number(SOURCE, "seed", seed, 0, MAX_SEED)
    citizens = whole_number(SOURCE, "n_citizens", n_citizens, 1, MAX_CITIZENS)
    background = variant_background(variant, posterior_draw)
    chosen = split_inputs(inputs)
    variants.variant(variant).check_free(chosen.parameters, SOURCE)
    policy_task, status_task = design.tasks(chosen, seed, citizens, background)
    policy = simulate_task(policy_task)
    status_quo = policy if status_task.id == policy_task.id else simulate_task(status_task)
    result: dict[str, object] = design.outcomes(policy, status_quo)
    m = MEASURES.index(design.measure)
    for i, category in enumerate(CATEGORIES):
        result[category] = policy[:, m, i].copy()
        result[f"{category}_change"] = policy[:, m, i] - status_quo[:, m, i]
    result["months"] = tuple(month_range(design.base.start, design.horizon))
    return result

