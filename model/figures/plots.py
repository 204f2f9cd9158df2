"""Figures of a scenario comparison, for readers who have never seen the model.

Every figure states what is plotted, in which unit, over which ensemble (runs, parameter
sets, variants and their weights), and where the survey points come from. Shares are drawn
in % and differences in percentage points; the lines and bands are model-averaged, and the
per-variant answers are drawn beside them.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; never needs a display

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..core.observation import CATEGORIES, MEASURES
from ..inputs import registry
from ..inputs.registry import Group
from ..inputs.scenario import Scenario
from ..inputs.survey_data import UNKNOWN_SAMPLE_SIZE, Wave
from ..runs.atomic import atomic_path
from ..runs.outputs import AVERAGED, Ensemble

CATEGORY_LABELS = {"russia": "Union with Russia", "both": "Union with both Russia and the EU",
                   "eu": "Union with the EU", "neither": "No union (neither)"}
QUESTION = "Which alliance should Belarus be in?"
MEASURE_TEXT = {
    "survey": ("virtual Chatham House survey: urban internet users as the online panel would "
               "report them (no sampling error)", "% of respondents"),
    "population": ("all adult residents: what they think, not what a survey would record",
                   "% of adult residents"),
}
#: z for a two-sided 95% normal interval (sampling error bars on survey points).
Z95 = 1.959964
#: One marker per mechanism variant, in the variants' order.
VARIANT_MARKERS = ("s", "^", "v", "D", "P", "X", "*")


def _colours(n: int) -> list:
    """Reference in black, the others from a colour-blind-safe qualitative palette."""
    palette = plt.get_cmap("tab10").colors
    return ["black", *[palette[i % 10] for i in range(n - 1)]]


def _dates(months: Sequence[str]) -> pd.DatetimeIndex:
    return pd.to_datetime(list(months), format="%Y-%m")


def _date_axis(ax) -> None:
    locator = mdates.AutoDateLocator(minticks=4, maxticks=9)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def _finish(fig, axes, title: str, footer: str, legend: bool = True) -> None:
    """Add title, a shared legend and a wrapped source footer, and lay the figure out."""
    width, height = fig.get_size_inches()
    lines = [line for paragraph in footer.split("\n")
             for line in textwrap.wrap(paragraph, int(width * 15.5))]
    footer_in = 0.15 * len(lines) + 0.12
    fig.text(0.01, 0.04 / height, "\n".join(lines), ha="left", va="bottom", fontsize=8,
             color="0.3")
    legend_in = 0.0
    if legend:
        handles, labels = {}, []
        for ax in np.ravel(axes):
            for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
                if label not in handles:
                    handles[label] = handle
                    labels.append(label)
        ncol = min(3, len(labels))
        legend_in = 0.28 * -(-len(labels) // max(ncol, 1)) + 0.15
        fig.legend([handles[label] for label in labels], labels, loc="lower center",
                   ncol=ncol, bbox_to_anchor=(0.5, footer_in / height), frameon=False,
                   fontsize=9)
    title_lines = title.count("\n") + 1
    fig.suptitle(title, fontsize=12)
    fig.tight_layout(rect=(0, (footer_in + legend_in) / height, 1,
                           1 - (0.22 * title_lines + 0.06) / height))


def _save(fig, path: Path) -> Path:
    with atomic_path(path) as temporary:
        fig.savefig(temporary, dpi=120, format="png")
    plt.close(fig)
    return path


def _survey_points(ax, waves: Sequence[Wave], category: str, months: Sequence[str]) -> bool:
    """Draw the waves reporting ``category`` inside the run, with 95% sampling intervals."""
    drawn = False
    for wave in waves:
        share = wave.shares[category]
        if np.isnan(share) or not months[0] <= wave.mid_month <= months[-1]:
            continue
        half = Z95 * np.sqrt(share * (1 - share) / wave.sample_size)
        ax.errorbar(_dates([wave.mid_month]), [100 * share], yerr=[100 * half], fmt="D",
                    color="crimson", markersize=6, capsize=4, zorder=5,
                    label="Chatham House survey wave (95% sampling interval)")
        drawn = True
    return drawn


def _footer(ensemble: Ensemble, credit: str, survey: bool) -> str:
    lines = [f"Lines: model-averaged mean; shaded: its 5-95% range (no survey sampling "
             f"error). {credit}"]
    if survey:
        lines.append("Survey points: Chatham House Belarus Initiative (en.belaruspolls.org), "
                     "urban internet users, at the middle fieldwork month; bars: 95% multinomial "
                     f"sampling interval at the wave's n ({UNKNOWN_SAMPLE_SIZE} assumed where "
                     "unpublished). The model starts from the September 2020 wave by "
                     "construction; the later waves are the test.")
    return "\n".join(lines)


def plot_shares(ensemble: Ensemble, path: str | Path, measure: str = "survey",
                waves: Sequence[Wave] = (), credit: str = "") -> Path:
    """One panel per answer: each scenario's mean and 5-95% band, plus the survey waves."""
    m = MEASURES.index(measure)
    what, unit = MEASURE_TEXT[measure]
    dates = _dates(ensemble.months)
    colours = _colours(len(ensemble.scenarios))
    fig, axes = plt.subplots(2, 2, figsize=(12, 8.8), sharex=True)
    survey_drawn = False
    for c, (ax, category) in enumerate(zip(axes.ravel(), CATEGORIES, strict=True)):
        for name, colour in zip(ensemble.scenarios, colours, strict=True):
            band = ensemble.shares[AVERAGED][name]
            label = f"{name} (reference)" if name == ensemble.reference else name
            ax.plot(dates, 100 * band.mean[:, m, c], color=colour, lw=1.8, label=label)
            ax.fill_between(dates, 100 * band.low[:, m, c], 100 * band.high[:, m, c],
                            color=colour, alpha=0.15, lw=0)
        if measure == "survey":
            survey_drawn |= _survey_points(ax, waves, category, ensemble.months)
        ax.set_title(CATEGORY_LABELS[category], fontsize=11)
        ax.set_ylabel(unit)
        ax.grid(alpha=0.3)
        _date_axis(ax)
    _finish(fig, axes, f"{QUESTION} Projected answers, {ensemble.months[0]} to "
            f"{ensemble.months[-1]}\n{what}", _footer(ensemble, credit, survey_drawn))
    return _save(fig, Path(path))


