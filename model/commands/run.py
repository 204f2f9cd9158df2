"""``run``: compare scenarios over a seed ensemble; the default job of ``python run.py``.

Every scenario runs with the same seeds 0..N-1; the first is the reference. Same seed, same
random draws in every scenario (common random numbers), so the per-seed difference from the
reference isolates the policy. See ``docs/running.md``.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ..core.observation import CATEGORIES
from ..inputs.calendar import parse_month
from ..inputs.errors import MISSING, InputError
from ..inputs.overrides import apply_overrides
from ..inputs.posterior import Posterior, default_posterior, default_posterior_path
from ..inputs.scenario import DEFAULT_CITIZENS, DEFAULT_SEEDS, MAX_CITIZENS, Scenario, baseline
from ..inputs.scenario_files import load_scenario, scenario_to_dict
from ..runs.execution import (
    RunReport,
    Task,
    code_version,
    load_record,
    run_tasks,
)
from ..runs.outputs import default_horizons
from ..runs.provenance import (
    environment,
    git_state,
    library_versions,
    scenario_file_chain,
    sha256_file,
    short_commit,
    waves_file,
)
from ._executor import connect, describe_executor, discard_outputs, interrupted

NAME = "run"
HELP = "Run scenarios over a seed ensemble and compare them with the first (the reference)."
ORDER = 10

DEFAULT_OUT = "results"
SCENARIO_DIR = "scenarios"
REFERENCE_FILE = "baseline.toml"
MAX_SEEDS = 100_000
#: What one complete run writes into --out (removed if a later run into the same folder
#: fails, so that no stale result sits next to a manifest that does not describe it).
OUTPUT_FILES = ("shares.csv", "shares.parquet", "summary.csv", "shares.png",
                "shares_population.png", "difference.png", "horizon.png", "levers.png")
_SOURCE_ROOT = Path(__file__).resolve().parents[2]


# --- the default job -----------------------------------------------------------------------
def scenario_dir() -> Path:
    """Return the scenario library: ``scenarios/`` here, else next to the source code."""
    here = Path(SCENARIO_DIR)
    return here if here.is_dir() else _SOURCE_ROOT / SCENARIO_DIR


def default_scenario_files() -> list[Path]:
    """Return every ``scenarios/*.toml``, ``baseline.toml`` first, the rest by name."""
    files = sorted(scenario_dir().glob("*.toml"))
    return sorted(files, key=lambda path: path.name != REFERENCE_FILE)


def default_argv() -> list[str]:
    """Return what ``python run.py`` runs: the scenario library against the baseline."""
    return [NAME, *(str(path) for path in default_scenario_files()), "--out", DEFAULT_OUT]


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
    parser.add_argument("--out", default=DEFAULT_OUT, metavar="DIR",
                        help=f"output folder (default: {DEFAULT_OUT}/); finished runs found "
                             "there are reused")
    parser.add_argument("--set", dest="overrides", action="append", default=[],
                        metavar="KEY=VALUE",
                        help="change a lever, exogenous input or parameter in every scenario: "
                             "KEY=VALUE (from the start) or KEY@YYYY-MM=VALUE (from a month); "
                             "repeatable")
    parser.add_argument("--horizons", metavar="YYYY-MM,...",
                        help="dates reported in summary.csv (default: every December and the "
                             "last month)")
    parser.add_argument("--posterior", action=argparse.BooleanOptionalAction, default=None,
                        help="draw each seed's parameters from the committed calibration "
                             "(model/data/posterior.csv); default: on when it exists")
    parser.add_argument("--workers", type=int, metavar="N",
                        help="local worker processes (default: every core); 1 runs serially")
    parser.add_argument("--scheduler", metavar="ADDRESS",
                        help="run on a Dask distributed cluster, e.g. tcp://host:8786")
    parser.add_argument("--no-plots", dest="plots", action="store_false",
                        help="skip the figures")
    parser.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                        help="progress bar with ETA (default: when the terminal shows it)")


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
    value = default if value is None else value
    if not 1 <= value <= high:
        raise InputError(option, "value", value, f"a whole number from 1 to {high:,}")
    return value


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


def _posterior(wanted: bool | None) -> Posterior | None:
    try:
        posterior = default_posterior()
    except (ValueError, TypeError, KeyError) as error:
        raise InputError(str(default_posterior_path()), "posterior", MISSING,
                         f"the committed calibration cannot be read: {error}") from None
    if wanted and posterior is None:
        raise InputError("--posterior", "value", True,
                         f"no calibration is committed at {default_posterior_path()}; "
                         "calibrate first or drop --posterior")
    return posterior if wanted is not False else None


def plan_run(args: argparse.Namespace) -> Plan:
    """Validate every input of the command and return the plan.

    Raises:
        InputError: for any bad file or value, before anything is written.
    """
    files = [Path(f) for f in args.scenarios] or default_scenario_files()
    scenarios = [load_scenario(path) for path in files] or [baseline()]
    scenarios = [apply_overrides(s, args.overrides) for s in scenarios]
    reference = scenarios[0]
    source = {s.name: s.path or "built-in baseline" for s in scenarios}
    seen: dict[str, str] = {}
    for scenario in scenarios:
        where = scenario.path or "built-in baseline"
        if scenario.name in seen:
            raise InputError(where, "name", scenario.name,
                             f"scenario names must differ within one run; {seen[scenario.name]}"
                             " has the same name")
        seen[scenario.name] = where
        if (scenario.start, scenario.end) != (reference.start, reference.end):
            raise InputError(where, "run.end", scenario.end,
                             "every scenario in one comparison must cover the same months as "
                             f"the reference {source[reference.name]} ({reference.start} to "
                             f"{reference.end})")
    seeds = _count("--seeds", args.seeds, reference.seeds, MAX_SEEDS)
    citizens = _count("--citizens", args.citizens, reference.citizens, MAX_CITIZENS)
    if args.workers is not None:
        _count("--workers", args.workers, 1, 1024)
    horizons = _horizons(args.horizons, reference.start, reference.end)
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise InputError("--out", "value", str(out), "a folder (this is a file)")
    if args.citizens is None and any(s.citizens != citizens for s in scenarios):
        print(f"note: every scenario runs with the reference's {citizens:,} citizens so that "
              "runs pair up seed by seed", file=sys.stderr)
    return Plan(tuple(scenarios), tuple(files), tuple(range(seeds)), citizens, horizons,
                tuple(args.overrides), _posterior(args.posterior), out)



# --- the command -------------------------------------------------------------------------
def main(args: argparse.Namespace) -> int:
    """Run the comparison; return 0, or 1 if any run failed (the failures are listed)."""
    started, created = time.perf_counter(), datetime.now(UTC).isoformat(timespec="seconds")
    plan = plan_run(args)
    client = connect(args.scheduler)
    try:
        plan.out.mkdir(parents=True, exist_ok=True)
        grid = plan.grid()
        n_runs = len(plan.scenarios) * len(plan.seeds)
        executor = describe_executor(args, client)
        print(f"Running {len(plan.scenarios)} scenario(s) x {len(plan.seeds)} seeds = {n_runs} "
              f"runs of {plan.n_citizens:,} citizens ({executor}) into {plan.out}/",
              file=sys.stderr)
        try:
            report = run_tasks((task for row in grid for task in row), plan.out,
                               workers=args.workers, scheduler=client, progress=args.progress,
                               description="runs")
        except KeyboardInterrupt:
            return interrupted(plan.out)
    finally:
        if client is not None:
            client.close()
    if not report.ok:
        discard_outputs(plan.out, OUTPUT_FILES)
        _write_manifest(plan, args, report, executor, created, started, written=())
        print(report.failure_summary(), file=sys.stderr)
        print("Finished runs are kept; run the same command again to retry the failed ones.",
              file=sys.stderr)
        return 1
    written = _write_outputs(plan, grid, args.plots)
    _write_manifest(plan, args, report, executor, created, started, written)
    print(f"Wrote {', '.join(written)} and manifest.json to {plan.out}/ "
          f"({report.completed} runs now, {report.reused} reused).")
    return 0


def _write_outputs(plan: Plan, grid: list[list[Task]], plots: bool) -> list[str]:
    from ..figures import plots as figures
    from ..inputs.survey_data import load_waves
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
    waves = load_waves()
    figures.plot_shares(ensemble, plan.out / "shares.png", "survey", waves, credit)
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
def _reproduce(plan: Plan) -> str:
    argv = ["python", "run.py", NAME, *(str(path) for path in plan.files),
            "--seeds", str(len(plan.seeds)), "--citizens", str(plan.n_citizens)]
    for override in plan.overrides:
        argv += ["--set", override]
    reference = plan.scenarios[0]
    if list(plan.horizons) != default_horizons(reference.start, reference.end):
        argv += ["--horizons", ",".join(plan.horizons)]
    argv += ["--posterior" if plan.posterior else "--no-posterior", "--out", str(plan.out)]
    return shlex.join(argv)


def _input_hashes(plan: Plan) -> dict[str, str]:
    files = [p for path in plan.files for p in scenario_file_chain(path)] + [waves_file()]
    if plan.posterior:
        files.append(Path(plan.posterior.source))
    return {str(path): sha256_file(path) for path in dict.fromkeys(files)}


def _write_manifest(plan: Plan, args: argparse.Namespace, report: RunReport, executor: str,
                    created: str, started: float, written) -> None:
    from ..runs.atomic import write_json

    failed_ids = {failure.task.id for failure in report.failures}
    runs, run_seconds = [], 0.0
    for task in report.tasks:
        if task.id in failed_ids:
            continue
        _, record = load_record(plan.out, task)
        run_seconds += record["seconds"]
        runs.append({key: record[key] for key in ("scenario", "seed", "id", "seconds", "host",
                                                  "finished")})
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
    manifest = {
        "status": "complete" if report.ok else "failed",
        "created": created,
        "reproduce": {
            "command": _reproduce(plan),
            "checkout": git_state()["commit"],
            "note": "run from the repository root at that commit; --workers and --scheduler "
                    "do not change any result",
            "argv": sys.argv[1:],
        },
        "reference": plan.scenarios[0].name,
        "scenarios": [{"name": s.name, "file": str(f) if f else None,
                       "resolved": scenario_to_dict(s)}
                      for s, f in zip(plan.scenarios, [*plan.files] or [None], strict=True)],
        "overrides": list(plan.overrides),
        "seeds": list(plan.seeds),
        "n_citizens": plan.n_citizens,
        "horizons": list(plan.horizons),
        "posterior": posterior,
        "code": {**git_state(), "model_code_version": code_version()},
        "libraries": library_versions(),
        "environment": environment(),
        "inputs_sha256": _input_hashes(plan),
        "execution": {
            "executor": executor, "runs": len(report.tasks), "ran_now": report.completed,
            "reused": report.reused, "wall_seconds": round(time.perf_counter() - started, 2),
            "run_seconds_total": round(run_seconds, 2),
            "failed": [{**f.task.describe(), "error": f"{f.error_type}: {f.message}",
                        "record": str(f.record)} for f in report.failures],
        },
        "outputs": list(written),
        "runs": runs,
    }
    write_json(plan.out / "manifest.json", manifest)
