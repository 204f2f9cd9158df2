"""Figures of ``attribute``: the waterfall of a shift, and its attribution month by month."""

from __future__ import annotations

import textwrap
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..runs.attribution_tables import RESIDUAL, TOTAL
from ..runs.outputs import AVERAGED
from .plots import (
    CATEGORY_LABELS,
    MEASURE_TEXT,
    QUESTION,
    VARIANT_MARKERS,
    _colours,
    _date_axis,
    _dates,
    _finish,
    _save,
)

RISE, FALL, ENDS = "tab:red", "tab:blue", "0.55"


def _panels(answers: list[str]):
    columns = min(2, len(answers))
    rows = -(-len(answers) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(6.4 * columns, 4.6 * rows + 1.4),
                             squeeze=False)
    for ax in axes.ravel()[len(answers):]:
        ax.set_visible(False)
    return fig, axes


def plot_waterfall(table: pd.DataFrame, path: str | Path, outcome: str, credit: str) -> Path:
    """Draw, per answer, the Sep 2020 share, one bar per factor and the residual, the outcome.

    Bars are the model-averaged Shapley values with their 5-95% interval across draws;
    markers are each variant's value; diamonds the published shares, where there are some.
    """
    answers = list(dict.fromkeys(table["answer"]))
    variants = [v for v in dict.fromkeys(table["variant"]) if v != AVERAGED]
    fig, axes = _panels(answers)
    for ax, answer in zip(axes.ravel(), answers, strict=False):
        rows = table[table["answer"] == answer]
        mine = rows[rows["variant"] == AVERAGED].set_index("factor")
        steps = mine.drop(index=TOTAL)
        start = 100 * mine.loc[TOTAL, "simulated_start"]
        labels = ["Sep 2020", *[str(label) for label in steps["label"]], "outcome"]
        labels[-2] = "residual: nothing changes"
        ax.bar(0, start, color=ENDS)
        level, levels = start, [start]
        for x, (key, row) in enumerate(steps.iterrows(), start=1):
            value = 100 * row["shapley"]
            ax.bar(x, value, bottom=level, color=RISE if value >= 0 else FALL,
                   edgecolor="black" if key == RESIDUAL else "none", hatch="//" if key ==
                   RESIDUAL else None)
            below, above = value - 100 * row["shapley_p05"], 100 * row["shapley_p95"] - value
            ax.errorbar(x, level + value, yerr=[[max(below, 0)], [max(above, 0)]],
                        color="black", capsize=3, lw=1)
            levels += [level, level + value]
            for marker, variant in zip(VARIANT_MARKERS, variants, strict=False):
                other = rows[(rows["variant"] == variant) & (rows["factor"] == key)]
                ax.plot(x + 0.25, level + 100 * other["shapley"].iloc[0], marker,
                        color="0.2", markersize=4, label=f"variant {variant}")
            level += value
        end = len(labels) - 1
        ax.bar(end, level, color=ENDS)
        for x, column in ((0, "observed_start"), (end, "observed_outcome")):
            published = mine.loc[TOTAL, column]
            if np.isfinite(published):
                ax.plot(x, 100 * published, "D", color="crimson", markersize=7, zorder=5,
                        label="published Chatham House share")
                levels.append(100 * published)
        # The ends stand on zero; the axis zooms in on the steps, where the answer is.
        low, high = min(levels), max(levels)
        margin = max(high - low, 1.0)
        ax.set_ylim(max(0.0, low - 0.6 * margin), high + 0.25 * margin)
        ax.set_xticks(range(len(labels)), [_wrap(label) for label in labels], fontsize=7,
                      rotation=30, ha="right")
        ax.set_title(CATEGORY_LABELS[answer], fontsize=10)
        ax.set_ylabel("%")
        ax.grid(axis="y", alpha=0.3)
    measure = table["measure"].iloc[0]
    title = (f"{QUESTION} Why the share moved from Sep 2020\nto {outcome}: "
             f"{MEASURE_TEXT[measure][0].split(':')[0]}, Shapley values")
    footer = ("Bars: model-averaged Shapley value of each factor (red up, blue down), whiskers "
              "its 5-95% range across draws; the residual ('nothing changes') is the frozen world "
              "against its start (every factor held). Markers: each mechanism variant. "
              f"{credit}")
    _finish(fig, axes, title, footer)
    return _save(fig, Path(path))


def _wrap(label: str, width: int = 22) -> str:
    return "\n".join(textwrap.wrap(label, width)) or label


def plot_path(path_table: pd.DataFrame, path: str | Path, outcome: str, credit: str) -> Path:
    """Draw, per answer, each factor's model-averaged Shapley value of the shift since Sep 2020."""
    rows = path_table[path_table["variant"] == AVERAGED]
    answers = list(dict.fromkeys(rows["answer"]))
    factors = list(dict.fromkeys(rows["factor"]))
    colours = _colours(len(factors) + 1)[1:]
    fig, axes = _panels(answers)
    for ax, answer in zip(axes.ravel(), answers, strict=False):
        for colour, factor in zip(colours, factors, strict=True):
            line = rows[(rows["answer"] == answer) & (rows["factor"] == factor)]
            style = {TOTAL: dict(color="black", lw=2.2), RESIDUAL: dict(color="0.4", ls="--")}
            ax.plot(_dates(line["date"]), 100 * line["cumulative"],
                    **style.get(factor, dict(color=colour, lw=1.4)),
                    label=str(line["label"].iloc[0]))
        ax.axhline(0, color="0.6", lw=0.8)
        _date_axis(ax)
        ax.set_title(CATEGORY_LABELS[answer], fontsize=10)
        ax.set_ylabel("percentage points since Sep 2020")
        ax.grid(alpha=0.3)
    title = (f"{QUESTION} Attribution of the shift since Sep 2020, month by month\n"
             f"(the factors of the attribution of {outcome})")
    footer = ("Lines: model-averaged Shapley value of each factor in the shift of the share from "
              "Sep 2020 to each month (they add up, with the dashed 'nothing changes' residual, "
              f"to the black total). {credit}")
    _finish(fig, axes, title, footer)
    return _save(fig, Path(path))
