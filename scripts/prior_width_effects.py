"""Compare the headline effects projected from refits under wider and registry priors.

Usage::

    python scripts/prior_width_effects.py OUT FIT_DIR [FIT_DIR ...]

Each FIT_DIR is the output folder of ``python run.py calibrate --variant NAME --prior-width
W`` (its manifest names the variant and the width). The fits are grouped by width; for
each width the script installs the posteriors into ``OUT/posteriors_wW/`` and runs the
baseline against the engagement package, full isolation and restored banking (``python
run.py run``) with those variants only, into ``OUT/run_wW/``, then prints each policy's
per-variant effect on the 2030 Russia and EU shares under each width side by side. Fits of
the same budget and seed at width 1 are the control: the committed posteriors were fitted
with a larger budget, so comparing a small refit with them would confound the prior's
width with the budget (``docs/calibration.md``, "Prior sensitivity").
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
SCENARIOS = ("baseline", "engagement_package", "full_isolation", "restore_banking")


def main(out: Path, fit_dirs: list[Path]) -> None:
    """Run the comparison for every width and print the table."""
    by_width: dict[float, list[tuple[str, Path]]] = {}
    for folder in fit_dirs:
        manifest = json.loads((folder / "manifest.json").read_text())
        width = float(manifest["config"].get("prior_width", 1.0))
        by_width.setdefault(width, []).append((manifest["variant"], folder))
    tables = []
    for width, fits in sorted(by_width.items()):
        posteriors = out / f"posteriors_w{width:g}"
        posteriors.mkdir(parents=True, exist_ok=True)
        for name, folder in fits:
            shutil.copyfile(folder / "posterior.csv", posteriors / f"{name}.csv")
            shutil.copyfile(folder / "manifest.json", posteriors / f"{name}.json")
        argv = ["run", *(f"scenarios/{name}.toml" for name in SCENARIOS), "--draws", DRAWS,
                "--weights", "equal", "--no-progress", "--no-plots",
                "--out", str(out / f"run_w{width:g}")]
        for name, _ in fits:
            argv += ["--variant", name]
        if run_command(argv, setup=Setup(posteriors=posteriors)) != 0:
            raise SystemExit(f"the run at prior width {width:g} failed")
        effects = pd.read_csv(out / f"run_w{width:g}" / "effects.csv")
        tables.append(effects.assign(width=width))
    table = pd.concat(tables, ignore_index=True)
    table = table[table.category.isin(["russia", "eu"])]
    variants = [c.removesuffix("_mean") for c in table.columns
                if c.endswith("_mean") and c != "mean"]
    print("| Policy | Answer | " + " | ".join(f"{v}, prior x{w:g}" for v in variants
                                              for w in sorted(by_width)) + " |")
    print("|" + "---|" * (2 + len(variants) * len(by_width)))
    for (scenario, category), rows in table.groupby(["scenario", "category"], sort=False):
        rows = rows.set_index("width")
        cells = [f"{100 * rows.loc[w, f'{v}_mean']:+.1f} [{100 * rows.loc[w, f'{v}_p05']:+.1f}, "
                 f"{100 * rows.loc[w, f'{v}_p95']:+.1f}]"
                 for v in variants for w in sorted(by_width)]
        print(f"| {scenario} | {category} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main(Path(sys.argv[1]), [Path(a) for a in sys.argv[2:]])
