"""Refresh the regression baseline: ``python tests/regression/update_baseline.py``.

Run this only when a change to the model's numbers is intended, and commit the new
``baseline.json`` with a note saying why the numbers moved.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from model import baseline, simulate

BASELINE_FILE = Path(__file__).with_name("baseline.json")
SEEDS = (0, 1)
CITIZENS = 3_000
MONTHS = ("2020-09", "2022-02", "2022-11", "2025-10", "2030-12")


def summary_numbers() -> dict[str, float]:
    """Return the summary numbers the regression test compares."""
    numbers = {}
    for seed in SEEDS:
        result = simulate(baseline(), seed=seed, n_citizens=CITIZENS)
        for month in MONTHS:
            for measure in ("population", "survey"):
                for category, share in result.at(month, measure).items():
                    numbers[f"seed{seed}/{month}/{measure}/{category}"] = share
    return numbers


if __name__ == "__main__":
    BASELINE_FILE.write_text(json.dumps(summary_numbers(), indent=1, sort_keys=True) + "\n")
    print(f"wrote {BASELINE_FILE}")
