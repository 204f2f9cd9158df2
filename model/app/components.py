# ruff: noqa: N802 -- Solara components are named like classes, as Solara and Mesa do.
"""The page's Solara components: scenario and lever controls, status, charts, save-as.

Each takes the page's reactive ``settings`` (what the controls say) and/or the reactive
``model`` (the run shown, rebuilt by Mesa's Reset button from the settings at that moment).
Charts subscribe to Mesa's ``update_counter`` so that Step and Play redraw them.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import solara
from mesa.visualization.utils import update_counter

from ..inputs import variants
from ..inputs.errors import InputError
from ..inputs.survey_data import load_waves
from .charts import COLOUR_MODES, attitudes_figure, shares_figure
from .explorer_model import ExplorerModel
from .save import save_as_scenario
from .settings import (
    VARIANT_CHOICES,
    ExplorerSettings,
    LeverControl,
    has_posterior,
    lever_changes,
    lever_controls,
    load_picked,
    nearest_month,
    policy_months,
    values_at,
)

_CAPTION = {"font-size": "12px", "color": "#666", "line-height": "1.2"}
#: Charts keep their drawn size and sit side by side while the window is wide enough.
_CHART = {"flex": "0 0 auto", "width": "auto"}


def shown_path(path: Path) -> str:
    """Return ``path`` relative to the working directory when it lies below it."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def same_effect(first: ExplorerSettings, second: ExplorerSettings) -> bool:
    """Return True when two settings give the same scenario.

    A lever moved back to the picked value does not count, nor does the policy month of a
    run with no moved lever.
    """
    if (first.scenario_file, first.variant) != (second.scenario_file, second.variant):
        return False
    picked = load_picked(first.scenario_file)
    a, b = lever_changes(picked, first), lever_changes(picked, second)
    return a == b and (not a or first.policy_month == second.policy_month)


def variant_caption(name: str) -> str:
    """Return what the variant selector's choice means, in a line."""
    if name == variants.AVERAGED:
        return (f"Steps {variants.DEFAULT_VARIANT}; the shaded band is the range over every "
                "variant run once, the dash-dotted line their weighted mean.")
    chosen = variants.variant(name)
    fitted = ("posterior mean" if has_posterior(name)
              else "registry defaults (no posterior committed yet)")
    return f"{chosen.description}. Fitted parameters: {fitted}."


@solara.component
def ScenarioControls(settings: solara.Reactive[ExplorerSettings], choices: dict[str, str | None]):
    """The scenario picker, the policy month (a year and a month) and the model variant."""
    error = solara.use_reactive("")
    refusals = solara.use_reactive(0)  # re-mounts the picker so it shows the kept pick
    labels = {path: label for label, path in choices.items()}
    current = settings.value
    picked = load_picked(current.scenario_file)
    allowed = policy_months(picked)

    def pick(label: str) -> None:
        path = choices[label]
        try:
            scenario = load_picked(path)
        except InputError as problem:
            error.set(str(problem))
            refusals.set(refusals.value + 1)
            return
        error.set("")
        settings.set(replace(current, scenario_file=path, policy_month=nearest_month(
            policy_months(scenario), current.policy_month)))

    def set_month(year: str, month: str) -> None:
        settings.set(replace(current, policy_month=nearest_month(allowed, f"{year}-{month}")))

    def set_variant(name: str) -> None:
        settings.set(replace(current, variant=name))

    year, month = current.policy_month.split("-")
    years = sorted({m[:4] for m in allowed})
    with solara.Card("Scenario", margin=0):
        solara.Select("Scenario file", values=list(choices),
                      value=labels.get(current.scenario_file, next(iter(choices))),
                      on_value=pick).key(f"scenario-pick-{refusals.value}")
        solara.Text(picked.description or picked.name, style=_CAPTION)
        if error.value:
            solara.Error(error.value)
        with solara.Row():
            solara.Select("Policy from: year", values=years, value=year,
                          on_value=lambda y: set_month(y, month))
            solara.Select("month", values=[f"{m:02d}" for m in range(1, 13)], value=month,
                          on_value=lambda m: set_month(year, m))
        solara.Select("Model variant", values=list(VARIANT_CHOICES), value=current.variant,
                      on_value=set_variant)
        solara.Text(variant_caption(current.variant), style=_CAPTION)


@solara.component
def LeverSlider(control: LeverControl, value: float, picked_value: float,
                on_value) -> solara.Element:
    """One lever: its name (help on hover), its value and unit, and a slider."""
    moved = value != picked_value
    help_text = (f"{control.description} Unit: {control.unit}. Allowed {control.low:g} to "
                 f"{control.high:g}. The picked scenario has {picked_value:g} at the policy "
                 f"month.")
    shown = f"{value:,.0f}" if control.integer else f"{value:g}"
    slider = solara.SliderInt if control.integer else solara.SliderFloat
    with solara.Column(gap="0px", classes=["lever"], style={"margin-bottom": "6px"}):
        with solara.Row(justify="space-between", style={"align-items": "baseline"}):
            with solara.Tooltip(help_text):
                solara.Text(control.name, style={"font-weight": "bold", "font-size": "13px"})
            solara.Text(f"{shown}" + (f" (was {picked_value:g})" if moved else ""),
                        classes=["lever-value"], style={"font-size": "13px",
                               "color": "#c0392b" if moved else "inherit",
                               "font-weight": "bold" if moved else "normal"})
        solara.Text(control.unit, style=_CAPTION)
        slider("", value=int(value) if control.integer else value, min=control.low,
               max=control.high, step=control.step, on_value=on_value, thumb_label=False)


