"""``calibrate``: fit the uncertain parameters to the Chatham House waves by ABC-SMC.

Writes into ``--out`` the posterior (particles and weights), a parameter summary, the
generations, an in-sample check of every fitted share, figures and a manifest. With
``--install`` the posterior also replaces ``model/data/posterior.csv``, which projections
then draw from (``run --posterior``). See ``docs/calibration.md``.
"""

from __future__ import annotations

import argparse
import shlex
import shutil
import time
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from ..analysis.calibration.abc import Budget, FitConfig, calibrated_names, fit
from ..analysis.calibration.targets import target_waves
from ..analysis.calibration.validation import model_predictions, score
from ..figures.calibration import fit_tables, plot_marginals, plot_predictive, predictive_runs
from ..inputs.posterior import default_posterior_path
from ..runs.atomic import atomic_path, write_json
from ..runs.provenance import environment, git_state, library_versions, sha256_file, waves_file
from ._executor import connect
from ._fitting import (
    add_fit_arguments,
    budget_from,
    check_common,
    say,
    workers,
    write_csv,
)

NAME = "calibrate"
HELP = "Fit the uncertain parameters to the survey waves (ABC-SMC) and write the posterior."
ORDER = 30

DEFAULT_OUT = "results/calibration"
#: The default budget: finishes within about 25 minutes on a 2-core machine.
DEFAULT_BUDGET = Budget(particles=400, max_simulations=12_000, max_minutes=25.0,
                        max_generations=15, min_acceptance_rate=0.02)
DATABASE = "abc.db"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the command's options."""
    add_fit_arguments(parser, DEFAULT_BUDGET, DEFAULT_OUT)
    parser.add_argument("--predictive-draws", type=int, default=40, metavar="N",
                        help="posterior draws for the predictive figure (default 40)")
    parser.add_argument("--install", action="store_true",
                        help=f"also copy the posterior to {default_posterior_path()} (the "
                             "calibration projections use by default)")


def plan(args: argparse.Namespace) -> FitConfig:
    """Validate the command line and return the fit's configuration."""
    budget = budget_from(args)
    check_common(args)
    if not 2 <= args.predictive_draws <= 10_000:
        from ..inputs.errors import InputError

        raise InputError("--predictive-draws", "value", args.predictive_draws,
                         "a whole number from 2 to 10,000")
    keys = tuple(t.key for t in target_waves())
    return FitConfig(free=calibrated_names(), fixed=(), fit_waves=keys, report_waves=keys,
                     n_citizens=args.citizens, seed=args.seed, budget=budget)


def main(args: argparse.Namespace) -> int:
    """Fit, then write the tables, figures and manifest."""
    config = plan(args)
    created, started = datetime.now(UTC).isoformat(timespec="seconds"), time.perf_counter()
    client = connect(args.scheduler)
    out = Path(args.out)
    targets = target_waves()
    say(f"calibrating {len(config.free)} parameters to waves {', '.join(config.fit_waves)} "
        f"({config.budget.particles} particles, at most {config.budget.max_simulations:,} runs "
        f"or {config.budget.max_minutes:g} min)")
    result = fit(targets, config.fit_waves, config, out / DATABASE,
                 workers=workers(args), scheduler=client)
    written = []
    for name, table in fit_tables(result).items():
        written.append(write_csv(out / name, table))
    check = pd.concat([score(model_predictions(result, t), t).assign(wave=t.key)
                       for t in targets], ignore_index=True)
    written.append(write_csv(out / "fit_check.csv", check))
    written.append(plot_marginals(result, out / "marginals.png"))
    months, shares = predictive_runs(result, out / "predictive", draws=args.predictive_draws,
                                     workers=workers(args), scheduler=client)
    written.append(plot_predictive(
        months, shares, out / "predictive.png", config.fit_waves,
        "Calibrated model against the Chatham House waves (posterior predictive)",
        credit=f"{result.evaluations:,} ABC runs; docs/calibration.md."))
    if args.install:
        with atomic_path(default_posterior_path()) as temporary:
            shutil.copyfile(out / "posterior.csv", temporary)
        say(f"installed the posterior as {default_posterior_path()}")
    _write_manifest(out, args, config, result, created, started, written)
    if client is not None:
        client.close()
    final = result.generations.iloc[-1]
    say(f"done: {result.evaluations:,} model runs, {len(result.generations)} generations, "
        f"final epsilon {final.epsilon:.2f} (acceptance {final.acceptance_rate:.1%}), "
        f"{result.effective_sample_size:.0f} effective particles; "
        f"in-sample 90% coverage {check.covered.mean():.0%}; outputs in {out}/")
    return 0


def _write_manifest(out: Path, args, config: FitConfig, result, created: str, started: float,
                    written) -> None:
    argv = ["python", "run.py", NAME, "--seed", str(config.seed), "--citizens",
            str(config.n_citizens), "--particles", str(config.budget.particles),
            "--max-simulations", str(config.budget.max_simulations), "--max-minutes",
            f"{config.budget.max_minutes:g}"]
    write_json(out / "manifest.json", {
        "created": created,
        "reproduce": {"command": shlex.join(argv),
                      "note": "the same seed gives the same posterior serially, in a process "
                              "pool or on Dask; --max-minutes can stop a slower machine "
                              "earlier, so compare the generation count"},
        "config": {"free": list(config.free), "fixed": dict(config.fixed),
                   "fit_waves": list(config.fit_waves), "n_citizens": config.n_citizens,
                   "seed": config.seed, "budget": config.budget.__dict__},
        "result": {"evaluations": result.evaluations, "generations": len(result.generations),
                   "final_epsilon": float(result.generations.epsilon.iloc[-1]),
                   "effective_particles": round(result.effective_sample_size, 1),
                   "fit_seconds": round(result.seconds, 1),
                   "wall_seconds": round(time.perf_counter() - started, 1)},
        "inputs_sha256": {str(waves_file()): sha256_file(waves_file())},
        "code": git_state(), "libraries": library_versions(), "environment": environment(),
        "outputs": [str(p) for p in written],
    })
