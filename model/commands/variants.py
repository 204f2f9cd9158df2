"""``python run.py variants``: the mechanism variants, their posteriors and their weights."""

from __future__ import annotations

import argparse
import json

from ..analysis.calibration.abc import calibrated_names
from ..inputs import variants
from ..inputs.errors import InputError
from ..inputs.posterior import default_posteriors_dir, posterior_path

NAME = "variants"
HELP = "List the mechanism variants: what each switches, its posterior and its weight."
ORDER = 55


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the command's options (none)."""


def main(args: argparse.Namespace) -> int:
    """Print one block per variant, then how the averaged answer weights them."""
    folder = default_posteriors_dir()
    committed, problems = {}, []
    for weighting, file_name in variants.WEIGHT_FILES.items():
        try:
            committed[weighting] = variants.read_weights(folder / file_name)
        except InputError as error:
            problems.append(f"{weighting}: {error}")
    for variant in variants.VARIANTS:
        default = " (the default model)" if variant.name == variants.DEFAULT_VARIANT else ""
        print(f"{variant.name}{default}: {variant.description}")
        print(f"  fits: {', '.join(variant.free(calibrated_names()))}")
        if variant.off:
            print(f"  switched off (held at 0): {', '.join(variant.off)}")
        print(f"  posterior: {_posterior_line(variant.name)}")
        if committed:
            print("  weight: " + ", ".join(f"{weighting} {table[variant.name]:.3f}"
                                           for weighting, table in committed.items()))
    for problem in problems:
        print(f"\nweights not committed, {problem}")
    print(f"\nThe averaged answer weights the variants by {variants.DEFAULT_WEIGHTING} unless "
          "--weights says otherwise; docs/calibration.md says why.")
    return 0


def _posterior_line(name: str) -> str:
    """Return what the committed posterior of a variant is, from its manifest."""
    path = posterior_path(name)
    if not path.is_file():
        return f"none committed (python run.py calibrate --variant {name} --install)"
    try:
        record = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))["result"]
    except (OSError, ValueError, KeyError):
        return f"{path.name} (its manifest {path.with_suffix('.json').name} is missing)"
    return (f"{path.name}: {record['effective_particles']:.0f} effective particles, "
            f"{record['evaluations']:,} runs, final epsilon {record['final_epsilon']:.2f}, "
            f"{record['fit_seconds'] / 60:.0f} min of fitting")
