"""Print a run's headline effects (``effects.csv``) as the README's markdown table.

Usage: ``python scripts/effects_markdown.py results/effects.csv [CATEGORY ...]``. One row per
policy scenario and answer: the model-averaged effect in points with its 5-95% band and the
chance it has that sign, each variant's mean, the largest sources of its variance and
whether it is prior-driven.
"""

from __future__ import annotations

import sys

import pandas as pd

SOURCES = ("structure", "parameters", "assumptions", "futures", "seed", "interactions")


def main(path: str, categories: list[str]) -> None:
    """Print the table."""
    table = pd.read_csv(path)
    variants = [c.removesuffix("_mean") for c in table.columns
                if c.endswith("_mean") and c != "mean"]
    head = ["Policy", "Answer", "Averaged effect [5-95%]", "P(sign)", *variants,
            "Variance: structure / parameters / assumptions / futures / seed", "Prior-driven"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for _, row in table[table.category.isin(categories)].iterrows():
        cells = [row.scenario, row.category,
                 f"{100 * row['mean']:+.1f} [{100 * row.p05:+.1f}, {100 * row.p95:+.1f}]",
                 f"{row.p_sign:.2f}",
                 *(f"{100 * row[f'{v}_mean']:+.1f}" for v in variants),
                 " / ".join(f"{100 * row[f'share_{s}']:.0f}% [{100 * row[f'share_{s}_p05']:.0f}, "
                            f"{100 * row[f'share_{s}_p95']:.0f}]" for s in SOURCES[:-1]),
                 "yes" if row.prior_driven else "no"]
        print("| " + " | ".join(str(c) for c in cells) + " |")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:] or ["russia", "eu"])
