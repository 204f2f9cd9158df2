"""The page's two figures, drawn with matplotlib's object API (no pyplot global state).

Both read the model as it stands: ``shares_figure`` the monthly answer shares recorded so
far against the Chatham House waves, ``attitudes_figure`` the latent attitudes (r, e) of a
fixed sample of residents this month. Both name the month they show.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from ..core.observation import CATEGORIES, MEASURES, answer_chances
from ..core.population import DIETS
from ..inputs.calendar import parse_month
from ..inputs.survey_data import Wave
from .explorer_model import ExplorerModel

ANSWER_COLOURS = {"russia": "#c0392b", "both": "#8e44ad", "eu": "#1f5fbf", "neither": "#7f8c8d"}
ANSWER_LABELS = {"russia": "Russia", "both": "both", "eu": "EU", "neither": "neither"}
DIET_COLOURS = {"state_only": "#d35400", "both": "#8e44ad", "independent_only": "#16a085",
                "rarely": "#95a5a6"}
COLOUR_MODES = ("likely answer", "media diet")
#: Two-sided 95% normal quantile, for the waves' sampling error bars.
Z95 = 1.96


def _year(month: str) -> float:
    """Return a month as a decimal year at its middle (2020-09 -> 2020.71)."""
    absolute = parse_month(month)
    return absolute // 12 + (absolute % 12 + 0.5) / 12


def shares_figure(model: ExplorerModel, waves: list[Wave], show_population: bool = False,
                  width: float = 6.4, height: float = 4.2) -> Figure:
    """Return the four survey-answer shares over time, with the survey waves.

    Solid lines: the survey measure (what the Chatham House panel would report) for the
    months run so far. With the ``averaged`` variant, shading: the range over the variants,
    dash-dotted: their weighted mean. Dashed (optional): what all residents think. Points:
    the waves with 95% sampling intervals. A dotted line marks the policy month when levers
    were moved.
    """
    figure = Figure(figsize=(width, height), layout="constrained")
    axes = figure.add_subplot()
    years = np.array([_year(m) for m in model.months])
    done = model.month_index + 1
    survey = MEASURES.index("survey")
    population = MEASURES.index("population")
    for c, category in enumerate(CATEGORIES):
        colour = ANSWER_COLOURS[category]
        axes.plot(years[:done], 100 * model.shares[:done, survey, c], color=colour, lw=2,
                  label=ANSWER_LABELS[category])
        if show_population:
            axes.plot(years[:done], 100 * model.shares[:done, population, c], color=colour,
                      lw=1.2, ls="--")
        for wave in waves:
            share = wave.shares[category]
            if np.isnan(share) or not model.months[0] <= wave.mid_month <= model.months[-1]:
                continue
            error = 100 * Z95 * np.sqrt(share * (1 - share) / wave.sample_size)
            axes.errorbar(_year(wave.mid_month), 100 * share, yerr=error, fmt="o",
                          color=colour, mec="white", ms=7, capsize=3, zorder=5)
    axes.errorbar([], [], yerr=[], fmt="o", color="black", capsize=3,
                  label="survey wave, 95% interval")
    if show_population:
        axes.plot([], [], color="black", lw=1.2, ls="--", label="all residents")
    band = model.variant_band
    if band is not None:
        _draw_band(axes, years[:done], band, done)
    if model.what_if is not model.picked:
        policy = _year(model.settings.policy_month) - 0.5 / 12
        axes.axvline(policy, color="black", ls=":", lw=1.2)
        axes.annotate(f"levers moved\nfrom {model.settings.policy_month}", (policy, 0.97),
                      xycoords=("data", "axes fraction"), xytext=(-4, 0),
                      textcoords="offset points", ha="right", va="top", fontsize=9)
    axes.set_xlim(years[0] - 0.1, years[-1] + 0.1)
    recorded = model.shares[:done][np.isfinite(model.shares[:done])]
    top = max(60.0, 100 * float(recorded.max(initial=0)) + 8)
    axes.set_ylim(0, min(100.0, 10 * np.ceil(top / 10)))
    axes.set_ylabel("share of answers (%)")
    axes.grid(alpha=0.3)
    axes.set_title(f"Preferred alliance, survey measure · {model.month}", loc="left",
                   fontsize=13, fontweight="bold")
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=6, fontsize=9,
                frameon=False, handlelength=1.6, columnspacing=1.2)
    return figure


def _draw_band(axes, years: np.ndarray, band, done: int) -> None:
    """Shade each answer's range across the variants and dash their weighted mean."""
    for c, category in enumerate(CATEGORIES):
        colour = ANSWER_COLOURS[category]
        axes.fill_between(years, 100 * band.low[:done, c], 100 * band.high[:done, c],
                          color=colour, alpha=0.15, lw=0)
        axes.plot(years, 100 * band.mean[:done, c], color=colour, lw=1.2, ls="-.")
    axes.fill_between([], [], [], color="black", alpha=0.15,
                      label=f"range over the {len(band.names)} variants")
    axes.plot([], [], color="black", lw=1.2, ls="-.",
              label=f"weighted mean ({band.weighting} weights)")


def attitudes_figure(model: ExplorerModel, colour_by: str = COLOUR_MODES[0],
                     width: float = 4.7, height: float = 4.2) -> Figure:
    """Return a scatter of the sampled residents' attitudes (r, e) this month.

    The threshold lines split the plane into the four answers each citizen is most likely
    to give; colour shows that answer or the citizen's media diet.

    Raises:
        ValueError: for an unknown ``colour_by``.
    """
    if colour_by not in COLOUR_MODES:
        raise ValueError(f"colour_by must be one of {COLOUR_MODES}, got {colour_by!r}")
    state, params = model.world.state, model.params
    rows = model.sample[state.present[model.sample]]
    r, e = state.r[rows], state.e[rows]
    figure = Figure(figsize=(width, height), layout="constrained")
    axes = figure.add_subplot()
    if colour_by == "likely answer":
        likely = answer_chances(r, e, model.world.params).argmax(axis=0)
        groups = [(ANSWER_LABELS[c], ANSWER_COLOURS[c], likely == i)
                  for i, c in enumerate(CATEGORIES)]
    else:
        diet = model.world.population.diet[rows]
        groups = [(d.replace("_", " "), DIET_COLOURS[d], diet == i) for i, d in enumerate(DIETS)]
    for label, colour, chosen in groups:
        axes.scatter(r[chosen], e[chosen], s=6, alpha=0.55, color=colour, linewidths=0,
                     label=f"{label} ({chosen.mean():.0%})")
    axes.axvline(params.threshold_russia, color="black", lw=0.8)
    axes.axhline(params.threshold_eu, color="black", lw=0.8)
    for x, y, text in ((0.98, 0.98, "both"), (0.02, 0.98, "EU"), (0.98, 0.02, "Russia"),
                       (0.02, 0.02, "neither")):
        axes.text(x, y, text, transform=axes.transAxes, ha="right" if x > 0.5 else "left",
                  va="top" if y > 0.5 else "bottom", fontsize=9, color="0.35")
    axes.set_xlim(-1, 1)
    axes.set_ylim(-1, 1)
    axes.set_aspect("equal")
    axes.set_xlabel("attitude toward Russia, r")
    axes.set_ylabel("attitude toward the EU, e")
    axes.set_title(f"{rows.size:,} sampled residents · {model.month}", loc="left", fontsize=13,
                   fontweight="bold")
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=2, fontsize=8,
                markerscale=2.5, frameon=False)
    return figure
