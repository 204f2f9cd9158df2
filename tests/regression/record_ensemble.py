"""Record an ensemble's means and spreads, to compare model versions that differ seed by seed.

A change that alters every seed's random numbers (a new generator, a new order) cannot be
checked run by run, only in distribution. This script runs a fixed ensemble with whatever
``model`` package is importable and writes its statistics; ``tests/test_ensemble.py`` runs
the same ensemble with the current code and compares. The committed file
``ensemble_reference.json`` was recorded with the model as calibrated on 2026-12-01 (the
dynamics of the "credible dynamics" change); a change meant to alter only the random
numbers, not the model, must leave the test passing, and the exact regression baseline is
then refreshed with ``update_baseline.py``. A change of the model itself re-records it:

    python tests/regression/record_ensemble.py ensemble_reference.json

(The engine's rewrite was checked the same way against ``521770a``, the code of 2026-11-28:
largest |z| 1.5 over the 56 means, spread ratios 0.84 to 1.45; and numbering citizens
around the network's ring, 2026-12-02, against this reference: largest |z| 1.51, spread
ratios 0.65 to 1.28; ``docs/performance.md``.)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from model import load_scenario, simulate

SCENARIOS = ("baseline", "engagement_package", "full_isolation")
SEEDS = range(32)
CITIZENS = 4_000
MONTHS = ("2022-01", "2022-11", "2025-10", "2030-12")
CATEGORIES = ("russia", "both", "eu", "neither")
LIBRARY = Path(__file__).resolve().parents[2] / "scenarios"


def ensemble() -> dict[str, np.ndarray]:
    """Return, for each statistic, its value in every seed of the ensemble.

    Statistics: each scenario's survey share of each answer in each month, and each policy's
    paired difference from the baseline in 2030-12.
    """
    values: dict[str, list[float]] = {}
    for seed in SEEDS:
        results = {name: simulate(load_scenario(LIBRARY / f"{name}.toml"), seed=seed,
                                  n_citizens=CITIZENS) for name in SCENARIOS}
        for name, result in results.items():
            for month in MONTHS:
                for category, share in result.at(month).items():
                    values.setdefault(f"{name}/{month}/{category}", []).append(share)
            if name != "baseline":
                reference = results["baseline"].at("2030-12")
                for category, share in result.at("2030-12").items():
                    values.setdefault(f"{name}-baseline/2030-12/{category}", []).append(
                        share - reference[category])
    return {key: np.array(series) for key, series in values.items()}


def statistics(values: dict[str, np.ndarray]) -> dict[str, dict[str, float]]:
    """Return each statistic's mean and standard deviation over seeds."""
    return {key: {"mean": float(series.mean()), "sd": float(series.std(ddof=1)),
                  "seeds": int(series.size)} for key, series in values.items()}


if __name__ == "__main__":
    out = Path(__file__).with_name(sys.argv[1] if len(sys.argv) > 1 else "ensemble.json")
    out.write_text(json.dumps(statistics(ensemble()), indent=1, sort_keys=True) + "\n")
    print(f"wrote {out}")
