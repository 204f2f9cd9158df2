"""The ``run`` command and the execution engine: determinism across executors, resume,
failures, paired differences on common random numbers, and well-formed outputs.

Scenarios here are short (Sep 2020 to Jun 2021, 10 months) and small (300 citizens), so a
run takes a few hundredths of a second and the file stays within about a minute.
"""

import json
import os
import signal
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from model import cli
from model.commands import run as run_command
from model.commands._executor import Setup
from model.core.observation import CATEGORIES, MEASURES
from model.core.simulate import simulate
from model.inputs import variants
from model.inputs.calendar import month_range
from model.inputs.posterior import Posterior
from model.inputs.scenario import baseline
from model.inputs.scenario_files import write_scenario
from model.inputs.timeline import TimelinePoint
from model.runs.design import Design
from model.runs.execution import (
    Task,
    error_path,
    load_result,
    result_path,
    run_tasks,
    simulate_task,
)
from model.runs.outputs import SHARES_COLUMNS, SUMMARY_COLUMNS, default_horizons
from model.runs.provenance import sha256_file
from tests.helpers import SEED_ENSEMBLE

ROOT = Path(__file__).resolve().parents[1]
END = "2021-06"
CITIZENS = 300
#: Western borders and visas wide open from October 2020: a large, early policy change.
OPEN_WEST = {"visa_fee_eur": 0, "visa_refusal_rate": 0, "visa_processing_capacity": 2,
             "open_crossings_poland": 5, "open_crossings_lithuania": 6,
             "open_crossings_latvia": 2, "eu_bank_access": 1}


def reference_scenario():
    return baseline().with_changes(name="reference", end=END, citizens=CITIZENS, seeds=3)


def policy_scenario():
    return reference_scenario().with_changes(
        name="open_west", description="Crossings and visas open from October 2020.",
        levers={name: (TimelinePoint("2020-10", value),) for name, value in OPEN_WEST.items()})


@pytest.fixture(scope="module")
def scenario_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("scenarios")
    return (write_scenario(reference_scenario(), folder / "reference.toml"),
            write_scenario(policy_scenario(), folder / "open_west.toml"))


def run_cli(*argv, setup: Setup | None = None) -> int:
    return cli.main(["run", *map(str, argv)], setup=setup)


def no_posterior(tmp_path) -> Setup:
    """As if no calibration had been committed: a posteriors folder that does not exist."""
    return Setup(posteriors=tmp_path / "no_posteriors")


def output_bytes(folder: Path) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes()
            for name in ("shares.csv", "shares.parquet", "summary.csv")}


