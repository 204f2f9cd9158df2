"""Figures and tables of a fit: posterior marginals and the posterior predictive check."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ..analysis.calibration.abc import FitResult
from ..analysis.calibration.validation import INTERVAL
from ..core.observation import CATEGORIES, MEASURES
from ..core.streams import generator
from ..inputs import registry
from ..inputs.scenario import Scenario, baseline
from ..inputs.survey_data import UNKNOWN_SAMPLE_SIZE, Wave, load_waves
from ..runs.execution import RunsFailedError, Task, iter_results, run_tasks
from .plots import CATEGORY_LABELS, QUESTION, _date_axis, _dates, _finish, _save, _survey_points

_SURVEY = MEASURES.index("survey")
#: The key of the stream the predictive check draws its particles from. It predates named
#: streams; kept so that ``calibrate`` redraws the particles of the committed figure
#: (docs/figures/calibration_predictive.png).
PREDICTIVE_STREAM = 0x70707


def plot_marginals(result: FitResult, path: str | Path, prior_draws: int = 0) -> Path:
    """Draw each fitted parameter's weighted posterior histogram over its prior range."""
    import matplotlib.pyplot as plt

    names = list(result.particles.columns)
    ncol = 4
    nrow = -(-len(names) // ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(12, 2.4 * nrow + 1.6), squeeze=False)
    for ax, name in zip(axes.ravel(), names, strict=False):
        quantity = registry.get(name)
        low, high = result.config.prior(name)
        ax.hist(result.particles[name], bins=20, range=(low, high), weights=result.weights,
                density=True, color="steelblue", alpha=0.8, label="posterior (weighted)")
        ax.axhline(1 / (high - low), color="0.4", linestyle="--", label="uniform prior")
        ax.axvline(quantity.default, color="crimson", label="hand-set default")
        ax.set_xlim(low, high)
        ax.set_title(f"{name} ({quantity.symbol})", fontsize=9)
        ax.set_yticks([])
    for ax in axes.ravel()[len(names):]:
        ax.set_visible(False)
    footer = (f"ABC-SMC (pyabc), {result.evaluations:,} model runs of "
              f"{result.config.n_citizens:,} citizens, {len(result.weights)} particles (effective "
              f"{result.effective_sample_size:.0f}) in the last of {len(result.generations)} "
              "generations (epsilon "
              f"{result.generations.epsilon.iloc[-1]:.2f}). Fitted to the Chatham House waves "
              f"{', '.join(result.config.fit_waves)} with multinomial sampling error. Units and "
              "meanings: python run.py levers NAME, docs/levers.md.")
    _finish(fig, axes, "Calibrated parameters: posterior against prior", footer)
    return _save(fig, Path(path))


def draw_particles(result: FitResult, draws: int, seed: int) -> list[dict[str, float]]:
    """Return ``draws`` weight-proportional particles (seeded, with replacement)."""
    rng = generator(seed, PREDICTIVE_STREAM)
    rows = rng.choice(len(result.weights), size=draws, p=result.weights)
    return [{k: float(v) for k, v in result.particles.iloc[row].items()} for row in rows]


def predictive_runs(result: FitResult, out_dir: str | Path, draws: int = 40, end: str = "2025-12",
                    n_citizens: int | None = None, workers: int = 1, scheduler: object = None,
                    scenario: Scenario | None = None) -> tuple[tuple[str, ...], np.ndarray]:
    """Run the baseline with ``draws`` posterior particles (seed i for draw i).

    Runs go through the execution engine (resumable, parallel) into ``out_dir``.

    Returns:
        The months and the survey shares, shape (draws, months, 4 categories).
    """
    scenario = (scenario or baseline()).with_changes(end=end)
    fixed = dict(result.config.fixed)
    particles = draw_particles(result, draws, result.config.seed)
    tasks = [Task(scenario, seed, {**fixed, **draw}, n_citizens or result.config.n_citizens)
             for seed, draw in enumerate(particles)]
    report = run_tasks(tasks, out_dir, workers=workers, scheduler=scheduler,
                       description="posterior predictive")
    if not report.ok:
        raise RunsFailedError(report)
    arrays = np.stack([array[:, _SURVEY, :] for _, array in iter_results(out_dir, tasks)])
    months = pd.period_range(scenario.start, end, freq="M").strftime("%Y-%m")
    return tuple(months), arrays


def plot_predictive(months: Sequence[str], shares: np.ndarray, path: str | Path,
                    fit_waves: Sequence[str], title: str, credit: str = "",
                    waves: Sequence[Wave] | None = None) -> Path:
    """Draw the survey's posterior predictive band per category with the waves on top.

    ``waves`` are the survey points (default: the shipped waves file).
    """
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 2, figsize=(11, 7.6), sharex=True)
    dates = _dates(months)
    waves = load_waves() if waves is None else waves
    for ax, (c, category) in zip(axes.ravel(), enumerate(CATEGORIES), strict=True):
        low, mid, high = np.percentile(100 * shares[:, :, c], [5, 50, 95], axis=0)
        ax.fill_between(dates, low, high, color="steelblue", alpha=0.3,
                        label="model: 5-95% over posterior draws")
        ax.plot(dates, mid, color="steelblue", label="model: median")
        _survey_points(ax, waves, category, months)
        ax.set_title(CATEGORY_LABELS[category], fontsize=10)
        ax.set_ylabel("% of respondents")
        _date_axis(ax)
    footer = (f"{QUESTION} Virtual Chatham House survey (no sampling error in the band) for "
              f"{shares.shape[0]} parameter sets drawn from the posterior, one seed each. "
              f"Fitted waves: {', '.join(fit_waves)}; Sep 2020 is the initial condition. "
              "Survey points: Chatham House Belarus Initiative, 95% multinomial sampling "
              f"intervals ({UNKNOWN_SAMPLE_SIZE} respondents assumed where unpublished). "
              f"{credit}")
    _finish(fig, axes, title, footer)
    return _save(fig, Path(path))


