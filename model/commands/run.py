"""``run``: compare scenarios over an ensemble; the default job of ``python run.py``.

The ensemble (``model.runs.design``) draws, for every mechanism variant, parameter sets
from the variant's posterior, the uncalibrated assumptions from their priors, the exogenous
futures after 2025 and the seeds; every member runs in every scenario, and the first
scenario is the reference. Same member, same inputs and random draws in every scenario
(common random numbers), so the member's difference from the reference isolates the policy.
The answer is averaged over the variants by their weights, and reported for each variant
too, with the variance of every difference split by source. See ``docs/running.md``.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..core.subgroups import PANEL_SIZE
from ..inputs import variants
from ..inputs.calendar import parse_month
from ..inputs.errors import MISSING, InputError
from ..inputs.futures import with_future
from ..inputs.overrides import apply_overrides
from ..inputs.posterior import Posterior, variant_posterior
from ..inputs.scenario import DEFAULT_CITIZENS, DEFAULT_SEEDS, MAX_CITIZENS, Scenario, baseline
from ..inputs.scenario_files import load_scenario, scenario_file_chain, scenario_to_dict
from ..inputs.survey_data import Wave, load_waves
from ..runs.atomic import atomic_path
from ..runs.design import Design, Member
from ..runs.execution import RunReport, Task, load_record
from ..runs.outputs import default_horizons
from ..runs.provenance import sha256_file, short_commit
from ..runs.subgroups import SUBGROUPS_DIR, subgroups_table, subgroups_task, write_subgroups
from ._executor import Executor, Setup, report_failures, say
from ._manifest import Clock, clear_outputs, execution_record, manifest, write_manifest
from ._options import (
    add_many_run_options,
    add_variant_options,
    chosen_variants,
    output_folder,
    whole_number,
)
from ._scenarios import REFERENCE_FILE, SCENARIO_DIR, check_comparable, library_files

NAME = "run"
HELP = ("Run scenarios over an ensemble of variants, parameter sets, assumptions, futures and "
        "seeds, and compare them with the first (the reference).")
ORDER = 10

DEFAULT_OUT = "results"
MAX_SEEDS = 100_000
MAX_DRAWS = 100_000
#: The largest panel ``--subgroups`` accepts (a survey of every adult, roughly).
MAX_PANEL = 10_000_000
#: Parameter draws per variant. With the pick-freeze members that split the variance
#: (``model.runs.design``), 12 draws make 36 runs per variant and 24 distinct parameter
#: sets; five variants give 120 per scenario, and the default job (8 scenarios, 1,440 runs
#: of 3,000 citizens) fits in 3 minutes on two cores (docs/running.md).
DEFAULT_DRAWS = 12
#: What one complete run writes into --out (removed if a later run into the same folder
#: fails, so that no stale result sits next to a manifest that does not describe it).
OUTPUT_FILES = ("shares.csv", "shares.parquet", "summary.csv", "effects.csv",
                "prior_sensitivity.csv", "shares.png", "shares_population.png",
                "difference.png", "horizon.png", "levers.png", "subgroups.csv")


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
    parser.add_argument("--draws", type=int, default=DEFAULT_DRAWS, metavar="N",
                        help="parameter draws per variant, each with its own assumptions, "
                             "future and seed; 2 or more also split the variance by source "
                             f"(default {DEFAULT_DRAWS})")
    parser.add_argument("--seeds", type=int, metavar="N",
                        help="seeds per draw (default: the reference scenario's [run] seeds, "
                             f"{DEFAULT_SEEDS} unless it says)")
    parser.add_argument("--citizens", type=int, metavar="N",
                        help=f"simulated citizens per run, 1 to {MAX_CITIZENS:,} (default: "
                             f"the reference scenario's [run] citizens, {DEFAULT_CITIZENS:,} "
                             "unless it says)")
    parser.add_argument("--horizons", metavar="YYYY-MM,...",
                        help="dates reported in summary.csv (default: every December and the "
                             "last month)")
    parser.add_argument("--posterior", action=argparse.BooleanOptionalAction, default=None,
                        help="draw each variant's fitted parameters from its committed "
                             "calibration (model/data/posteriors/NAME.csv); default: on for "
                             "every variant that has one")
    parser.add_argument("--assumptions", choices=("sampled", "fixed"), default="sampled",
                        help="sampled: draw the uncalibrated parameters from their priors; "
                             "fixed: hold them at their defaults (default sampled)")
    parser.add_argument("--futures", choices=("sampled", "flat"), default="sampled",
                        help="sampled: draw propaganda, repression and emigration after 2025 "
                             "from their registry ranges; flat: as the scenario says "
                             "(default sampled)")
    parser.add_argument("--subgroups", nargs="?", type=int, const=PANEL_SIZE, metavar="PANEL",
                        help="also write subgroups.csv: the virtual survey by media diet, age, "
                             "settlement, camp, EU trips, visa and ties to Russia at the "
                             "horizons, with the sampling interval of a wave of PANEL "
                             f"respondents (default {PANEL_SIZE}); runs every member once "
                             "more: the runs take about 2.6 times as long")
    add_variant_options(parser)
    add_many_run_options(parser, DEFAULT_OUT, where=" in every scenario")


# --- validation: everything is checked before anything is written ------------------------
@dataclass(frozen=True)
class Plan:
    """A validated comparison, ready to run."""

    scenarios: tuple[Scenario, ...]
    files: tuple[Path, ...]
    design: Design
    n_citizens: int
    horizons: tuple[str, ...]
    overrides: tuple[str, ...]
    out: Path
    weighting: str = variants.DEFAULT_WEIGHTING
    waves_file: Path | None = None
    waves: tuple[Wave, ...] = ()
    #: The panel size of ``--subgroups`` (None: no subgroup table).
    subgroups: int | None = None

    def members(self) -> list[Member]:
        """Return the ensemble's members, in run order."""
        return self.design.members()

    def grid(self, members: list[Member] | None = None) -> list[list[Task]]:
        """Return ``grid[i][j]``: scenario i run by member j."""
        members = self.members() if members is None else members
        return [[Task(with_future(scenario, member.inputs.future), member.inputs.seed,
                      _own_settings_win(member.parameters(), scenario), self.n_citizens)
                 for member in members] for scenario in self.scenarios]

    @property
    def posteriors(self) -> dict[str, Posterior | None]:
        """Each variant's posterior (None: the registry defaults)."""
        return dict(self.design.posteriors)