@pytest.fixture(scope="module")
def comparison(scenario_files, tmp_path_factory):
    """One end-to-end run through the real command line (a subprocess), with figures."""
    out = tmp_path_factory.mktemp("comparison") / "out"
    done = subprocess.run(
        [sys.executable, "run.py", "run", *map(str, scenario_files), *SEED_ENSEMBLE, "--seeds", "4",
         "--citizens", str(CITIZENS), "--out", str(out), "--workers", "2", "--no-posterior"],
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return out, done


# --- tasks ---------------------------------------------------------------------------------
def test_task_id_depends_on_exactly_what_changes_the_result():
    task = Task(reference_scenario(), 3, {"peer_rate": 0.1}, 300)
    assert task.id == Task(reference_scenario(), 3, {"peer_rate": 0.1}, 300).id
    same_numbers = reference_scenario().with_changes(description="reworded", seeds=50)
    assert Task(same_numbers, 3, {"peer_rate": 0.1}, 300).id == task.id
    variants = [Task(reference_scenario(), 4, {"peer_rate": 0.1}, 300),
                Task(reference_scenario(), 3, {"peer_rate": 0.2}, 300),
                Task(reference_scenario(), 3, None, 300),
                Task(reference_scenario(), 3, {"peer_rate": 0.1}, 301),
                Task(policy_scenario().with_changes(name="reference"), 3, {"peer_rate": 0.1},
                     300)]
    assert len({task.id, *(v.id for v in variants)}) == 1 + len(variants)


def test_task_survives_pickling_for_worker_processes():
    import pickle

    task = Task(policy_scenario(), 2, {"peer_rate": 0.1}, 300)
    copy = pickle.loads(pickle.dumps(task))
    assert copy.id == task.id
    assert copy.scenario == task.scenario
    assert copy.parameters == {"peer_rate": 0.1}


def test_default_horizons_are_each_december_and_the_last_month():
    assert default_horizons("2020-09", "2022-12") == ["2020-12", "2021-12", "2022-12"]
    assert default_horizons("2020-09", "2021-06") == ["2020-12", "2021-06"]


# --- determinism across executors ----------------------------------------------------------
def test_serial_process_pool_and_dask_give_identical_files(scenario_files, tmp_path):
    from distributed import LocalCluster

    common = [*scenario_files, *SEED_ENSEMBLE, "--seeds", "3", "--no-plots", "--no-posterior"]
    assert run_cli(*common, "--out", tmp_path / "serial", "--workers", "1") == 0
    assert run_cli(*common, "--out", tmp_path / "pool", "--workers", "2") == 0
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster:
        assert run_cli(*common, "--out", tmp_path / "dask",
                       "--scheduler", cluster.scheduler_address) == 0
    serial = output_bytes(tmp_path / "serial")
    assert output_bytes(tmp_path / "pool") == serial
    assert output_bytes(tmp_path / "dask") == serial
    # ... and each equals a direct call of the pure simulate().
    shares = pd.read_csv(tmp_path / "serial" / "shares.csv")
    direct = simulate(policy_scenario(), seed=2, n_citizens=CITIZENS).shares
    mine = shares[(shares.scenario == "open_west") & (shares.seed == 2)]
    np.testing.assert_array_equal(mine[list(CATEGORIES)].to_numpy(),
                                  direct[list(CATEGORIES)].to_numpy())


# --- resume ---------------------------------------------------------------------------------
def test_resume_after_interruption_gives_the_same_files(scenario_files, tmp_path, capsys):
    common = [*scenario_files,
              *SEED_ENSEMBLE, "--seeds", "3", "--no-plots", "--workers", "1", "--no-posterior"]
    assert run_cli(*common, "--out", tmp_path / "straight") == 0

    calls = []

    def interrupted(task):
        calls.append(1)
        if len(calls) == 4:
            raise KeyboardInterrupt  # as if Ctrl-C arrived during the fourth run
        return simulate_task(task)

    assert run_cli(*common, "--out", tmp_path / "resumed", setup=Setup(worker=interrupted)) == 130
    assert "run the same command again to resume" in capsys.readouterr().err
    assert len(list((tmp_path / "resumed" / "runs").glob("*.npz"))) == 3
    assert not (tmp_path / "resumed" / "shares.csv").exists()

    assert run_cli(*common, "--out", tmp_path / "resumed") == 0
    assert "3 runs now, 3 reused" in capsys.readouterr().out
    assert output_bytes(tmp_path / "resumed") == output_bytes(tmp_path / "straight")


def test_a_killed_run_leaves_only_complete_results_and_resumes(tmp_path):
    """SIGKILL mid-ensemble: every result file on disk is whole, and a rerun reuses them."""
    scenario = write_scenario(baseline().with_changes(name="long", end="2024-12"),
                              tmp_path / "long.toml")
    command = [sys.executable, "run.py", "run", str(scenario),
               *SEED_ENSEMBLE, "--seeds", "12", "--citizens",
               "1000", "--workers", "1", "--no-plots", "--out", str(tmp_path / "out")]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    runs = tmp_path / "out" / "runs"
    deadline = time.monotonic() + 120
    while len(list(runs.glob("*.npz"))) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    kept = sorted(runs.glob("*.npz"))
    assert 3 <= len(kept) < 12, "the kill should land mid-ensemble"
    for path in kept:
        with np.load(path) as data:
            assert data["array"].shape == (52, 2, 4)
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["execution"]["reused"] >= len(kept)
    assert manifest["execution"]["reused"] + manifest["execution"]["ran_now"] == 12


# --- common random numbers ------------------------------------------------------------------
def test_paired_differences_have_much_smaller_spread_than_unpaired(tmp_path):
    """Same seed, same noise: the paired difference isolates the policy.

    Tolerance: the paired standard deviation must be under half the unpaired one in every
    measure and category (measured: 8 to 35 times smaller with 12 seeds).
    """
    seeds = range(12)
    tasks = [Task(s, seed, None, CITIZENS) for s in (reference_scenario(), policy_scenario())
             for seed in [*seeds, *(seed + 12 for seed in seeds)]]
    assert run_tasks(tasks, tmp_path, workers=2, progress=False).ok

    def final(scenario, seed):
        return load_result(tmp_path, Task(scenario, seed, None, CITIZENS))[-1]

    reference = np.stack([final(reference_scenario(), seed) for seed in seeds])
    paired = np.stack([final(policy_scenario(), seed) for seed in seeds]) - reference
    unpaired = np.stack([final(policy_scenario(), seed + 12) for seed in seeds]) - reference
    assert np.all(paired.std(axis=0, ddof=1) < 0.5 * unpaired.std(axis=0, ddof=1))


# --- outputs -------------------------------------------------------------------------------
def test_shares_csv_is_tidy_complete_and_sums_to_one(comparison):
    out, _ = comparison
    shares = pd.read_csv(out / "shares.csv")
    assert list(shares.columns) == list(SHARES_COLUMNS)
    assert shares.seed.dtype.kind == "i"
    assert all(shares[c].dtype.kind == "f" for c in CATEGORIES)
    months = month_range("2020-09", END)
    assert len(shares) == 2 * 4 * len(months) * len(MEASURES)
    assert not shares.duplicated(["scenario", "seed", "date", "measure"]).any()
    assert set(shares.measure) == set(MEASURES)
    assert sorted(set(shares.date)) == months
    # Deterministic order: scenarios as given, then seeds, then months.
    assert list(dict.fromkeys(shares.scenario)) == ["reference", "open_west"]
    assert shares.groupby("scenario", sort=False).seed.apply(
        lambda s: s.is_monotonic_increasing).all()
    values = shares[list(CATEGORIES)].to_numpy()
    assert np.all((values >= 0) & (values <= 1))
    np.testing.assert_allclose(values.sum(axis=1), 1.0, atol=1e-9)


def test_parquet_holds_the_same_table(comparison):
    out, _ = comparison
    csv = pd.read_csv(out / "shares.csv")
    parquet = pd.read_parquet(out / "shares.parquet")
    assert list(parquet.columns) == list(csv.columns)
    pd.testing.assert_frame_equal(parquet, csv, check_dtype=False)


def test_summary_agrees_with_shares_and_intervals_contain_means(comparison):
    out, _ = comparison
    summary = pd.read_csv(out / "summary.csv")
    assert list(summary.columns) == list(SUMMARY_COLUMNS)
    assert sorted(set(summary.date)) == ["2020-12", END]
    # One variant: its rows and the averaged rows are the same ensemble.
    assert set(summary.variant) == {"averaged", "grievance"}
    assert (summary.n_runs == 4).all() and (summary.n_parameter_sets == 1).all()
    summary = summary[summary.variant == "averaged"]
    assert np.all(summary.p05 <= summary["mean"]) and np.all(summary["mean"] <= summary.p95)
    assert np.all(summary.diff_p05 <= summary.diff_mean)
    assert np.all(summary.diff_mean <= summary.diff_p95)
    reference = summary[summary.scenario == "reference"]
    assert (reference[["diff_mean", "diff_p05", "diff_p95"]] == 0).all().all()

    shares = pd.read_csv(out / "shares.csv")
    assert set(shares.member) == {"d0", "d0s1", "d0s2", "d0s3"}
    at = shares[(shares.date == END) & (shares.measure == "survey")].set_index(
        ["scenario", "seed"])
    for category in CATEGORIES:
        row = summary[(summary.scenario == "open_west") & (summary.date == END)
                      & (summary.measure == "survey") & (summary.category == category)]
        values = at.loc["open_west", category]
        paired = values.to_numpy() - at.loc["reference", category].to_numpy()
        # Equal weights: the weighted quantiles are the midpoint-rule quantiles.
        assert row["mean"].item() == pytest.approx(values.mean(), abs=1e-12)
        assert row.p05.item() == pytest.approx(midpoint_quantile(values, 0.05), abs=1e-12)
        assert row.diff_mean.item() == pytest.approx(paired.mean(), abs=1e-12)
        assert row.diff_p95.item() == pytest.approx(midpoint_quantile(paired, 0.95), abs=1e-12)


def midpoint_quantile(values, q: float) -> float:
    """The quantile of equally weighted values, the i-th at (i + 0.5) / n."""
    ranked = np.sort(np.asarray(values))
    return float(np.interp(q, (np.arange(len(ranked)) + 0.5) / len(ranked), ranked))


def test_manifest_records_how_to_reproduce(comparison, scenario_files):
    out, _ = comparison
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete"
    ensemble = manifest["ensemble"]
    assert ensemble["draws_per_variant"] == 1 and ensemble["seeds_per_draw"] == 4
    assert ensemble["variants"]["grievance"]["posterior"] == "none: registry defaults"
    assert sorted(run["seed"] for run in manifest["runs"]) == [0, 0, 1, 1, 2, 2, 3, 3]
    assert manifest["n_citizens"] == CITIZENS
    assert manifest["reference"] == "reference"
    assert [s["name"] for s in manifest["scenarios"]] == ["reference", "open_west"]
    resolved = manifest["scenarios"][1]["resolved"]
    assert resolved["levers"]["visa_fee_eur"] == {"2020-10": 0.0}
    for path in scenario_files:
        assert manifest["inputs_sha256"][str(path)] == sha256_file(path)
    assert any(p.endswith("chatham_house_waves.csv") for p in manifest["inputs_sha256"])
    assert {"numpy", "mesa", "pandas", "scipy"} <= set(manifest["libraries"])
    assert len(manifest["runs"]) == 8
    assert {run["id"] for run in manifest["runs"]} == {p.stem for p in (out / "runs").glob("*.npz")}
    assert manifest["execution"]["run_seconds_total"] == pytest.approx(
        sum(run["seconds"] for run in manifest["runs"]), abs=0.01)
    assert manifest["execution"]["ran_now"] == 8 and not manifest["execution"]["failed"]
    command = manifest["reproduce"]["command"]
    assert all(str(path) in command for path in scenario_files)
    assert "--seeds 4" in command and f"--citizens {CITIZENS}" in command


def test_figures_are_written_as_png(comparison):
    from PIL import Image

    out, done = comparison
    for name in ("shares.png", "shares_population.png", "difference.png", "horizon.png",
                 "levers.png"):
        with Image.open(out / name) as image:
            image.load()  # decodes the whole file: a truncated one fails here
            assert image.format == "PNG", name
            width, height = image.size
            pixels = np.asarray(image.convert("RGB")).astype(int)
        assert width >= 1000 and height >= 400, (name, image.size)  # 120 dpi figures
        # Something is drawn, and in colour (the scenarios' lines and bands), not a blank page.
        assert (pixels.min(axis=2) < 245).mean() > 0.02, name
        assert (pixels.max(axis=2) - pixels.min(axis=2) > 60).mean() > 0.001, name
    assert "Effect on the virtual survey in 2021-06" in done.stdout


# --- bad input and failures ----------------------------------------------------------------
@pytest.mark.parametrize("extra, message", [
    (["--seeds", "0"], "--seeds"),
    (["--citizens", "99999999"], "--citizens"),
    (["--horizons", "2030-12"], "within the run"),
    (["--horizons", "Dec 2020"], "YYYY-MM"),
    (["--set", "visa_fee_eur=-5"], "visa_fee_eur"),
    (["--workers", "0"], "--workers"),
    (["--posterior"], "posterior"),
])
def test_bad_values_exit_2_before_writing_anything(scenario_files, tmp_path, capsys, extra,
                                                   message):
    out = tmp_path / "out"
    assert run_cli(*scenario_files, *extra, "--out", out, setup=no_posterior(tmp_path)) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_bad_scenario_sets_exit_2(scenario_files, tmp_path, capsys):
    out = tmp_path / "out"
    later = write_scenario(policy_scenario().with_changes(name="later", end="2021-08"),
                           tmp_path / "later.toml")
    assert run_cli(scenario_files[0], later, "--out", out) == 2
    assert "same months" in capsys.readouterr().err
    assert run_cli(scenario_files[0], scenario_files[0], "--out", out) == 2
    assert "names must differ" in capsys.readouterr().err
    assert not out.exists()


def test_missing_file_exits_2_through_the_real_command_line(tmp_path):
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "run.py", "run", str(tmp_path / "nope.toml"),
                           "--out", str(out)], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 2
    assert "nope.toml" in done.stderr and "no such scenario file" in done.stderr
    assert not out.exists()