def fit_tables(result: FitResult) -> dict[str, pd.DataFrame]:
    """Return the tables a fit writes: posterior, parameter summary, generations."""
    from ..analysis.calibration.abc import summarise

    return {"posterior.csv": result.posterior_table(),
            "parameters.csv": summarise(result),
            "generations.csv": result.generations}


def plot_validation(table: pd.DataFrame, path: str | Path) -> Path:
    """Draw each held-out share with every method's forecast and interval."""
    import matplotlib.pyplot as plt

    cases = table[["held_out", "category"]].drop_duplicates().to_records(index=False)
    methods = list(dict.fromkeys(table["method"]))
    fig, axes = plt.subplots(1, len(cases), figsize=(2.3 * len(cases) + 1.5, 4.6),
                             squeeze=False)
    colours = plt.get_cmap("tab10").colors
    for ax, (held_out, category) in zip(axes[0], cases, strict=True):
        rows = table[(table.held_out == held_out) & (table.category == category)]
        for i, method in enumerate(methods):
            row = rows[rows.method == method]
            if row.empty:
                continue
            row = row.iloc[0]
            below, above = 100 * (row.predicted - row.low), 100 * (row.high - row.predicted)
            ax.errorbar([i], [100 * row.predicted], yerr=[[below], [above]],
                        fmt="o", color=colours[i % 10], capsize=3, label=method)
        ax.axhline(100 * rows.observed.iloc[0], color="crimson", linestyle="--",
                   label="observed (Chatham House)")
        ax.set_title(f"{held_out}\n{CATEGORY_LABELS[category]}", fontsize=8)
        ax.set_xticks([])
        ax.set_ylabel("% of respondents")
    footer = (f"Each panel: one share of a held-out wave. Points: forecasts with {INTERVAL:.0%} "
              "predictive intervals (model: posterior predictive with the wave's sampling "
              "error, fitted without that wave; naive: persistence and linear trend from "
              "earlier waves with sampling error only). Dashed: what the survey reported. "
              "Source: Chatham House Belarus Initiative.")
    _finish(fig, axes, "Out-of-sample forecasts of held-out survey waves", footer)
    return _save(fig, Path(path))
