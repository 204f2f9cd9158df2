"""``calibrate``: fit the uncertain parameters to the Chatham House waves by ABC-SMC.

Writes into ``--out`` the posterior (particles and weights), a parameter summary, the
generations, an in-sample check of every fitted share, the posterior predictive of the
published waves not in shared/data (``out_of_sample.csv``, never fitted), figures and a
manifest. With
``--install`` the posterior also replaces ``model/data/posterior.csv``, which projections
then draw from (``run --posterior``). ``--variant NAME`` fits one mechanism variant
(``python run.py variants``); each has its own committed posterior,
``model/data/posteriors/NAME.csv``, with the fit's summary beside it (``NAME.json``).
``--model-selection`` instead compares every variant in one multi-model ABC-SMC run
(``calibration.model_choice.select_models``) and writes their posterior probabilities
(``model_probabilities.csv``, by generation ``model_probabilities_by_generation.csv``);
with ``--install`` they become the ``abc`` weighting of the variants,
``model/data/posteriors/model_probabilities.csv``. See ``docs/calibration.md``.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import pandas as pd

from ..analysis.calibration.abc import Budget, FitConfig, calibrated_names, check_history, fit
from ..analysis.calibration.model_choice import SelectionConfig, select_models
from ..analysis.calibration.targets import check_waves, pattern_targets, target_waves
from ..analysis.calibration.validation import model_predictions, pattern_predictions, score
from ..figures.calibration import fit_tables, plot_marginals, plot_predictive, predictive_runs
from ..inputs import registry, variants
from ..inputs.errors import MISSING, InputError
from ..inputs.posterior import posterior_path
from ..inputs.survey_data import Wave, load_waves, out_of_sample_path
from ..inputs.survey_patterns import PATTERN_SETS
from ..runs.atomic import atomic_path, write_csv
from ..runs.provenance import sha256_file
from ._executor import Executor, Setup, say
from ._fitting import FLOAT_FORMAT, add_fit_arguments, budget_from, check_common, fit_command
from ._manifest import Clock, clear_outputs, manifest, write_manifest

NAME = "calibrate"
HELP = "Fit the uncertain parameters to the survey waves (ABC-SMC) and write the posterior."
ORDER = 30

DEFAULT_OUT = "results/calibration"
#: The default budget: finishes within about 25 minutes on a 2-core machine.
DEFAULT_BUDGET = Budget(particles=400, max_simulations=12_000, max_minutes=25.0,
                        max_generations=15, min_acceptance_rate=0.02)
DATABASE = "abc.db"
#: The run history of ``--model-selection``.
SELECTION_DATABASE = "model_selection.db"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the command's options."""
    add_fit_arguments(parser, DEFAULT_BUDGET, DEFAULT_OUT)
    parser.add_argument("--predictive-draws", type=int, default=40, metavar="N",
                        help="posterior draws for the predictive figure (default 40)")
    parser.add_argument("--variant", default=variants.DEFAULT_VARIANT, metavar="NAME",
                        help="the mechanism variant to fit: " + ", ".join(variants.names())
                             + f" (default {variants.DEFAULT_VARIANT}; `python run.py "
                             "variants` describes them)")
    parser.add_argument("--install", action="store_true",
                        help="also copy the posterior to model/data/posteriors/NAME.csv "
                             "(the calibration projections of variant NAME draw from); with "
                             "--model-selection, the probabilities to "
                             "model/data/posteriors/model_probabilities.csv")
    parser.add_argument("--prior-width", type=float, default=1.0, metavar="W",
                        help="scale every fitted prior's width by W about its midpoint, kept "
                             "inside the bounds (at most the bounds; default 1: the "
                             "registry's priors); for the prior-sensitivity refits of "
                             "docs/calibration.md, never installed")
    parser.add_argument("--widen", action="append", default=[], metavar="GROUP",
                        help="scale only this mechanism group's priors by --prior-width "
                             "(repeatable; default: every group's): "
                             + ", ".join(variants.MECHANISM_GROUPS))
    parser.add_argument("--patterns", default="none", metavar="SET",
                        help="also fit published subgroup sizes: "
                             + "; ".join(f"{name}: {found.description}"
                                         for name, found in PATTERN_SETS.items())
                             + " (default none; docs/calibration.md, \"Patterns as "
                               "targets\"); never installed")
    parser.add_argument("--model-selection", action="store_true",
                        help="compare every variant in one ABC-SMC run (--variant is "
                             "ignored) and write their posterior probabilities; "
                             "--particles is the population over all the variants")