def draw_by_draw(grid: list[list[Task]]) -> Iterator[Task]:
    """Yield the grid's tasks member by member: a member's scenarios share their start.

    (``core.start_cache``: a worker that runs them one after another builds it once.)
    """
    for column in zip(*grid, strict=True):
        yield from column


def _own_settings_win(drawn: dict, scenario: Scenario) -> dict | None:
    """The member's parameters minus those the scenario sets itself (explicit settings win)."""
    return {k: v for k, v in drawn.items() if k not in scenario.parameters} or None


def _posteriors(chosen: tuple[str, ...], wanted: bool | None,
                folder: Path) -> dict[str, Posterior | None]:
    """Return each chosen variant's committed posterior as ``--posterior`` asks.

    Raises:
        InputError: for a damaged file, or a missing one that ``--posterior`` requires.
    """
    if wanted is False:
        return dict.fromkeys(chosen)
    found = {name: variant_posterior(name, folder) for name in chosen}
    missing = [name for name, posterior in found.items() if posterior is None]
    if wanted and missing:
        raise InputError("--posterior", "value", True,
                         f"a committed calibration for every variant; none for "
                         f"{', '.join(missing)} in {folder}: calibrate them first "
                         "(calibrate --variant NAME --install), or drop --posterior")
    for name in missing:
        say(f"note: variant {name} has no committed posterior; its fitted parameters stay at "
            "the registry defaults")
    return found