def test_a_failing_run_is_recorded_and_named_and_the_others_finish(scenario_files, tmp_path,
                                                                   capsys):
    def broken_for_one(task):
        if task.scenario.name == "open_west" and task.seed == 1:
            raise FloatingPointError("injected failure")
        return simulate_task(task)

    out = tmp_path / "out"
    common = [*scenario_files,
              *SEED_ENSEMBLE, "--seeds", "3", "--workers", "1", "--no-posterior", "--out", out]
    assert run_cli(*common, setup=Setup(worker=broken_for_one)) == 1
    err = capsys.readouterr().err
    assert "1 of 6 runs failed" in err and "open_west seed 1" in err
    assert "injected failure" in err
    failed = Task(policy_scenario(), 1, dict(variants.variant("grievance").fixed), CITIZENS)
    record = json.loads(error_path(out, failed).read_text())
    assert record["type"] == "FloatingPointError" and "broken_for_one" in record["traceback"]
    assert len(list((out / "runs").glob("*.npz"))) == 5
    assert not (out / "shares.csv").exists()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "failed"
    assert manifest["execution"]["failed"][0]["seed"] == 1
    assert "Finished runs are kept; run the same command again to retry" in err

    assert run_cli(*common, "--no-plots") == 0
    assert not error_path(out, failed).exists() and result_path(out, failed).exists()


