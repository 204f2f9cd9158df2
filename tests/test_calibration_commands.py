"""The calibrate and validate commands: outputs, resuming, and refusal of bad input."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
import pytest

from model.cli import main
from model.commands._executor import Setup
from model.inputs import registry
from model.inputs.assumptions import sampled_names
from model.inputs.posterior import Posterior, variant_posterior
from model.inputs.survey_patterns import TRAVEL
from model.inputs.variants import variant

TINY = ["--citizens", "300", "--particles", "10", "--max-simulations", "30",
        "--max-generations", "1", "--workers", "1", "--no-progress"]


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory):
    out = tmp_path_factory.mktemp("calibration")
    assert main(["calibrate", *TINY, "--predictive-draws", "3", "--out", str(out)]) == 0
    return out


def test_calibrate_writes_a_loadable_posterior_tables_figures_and_manifest(calibrated):
    for name in ("posterior.csv", "parameters.csv", "generations.csv", "fit_check.csv",
                 "marginals.png", "predictive.png", "manifest.json"):
        assert (calibrated / name).is_file(), name
    posterior = Posterior.from_csv(calibrated / "posterior.csv")
    assert len(posterior.weights) == 10 and np.isclose(posterior.weights.sum(), 1)
    assert "media_rate_state" in posterior.particles.columns
    check = pd.read_csv(calibrated / "fit_check.csv")
    assert set(check.wave) == {"2022-01", "2022-11", "2025-08"}
    assert ((check.low <= check.predicted + 1e-9) | (check.predicted <= check.high)).all()
    # The published waves outside shared/data are predicted and scored, never fitted.
    unseen = pd.read_csv(calibrated / "out_of_sample.csv")
    assert set(unseen.wave) == {"2021-04", "2023-11"}
    assert np.allclose(unseen.error_pp, 100 * (unseen.predicted - unseen.observed), atol=1e-3)
    assert set(unseen.wave).isdisjoint(manifest_fit_waves(calibrated))
    manifest = json.loads((calibrated / "manifest.json").read_text())
    assert manifest["result"]["evaluations"] >= 10
    assert "python run.py calibrate" in manifest["reproduce"]["command"]


def manifest_fit_waves(out):
    return json.loads((out / "manifest.json").read_text())["config"]["fit_waves"]


def test_calibrate_again_resumes_the_finished_fit(calibrated, tmp_path):
    before = pd.read_csv(calibrated / "posterior.csv")
    target = tmp_path / "grievance.csv"
    assert main(["calibrate", *TINY, "--predictive-draws", "3", "--out", str(calibrated),
                 "--install"], setup=Setup(posteriors=tmp_path)) == 0
    assert json.loads(target.with_suffix(".json").read_text())["variant"] == "grievance"
    pd.testing.assert_frame_equal(before, pd.read_csv(calibrated / "posterior.csv"))
    pd.testing.assert_frame_equal(before, pd.read_csv(target))


def test_a_wider_prior_refit_searches_the_wider_box_and_says_so(tmp_path):
    out = tmp_path / "doubled"
    assert main(["calibrate", *TINY, "--predictive-draws", "2", "--variant", "eu_contact",
                 "--prior-width", "2", "--out", str(out)]) == 0
    table = pd.read_csv(out / "parameters.csv").set_index("parameter")
    assert table.loc["contact_gain", ["prior_low", "prior_high"]].tolist() == [0.0, 0.3]
    particles = pd.read_csv(out / "posterior.csv")
    assert particles.contact_gain.max() > 0.15  # beyond the registry's prior
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["config"]["prior_width"] == 2
    assert "--prior-width 2" in manifest["reproduce"]["command"]


def test_widening_one_group_searches_its_wider_box_and_no_other(tmp_path):
    out = tmp_path / "doubled_contact"
    assert main(["calibrate", *TINY, "--predictive-draws", "2", "--variant", "eu_contact",
                 "--prior-width", "2", "--widen", "eu_contact", "--out", str(out)]) == 0
    table = pd.read_csv(out / "parameters.csv").set_index("parameter")
    assert table.loc["contact_gain", ["prior_low", "prior_high"]].tolist() == [0.0, 0.3]
    low, high = registry.get("peer_rate").prior
    assert table.loc["peer_rate", ["prior_low", "prior_high"]].tolist() == [low, high]
    particles = pd.read_csv(out / "posterior.csv")
    assert low <= particles.peer_rate.min() and particles.peer_rate.max() <= high
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["config"]["widened"] == ["eu_contact"]
    assert "--widen eu_contact" in manifest["reproduce"]["command"]


@pytest.mark.parametrize(("extra", "allowed"), [
    (["--widen", "media"], "only with --prior-width"),
    (["--prior-width", "2", "--widen", "moods"], "one of media"),
    (["--prior-width", "2", "--widen", "grievance", "--variant", "eu_contact"],
     "a group variant eu_contact fits"),
])
def test_a_bad_widened_group_is_refused_before_any_output(tmp_path, capsys, extra, allowed):
    out = tmp_path / "refused"
    assert main(["calibrate", *TINY, *extra, "--out", str(out)]) == 2
    error = capsys.readouterr().err
    assert "--widen" in error and allowed in error
    assert not out.exists()


def test_a_fit_to_the_travel_patterns_frees_the_travel_parameters_and_scores_the_figures(
        tmp_path):
    out = tmp_path / "patterns"
    assert main(["calibrate", *TINY, "--predictive-draws", "2", "--variant", "eu_contact",
                 "--patterns", "travel", "--out", str(out)]) == 0
    particles = pd.read_csv(out / "posterior.csv")
    assert set(TRAVEL.frees) <= set(particles.columns)
    assert "contact_gain" in particles.columns
    check = pd.read_csv(out / "pattern_check.csv")
    assert check.pattern.tolist() == list(TRAVEL.patterns)
    assert (check.low <= check.predicted + 1e-9).all()
    assert (check.predicted <= check.high + 1e-9).all()
    assert np.allclose(check.error_pp, 100 * (check.predicted - (check.observed_low
                                                                 + check.observed_high) / 2))
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["config"]["patterns"] == list(TRAVEL.patterns)
    assert "--patterns travel" in manifest["reproduce"]["command"]
    # Projections draw the travel parameters from such a posterior (not from their priors).
    shutil.copyfile(out / "posterior.csv", tmp_path / "eu_contact.csv")
    posterior = variant_posterior("eu_contact", tmp_path)
    assert set(TRAVEL.frees) <= set(posterior.particles.columns)
    assert set(TRAVEL.frees).isdisjoint(sampled_names(variant("eu_contact"),
                                                      tuple(posterior.particles.columns)))


def test_validate_scores_every_fold_against_naive_forecasts(tmp_path):
    out = tmp_path / "validation"
    assert main(["validate", *TINY, "--variant", "media_peers", "--out", str(out)]) == 0
    predictions = pd.read_csv(out / "predictions.csv")
    assert set(predictions.method) == {"persistence", "linear_trend", "model:media_peers"}
    assert set(predictions.held_out) == {"2022-01", "2022-11", "2025-08"}
    assert predictions.covered.isin([True, False]).all()
    assert np.allclose(predictions.error_pp, 100 * (predictions.predicted - predictions.observed),
                       atol=1e-3)
    scores = pd.read_csv(out / "scores.csv")
    assert set(scores.folds) == {"all", "without-2025-08"}
    assert scores.coverage.between(0, 1).all() and (scores.mae_pp >= 0).all()
    assert (out / "validation.png").is_file()
    assert len(list((out / "fits").glob("*.done.json"))) == 3
    stacking = pd.read_csv(out / "stacking.csv")  # one variant: all the weight
    assert stacking.variant.tolist() == ["media_peers"] and stacking.weight.tolist() == [1.0]


@pytest.mark.parametrize(("command", "argv", "message"), [
    ("calibrate", ["--particles", "2"], "--particles"),
    ("calibrate", ["--max-minutes", "0"], "--max-minutes"),
    ("calibrate", ["--citizens", "5"], "--citizens"),
    ("calibrate", ["--min-acceptance", "1.5"], "--min-acceptance"),
    ("calibrate", ["--predictive-draws", "1"], "--predictive-draws"),
    ("calibrate", ["--prior-width", "0"], "--prior-width"),
    ("calibrate", ["--prior-width", "2", "--install"], "registry's priors"),
    ("calibrate", ["--prior-width", "11"], "--prior-width"),
    ("calibrate", ["--prior-width", "2", "--model-selection"], "--model-selection"),
    ("calibrate", ["--patterns", "visas"], "one of none, travel"),
    ("calibrate", ["--patterns", "travel", "--install"], "none with --install"),
    ("calibrate", ["--patterns", "travel", "--model-selection"], "--model-selection"),
    ("validate", ["--variant", "media_peer"], "one of media_peers"),
    ("validate", ["--workers", "0"], "--workers"),
])
def test_bad_input_exits_2_and_writes_nothing(tmp_path, capsys, command, argv, message):
    out = tmp_path / "out"
    assert main([command, *argv, "--out", str(out)]) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_the_committed_posterior_is_valid_and_used_by_default():
    from model.commands._options import load_posterior
    from model.inputs import registry
    from model.inputs.posterior import default_posterior, default_posterior_path

    posterior = default_posterior()
    assert posterior is not None, "model/data/posterior.csv is committed"
    assert set(posterior.particles.columns) == {q.name for q in registry.PARAMETERS
                                                 if q.calibrated}
    for name in posterior.particles.columns:
        low, high = registry.get(name).prior
        assert posterior.particles[name].between(low, high).all(), name
    # `run` without --posterior/--no-posterior draws from it: one particle per seed.
    assert load_posterior(None, default_posterior_path()) is not None
    assert load_posterior(False, default_posterior_path()) is None


def test_calibrated_defaults_are_central_in_the_committed_posterior():
    """The registry's defaults of the fitted parameters are the calibration's point values.

    Each lies between the weighted 10th and 90th percentiles of the committed posterior, so
    a run with the defaults (``simulate``, ``evaluate``, the app) is a run of the fitted
    model, and a refit that moves a parameter away from its default fails here until the
    default follows.
    """
    from model.analysis.calibration.abc import weighted_quantiles
    from model.inputs import registry
    from model.inputs.posterior import default_posterior

    posterior = default_posterior()
    for name in posterior.particles.columns:
        low, high = weighted_quantiles(posterior.particles[name].to_numpy(), posterior.weights,
                                       [0.1, 0.9])
        assert low <= registry.get(name).default <= high, (name, low, high)
