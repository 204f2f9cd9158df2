"""``run``: compare scenarios over a seed ensemble; the default job of ``python run.py``.

Every scenario runs with the same seeds 0..N-1; the first is the reference. Same seed, same
random draws in every scenario (common random numbers), so the per-seed difference from the
reference isolates the policy. See ``docs/running.md``.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

from ..core.observation import CATEGORIES
from ..inputs.calendar import parse_month
from ..inputs.errors import MISSING, InputError
from ..inputs.overrides import apply_overrides
from ..inputs.posterior import Posterior
from ..inputs.scenario import DEFAULT_CITIZENS, DEFAULT_SEEDS, MAX_CITIZENS, Scenario, baseline
from ..inputs.scenario_files import load_scenario, scenario_file_chain, scenario_to_dict
from ..inputs.survey_data import Wave, load_waves
from ..runs.execution import RunReport, Task, load_record
from ..runs.outputs import default_horizons
from ..runs.provenance import sha256_file, short_commit
from ._executor import Executor, Setup, report_failures, say
from ._manifest import Clock, clear_outputs, execution_record, manifest, write_manifest
from ._options import add_many_run_options, load_posterior, output_folder, whole_number
from ._scenarios import REFERENCE_FILE, SCENARIO_DIR, check_comparable, library_files

NAME = "run"
HELP = "Run scenarios over a seed ensemble and compare them with the first (the reference)."
ORDER = 10

DEFAULT_OUT = "results"
MAX_SEEDS = 100_000
#: What one complete run writes into --out (removed if a later run into the same folder
#: fails, so that no stale result sits next to a manifest that does not describe it).
OUTPUT_FILES = ("shares.csv", "shares.parquet", "summary.csv", "shares.png",
                "shares_population.png", "difference.png", "horizon.png", "levers.png")


def default_argv() -> list[str]:
    """Return what ``python run.py`` runs: the scenario library against the baseline."""
    return [NAME, *(str(path) for path in library_files()), "--out", DEFAULT_OUT]


# --- arguments -----------------------------------------------------------------------------
def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the command's options."""
    parser.add_argument(
        "scenarios", nargs="*", metavar="SCENARIO.toml",
        help="scenario files; the first is the reference. Default: every "
             f"{SCENARIO_DIR}/*.toml with {REFERENCE_FILE} first (the built-in baseline if "
             "there are none)")
    parser.add_argument("--seeds", type=int, metavar="N",
                        help="run seeds 0..N-1 (default: the reference scenario's "
                             f"[run] seeds, {DEFAULT_SEEDS} unless it says)")
    parser.add_argument("--citizens", type=int, metavar="N",
                        help=f"simulated citizens per run, 1 to {MAX_CITIZENS:,} (default: "
                             f"the reference scenario's [run] citizens, {DEFAULT_CITIZENS:,} "
                             "unless it says)")
    parser.add_argument("--horizons", metavar="YYYY-MM,...",
                        help="dates reported in summary.csv (default: every December and the "
                             "last month)")
    parser.add_argument("--posterior", action=argparse.BooleanOptionalAction, default=None,
                        help="draw each seed's parameters from the committed calibration "
                             "(model/data/posterior.csv); default: on when it exists")
    add_many_run_options(parser, DEFAULT_OUT, where=" in every scenario")


# --- validation: everything is checked before anything is written ------------------------
@dataclass(frozen=True)
class Plan:
    """A validated comparison, ready to run."""

    scenarios: tuple[Scenario, ...]
    files: tuple[Path, ...]
    seeds: tuple[int, ...]
    n_citizens: int
    horizons: tuple[str, ...]
    overrides: tuple[str, ...]
    posterior: Posterior | None
    out: Path
    waves_file: Path | None = None
    waves: tuple[Wave, ...] = ()

    def grid(self) -> list[list[Task]]:
        """Return ``grid[i][j]``: scenario i with seed j (one posterior draw per seed)."""
        draws = {seed: self.posterior.parameters_for(seed) if self.posterior else None
                 for seed in self.seeds}
        return [[Task(scenario, seed, _posterior_part(draws[seed], scenario), self.n_citizens)
                 for seed in self.seeds] for scenario in self.scenarios]


def _posterior_part(draw: dict | None, scenario: Scenario) -> dict | None:
    """The posterior draw minus parameters the scenario sets itself (explicit settings win)."""
    if not draw:
        return None
    return {k: v for k, v in draw.items() if k not in scenario.parameters} or None


