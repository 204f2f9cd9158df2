"""Figures of the sensitivity and robustness analyses, for readers who never saw the model.

Shares and changes are drawn in percentage points; every figure says which runs it rests on.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from .plots import CATEGORY_LABELS, MEASURE_TEXT, QUESTION, _finish, _save

#: The outcomes the figures show (the issue's three: Russia, both, EU).
SHOWN = ("russia", "both", "eu")


def outcome_text(outcome: str) -> str:
    """Return a reader's label for an outcome name such as ``eu_2030_change``."""
    category = outcome.split("_")[0]
    label = CATEGORY_LABELS.get(category, outcome)
    return f"Change in '{label}'" if outcome.endswith("_change") else f"'{label}'"


def _pick(outcomes, change: bool) -> list[str]:
    chosen = [o for o in outcomes if o.split("_")[0] in SHOWN and o.endswith("_change") == change]
    chosen.sort(key=lambda o: SHOWN.index(o.split("_")[0]))
    return chosen or list(outcomes)


def plot_tornado(table: pd.DataFrame, path: str | Path, horizon: str, measure: str,
                 credit: str = "") -> Path:
    """Tornado: each lever's change of each outcome at the low and high ends of its range."""
    outcomes = _pick(table["outcome"].unique(), change=True)
    levers = (table.groupby("factor", sort=False)["swing"].max()
              .sort_values(ascending=True).index.tolist())
    fig, axes = plt.subplots(1, len(outcomes), sharey=True,
                             figsize=(4.6 * len(outcomes) + 2.4, 3.9 + 0.42 * len(levers)))
    axes = np.atleast_1d(axes)
    rows = np.arange(len(levers))
    for ax, outcome in zip(axes, outcomes, strict=True):
        part = table[table["outcome"] == outcome].set_index("factor").loc[levers]
        low, high = 100 * part["change_at_low"].to_numpy(), 100 * part["change_at_high"].to_numpy()
        ax.barh(rows, low, color="tab:orange", height=0.7,
                label="lever at the low end of its range")
        ax.barh(rows, high, color="tab:blue", height=0.42,
                label="lever at the high end of its range")
        ax.axvline(0, color="black", linewidth=0.8)
        ax.set_title(f"{outcome_text(outcome)}\nin {horizon}", fontsize=10)
        ax.set_xlabel("percentage points vs status quo")
        ax.grid(axis="x", alpha=0.3)
    ticks = [f"{name}\n[{_number(lo)} to {_number(hi)}]" for name, lo, hi in
             table.drop_duplicates("factor").set_index("factor")
             .loc[levers, ["value_at_low", "value_at_high"]].itertuples()]
    axes[0].set_yticks(rows, ticks, fontsize=8)
    what, _ = MEASURE_TEXT[measure]
    footer = ("Each lever alone set to the low or high end of its range from the policy month "
              "on, every other input at its baseline value; bars: change from the status quo "
              f"(the baseline, same seeds). Ranges in brackets, registry units. {credit}")
    _finish(fig, axes, f"{QUESTION} Which levers move the answers most?\n{what}", footer)
    return _save(fig, Path(path))


def _number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 or float(value).is_integer() else f"{value:g}"


def plot_sobol(indices: pd.DataFrame, path: str | Path, horizon: str, measure: str,
               credit: str = "") -> Path:
    """Sobol first-order and total indices per factor, with confidence intervals."""
    outcomes = _pick(indices["outcome"].unique(), change=False)
    factors = (indices[indices["outcome"].isin(outcomes)].groupby("factor", sort=False)["ST"]
               .max().sort_values().index.tolist())
    fig, axes = plt.subplots(1, len(outcomes), sharey=True,
                             figsize=(4.2 * len(outcomes) + 2.4, 3.9 + 0.4 * len(factors)))
    axes = np.atleast_1d(axes)
    rows = np.arange(len(factors))
    level = indices["conf_level"].iloc[0]
    for ax, outcome in zip(axes, outcomes, strict=True):
        part = indices[indices["outcome"] == outcome].set_index("factor").loc[factors]
        ax.barh(rows + 0.2, part["ST"], height=0.38, xerr=part["ST_conf"], color="tab:blue",
                capsize=2, label="total index ST (alone and through interactions)")
        ax.barh(rows - 0.2, part["S1"], height=0.38, xerr=part["S1_conf"], color="tab:orange",
                capsize=2, label="first-order index S1 (alone)")
        ax.axvline(0, color="black", linewidth=0.8)
        ax.set_title(f"{outcome_text(outcome)}\nin {horizon}", fontsize=10)
        ax.set_xlabel("share of the outcome's variance")
        ax.grid(axis="x", alpha=0.3)
    axes[0].set_yticks(rows, factors, fontsize=8)
    what, _ = MEASURE_TEXT[measure]
    footer = (f"Sobol indices (Saltelli sampling, SALib); error bars: {100 * level:.0f}% "
              "bootstrap intervals. Each factor varied over its range (levers and exogenous "
              "inputs from the policy month on). Values below 0 or above 1 are estimation error "
              f"at this sample size (raise --samples). {credit}")
    _finish(fig, axes, f"{QUESTION} How much of the spread in {horizon} each input explains\n"
            f"{what}", footer)
    return _save(fig, Path(path))


