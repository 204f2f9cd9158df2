"""The robustness command: sampled futures paired with the baseline, a well-formed table."""

import json

import numpy as np
import pandas as pd
import pytest

from model import cli
from model.analysis import robustness as rb
from model.analysis.sensitivity import select_factors
from model.commands._executor import Setup
from model.inputs import variants
from model.inputs.posterior import Posterior, variant_parameters
from model.inputs.scenario import baseline
from model.inputs.scenario_files import write_scenario
from model.inputs.timeline import TimelinePoint

END = "2021-12"
CITIZENS = 300


def short(name, **changes):
    return baseline().with_changes(name=name, end=END, citizens=CITIZENS, **changes)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("scenarios")
    at = "2021-03"
    return {
        "reference": write_scenario(short("reference"), folder / "reference.toml"),
        "open": write_scenario(short("open", levers={
            "open_crossings_poland": (TimelinePoint(at, 5),),
            "eu_bank_access": (TimelinePoint(at, 1),)}), folder / "open.toml"),
        "surge": write_scenario(short("surge", exogenous={
            "propaganda_state": (TimelinePoint(at, 3),)}), folder / "surge.toml"),
    }


def robustness(files, *argv, setup=None):
    return cli.main(["robustness", str(files["open"]), str(files["surge"]),
                     "--reference", str(files["reference"]), "--citizens", str(CITIZENS),
                     "--policy-month", "2021-03", *map(str, argv)], setup=setup)


@pytest.fixture(scope="module")
def checked(files, tmp_path_factory):
    out = tmp_path_factory.mktemp("robustness") / "out"
    assert robustness(files, "--samples", 4, "--uncertainties",
                      "propaganda_state,peer_rate,war_shock", "--out", out, "--workers", 1) == 0
    return out


def test_table_is_well_formed(checked):
    table = pd.read_csv(checked / "robustness.csv")
    assert list(table["scenario"]) == ["open", "surge"]
    assert (table["samples"] == 4).all()
    for column in rb.TESTS:
        assert table[column].between(0, 1).all()
        assert (table[f"{column}_low"] <= table[column]).all()
        assert (table[column] <= table[f"{column}_high"]).all()
        assert (table[f"{column}_count"] == 4 * table[column]).all()
    both = table["lowers_russia_and_raises_eu"]
    assert (both <= table[["lowers_russia", "raises_eu"]].min(axis=1)).all()
    futures = pd.read_csv(checked / "robustness_futures.csv")
    assert len(futures) == 2 * 4
    # Each future's values lie in their ranges; the surge keeps its own propaganda.
    assert futures["peer_rate"].between(0, 0.25).all()
    assert (checked / "robustness.png").is_file()
    manifest = json.loads((checked / "manifest.json").read_text())
    assert manifest["execution"]["model_runs"] == 3 * 4


def test_rerun_reuses_every_run_and_gives_the_same_table(files, checked, capsys):
    before = (checked / "robustness.csv").read_bytes()
    capsys.readouterr()
    assert robustness(files, "--samples", 4, "--uncertainties",
                      "propaganda_state,peer_rate,war_shock", "--out", checked,
                      "--workers", 2) == 0
    assert "(0 now, 12 reused)" in capsys.readouterr().out
    assert (checked / "robustness.csv").read_bytes() == before


def test_a_scenario_keeps_what_it_sets_itself():
    reference = short("reference")
    surge = short("surge", exogenous={"propaganda_state": (TimelinePoint("2021-03", 3),)})
    future = rb.Future(0, 0, {"propaganda_state": 0.5, "repression_index": 0.2},
                       {"peer_rate": 0.1})
    changed, parameters = rb.in_future(surge, reference, future, "2021-06")
    assert changed.timeline("propaganda_state") == surge.timeline("propaganda_state")
    assert changed.timeline("repression_index")[-1] == TimelinePoint("2021-06", 0.2)
    assert parameters == {"peer_rate": 0.1}