def test_failures_in_worker_processes_carry_their_traceback(tmp_path):
    good = Task(reference_scenario(), 0, None, CITIZENS)
    bad = Task(reference_scenario(), 0, {"peer_rate": 99.0}, CITIZENS)  # beyond bounds
    report = run_tasks([good, bad], tmp_path, workers=2, progress=False)
    assert not report.ok and [f.task.id for f in report.failures] == [bad.id]
    assert "peer_rate" in report.failure_summary()
    assert "Traceback" in json.loads(error_path(tmp_path, bad).read_text())["traceback"]
    assert result_path(tmp_path, good).exists()


# --- memory, posterior, default job --------------------------------------------------------
def big_array_worker(task: Task) -> np.ndarray:
    return np.full(250_000, float(task.seed))  # 2 MB per result


def test_results_stream_to_disk_instead_of_piling_up_in_memory(tmp_path):
    tasks = [Task(reference_scenario(), seed) for seed in range(60)]  # 120 MB of results
    tracemalloc.start()
    report = run_tasks(tasks, tmp_path, workers=1, progress=False, worker=big_array_worker)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert report.completed == 60
    assert peak < 20e6, f"peak {peak / 1e6:.0f} MB: results are being kept in memory"
    assert load_result(tmp_path, tasks[59])[0] == 59.0


