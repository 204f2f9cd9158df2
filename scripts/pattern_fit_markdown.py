"""Print what fitting the travel patterns changed, as the tables of docs/calibration.md.

Usage::

    python scripts/pattern_fit_markdown.py FIT_DIR [FIT_DIR ...]

Each FIT_DIR is the output folder of ``python run.py calibrate --variant NAME`` with or
without ``--patterns travel``. For each fit the script prints its cost and convergence, the
distance over the six alliance shares alone (so that fits with and without the patterns'
three extra terms compare on the same scale: the weighted mean over the last generation's
particles of ``SurveyDistance`` on the shares' survey samples), the posterior of the
contact gain and of the travel parameters (mean, 90% interval, sd ratio), and the travel
figures' posterior predictive where the fit scored them (``pattern_check.csv``).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyabc

from model.analysis.calibration.targets import (
    SurveyDistance,
    observed_stats,
    sampling_sds,
    target_waves,
)
from model.inputs.survey_patterns import TRAVEL

SHOWN = ("contact_gain", "anchoring_rate", *TRAVEL.frees)


def shares_distance(folder: Path, fit_waves: list[str]) -> float:
    """Return the weighted mean distance over the alliance shares of the last generation."""
    history = pyabc.History(f"sqlite:///{(folder / 'abc.db').resolve()}")
    weights, stats = history.get_weighted_sum_stats(t=history.max_t)
    fitted = [t for t in target_waves() if t.key in fit_waves]
    distance = SurveyDistance(sampling_sds(fitted))
    observed = observed_stats(fitted)
    values = np.array([distance(x, observed) for x in stats])
    return float(np.average(values, weights=weights))


def main(folders: list[Path]) -> None:
    """Print the three tables."""
    rows, parameters, patterns = [], [], []
    for folder in folders:
        manifest = json.loads((folder / "manifest.json").read_text())
        config, result = manifest["config"], manifest["result"]
        label = f"{manifest['variant']}, " + ("shares + travel" if config.get("patterns")
                                               else "shares only")
        rows.append(f"| {label} | {len(config['free'])} | {result['evaluations']:,} | "
                    f"{result['generations']} | {result['final_epsilon']:.2f} | "
                    f"{shares_distance(folder, config['fit_waves']):.2f} | "
                    f"{result['effective_particles']:.0f} |")
        table = pd.read_csv(folder / "parameters.csv").set_index("parameter")
        cells = [f"{table.loc[n, 'mean']:.3g} [{table.loc[n, 'q05']:.3g}, "
                 f"{table.loc[n, 'q95']:.3g}] ({table.loc[n, 'sd_ratio']:.2f})"
                 if n in table.index else "held" for n in SHOWN]
        parameters.append(f"| {label} | " + " | ".join(cells) + " |")
        check = folder / "pattern_check.csv"
        if check.is_file():
            found = pd.read_csv(check)
            patterns.append(f"| {label} | " + " | ".join(
                f"{100 * r.predicted:.1f} [{100 * r.low:.1f}, {100 * r.high:.1f}]"
                for r in found.itertuples()) + " |")
    print("| Fit | Fitted | Runs | Generations | Final epsilon | Distance, shares only "
          "| Effective particles |")
    print("|---|---|---|---|---|---|---|")
    print("\n".join(rows))
    print()
    print("| Fit | " + " | ".join(f"`{n}`" for n in SHOWN) + " |")
    print("|---|" + "---|" * len(SHOWN))
    print("\n".join(parameters))
    print()
    print("| Fit | " + " | ".join(TRAVEL.patterns) + " |")
    print("|---|" + "---|" * len(TRAVEL.patterns))
    print("\n".join(patterns))


if __name__ == "__main__":
    main([Path(a) for a in sys.argv[1:]])