@solara.component
def LeverControls(settings: solara.Reactive[ExplorerSettings]):
    """A slider per lever, generated from the registry.

    An unmoved slider shows the picked scenario's value in the policy month.
    """
    current = settings.value
    picked_values = values_at(load_picked(current.scenario_file), current.policy_month)

    def setter(control: LeverControl):
        def set_value(value: float) -> None:
            try:
                value = control.clip(value)
            except InputError:
                return  # not a number: the slider keeps its value
            levers = dict(settings.value.levers)
            if value == picked_values[control.name]:
                levers.pop(control.name, None)  # back at the picked value: not moved
            else:
                levers[control.name] = value
            settings.set(replace(current, levers=levers))
        return set_value

    def clear() -> None:
        settings.set(replace(current, levers={}))

    with solara.Card("Levers", margin=0):
        solara.Text("Hover a name for its meaning. Values hold from the policy month on; "
                    "press RESET to run with them.", style=_CAPTION)
        for control in lever_controls():
            value = current.levers.get(control.name, picked_values[control.name])
            LeverSlider(control, value, picked_values[control.name], setter(control))
        solara.Button("Levers back to the scenario", on_click=clear, outlined=True,
                      disabled=not current.levers)


@solara.component
def RunStatus(model: solara.Reactive[ExplorerModel], settings: solara.Reactive[ExplorerSettings]):
    """The month shown, what is running, and whether the controls wait for a Reset."""
    update_counter.get()
    run = model.value
    changes = lever_changes(run.picked, run.settings)
    with solara.Row(style={"align-items": "baseline", "flex-wrap": "wrap"}):
        solara.Text(f"Month {run.month}", classes=["month-label"],
                    style={"font-size": "22px", "font-weight": "bold"})
        solara.Text(f"step {run.month_index} of {len(run.months) - 1} · "
                    f"{run.world.population.size:,} citizens · seed {run.seed} · "
                    f"scenario {run.spec.name} · variant {run.settings.variant}",
                    style={"color": "#555"})
    if changes:
        moved = "; ".join(f"{name} {old:g} → {new:g}" for name, (old, new) in changes.items())
        solara.Text(f"From {run.settings.policy_month}: {moved}", style={"color": "#555"})
    if not same_effect(settings.value, run.settings):
        solara.Warning("The controls differ from the run shown: press RESET to run with them.",
                       dense=True, classes=["pending-warning"])


@solara.component
def SharesChart(model: solara.Reactive[ExplorerModel]):
    """The four answer shares over time with the survey waves."""
    counter = update_counter.get()
    run = model.value
    show_population = solara.use_reactive(False)
    waves = solara.use_memo(load_waves, [])
    dependencies = [counter, run, show_population.value]
    figure = solara.use_memo(lambda: shares_figure(run, waves, show_population.value),
                             dependencies)
    with solara.Column(gap="0px", classes=["shares-chart"], style=_CHART):
        solara.FigureMatplotlib(figure, dependencies=dependencies, format="png", dpi=100)
        solara.Checkbox(label="Also show what all residents think (dashed)",
                        value=show_population)


@solara.component
def AttitudesChart(model: solara.Reactive[ExplorerModel]):
    """The sampled residents' attitudes (r, e), coloured by likely answer or media diet."""
    counter = update_counter.get()
    run = model.value
    colour_by = solara.use_reactive(COLOUR_MODES[0])
    dependencies = [counter, run, colour_by.value]
    figure = solara.use_memo(lambda: attitudes_figure(run, colour_by.value), dependencies)
    with solara.Column(gap="0px", classes=["attitudes-chart"], style=_CHART):
        solara.FigureMatplotlib(figure, dependencies=dependencies, format="png", dpi=100)
        solara.ToggleButtonsSingle(value=colour_by, values=list(COLOUR_MODES))


@solara.component
def SaveAsScenario(model: solara.Reactive[ExplorerModel],
                   settings: solara.Reactive[ExplorerSettings], folder: Path,
                   library: Path | None = None, overwrite_library: bool = False,
                   on_saved=None):
    """Write the run shown as a scenario file extending the picked one.

    A library scenario is replaced only with ``overwrite_library`` (``--overwrite-library``).
    """
    name = solara.use_reactive("")
    overwrite = solara.use_reactive(False)
    message = solara.use_reactive(("", ""))
    pending = not same_effect(settings.value, model.value.settings)

    def save() -> None:
        try:
            path = save_as_scenario(model.value.settings, name.value, folder, overwrite.value,
                                    library, overwrite_library)
        except InputError as problem:
            message.set(("error", str(problem)))
            return
        shown = shown_path(path)
        message.set(("success", f"Saved {shown}: a scenario file like any other, ready for "
                                "an ensemble run from the command line."))
        if on_saved:
            on_saved(path)

    with solara.Card("Save as scenario", margin=0):
        solara.Text(f"Writes NAME.toml in {shown_path(folder)}/, extending the picked "
                    "scenario with the levers of the run shown (the run settings stay the "
                    "scenario's; the model variant is not saved: it is chosen when the file "
                    "is run).",
                    style=_CAPTION)
        with solara.Row(style={"align-items": "center"}):
            solara.InputText("Scenario name", value=name, continuous_update=True)
            solara.Checkbox(label="overwrite", value=overwrite)
            solara.Button("Save as scenario", on_click=save, color="primary",
                          disabled=pending or not name.value.strip())
        if pending:
            solara.Text("Press RESET first: the controls differ from the run shown.",
                        style=_CAPTION)
        kind, text = message.value
        if kind == "success":
            solara.Success(text, dense=True, classes=["save-result"])
        elif kind == "error":
            solara.Error(text, dense=True, classes=["save-result"])