def _weights(chosen: tuple[str, ...], weighting: str, folder: Path) -> dict[str, float]:
    """Return the variants' weights (a single variant weighs 1 and needs no file)."""
    if len(chosen) == 1:
        return {chosen[0]: 1.0}
    return variants.weights(chosen, weighting, folder)


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
    draws = _count("--draws", args.draws, DEFAULT_DRAWS, MAX_DRAWS)
    citizens = _count("--citizens", args.citizens, reference.citizens, MAX_CITIZENS)
    horizons = _horizons(args.horizons, reference.start, reference.end)
    chosen = chosen_variants(args)
    out = output_folder(args)
    design = Design(chosen, draws, seeds, _posteriors(chosen, args.posterior, setup.posteriors),
                    _weights(chosen, args.weights, setup.posteriors),
                    assumptions=args.assumptions == "sampled",
                    futures=args.futures == "sampled")
    if args.citizens is None and any(s.citizens != citizens for s in scenarios):
        say(f"note: every scenario runs with the reference's {citizens:,} citizens so that "
            "runs pair up member by member")
    panel = None if args.subgroups is None else whole_number("--subgroups", args.subgroups,
                                                              1, MAX_PANEL)
    return Plan(tuple(scenarios), tuple(files), design, citizens, horizons,
                tuple(args.overrides), out, args.weights, setup.waves_file,
                tuple(load_waves(setup.waves_file)), panel)


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
    members = plan.members()
    grid = plan.grid(members)
    with Executor(args, plan.out) as executor:
        say(f"Running {len(plan.scenarios)} scenario(s) x {len(members)} ensemble members "
            f"({len(plan.design.variants)} variant(s), {plan.design.draws} draws each) = "
            f"{len(plan.scenarios) * len(members)} runs of {plan.n_citizens:,} citizens "
            f"({executor}) into {plan.out}/")
        report = executor.run(draw_by_draw(grid), setup.worker)
        if report.ok and plan.subgroups:
            say("Reading the survey by subgroup: every run once more (--subgroups)")
            extra = executor.run(draw_by_draw(grid), subgroups_task,
                                 "subgroup runs", plan.out / SUBGROUPS_DIR)
            report = report if extra.ok else extra
        if not report.ok:
            return report_failures(report, plan.out, OUTPUT_FILES,
                                   _manifest(plan, report, executor, clock, (), members, grid))
        clear_outputs(plan.out, OUTPUT_FILES)
        written = _write_outputs(plan, grid, members, args.plots)
        write_manifest(plan.out, _manifest(plan, report, executor, clock, written, members,
                                             grid))
    print(f"Wrote {', '.join(written)} and manifest.json to {plan.out}/ "
          f"({report.completed} runs now, {report.reused} reused).")
    return 0


def _write_outputs(plan: Plan, grid: list[list[Task]], members: list[Member],
                   plots: bool) -> list[str]:
    from ..figures import plots as figures
    from ..runs.effects import effects_table, print_effects
    from ..runs.outputs import write_shares_and_bands, write_summary
    from ..runs.prior_sensitivity import prior_sensitivity_table

    ensemble = write_shares_and_bands(plan.out, grid, plan.design, members)
    write_summary(plan.out, ensemble, plan.horizons)
    effects = effects_table(ensemble, plan.horizons[-1], plan.posteriors, plan.design)
    with atomic_path(plan.out / "effects.csv") as temporary:
        effects.to_csv(temporary, index=False, lineterminator="\n", float_format="%.6g")
    sensitivity = prior_sensitivity_table(ensemble, plan.horizons[-1])
    with atomic_path(plan.out / "prior_sensitivity.csv") as temporary:
        sensitivity.to_csv(temporary, index=False, lineterminator="\n", float_format="%.6g")
    written = ["shares.csv", "shares.parquet", "summary.csv", "effects.csv",
               "prior_sensitivity.csv"]
    if plan.subgroups:
        write_subgroups(plan.out, subgroups_table(plan.out / SUBGROUPS_DIR, grid, plan.design,
                                                  members, plan.horizons, plan.subgroups))
        written.append("subgroups.csv")
    print_effects(ensemble, effects, plan.horizons[-1])
    if not plots:
        return written
    credit = (f"Model: belarus-opinion-abm {short_commit()}, {plan.n_citizens:,} citizens per "
              f"run; {ensemble.describe()}.")
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


