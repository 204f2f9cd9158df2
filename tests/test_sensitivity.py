"""The sensitivity pipeline: analytic functions with known indices through the same code path
(sampling -> execution engine -> analysis), the command line against the plain function,
determinism across executors, resume, and bad input.

Model runs here are tiny (300 citizens, Sep 2020 to Dec 2021) so the file stays fast.
"""

import json
import math
import shutil

import numpy as np
import pandas as pd
import pytest

from model import cli
from model.analysis import sensitivity as sa
from model.analysis.exploration import evaluate
from model.analysis.test_functions import AnalyticDesign, analytic_factors
from model.commands._executor import Setup
from model.inputs import registry
from model.inputs.errors import InputError
from model.inputs.posterior import posterior_path, variant_posterior
from model.inputs.registry import Group

CITIZENS = 300
HORIZON = "2021-12"
POLICY = "2021-03"
FACTORS = "visa_fee_eur,open_crossings_poland,propaganda_state,peer_rate"


def run_pipeline(function, method, n, tmp_path, workers=1, seed=1):
    """Sample, run on the executor, analyse: exactly what the command does for the model."""
    factors = analytic_factors(function)
    X = sa.sample(factors, method, n, seed)
    Y, report = sa.evaluate_points(AnalyticDesign(function), sa.points(factors, X), [0],
                                   tmp_path, workers=workers, progress=False)
    assert report.ok and report.completed == len(report.tasks)  # repeated points run once
    return sa.analyze(factors, method, X, Y, seed).set_index("factor")


# --- known answers through the same pipeline ------------------------------------------------
def test_morris_recovers_the_ranking_of_an_additive_function(tmp_path):
    indices = run_pipeline("linear", "morris", 8, tmp_path, workers=2)
    assert list(indices.sort_values("mu_star", ascending=False).index) == ["x1", "x2", "x3",
                                                                           "x4"]
    np.testing.assert_allclose(indices["mu_star"], [10, 5, 1, 0], atol=1e-9)
    np.testing.assert_allclose(indices["mu"], [10, -5, 1, 0], atol=1e-9)
    assert (indices["mu_star_low"] <= indices["mu_star"]).all()