def plot_morris(indices: pd.DataFrame, path: str | Path, horizon: str, measure: str,
                credit: str = "", change: bool = False) -> Path:
    """Morris mu* per factor (bars with confidence intervals), sigma as a marker.

    With ``change``, the outcomes are the changes from the status quo: what moves the effect
    of the levers (an uncertainty ranks high there by modulating what the levers do).
    """
    outcomes = _pick(indices["outcome"].unique(), change=change)
    factors = (indices[indices["outcome"].isin(outcomes)].groupby("factor", sort=False)
               ["mu_star"].max().sort_values().index.tolist())
    fig, axes = plt.subplots(1, len(outcomes), sharey=True,
                             figsize=(4.2 * len(outcomes) + 2.6, 3.9 + 0.34 * len(factors)))
    axes = np.atleast_1d(axes)
    rows = np.arange(len(factors))
    level = indices["conf_level"].iloc[0]
    colours = {"lever": "tab:blue", "exogenous": "tab:red", "parameter": "tab:gray",
               "analytic": "tab:gray"}
    for ax, outcome in zip(axes, outcomes, strict=True):
        part = indices[indices["outcome"] == outcome].set_index("factor").loc[factors]
        for group, colour in colours.items():
            mask = (part["group"] == group).to_numpy()
            if mask.any():
                ax.barh(rows[mask], 100 * part["mu_star"][mask], height=0.7, color=colour,
                        xerr=100 * part["mu_star_conf"][mask], capsize=2,
                        label=f"mu*: {group}" + (" (Western policy)" if group == "lever"
                                                  else " (uncertainty)"))
        ax.plot(100 * part["sigma"], rows, "k|", markersize=9,
                label="sigma: spread of the effects (non-linearity, interactions)")
        ax.set_title(f"{outcome_text(outcome)}\nin {horizon}", fontsize=10)
        ax.set_xlabel("percentage points per full range")
        ax.grid(axis="x", alpha=0.3)
    axes[0].set_yticks(rows, factors, fontsize=8)
    what, _ = MEASURE_TEXT[measure]
    footer = ("Morris elementary effects (SALib): mu* = mean absolute change of the outcome "
              "when the input moves across its whole range, one input at a time from many "
              f"starting points; error bars: {100 * level:.0f}% bootstrap intervals. Levers "
              f"and exogenous inputs act from the policy month on. {credit}")
    if change:
        footer += ("\nChanges are policy minus status quo on the same seed and uncertainties; "
                   "an uncertainty's mu* here measures how much it alters the levers' effect.")
        title = f"Screening: which inputs move the levers' effect on the answers in {horizon}"
    else:
        title = f"{QUESTION} Screening: which inputs move the answers in {horizon}"
    _finish(fig, axes, f"{title}\n{what}", footer)
    return _save(fig, Path(path))


def plot_robustness(table: pd.DataFrame, path: str | Path, horizon: str, measure: str,
                    credit: str = "") -> Path:
    """Share of sampled futures in which each policy helps, with confidence intervals."""
    tests = (("lowers_russia", "lowers the Russia share", "tab:red"),
             ("raises_eu", "raises the EU share", "tab:blue"),
             ("lowers_russia_and_raises_eu", "does both", "black"))
    table = table.sort_values("lowers_russia_and_raises_eu")
    names = table["scenario"].tolist()
    fig, ax = plt.subplots(figsize=(10, 3.9 + 0.55 * len(names)))
    rows = np.arange(len(names))
    for offset, (column, label, colour) in zip((0.22, 0.0, -0.22), tests, strict=True):
        share = 100 * table[column].to_numpy()
        low, high = 100 * table[f"{column}_low"].to_numpy(), 100 * table[f"{column}_high"]
        ax.errorbar(share, rows + offset, xerr=[share - low, np.asarray(high) - share],
                    fmt="o", color=colour, capsize=3, label=f"policy {label}")
    ax.axvline(50, color="0.6", linewidth=0.8, linestyle="--")
    ax.set_xlim(-2, 102)
    ax.set_yticks(rows, names)
    ax.set_xlabel(f"% of sampled futures (vs the status quo in {horizon})")
    ax.grid(axis="x", alpha=0.3)
    samples = int(table["samples"].iloc[0])
    level = table["conf_level"].iloc[0]
    source = table["uncertainty_source"].iloc[0]
    what, _ = MEASURE_TEXT[measure]
    footer = (f"Each policy scenario and the baseline run on the same {samples} sampled "
              f"futures ({source}), each with its own seed shared by the pair; dots: share of "
              f"futures in which the policy helps; bars: {100 * level:.0f}% Wilson intervals. "
              f"{credit}")
    _finish(fig, ax, f"Does the policy help across the unknowns? {QUESTION}\n{what}", footer)
    return _save(fig, Path(path))