def chosen_variant(args: argparse.Namespace) -> variants.Variant:
    """Return the variant ``--variant`` names.

    Raises:
        InputError: for an unknown name, listing the variants.
    """
    try:
        return variants.variant(args.variant)
    except KeyError:
        raise InputError("--variant", args.variant, MISSING,
                         f"variants are {', '.join(variants.names())}") from None


def plan(args: argparse.Namespace, setup: Setup) -> tuple[FitConfig, list[Wave]]:
    """Validate the command line and the waves; return the fit's configuration and waves."""
    budget = budget_from(args)
    fitted = chosen_variant(args)
    check_common(args)
    if not 2 <= args.predictive_draws <= 10_000:
        raise InputError("--predictive-draws", "value", args.predictive_draws,
                         "a whole number from 2 to 10,000")
    if not 0.1 <= args.prior_width <= 10:
        raise InputError("--prior-width", "value", args.prior_width,
                         "a factor from 0.1 to 10 (1: the registry's priors)")
    if args.prior_width != 1.0 and args.install:
        raise InputError("--prior-width", "value", args.prior_width,
                         "1 with --install: an installed posterior is fitted under the "
                         "registry's priors, which the rest of the model reads")
    for group in args.widen:
        if group not in variants.MECHANISM_GROUPS:
            raise InputError("--widen", "value", group,
                             f"one of {', '.join(variants.MECHANISM_GROUPS)}")
    if args.widen and args.prior_width == 1.0:
        raise InputError("--widen", "value", args.widen[0],
                         "given only with --prior-width other than 1")
    free = fitted.free(calibrated_names())
    unfitted = [g for g in args.widen if not set(variants.MECHANISM_GROUPS[g]) & set(free)]
    if unfitted:
        raise InputError("--widen", "value", unfitted[0],
                         f"a group variant {fitted.name} fits (it holds this one fixed)")
    if args.patterns not in PATTERN_SETS:
        raise InputError("--patterns", "value", args.patterns,
                         f"one of {', '.join(PATTERN_SETS)}")
    patterns = PATTERN_SETS[args.patterns]
    if patterns.patterns and args.install:
        raise InputError("--patterns", "value", args.patterns,
                         "none with --install: the committed posteriors are fitted to the "
                         "alliance shares, and the projections hold the travel parameters "
                         "to their priors")
    free += tuple(name for name in patterns.frees if name not in free)
    waves = load_waves(setup.waves_file)
    check_history(Path(args.out) / DATABASE)
    keys = tuple(t.key for t in target_waves(waves))
    checks = tuple(t.key for t in check_waves())
    # A switch at its registry default changes nothing, and leaving it out keeps the default
    # variant's fit the registry model's fit (its earlier histories resume).
    fixed = tuple(sorted((name, value) for name, value in fitted.fixed.items()
                         if value != registry.get(name).default))
    return FitConfig(free=free, fixed=fixed, fit_waves=keys, report_waves=keys + checks,
                     n_citizens=args.citizens, seed=args.seed, budget=budget,
                     prior_width=float(args.prior_width),
                     patterns=patterns.patterns,
                     widened=tuple(sorted(set(args.widen)))), waves