def test_posterior_gives_each_member_one_draw_shared_by_every_scenario(tmp_path):
    particles = pd.DataFrame({"peer_rate": [0.05, 0.1, 0.2], "war_shock": [0.1, 0.2, 0.3]})
    posterior = Posterior(particles, np.full(3, 1 / 3), "test")
    own = policy_scenario().with_changes(parameters={"peer_rate": 0.3})
    design = Design(("grievance",), 4, 1, {"grievance": posterior}, {"grievance": 1.0},
                    assumptions=False, futures=False)
    plan = run_command.Plan((reference_scenario(), own), (), design, CITIZENS, (END,), (),
                            tmp_path)
    members = plan.members()
    grid = plan.grid(members)
    for j, member in enumerate(members):
        draw = {**variants.variant("grievance").fixed, **member.inputs.parameters}
        assert grid[0][j].parameters == draw
        assert grid[0][j].seed == grid[1][j].seed == member.inputs.seed
        # The scenario's own setting wins; the other parameters keep the shared draw.
        assert grid[1][j].parameters == {k: v for k, v in draw.items() if k != "peer_rate"}


def test_default_job_puts_baseline_first(tmp_path, monkeypatch):
    folder = tmp_path / "scenarios"
    folder.mkdir()
    for name in ("open_borders.toml", "baseline.toml", "aid.toml"):
        (folder / name).write_text('name = "x"\n')
    monkeypatch.chdir(tmp_path)
    argv = run_command.default_argv()
    assert argv[0] == "run" and argv[-2:] == ["--out", "results"]
    assert [Path(a).name for a in argv[1:-2]] == ["baseline.toml", "aid.toml",
                                                  "open_borders.toml"]


def test_task_id_ignores_whether_a_number_was_written_as_int_or_float():
    as_int = reference_scenario().with_changes(
        levers={"visa_fee_eur": (TimelinePoint("2021-01", 0),)})
    as_float = reference_scenario().with_changes(
        levers={"visa_fee_eur": (TimelinePoint("2021-01", 0.0),)})
    assert Task(as_int, 0).id == Task(as_float, 0).id


def test_an_option_error_is_an_input_error_and_a_scenario_error_is_one_too(scenario_files,
                                                                            tmp_path):
    """Catching InputError catches every bad input; ScenarioError marks a scenario's own."""
    from model.inputs.errors import InputError
    from model.inputs.scenario import ScenarioError
    from model.inputs.scenario_files import load_scenario

    with pytest.raises(InputError) as option:
        run_command.plan_run(cli.build_parser()[0].parse_args(
            ["run", str(scenario_files[0]), "--workers", "0", "--out", str(tmp_path / "out")]),
            no_posterior(tmp_path))
    assert not isinstance(option.value, ScenarioError)
    assert str(option.value) == "--workers: value = 0: a whole number from 1 to 1,024"
    with pytest.raises(InputError) as scenario:
        load_scenario(tmp_path / "nope.toml")
    assert isinstance(scenario.value, ScenarioError)
