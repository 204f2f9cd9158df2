"""Print an attribution (``attribution.csv``) as the README's markdown table.

Usage: ``python scripts/attribution_markdown.py results/attribution/attribution.csv [ANSWER]``
(default answer ``russia``). One row per factor, then the residual and the total: the
model-averaged Shapley value in points with its 5-95% band across draws, the "held" and
"alone" effects (the interaction is their difference), and each variant's Shapley value.
"""

from __future__ import annotations

import sys

import pandas as pd

AVERAGED = "averaged"


def _points(value: float) -> str:
    return f"{100 * value:+.1f}"


def main(path: str, answer: str) -> None:
    """Print the table."""
    table = pd.read_csv(path)
    table = table[table.answer == answer]
    variants = [v for v in dict.fromkeys(table.variant) if v != AVERAGED]
    averaged = table[table.variant == AVERAGED].set_index("factor")
    by_variant = {v: table[table.variant == v].set_index("factor") for v in variants}
    head = ["Factor", "Shapley, averaged [5-95%]", "held / alone", *variants]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for factor, row in averaged.iterrows():
        label = row.label if isinstance(row.label, str) else factor
        bounded = factor not in ("residual", "total")
        cells = [f"**{label}**" if factor == "total" else label,
                 f"{_points(row.shapley)} [{_points(row.shapley_p05)}, "
                 f"{_points(row.shapley_p95)}]",
                 f"{_points(row.held)} / {_points(row.alone)}" if bounded else "",
                 *(_points(by_variant[v].loc[factor, "shapley"]) for v in variants)]
        print("| " + " | ".join(cells) + " |")
    first = averaged.iloc[0]
    print(f"\nSimulated {answer} share: {100 * first.simulated_start:.1f}% (Sep 2020) to "
          f"{100 * first.simulated_outcome:.1f}% ({first.outcome}); published "
          f"{100 * first.observed_start:.1f}% to {100 * first.observed_outcome:.1f}%.")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "russia")