def test_futures_are_a_seeded_latin_hypercube_or_posterior_draws():
    factors = select_factors("propaganda_state,peer_rate,network_degree")
    futures = rb.draw_futures(factors, 10, seed=5)
    assert futures == rb.draw_futures(factors, 10, seed=5)
    values = np.array([f.exogenous["propaganda_state"] for f in futures])
    # Latin hypercube: one value in each tenth of the range.
    assert sorted(np.floor(values / 0.3).astype(int)) == list(range(10))
    assert all(f.parameters["network_degree"] == round(f.parameters["network_degree"])
               for f in futures)
    posterior = Posterior(pd.DataFrame({"peer_rate": [0.01, 0.2]}), np.array([0.5, 0.5]), "x")
    drawn = rb.draw_futures(factors, 10, seed=5, posterior=posterior, sample_parameters=False)
    assert {f.parameters["peer_rate"] for f in drawn} <= {0.01, 0.2}
    assert all("network_degree" not in f.parameters for f in drawn)  # sampled only from it
    # Sampled parameters win over the draw; the draw fills the unsampled ones.
    sampled = rb.draw_futures(select_factors("propaganda_state,network_degree"), 10, seed=5,
                              posterior=posterior)
    assert all(f.parameters["peer_rate"] in (0.01, 0.2) and "network_degree" in f.parameters
               for f in sampled)
    assert [f.seed for f in drawn] == list(range(5, 15))


def test_wilson_interval_contains_the_share():
    low, high = rb.wilson(0, 10, 0.95)
    assert low == 0 and 0 < high < 0.35


@pytest.mark.parametrize("argv, message", [
    (["--uncertainties", "visa_fee_eur"], "levers are what the policies set"),
    (["--uncertainties", "propaganda_stat"], "did you mean 'propaganda_state'"),
    (["--samples", "1"], "--samples"),
    (["--posterior"], "no calibration is committed"),
])
def test_bad_input_exits_2_and_writes_nothing(files, tmp_path, capsys, argv, message):
    out = tmp_path / "out"
    none_committed = Setup(posteriors=tmp_path / "no_posteriors")
    assert robustness(files, *argv, "--out", out, setup=none_committed) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_posterior_futures_use_the_committed_calibration(files, tmp_path):
    from model.inputs.posterior import default_posterior

    posterior = default_posterior()
    if posterior is None:
        pytest.skip("no calibration committed")
    out = tmp_path / "out"
    assert robustness(files, "--samples", 2, "--uncertainties", "propaganda_state,calibrated",
                      "--posterior", "--no-plots", "--out", out, "--workers", 1) == 0
    futures = pd.read_csv(out / "robustness_futures.csv")
    for future in futures.itertuples():
        drawn = variant_parameters("grievance", posterior, future.seed)
        assert all(getattr(future, name) == value for name, value in drawn.items())
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["posterior"] == {"grievance": posterior.source}
    assert "--posterior" in manifest["reproduce"]["command"]


def test_averaged_runs_every_variant_and_adds_weighted_rows(files, tmp_path, capsys):
    out = tmp_path / "out"
    none_committed = Setup(posteriors=tmp_path / "no_posteriors")
    assert robustness(files, "--samples", 2, "--uncertainties", "propaganda_state,peer_rate",
                      "--variant", "averaged", "--no-plots", "--out", out, "--workers", 1,
                      setup=none_committed) == 0
    err = capsys.readouterr().err
    assert err.count("has no committed posterior") == len(variants.names())
    table = pd.read_csv(out / "robustness.csv")
    assert list(table["variant"].unique()) == [*variants.names(), "averaged"]
    rows = table.set_index(["variant", "scenario"])
    for scenario in ("open", "surge"):
        shares = rows.xs(scenario, level="scenario").drop("averaged")["raises_eu"]
        assert rows.loc[("averaged", scenario), "raises_eu"] == pytest.approx(shares.mean())
        assert rows.loc[("averaged", scenario), "samples"] == 2 * len(variants.names())
    futures = pd.read_csv(out / "robustness_futures.csv")
    media = futures[futures["variant"] == "media_peers"]
    assert (media["grievance_to_eu"] == 0).all() and (media["contact_gain"] == 0).all()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["variants"] == list(variants.names())
    assert set(manifest["posterior"].values()) == {"none: registry defaults"}
    assert manifest["weighting"] == "equal"
    assert manifest["execution"]["model_runs"] == 3 * 2 * len(variants.names())


def test_a_parameter_the_reference_or_the_variant_holds_is_not_sampled(files, tmp_path,
                                                                         capsys):
    fixed = write_scenario(short("fixed", parameters={"peer_rate": 0.1}),
                           tmp_path / "fixed.toml")
    assert cli.main(["robustness", str(files["open"]), "--reference", str(fixed),
                     "--uncertainties", "peer_rate", "--out", str(tmp_path / "a")]) == 2
    assert "sets this parameter itself" in capsys.readouterr().err
    assert robustness(files, "--uncertainties", "grievance_to_eu", "--variant",
                      "media_peers", "--out", tmp_path / "b") == 2
    assert "switches this parameter off" in capsys.readouterr().err
