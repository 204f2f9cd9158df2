"""Compare the headline effects projected from refits of the same variants made differently.

Usage::

    python scripts/refit_effects.py OUT FIT_DIR [FIT_DIR ...]

Each FIT_DIR is the output folder of ``python run.py calibrate --variant NAME`` with, or
without, ``--prior-width W`` or ``--patterns SET`` (its manifest says which). The fits are
grouped by how they were made (width, patterns); for each group the script installs the
posteriors into ``OUT/posteriors_LABEL/`` and runs the baseline against every policy
scenario of ``scenarios/`` (``python run.py run``) with those variants only, into
``OUT/run_LABEL/``, then prints each policy's per-variant effect on the 2030 Russia and EU
shares under each group side by side. Fits of the same budget and seed made the usual way
are the control: the committed posteriors were fitted with a larger budget, so comparing a
small refit with them would confound the change with the budget (``docs/calibration.md``,
"Prior sensitivity" and "Patterns as targets").
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pandas as pd

from model.cli import main as run_command
from model.commands._executor import Setup

DRAWS = "24"
SCENARIOS = ("baseline", "engagement_package", "full_isolation", "restore_banking",
             "propaganda_surge", "reopen_crossings", "targeted_sanctions", "visa_facilitation")


def label(manifest: dict) -> str:
    """Return how a fit was made: its prior width, the groups widened, the patterns fitted."""
    config = manifest["config"]
    width = float(config.get("prior_width", 1.0))
    widened = "+".join(config.get("widened", []))
    patterns = "+patterns" if config.get("patterns") else ""
    return f"x{width:g}" + (f"_{widened}" if widened else "") + patterns


def main(out: Path, fit_dirs: list[Path]) -> None:
    """Run the comparison for every group of fits and print the table."""
    groups: dict[str, list[tuple[str, Path]]] = {}
    for folder in fit_dirs:
        manifest = json.loads((folder / "manifest.json").read_text())
        groups.setdefault(label(manifest), []).append((manifest["variant"], folder))
    tables = []
    for name, fits in sorted(groups.items()):
        posteriors = out / f"posteriors_{name}"
        posteriors.mkdir(parents=True, exist_ok=True)
        for variant, folder in fits:
            shutil.copyfile(folder / "posterior.csv", posteriors / f"{variant}.csv")
            shutil.copyfile(folder / "manifest.json", posteriors / f"{variant}.json")
        argv = ["run", *(f"scenarios/{scenario}.toml" for scenario in SCENARIOS),
                "--draws", DRAWS, "--weights", "equal", "--no-progress", "--no-plots",
                "--out", str(out / f"run_{name}")]
        for variant, _ in fits:
            argv += ["--variant", variant]
        if run_command(argv, setup=Setup(posteriors=posteriors)) != 0:
            raise SystemExit(f"the run of the fits {name} failed")
        effects = pd.read_csv(out / f"run_{name}" / "effects.csv")
        tables.append(effects.assign(group=name))
    table = pd.concat(tables, ignore_index=True)
    table = table[table.category.isin(["russia", "eu"])]
    variants = [c.removesuffix("_mean") for c in table.columns
                if c.endswith("_mean") and c != "mean"]
    names = sorted(groups)
    print("| Policy | Answer | " + " | ".join(f"{v}, {g}" for v in variants for g in names)
          + " |")
    print("|" + "---|" * (2 + len(variants) * len(names)))
    for (scenario, category), rows in table.groupby(["scenario", "category"], sort=False):
        rows = rows.set_index("group")
        cells = [_cell(rows, v, g) for v in variants for g in names]
        print(f"| {scenario} | {category} | " + " | ".join(cells) + " |")


def _cell(rows: pd.DataFrame, variant: str, group: str) -> str:
    if group not in rows.index or pd.isna(rows.loc[group, f"{variant}_mean"]):
        return "-"
    row = rows.loc[group]
    return (f"{100 * row[f'{variant}_mean']:+.1f} [{100 * row[f'{variant}_p05']:+.1f}, "
            f"{100 * row[f'{variant}_p95']:+.1f}]")


if __name__ == "__main__":
    main(Path(sys.argv[1]), [Path(a) for a in sys.argv[2:]])