def main(args: argparse.Namespace, setup: Setup | None = None) -> int:
    """Fit, then write the tables, figures and manifest.

    Args:
        args: the parsed command line.
        setup: where ``--install`` puts the posterior (default: ``model/data/posterior.csv``)
            and the waves fitted to.
    """
    setup = setup or Setup()
    if args.model_selection:
        if args.prior_width != 1.0:
            raise InputError("--prior-width", "value", args.prior_width,
                             "1 with --model-selection (the variants compete under the "
                             "registry's priors)")
        if args.patterns != "none":
            raise InputError("--patterns", "value", args.patterns,
                             "none with --model-selection (the variants compete on the "
                             "alliance shares)")
        return _select(args, setup)
    config, waves = plan(args, setup)
    clock = Clock.start()
    out = Path(args.out)
    targets, checks = target_waves(waves), check_waves()
    with Executor(args, out) as executor:
        say(f"calibrating variant {args.variant}: {len(config.free)} parameters to waves "
            f"{', '.join(config.fit_waves)} "
            f"({config.budget.particles} particles, at most {config.budget.max_simulations:,} "
            f"runs or {config.budget.max_minutes:g} min)")
        result = fit(targets + checks, config.fit_waves, config, out / DATABASE,
                     workers=executor.processes, scheduler=executor.client)
        clear_outputs(out)
        written = [write_csv(out / name, table, FLOAT_FORMAT)
                   for name, table in fit_tables(result).items()]
        check = pd.concat([score(model_predictions(result, t), t).assign(wave=t.key)
                           for t in targets], ignore_index=True)
        written.append(write_csv(out / "fit_check.csv", check, FLOAT_FORMAT))
        # Waves not in shared/data, never fitted: the posterior predictive, scored.
        unseen = pd.concat([score(model_predictions(result, t), t).assign(wave=t.key)
                            for t in checks], ignore_index=True)
        written.append(write_csv(out / "out_of_sample.csv", unseen, FLOAT_FORMAT))
        if config.patterns:
            patterns = pattern_predictions(result, pattern_targets(config.patterns))
            written.append(write_csv(out / "pattern_check.csv", patterns, FLOAT_FORMAT))
        written.append(plot_marginals(result, out / "marginals.png"))
        months, shares = predictive_runs(result, out / "predictive",
                                         draws=args.predictive_draws,
                                         workers=executor.processes, scheduler=executor.client)
        written.append(plot_predictive(
            months, shares, out / "predictive.png", config.fit_waves,
            "Calibrated model against the Chatham House waves (posterior predictive)",
            credit=f"{result.evaluations:,} ABC runs; docs/calibration.md.",
            waves=waves))
        record = _manifest(args, config, result, clock, written, setup.waves_file)
        write_manifest(out, record)
        if args.install:
            installed = posterior_path(args.variant, setup.posteriors)
            installed.parent.mkdir(parents=True, exist_ok=True)
            with atomic_path(installed.with_suffix(".json")) as temporary:
                shutil.copyfile(out / "manifest.json", temporary)
            with atomic_path(installed) as temporary:
                shutil.copyfile(out / "posterior.csv", temporary)
            say(f"installed the posterior as {installed}")
    final = result.generations.iloc[-1]
    say(f"done: {result.evaluations:,} model runs, {len(result.generations)} generations, "
        f"final epsilon {final.epsilon:.2f} (acceptance {final.acceptance_rate:.1%}), "
        f"{result.effective_sample_size:.0f} effective particles; "
        f"in-sample 90% coverage {check.covered.mean():.0%}, out of sample "
        f"{unseen.covered.mean():.0%} (mean error {unseen.error_pp.abs().mean():.1f} pp); "
        f"outputs in {out}/")
    return 0