def _count(option: str, value: int | None, default: int, high: int) -> int:
    return whole_number(option, default if value is None else value, 1, high)


def _horizons(text: str | None, start: str, end: str) -> tuple[str, ...]:
    if text is None:
        return tuple(default_horizons(start, end))
    chosen = []
    for month in (part.strip() for part in text.split(",") if part.strip()):
        try:
            inside = parse_month(start) <= parse_month(month) <= parse_month(end)
        except ValueError:
            raise InputError("--horizons", month, MISSING,
                             "months written YYYY-MM, separated by commas") from None
        if not inside:
            raise InputError("--horizons", month, MISSING,
                             f"horizon dates must lie within the run, {start} to {end}")
        chosen.append(month)
    if not chosen:
        raise InputError("--horizons", "value", text, "at least one month YYYY-MM")
    return tuple(sorted(set(chosen), key=parse_month))


def plan_run(args: argparse.Namespace, setup: Setup) -> Plan:
    """Validate every input of the command and return the plan.

    Raises:
        InputError: for any bad file or value, before anything is written.
    """
    files = [Path(f) for f in args.scenarios] or library_files()
    scenarios = [load_scenario(path) for path in files] or [baseline()]
    scenarios = [apply_overrides(s, args.overrides) for s in scenarios]
    check_comparable(scenarios)
    reference = scenarios[0]
    seeds = _count("--seeds", args.seeds, reference.seeds, MAX_SEEDS)
    citizens = _count("--citizens", args.citizens, reference.citizens, MAX_CITIZENS)
    horizons = _horizons(args.horizons, reference.start, reference.end)
    out = output_folder(args)
    if args.citizens is None and any(s.citizens != citizens for s in scenarios):
        say(f"note: every scenario runs with the reference's {citizens:,} citizens so that "
            "runs pair up seed by seed")
    return Plan(tuple(scenarios), tuple(files), tuple(range(seeds)), citizens, horizons,
                tuple(args.overrides), load_posterior(args.posterior, setup.posterior_file),
                out, setup.waves_file, tuple(load_waves(setup.waves_file)))


# --- the command -------------------------------------------------------------------------
def main(args: argparse.Namespace, setup: Setup | None = None) -> int:
    """Run the comparison; return 0, or 1 if any run failed (the failures are listed).

    Args:
        args: the parsed command line.
        setup: the worker and the posterior file (default: the model's).
    """
    setup = setup or Setup()
    clock = Clock.start()
    plan = plan_run(args, setup)
    grid = plan.grid()
    with Executor(args, plan.out) as executor:
        say(f"Running {len(plan.scenarios)} scenario(s) x {len(plan.seeds)} seeds = "
            f"{len(plan.scenarios) * len(plan.seeds)} runs of {plan.n_citizens:,} citizens "
            f"({executor}) into {plan.out}/")
        report = executor.run((task for row in grid for task in row), setup.worker)
        if not report.ok:
            return report_failures(report, plan.out, OUTPUT_FILES,
                                   _manifest(plan, report, executor, clock, written=()))
        clear_outputs(plan.out, OUTPUT_FILES)
        written = _write_outputs(plan, grid, args.plots)
        write_manifest(plan.out, _manifest(plan, report, executor, clock, written))
    print(f"Wrote {', '.join(written)} and manifest.json to {plan.out}/ "
          f"({report.completed} runs now, {report.reused} reused).")
    return 0


def _write_outputs(plan: Plan, grid: list[list[Task]], plots: bool) -> list[str]:
    from ..figures import plots as figures
    from ..runs.outputs import write_shares_and_bands, write_summary

    ensemble = write_shares_and_bands(plan.out, grid)
    write_summary(plan.out, ensemble, plan.horizons)
    written = ["shares.csv", "shares.parquet", "summary.csv"]
    _print_headline(ensemble, plan.horizons[-1])
    if not plots:
        return written
    credit = (f"Model: belarus-opinion-abm {short_commit()}, {len(plan.seeds)} seeds x "
              f"{plan.n_citizens:,} citizens per scenario.")
    if plan.posterior is not None:
        credit += (" Each seed runs with its own parameter set drawn from the calibration "
                   "posterior, so the bands carry parameter uncertainty as well as chance.")
    figures.plot_shares(ensemble, plan.out / "shares.png", "survey", plan.waves, credit)
    figures.plot_shares(ensemble, plan.out / "shares_population.png", "population",
                        credit=credit)
    written += ["shares.png", "shares_population.png"]
    if len(plan.scenarios) > 1:
        figures.plot_differences(ensemble, plan.out / "difference.png", credit=credit)
        written.append("difference.png")
    figures.plot_horizon(ensemble, plan.out / "horizon.png", credit=credit)
    figures.plot_levers(plan.scenarios, plan.out / "levers.png", credit=credit)
    return [*written, "horizon.png", "levers.png"]