def plot_differences(ensemble: Ensemble, path: str | Path, measure: str = "survey",
                     credit: str = "") -> Path:
    """One panel per answer: each scenario minus the reference, same member, with bands.

    At the right edge, a marker per variant shows that variant's mean at the last month.
    """
    m = MEASURES.index(measure)
    what, _ = MEASURE_TEXT[measure]
    dates = _dates(ensemble.months)
    colours = _colours(len(ensemble.scenarios))
    fig, axes = plt.subplots(2, 2, figsize=(12, 8.8), sharex=True)
    for c, (ax, category) in enumerate(zip(axes.ravel(), CATEGORIES, strict=True)):
        ax.axhline(0, color="black", lw=1, label=f"{ensemble.reference} (reference) = 0")
        for name, colour in zip(ensemble.scenarios[1:], colours[1:], strict=True):
            band = ensemble.differences[AVERAGED][name]
            ax.plot(dates, 100 * band.mean[:, m, c], color=colour, lw=1.8,
                    label=f"{name} minus {ensemble.reference}")
            ax.fill_between(dates, 100 * band.low[:, m, c], 100 * band.high[:, m, c],
                            color=colour, alpha=0.2, lw=0)
            for variant, marker in zip(ensemble.variants, VARIANT_MARKERS, strict=False):
                ax.plot(dates[-1:] + pd.DateOffset(months=2),
                        [100 * ensemble.differences[variant][name].mean[-1, m, c]],
                        marker=marker, color=colour, ls="none", markersize=5,
                        markerfacecolor="white", label=f"variant {variant} (last month)")
        ax.set_title(CATEGORY_LABELS[category], fontsize=11)
        ax.set_ylabel("percentage points")
        ax.grid(alpha=0.3)
        _date_axis(ax)
    footer = ("Lines: model-averaged mean of (scenario - reference) run by the same ensemble "
              "member, i.e. the same parameters, future and random draws (common random "
              "numbers); shaded: 5-95% range of these paired differences; open markers at the "
              f"right: each variant's mean in the last month. {credit}")
    _finish(fig, axes, f"How much each policy changes the answers, compared with "
            f"{ensemble.reference} (same ensemble member, paired)\n{what}", footer)
    return _save(fig, Path(path))


