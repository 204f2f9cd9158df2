"""``validate``: held-out waves, a temporal split, naive forecasts and mechanism ablations.

For each model variant (``calibration.validation.VARIANTS``) and each fold (one target wave
held out), the variant is fitted by ABC-SMC to the other waves and predicts the held-out
one; persistence and a linear trend predict it from the earlier waves. Writes
``predictions.csv`` (every forecast, scored), ``scores.csv`` (per method: error in
percentage points and interval coverage, over all folds and for the temporal split alone),
``fold_parameters.csv`` (each fit's posterior summary), ``stacking.csv`` (each variant's
log predictive density of every held-out wave and its stacking weight,
``calibration.model_choice``), ``validation.png`` and a manifest. With ``--install`` the
stacking weights become the committed ``stacking`` weighting of the variants,
``model/data/posteriors/stacking_weights.csv`` (only from a validation of every variant).
Finished fits are reused, so an interrupted validation resumes. See ``docs/calibration.md``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from ..analysis.calibration.abc import (
    Budget,
    FitConfig,
    calibrated_names,
    check_history,
    fit,
    summarise,
)
from ..analysis.calibration.model_choice import held_out_log_density, stacking_weights
from ..analysis.calibration.targets import target_waves
from ..analysis.calibration.validation import (
    INTERVAL,
    VARIANTS,
    folds,
    model_predictions,
    naive_predictions,
    score,
    summarise_scores,
    temporal_split,
    variant,
)
from ..figures.calibration import plot_validation
from ..inputs.errors import InputError
from ..inputs.survey_data import load_waves
from ..inputs.variants import WEIGHT_FILES
from ..runs.atomic import write_csv
from ._executor import Executor, Setup, say
from ._fitting import FLOAT_FORMAT, add_fit_arguments, budget_from, check_common, fit_command
from ._manifest import Clock, clear_outputs, manifest, write_manifest
from ._options import add_variant_option, chosen_variants

NAME = "validate"
HELP = ("Leave-one-wave-out and temporal-split validation against naive forecasts, with "
        "mechanism ablations.")
ORDER = 35

DEFAULT_OUT = "results/validation"
#: Per fit; every variant is fitted on every fold (five variants, three folds: fifteen fits).
DEFAULT_BUDGET = Budget(particles=150, max_simulations=1_500, max_minutes=5.0,
                        max_generations=10, min_acceptance_rate=0.03)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the command's options."""
    add_fit_arguments(parser, DEFAULT_BUDGET, DEFAULT_OUT)
    add_variant_option(parser, what="mechanism variant to fit on every fold")
    parser.add_argument("--install", action="store_true",
                        help="also write the stacking weights to "
                             f"model/data/posteriors/{WEIGHT_FILES['stacking']} (the default "
                             "weighting of the variants; needs every variant validated)")


def plan(args: argparse.Namespace):
    """Validate the command line; return the budget and the chosen variants."""
    budget = budget_from(args)
    check_common(args)
    chosen = [variant(name) for name in chosen_variants(args)]
    missing = [v.name for v in VARIANTS if v not in chosen]
    if args.install and missing:
        raise InputError("--install", "--variant", ", ".join(v.name for v in chosen),
                         "every variant validated: the installed stacking weights weight all "
                         f"of them, and {', '.join(missing)} would be left out")
    return budget, chosen