def _print_headline(ensemble, date: str) -> None:
    """Print the survey shares at ``date``: mean [5-95%] and paired difference, in %."""
    from ..core.observation import MEASURES

    t, m = ensemble.months.index(date), MEASURES.index("survey")
    print(f"Virtual survey in {date}, % of respondents: mean [5-95% over "
          f"{len(ensemble.seeds)} seeds]; paired difference from {ensemble.reference} in points")
    for name in ensemble.scenarios:
        band, diff = ensemble.shares[name], ensemble.differences[name]
        cells = []
        for c, category in enumerate(CATEGORIES):
            cell = (f"{category} {100 * band.mean[t, m, c]:.1f} "
                    f"[{100 * band.low[t, m, c]:.1f}, {100 * band.high[t, m, c]:.1f}]")
            if name != ensemble.reference:
                cell += (f" {100 * diff.mean[t, m, c]:+.1f} [{100 * diff.low[t, m, c]:+.1f}, "
                         f"{100 * diff.high[t, m, c]:+.1f}]")
            cells.append(cell)
        print(f"  {name}: " + "; ".join(cells))


# --- the manifest ------------------------------------------------------------------------
def _reproduce(plan: Plan) -> list[str]:
    argv = ["python", "run.py", NAME, *(str(path) for path in plan.files),
            "--seeds", str(len(plan.seeds)), "--citizens", str(plan.n_citizens)]
    for override in plan.overrides:
        argv += ["--set", override]
    reference = plan.scenarios[0]
    if list(plan.horizons) != default_horizons(reference.start, reference.end):
        argv += ["--horizons", ",".join(plan.horizons)]
    return [*argv, "--posterior" if plan.posterior else "--no-posterior", "--out",
            str(plan.out)]


def _input_hashes(plan: Plan) -> dict[str, str]:
    files = [p for path in plan.files for p in scenario_file_chain(path)]
    if plan.waves_file is not None:
        files.append(plan.waves_file)
    if plan.posterior:
        files.append(Path(plan.posterior.source))
    return {str(path): sha256_file(path) for path in dict.fromkeys(files)}


def _posterior_record(plan: Plan) -> dict:
    posterior = {"used": plan.posterior is not None}
    if plan.posterior is not None:
        posterior |= {
            "source": plan.posterior.source,
            "parameters": list(plan.posterior.particles.columns),
            "rule": "seed s runs with particle parameters_for(s), the same in every "
                    "scenario; parameters a scenario sets itself keep the scenario's value",
            "kept_scenario_values": {s.name: sorted(set(s.parameters)
                                                    & set(plan.posterior.particles.columns))
                                     for s in plan.scenarios}}
    return posterior


def _manifest(plan: Plan, report: RunReport, executor: Executor, clock: Clock,
              written) -> dict:
    failed_ids = {failure.task.id for failure in report.failures}
    runs, run_seconds = [], 0.0
    for task in report.tasks:
        if task.id in failed_ids:
            continue
        _, record = load_record(plan.out, task)
        run_seconds += record["seconds"]
        runs.append({key: record[key] for key in ("scenario", "seed", "id", "seconds", "host",
                                                  "finished")})
    body = {
        "reference": plan.scenarios[0].name,
        "scenarios": [{"name": s.name, "file": str(f) if f else None,
                       "resolved": scenario_to_dict(s)}
                      for s, f in zip(plan.scenarios, [*plan.files] or [None], strict=True)],
        "overrides": list(plan.overrides),
        "seeds": list(plan.seeds),
        "n_citizens": plan.n_citizens,
        "horizons": list(plan.horizons),
        "posterior": _posterior_record(plan),
        "inputs_sha256": _input_hashes(plan),
        "runs": runs,
    }
    execution = execution_record(report, executor, clock,
                                 run_seconds_total=round(run_seconds, 2))
    return manifest(clock, _reproduce(plan), body, written, execution=execution)