def test_sobol_recovers_the_ishigami_indices(tmp_path):
    indices = run_pipeline("ishigami", "sobol", 1024, tmp_path)
    a, b = 7.0, 0.1
    variance = a**2 / 8 + b * math.pi**4 / 5 + b**2 * math.pi**8 / 18 + 0.5
    v1 = 0.5 * (1 + b * math.pi**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = b**2 * math.pi**8 * (1 / 18 - 1 / 50)
    expected_s1 = np.array([v1, v2, 0]) / variance
    expected_st = np.array([v1 + v13, v2, v13]) / variance
    np.testing.assert_allclose(indices["S1"], expected_s1, atol=0.08)
    np.testing.assert_allclose(indices["ST"], expected_st, atol=0.08)
    assert list(indices.sort_values("S1", ascending=False).index) == ["x2", "x1", "x3"]
    assert list(indices.sort_values("ST", ascending=False).index) == ["x1", "x2", "x3"]


def test_pipeline_resumes_and_is_reproducible(tmp_path):
    first = run_pipeline("linear", "morris", 4, tmp_path / "a")
    factors = analytic_factors("linear")
    X = sa.sample(factors, "morris", 4, 1)
    _, report = sa.evaluate_points(AnalyticDesign("linear"), sa.points(factors, X), [0],
                                   tmp_path / "a", workers=1, progress=False)
    assert report.completed == 0 and report.reused == len(report.tasks)
    pd.testing.assert_frame_equal(first, run_pipeline("linear", "morris", 4, tmp_path / "b"))


# --- factors ---------------------------------------------------------------------------------
def test_factor_ranges_come_from_the_registry():
    factors = {f.name: f for f in sa.select_factors("levers,calibrated,propaganda_state",
                                                    ["visa_fee_eur=0:90"])}
    assert (factors["visa_fee_eur"].low, factors["visa_fee_eur"].high) == (0, 90)
    assert (factors["peer_rate"].low, factors["peer_rate"].high) == (0.0, 0.25)  # prior
    assert (factors["propaganda_state"].low, factors["propaganda_state"].high) == (0, 3)
    assert factors["exchange_participants"].integer
    expected = [q.name for q in registry.ALL
                if q.group is Group.LEVER or q.calibrated] + ["propaganda_state"]
    assert list(factors) == expected


# --- the command against the plain function -------------------------------------------------
def sensitivity(*argv):
    return cli.main(["sensitivity", *map(str, argv)])


COMMON = ["--factors", FACTORS, "--samples", 2, "--citizens", CITIZENS, "--horizon", HORIZON,
          "--policy-month", POLICY, "--resamples", 50, "--seed", 3, "--progress"]


@pytest.fixture(scope="module")
def morris_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("sensitivity") / "serial"
    assert sensitivity(*COMMON[:-1], "--no-progress", "--out", out, "--workers", 1) == 0
    return out


def test_command_writes_indices_figures_and_run_count(morris_run):
    indices = pd.read_csv(morris_run / "indices.csv")
    assert set(indices["factor"]) == set(FACTORS.split(","))
    assert set(indices["outcome"]) == {f"{c}_2021{s}" for c in ("russia", "both", "eu",
                                                                 "neither")
                                       for s in ("", "_change")}
    assert {"mu_star", "mu_star_low", "mu_star_high", "sigma"} <= set(indices.columns)
    for name in ("samples.csv", "tornado.csv", "tornado.png", "morris.png"):
        assert (morris_run / name).is_file()
    manifest = json.loads((morris_run / "manifest.json").read_text())
    runs = manifest["execution"]["model_runs"]
    assert runs == len(list((morris_run / "runs").glob("*.npz")))
    assert "--method morris" in manifest["reproduce"]["command"]
    tornado = pd.read_csv(morris_run / "tornado.csv")
    assert set(tornado["factor"]) == {"visa_fee_eur", "open_crossings_poland"}  # levers only


def test_plain_function_gives_the_command_line_numbers(morris_run):
    """Same variant, same posterior draw (seed s draws index s), same numbers."""
    samples = pd.read_csv(morris_run / "samples.csv")
    assert set(samples["variant"]) == {"grievance"}
    names = FACTORS.split(",")
    draw = 3 if variant_posterior("grievance") is not None else None
    for _, row in samples.iloc[[0, 5]].iterrows():
        out = evaluate(seed=3, n_citizens=CITIZENS, horizon=HORIZON, policy_month=POLICY,
                       variant="grievance", posterior_draw=draw,
                       **{name: row[name] for name in names})
        for outcome in ("russia_2021", "eu_2021_change", "both_2021_change"):
            assert out[outcome] == row[outcome]


def test_same_numbers_in_a_process_pool_and_on_resume(morris_run, tmp_path, capsys):
    assert sensitivity(*COMMON, "--out", tmp_path, "--workers", 2, "--no-plots") == 0
    for name in ("indices.csv", "samples.csv", "tornado.csv"):
        assert (tmp_path / name).read_bytes() == (morris_run / name).read_bytes()
    capsys.readouterr()
    assert sensitivity(*COMMON, "--out", tmp_path, "--workers", 2, "--no-plots") == 0
    assert "(0 now," in capsys.readouterr().out
    assert json.loads((tmp_path / "manifest.json").read_text())["execution"]["ran_now"] == 0


def test_sobol_command_draws_first_order_and_total_indices(tmp_path):
    assert sensitivity("--method", "sobol", "--factors", "visa_fee_eur,propaganda_state",
                       "--samples", 4, "--citizens", CITIZENS, "--horizon", HORIZON,
                       "--policy-month", POLICY, "--resamples", 50, "--no-tornado",
                       "--out", tmp_path, "--workers", 1) == 0
    indices = pd.read_csv(tmp_path / "indices.csv")
    assert {"S1", "S1_low", "S1_high", "ST", "ST_low", "ST_high"} <= set(indices.columns)
    assert (tmp_path / "sobol.png").is_file() and not (tmp_path / "tornado.png").exists()
    assert len(pd.read_csv(tmp_path / "samples.csv")) == 4 * (2 + 2)


@pytest.mark.parametrize("argv, message", [
    (["--factors", "visa_fe_eur"], "did you mean 'visa_fee_eur'"),
    (["--factors", "visa_fee_eur", "--range", "visa_fee_eur=0:900"], "registry bounds"),
    (["--factors", "visa_fee_eur", "--range", "peer_rate=0:0.1"], "among the chosen"),
    (["--method", "sobol", "--samples", "6"], "power of two"),
    (["--factors", "visa_fee_eur", "--set", "visa_fee_eur=10"], "sampled factor"),
    (["--factors", "visa_fee_eur", "--set", "levers.visa_fee_eur @ 2027-01 = 10"],
     "sampled factor"),
    (["--horizon", "2031-13"], "YYYY-MM"),
    (["--policy-month", "2031-01", "--horizon", "2030-12"], "not after the horizon"),
    (["--citizens", "0"], "--citizens"),
])
def test_bad_input_exits_2_and_writes_nothing(tmp_path, capsys, argv, message):
    out = tmp_path / "out"
    assert sensitivity(*argv, "--out", out) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_dask_cluster_gives_the_same_indices(tmp_path):
    from distributed import LocalCluster

    factors = analytic_factors("linear")
    X = sa.sample(factors, "morris", 4, 1)
    serial, _ = sa.evaluate_points(AnalyticDesign("linear"), sa.points(factors, X), [0],
                                   tmp_path / "serial", workers=1, progress=False)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster:
        dask, report = sa.evaluate_points(AnalyticDesign("linear"), sa.points(factors, X),
                                          [0], tmp_path / "dask", progress=False,
                                          scheduler=cluster.scheduler_address)
    assert report.ok
    pd.testing.assert_frame_equal(serial, dask)


def test_failed_runs_exit_1_keep_the_others_and_write_no_indices(tmp_path, capsys):
    from model.runs.execution import simulate_task

    def flaky(task):
        if task.scenario.name == "status_quo":
            raise RuntimeError("boom")
        return simulate_task(task)

    argv = ["sensitivity", *map(str, COMMON[:-1]), "--no-progress", "--out", str(tmp_path),
            "--workers", "1"]
    assert cli.main(argv, setup=Setup(worker=flaky)) == 1
    assert "boom" in capsys.readouterr().err
    assert not (tmp_path / "indices.csv").exists()
    assert json.loads((tmp_path / "manifest.json").read_text())["status"] == "failed"
    assert list((tmp_path / "runs").glob("*.npz"))  # the policy runs are kept for a retry


# --- mechanism variants -------------------------------------------------------------------
def test_calibrated_stands_for_the_variants_fitted_parameters():
    assert "contact_gain" not in sa.group_names("calibrated", "media_peers")
    assert "grievance_to_eu" in sa.group_names("calibrated", "grievance")
    assert "rejection_identification" in sa.group_names("calibrated", "full")
    with pytest.raises(InputError, match="switches this parameter off"):
        sa.select_factors("levers,contact_gain", variant="media_peers")


def test_bad_variant_input_exits_2(tmp_path, capsys):
    assert sensitivity("--factors", "grievance_to_eu", "--variant", "media_peers",
                       "--out", tmp_path / "out") == 2
    assert "variant 'media_peers' switches this parameter off" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_several_variants_give_per_variant_indices_and_an_averaged_tornado(tmp_path, capsys):
    folder = tmp_path / "posteriors"
    folder.mkdir()
    committed = posterior_path("grievance")
    if committed.is_file():
        shutil.copy(committed, folder / "grievance.csv")
    out = tmp_path / "out"
    argv = ["sensitivity", "--factors", "visa_fee_eur,peer_rate", "--samples", "2",
            "--citizens", str(CITIZENS), "--horizon", HORIZON, "--policy-month", POLICY,
            "--resamples", "20", "--variant", "media_peers", "--variant", "grievance",
            "--weights", "stacking", "--workers", "1", "--out", str(out)]
    assert cli.main(argv, setup=Setup(posteriors=folder)) == 0
    err = capsys.readouterr().err
    assert "variant media_peers has no committed posterior" in err
    assert "the stacking weights are not committed yet" in err
    indices = pd.read_csv(out / "indices.csv")
    assert list(indices["variant"].unique()) == ["media_peers", "grievance"]
    tornado = (pd.read_csv(out / "tornado.csv").set_index(["variant", "outcome", "factor"])
               .sort_index())
    averaged = tornado.loc["averaged", "change_at_high"]
    mean = (tornado.loc["media_peers", "change_at_high"]
            + tornado.loc["grievance", "change_at_high"]) / 2
    pd.testing.assert_series_equal(averaged, mean, check_names=False)
    assert (out / "morris_media_peers.png").is_file() and (out / "tornado.png").is_file()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["posterior"]["media_peers"] == "none: registry defaults"
    assert manifest["weights"] == {"media_peers": 0.5, "grievance": 0.5}
    assert manifest["weighting"] == "equal" and manifest["weighting_asked"] == "stacking"
    assert "--variant media_peers --variant grievance" in manifest["reproduce"]["command"]