def _manifest(args, config: FitConfig, result, clock: Clock, written, waves: Path) -> dict:
    command = [*fit_command(NAME, args, config.budget), "--variant", args.variant,
               "--predictive-draws", str(args.predictive_draws)]
    if config.prior_width != 1.0:
        command += ["--prior-width", f"{config.prior_width:g}"]
    for group in config.widened:
        command += ["--widen", group]
    if config.patterns:
        command += ["--patterns", args.patterns]
    body = {
        "variant": args.variant,
        "config": {"free": list(config.free), "fixed": dict(config.fixed),
                   "fit_waves": list(config.fit_waves), "n_citizens": config.n_citizens,
                   "seed": config.seed, "budget": config.budget.__dict__,
                   "prior_width": config.prior_width,
                   "widened": list(config.widened),
                   "patterns": list(config.patterns)},
        "result": {"evaluations": result.evaluations, "generations": len(result.generations),
                   "final_epsilon": float(result.generations.epsilon.iloc[-1]),
                   "effective_particles": round(result.effective_sample_size, 1),
                   "fit_seconds": round(result.seconds, 1),
                   "wall_seconds": round(clock.seconds(), 1)},
        "inputs_sha256": {str(path): sha256_file(path) for path in (waves, out_of_sample_path())},
    }
    return manifest(clock, command, body, written,
                    note="the same seed gives the same posterior serially, in a process pool "
                         "or on Dask; --max-minutes can stop a slower machine earlier, so "
                         "compare the generation count")


def _select(args: argparse.Namespace, setup: Setup) -> int:
    """Compare every variant by ABC model choice; write (and install) the probabilities."""
    budget = budget_from(args)
    check_common(args)
    out = Path(args.out)
    check_history(out / SELECTION_DATABASE)
    targets = target_waves(load_waves(setup.waves_file))
    keys = tuple(t.key for t in targets)
    config = SelectionConfig(variants=variants.VARIANTS, fit_waves=keys,
                             n_citizens=args.citizens, seed=args.seed, budget=budget)
    clock = Clock.start()
    with Executor(args, out) as executor:
        say(f"comparing the variants {', '.join(config.names())} by ABC model choice on "
            f"waves {', '.join(keys)} ({budget.particles} particles over all of them, at "
            f"most {budget.max_simulations:,} runs or {budget.max_minutes:g} min)")
        selection = select_models(targets, keys, config, out / SELECTION_DATABASE,
                                  workers=executor.processes, scheduler=executor.client)
        clear_outputs(out)
        written = [write_csv(out / variants.WEIGHT_FILES["abc"], selection.table(),
                             FLOAT_FORMAT),
                   write_csv(out / "model_probabilities_by_generation.csv",
                             selection.generations, FLOAT_FORMAT)]
        final = selection.generations.iloc[-1]
        body = {"model_selection": {
                    "variants": {v.name: {"description": v.description,
                                          "fixed": dict(v.fixed),
                                          "free": list(v.free(calibrated_names()))}
                                 for v in config.variants},
                    "fit_waves": list(keys), "n_citizens": config.n_citizens,
                    "seed": config.seed, "budget": budget.__dict__},
                "result": {"probabilities": selection.probabilities.to_dict(),
                           "evaluations": selection.evaluations,
                           "generations": len(selection.generations),
                           "final_epsilon": float(final.epsilon),
                           "fit_seconds": round(selection.seconds, 1),
                           "wall_seconds": round(clock.seconds(), 1)},
                "inputs_sha256": {str(setup.waves_file): sha256_file(setup.waves_file)}}
        command = [*fit_command(NAME, args, budget), "--model-selection"]
        write_manifest(out, manifest(
            clock, command, body, written,
            note="the same seed gives the same probabilities serially, in a process pool or "
                 "on Dask; they are only as good as the wave shares are sufficient "
                 "statistics for the choice (docs/calibration.md, \"Weighting the "
                 "variants\")"))
        if args.install:
            installed = write_csv(Path(setup.posteriors) / variants.WEIGHT_FILES["abc"],
                                  selection.table(), FLOAT_FORMAT)
            say(f"installed the model probabilities as {installed}")
    say(selection.table().to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    say(f"done: {selection.evaluations:,} model runs, {len(selection.generations)} "
        f"generations, final epsilon {final.epsilon:.2f}; outputs in {out}/")
    return 0