def main(args: argparse.Namespace, setup: Setup | None = None) -> int:
    """Fit every variant on every fold, score the forecasts, write the tables.

    ``setup`` gives the survey waves (default: the shipped file) and the folder
    ``--install`` writes the stacking weights into (default: ``model/data/posteriors``).
    """
    setup = setup or Setup()
    budget, chosen = plan(args)
    clock = Clock.start()
    out = Path(args.out)
    waves = load_waves(setup.waves_file)
    targets = target_waves(waves)
    by_key = {t.key: t for t in targets}
    all_keys = tuple(by_key)
    for fold in folds(targets):  # every resumable history, before any fit writes
        for chosen_variant in chosen:
            check_history(_database(out, chosen_variant, fold))
    predictions, fold_parameters, runs = [], [], 0
    log_densities = pd.DataFrame(index=[v.name for v in chosen],
                                 columns=[f.name for f in folds(targets)], dtype=float)
    with Executor(args, out) as executor:
        for fold in folds(targets):
            held_out = by_key[fold.held_out]
            naive = score(naive_predictions(held_out, waves), held_out)
            predictions.append(naive.assign(fold=fold.name, held_out=fold.held_out))
            for chosen_variant in chosen:
                free = chosen_variant.free(calibrated_names())
                config = FitConfig(free=free, fixed=tuple(sorted(chosen_variant.fixed.items())),
                                   fit_waves=fold.fitted, report_waves=all_keys,
                                   n_citizens=args.citizens, seed=args.seed, budget=budget)
                say(f"fitting {chosen_variant.name} without wave {fold.held_out} "
                    f"({len(free)} parameters)")
                result = fit(targets, fold.fitted, config, _database(out, chosen_variant, fold),
                             workers=executor.processes, scheduler=executor.client)
                runs += result.evaluations
                scored = score(model_predictions(result, held_out), held_out)
                log_densities.loc[chosen_variant.name, fold.name] = held_out_log_density(
                    result, held_out)
                predictions.append(scored.assign(method=f"model:{chosen_variant.name}",
                                                 fold=fold.name, held_out=fold.held_out))
                fold_parameters.append(summarise(result).assign(
                    variant=chosen_variant.name, fold=fold.name,
                    evaluations=result.evaluations,
                    final_epsilon=float(result.generations.epsilon.iloc[-1])))
        clear_outputs(out)
        written, scores = _write_outputs(out, predictions, fold_parameters, targets)
        stacking = stacking_table(log_densities)
        written.append(write_csv(out / "stacking.csv", stacking, FLOAT_FORMAT))
        body = {"interval": INTERVAL, "budget_per_fit": budget.__dict__,
                "stacking_weights": dict(zip(stacking.variant, stacking.weight, strict=True)),
                "variants": {v.name: {"description": v.description, "fixed": dict(v.fixed)}
                             for v in chosen},
                "model_runs": runs, "wall_seconds": round(clock.seconds(), 1)}
        command = [*fit_command(NAME, args, budget),
                   *(part for v in chosen for part in ("--variant", v.name)),
                   *(["--install"] if args.install else [])]
        write_manifest(out, manifest(clock, command, body, written,
                                     note="the same seed gives the same forecasts on any "
                                          "executor; --max-minutes can stop a slower machine "
                                          "earlier"))
        if args.install:
            installed = write_csv(Path(setup.posteriors) / WEIGHT_FILES["stacking"],
                                  stacking[["variant", "weight"]], FLOAT_FORMAT)
            say(f"installed the stacking weights as {installed}")
    say(scores.to_string(index=False, float_format=lambda v: f"{v:.2f}"))
    say("stacking weights (log predictive density of each held-out wave):")
    say(stacking.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    say(f"{runs:,} model runs; outputs in {out}/")
    return 0


def _write_outputs(out: Path, predictions: list, fold_parameters: list,
                   targets) -> tuple[list[Path], pd.DataFrame]:
    """Write the forecasts, the scores, the fits' parameters and the figure."""
    table = pd.concat(predictions, ignore_index=True)
    table = table[["fold", "held_out", "method", "category", "observed", "predicted", "low",
                   "high", "error_pp", "covered"]]
    split = temporal_split(targets).name
    scores = pd.concat([summarise_scores(table).assign(folds="all"),
                        summarise_scores(table[table.fold == split]).assign(folds=split)],
                       ignore_index=True)
    written = [write_csv(out / "predictions.csv", table, FLOAT_FORMAT),
               write_csv(out / "scores.csv", scores, FLOAT_FORMAT),
               write_csv(out / "fold_parameters.csv", pd.concat(fold_parameters,
                                                                ignore_index=True),
                         FLOAT_FORMAT),
               plot_validation(table, out / "validation.png")]
    return written, scores


def stacking_table(log_densities: pd.DataFrame) -> pd.DataFrame:
    """Return one row per variant: its stacking weight and its held-out log densities.

    Args:
        log_densities: one row per variant (index: its name), one column per fold (its
            name): the log predictive density of the fold's held-out wave.

    Returns:
        ``variant``, ``weight``, ``lpd_FOLD`` for each fold and ``lpd_total`` (their sum,
        the variant's leave-one-wave-out log score).
    """
    weights = stacking_weights(log_densities.to_numpy(dtype=float).T)
    table = pd.DataFrame({"variant": log_densities.index, "weight": weights})
    for fold in log_densities.columns:
        table[f"lpd_{fold}"] = log_densities[fold].to_numpy(dtype=float)
    table["lpd_total"] = np.sum(log_densities.to_numpy(dtype=float), axis=1)
    return table


def _database(out: Path, chosen_variant, fold) -> Path:
    """Return the run history of one variant's fit on one fold."""
    return out / "fits" / f"{chosen_variant.name}-{fold.name}.db"