def plot_horizon(ensemble: Ensemble, path: str | Path, date: str | None = None,
                 measure: str = "survey", credit: str = "") -> Path:
    """Shares at one date (default: the last month) by scenario, averaged and per variant.

    Each scenario has a row for the model-averaged ensemble (filled dot, labelled with the
    paired difference from the reference) and, when several variants ran, one row per
    variant (open markers).
    """
    date = date or ensemble.months[-1]
    t, m = ensemble.months.index(date), MEASURES.index(measure)
    what, unit = MEASURE_TEXT[measure]
    colours = _colours(len(ensemble.scenarios))
    groups = ensemble.groups if len(ensemble.variants) > 1 else (AVERAGED,)
    rows = [(name, group) for name in ensemble.scenarios for group in groups]
    step = 0.42 if len(groups) == 1 else 0.24
    height = max(3.2, 1.0 + step * len(rows))
    fig, axes = plt.subplots(1, 4, figsize=(14, height + 1.6), sharey=True)
    positions = np.arange(len(rows))[::-1]
    markers = dict(zip(ensemble.variants, VARIANT_MARKERS, strict=False))
    for c, (ax, category) in enumerate(zip(axes, CATEGORIES, strict=True)):
        for row, (name, group) in zip(positions, rows, strict=True):
            colour = colours[ensemble.scenarios.index(name)]
            band = ensemble.shares[group][name]
            mean = 100 * band.mean[t, m, c]
            low, high = 100 * band.low[t, m, c], 100 * band.high[t, m, c]
            averaged = group == AVERAGED
            ax.errorbar([mean], [row], xerr=[[mean - low], [high - mean]],
                        fmt="o" if averaged else markers[group], color=colour,
                        capsize=3 if averaged else 0, lw=1.5 if averaged else 0.8,
                        markersize=6 if averaged else 4,
                        markerfacecolor=colour if averaged else "white")
            if name != ensemble.reference:
                diff = ensemble.differences[group][name]
                text = (f"{100 * diff.mean[t, m, c]:+.1f} pp [{100 * diff.low[t, m, c]:+.1f}, "
                        f"{100 * diff.high[t, m, c]:+.1f}]" if averaged
                        else f"{100 * diff.mean[t, m, c]:+.1f}")
                ax.annotate(text, (high, row), xytext=(6, 0), textcoords="offset points",
                            va="center", fontsize=8 if averaged else 7, color=colour)
        ax.set_title(CATEGORY_LABELS[category], fontsize=10)
        ax.set_xlabel(unit)
        ax.grid(axis="x", alpha=0.3)
        ax.margins(x=0.45)
    labels = [(f"{n} (reference)" if n == ensemble.reference else n) if g == AVERAGED
              else f"variant {g}" for n, g in rows]
    axes[0].set_yticks(positions, labels, fontsize=8 if len(groups) > 1 else 10)
    axes[0].set_ylim(-0.7, len(rows) - 0.3)
    footer = ("Filled dots: model-averaged mean; bars: its 5-95% range. "
              + ("Indented rows: each mechanism variant's mean and 5-95% range (open "
                 "markers). " if len(groups) > 1 else "")
              + "Labels: paired difference from the reference in percentage points, mean "
              f"[5-95% range] (variants: mean). {credit}")
    _finish(fig, axes, f"{QUESTION} Projected answers in {date}, by scenario and variant\n"
            f"{what}", footer, legend=False)
    return _save(fig, Path(path))


def _differing_inputs(scenarios: Sequence[Scenario]) -> list[str]:
    """Levers and exogenous inputs whose monthly values differ between the scenarios."""
    compiled = [s.compile_inputs().series for s in scenarios]
    names = registry.names(Group.LEVER) + registry.names(Group.EXOGENOUS)
    return [n for n in names if any(not np.array_equal(compiled[0][n], other[n])
                                    for other in compiled[1:])]


def _departures(values: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Return ``values`` where they depart from the reference (and the month before), else NaN.

    Drawing only the departures keeps every scenario visible where several follow history.
    """
    differs = values != reference
    shown = differs | np.append(differs[1:], False)  # the month before: the step shows
    return np.where(shown, values, np.nan)


def plot_levers(scenarios: Sequence[Scenario], path: str | Path, credit: str = "") -> Path:
    """One small panel per lever (or exogenous input) that differs between the scenarios.

    The reference is drawn in full, each other scenario only where it departs from it. With
    a single scenario, or when no lever differs, every lever is drawn.
    """
    differing = _differing_inputs(scenarios)
    names = differing or list(registry.names(Group.LEVER))
    compiled = [s.compile_inputs() for s in scenarios]
    dates = _dates(compiled[0].months)
    colours = _colours(len(scenarios))
    ncols = min(3, len(names))
    nrows = -(-len(names) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.6 * ncols, 2.7 * nrows + 1.6),
                             sharex=True, squeeze=False)
    for ax, name in zip(axes.ravel(), names, strict=False):
        quantity = registry.get(name)
        reference = compiled[0].series[name]
        ax.plot(dates, reference, color=colours[0], lw=2.4, drawstyle="steps-post",
                label=f"{scenarios[0].name} (reference)")
        for i, (scenario, inputs, colour) in enumerate(zip(scenarios[1:], compiled[1:],
                                                          colours[1:], strict=True)):
            ax.plot(dates, _departures(inputs.series[name], reference), color=colour,
                    lw=max(1.2, 2.0 - 0.3 * i), label=scenario.name, drawstyle="steps-post")
        kind = "" if quantity.group is Group.LEVER else " (exogenous)"
        ax.set_title(f"{name}{kind}", fontsize=10)
        ax.set_ylabel("\n".join(textwrap.wrap(quantity.unit, 28)), fontsize=8)
        ax.grid(alpha=0.3)
        _date_axis(ax)
    for ax in axes.ravel()[len(names):]:
        ax.set_visible(False)
    which = ("levers and inputs that differ between the scenarios" if differing
             else "every lever")
    footer = ("Black: the reference scenario; colours: other scenarios where they depart from "
              "it. History to late 2025 from the sources in docs/levers.md "
              f"(model/inputs/registry.py); changes from the scenario files. {credit}")
    _finish(fig, axes, f"Western policy levers by scenario ({which}), monthly", footer)
    return _save(fig, Path(path))