# --- the manifest ------------------------------------------------------------------------
def _reproduce(plan: Plan) -> list[str]:
    design = plan.design
    argv = ["python", "run.py", NAME, *(str(path) for path in plan.files),
            "--draws", str(design.draws), "--seeds", str(design.seeds),
            "--citizens", str(plan.n_citizens)]
    for name in design.variants:
        argv += ["--variant", name]
    argv += ["--weights", plan.weighting,
             "--assumptions", "sampled" if design.assumptions else "fixed",
             "--futures", "sampled" if design.futures else "flat"]
    for override in plan.overrides:
        argv += ["--set", override]
    reference = plan.scenarios[0]
    if list(plan.horizons) != default_horizons(reference.start, reference.end):
        argv += ["--horizons", ",".join(plan.horizons)]
    if plan.subgroups:
        argv += ["--subgroups", str(plan.subgroups)]
    used = any(p is not None for p in plan.posteriors.values())
    return [*argv, "--posterior" if used else "--no-posterior", "--out", str(plan.out)]


def _input_hashes(plan: Plan) -> dict[str, str]:
    files = [p for path in plan.files for p in scenario_file_chain(path)]
    if plan.waves_file is not None:
        files.append(plan.waves_file)
    files += [Path(p.source) for p in plan.posteriors.values() if p is not None]
    return {str(path): sha256_file(path) for path in dict.fromkeys(files)}


def _design_record(plan: Plan, members: list[Member]) -> dict:
    design = plan.design
    return {
        "variants": {name: {
            "weight": design.weights[name],
            "posterior": (design.posteriors[name].source if design.posteriors[name]
                          else "none: registry defaults"),
            "varying": list(design.varying(name)),
            "runs_per_scenario": sum(1 for m in members if m.variant == name)}
            for name in design.variants},
        "weighting": plan.weighting if len(design.variants) > 1 else "single variant",
        "draws_per_variant": design.draws, "seeds_per_draw": design.seeds,
        "pairs_per_variant": design.pairs,
        "distinct_parameter_sets": design.distinct_parameter_sets(),
        "assumptions": "sampled from the registry priors" if design.assumptions else "fixed",
        "futures": "sampled from the registry ranges" if design.futures else "flat",
        "rule": "member j runs in every scenario with the same seed, parameters and future; "
                "parameters a scenario sets itself keep the scenario's value",
        "kept_scenario_values": {s.name: sorted(set(s.parameters)) for s in plan.scenarios
                                 if s.parameters},
    }


def _manifest(plan: Plan, report: RunReport, executor: Executor, clock: Clock,
              written, members: list[Member], grid: list[list[Task]]) -> dict:
    failed_ids = {failure.task.id for failure in report.failures}
    labels = {task.id: member for row in grid
              for task, member in zip(row, members, strict=True)}
    runs, run_seconds = [], 0.0
    for task in report.tasks:
        if task.id in failed_ids:
            continue
        _, record = load_record(plan.out, task)
        run_seconds += record["seconds"]
        member = labels.get(task.id)
        runs.append({"variant": member.variant if member else None,
                     "member": member.label if member else None,
                     **{key: record[key] for key in ("scenario", "seed", "id", "seconds",
                                                     "host", "finished")}})
    body = {
        "reference": plan.scenarios[0].name,
        "scenarios": [{"name": s.name, "file": str(f) if f else None,
                       "resolved": scenario_to_dict(s)}
                      for s, f in zip(plan.scenarios, [*plan.files] or [None], strict=True)],
        "overrides": list(plan.overrides),
        "ensemble": _design_record(plan, members),
        "n_citizens": plan.n_citizens,
        "horizons": list(plan.horizons),
        "inputs_sha256": _input_hashes(plan),
        "runs": runs,
    }
    execution = execution_record(report, executor, clock,
                                 run_seconds_total=round(run_seconds, 2))
    return manifest(clock, _reproduce(plan), body, written, execution=execution)
