"""Weighting the variants: held-out log densities, stacking, and ABC model choice."""

from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from scipy.special import gammaln, logsumexp
from scipy.stats import binom

from model.analysis.calibration.model_choice import held_out_log_density, stacking_weights
from model.analysis.calibration.targets import expected_name, target_waves
from model.cli import main
from model.commands._executor import Setup
from model.inputs import variants

#: Fifteen fits (five variants, three folds) of at most 30 runs each.
TINY = ["--citizens", "100", "--particles", "10", "--max-simulations", "30",
        "--max-generations", "1", "--workers", "1", "--no-progress"]


def _objective(lpd: np.ndarray, weights: np.ndarray) -> float:
    with np.errstate(divide="ignore"):
        return float(logsumexp(lpd + np.log(weights), axis=1).sum())


# --- stacking ------------------------------------------------------------------------------
def test_a_variant_best_on_every_fold_takes_all_the_weight():
    lpd = np.array([[-4.0, -3.0, -5.0], [-10.0, -8.5, -9.0], [-2.0, -1.0, -1.5]])
    weights = stacking_weights(lpd)
    assert weights[1] == pytest.approx(1.0, abs=1e-6)
    assert (weights >= 0).all() and weights.sum() == pytest.approx(1.0, abs=1e-12)


def test_variants_best_on_different_folds_share_the_weight():
    # Symmetric: each best on one fold by the same margin, so half each.
    np.testing.assert_allclose(stacking_weights(np.array([[0.0, -2.0], [-2.0, 0.0]])),
                               [0.5, 0.5], atol=1e-6)
    # Two folds, two variants: with p = exp(lpd), the optimum of
    # log(w p11 + (1-w) p12) + log(w p21 + (1-w) p22) is, in closed form,
    # w = (1/2) (1/(1 - p12/p11) + 1/(1 - p22/p21)) where it lies inside (0, 1).
    lpd = np.array([[0.0, -1.0], [-3.0, 0.0]])
    p = np.exp(lpd)
    a, b = p[0, 0] - p[0, 1], p[1, 0] - p[1, 1]
    inside = 0.5 * (-p[0, 1] / a - p[1, 1] / b)
    weights = stacking_weights(lpd)
    assert 0 < weights[0] < 1
    assert weights[0] == pytest.approx(inside, abs=1e-6)


def test_stacking_beats_every_other_mixture():
    rng = np.random.default_rng(3)
    lpd = rng.normal(-5, 2, size=(3, 5))
    best = _objective(lpd, stacking_weights(lpd))
    others = rng.dirichlet(np.full(5, 0.5), size=5_000)
    assert best >= max(_objective(lpd, w) for w in others) - 1e-9
    for corner in np.eye(5):
        assert best >= _objective(lpd, np.clip(corner, 1e-300, None)) - 1e-9


def test_stacking_ignores_a_constant_added_to_a_fold_and_is_deterministic():
    rng = np.random.default_rng(5)
    lpd = rng.normal(-20, 3, size=(3, 4))
    shifted = lpd + np.array([[1_000.0], [-700.0], [3.5]])
    np.testing.assert_allclose(stacking_weights(lpd), stacking_weights(shifted), atol=1e-7)
    np.testing.assert_array_equal(stacking_weights(lpd), stacking_weights(lpd.copy()))


def test_stacking_weights_are_a_distribution_even_with_zero_densities():
    lpd = np.array([[-1.0, -np.inf, -3.0], [-np.inf, -2.0, -2.5], [-1.5, -1.0, -900.0]])
    weights = stacking_weights(lpd)
    assert (weights >= 0).all() and weights.sum() == pytest.approx(1.0)
    assert np.isfinite(_objective(lpd, weights))
    assert stacking_weights(np.array([[-3.0], [-1.0]])).tolist() == [1.0]
    with pytest.raises(ValueError):
        stacking_weights(np.array([[-1.0, np.nan]]))
    with pytest.raises(ValueError):
        stacking_weights(np.array([[-np.inf, -np.inf], [-1.0, -2.0]]))


# --- held-out log density ------------------------------------------------------------------
def _fit_like(columns: dict[str, list[float]], weights: list[float]) -> SimpleNamespace:
    """What ``held_out_log_density`` reads from a fit: its statistics and their weights."""
    total = sum(weights)
    return SimpleNamespace(statistics=pd.DataFrame(
        {**columns, "weight": [w / total for w in weights]}))


def test_log_density_of_a_one_share_wave_is_the_binomial_mixture():
    target = target_waves()[0]  # Jan-Feb 2022: only "both" reported
    assert target.categories == ("both",)
    n = target.sample_size
    k = round(n * target.wave.shares["both"])
    result = _fit_like({expected_name(target.stat("both")): [0.30, 0.35, 0.20]},
                       [1.0, 3.0, 0.5])
    by_hand = np.log(sum(w * binom.pmf(k, n, p) for w, p in
                         zip([1 / 4.5, 3 / 4.5, 0.5 / 4.5], [0.30, 0.35, 0.20], strict=True)))
    assert held_out_log_density(result, target) == pytest.approx(by_hand, rel=1e-10)


def test_log_density_of_a_four_share_wave_is_the_multinomial_mixture():
    target = target_waves()[-1]  # Aug-Nov 2025: all four reported
    assert len(target.categories) == 4
    n = target.sample_size
    counts = np.array([round(n * target.wave.shares[c]) for c in target.categories])
    assert counts.sum() == n
    particles = np.array([[0.40, 0.25, 0.15, 0.20], [0.45, 0.20, 0.17, 0.18]])
    weights = np.array([0.4, 0.6])
    result = _fit_like({expected_name(target.stat(c)): particles[:, i].tolist()
                        for i, c in enumerate(target.categories)}, weights.tolist())
    log_pmf = (gammaln(n + 1) - gammaln(counts + 1).sum()
               + (counts * np.log(particles)).sum(axis=1))
    by_hand = np.log((weights * np.exp(log_pmf)).sum())
    assert held_out_log_density(result, target) == pytest.approx(by_hand, rel=1e-10)


# --- the commands --------------------------------------------------------------------------
@pytest.mark.slow
def test_validate_writes_stacking_weights_and_installs_them(tmp_path):
    out, folder = tmp_path / "validation", tmp_path / "posteriors"
    assert main(["validate", *TINY, "--install", "--out", str(out)],
                setup=Setup(posteriors=folder)) == 0
    table = pd.read_csv(out / "stacking.csv")
    assert table.variant.tolist() == list(variants.names())
    assert list(table.columns) == ["variant", "weight", "lpd_without-2022-01",
                                   "lpd_without-2022-11", "lpd_without-2025-08", "lpd_total"]
    assert (table.weight >= 0).all() and table.weight.sum() == pytest.approx(1, abs=1e-4)
    lpd = table.filter(like="lpd_without")
    assert (lpd.to_numpy() < 0).all()
    np.testing.assert_allclose(lpd.sum(axis=1), table.lpd_total, rtol=1e-4)
    manifest = json.loads((out / "manifest.json").read_text())
    assert str(out / "stacking.csv") in manifest["outputs"]
    assert "--install" in manifest["reproduce"]["command"]
    installed = variants.read_weights(folder / variants.WEIGHT_FILES["stacking"])
    assert installed == pytest.approx(dict(zip(table.variant, table.weight, strict=True)),
                                      abs=1e-5)


def test_validate_installs_only_from_every_variant(tmp_path, capsys):
    out = tmp_path / "validation"
    assert main(["validate", *TINY, "--variant", "media_peers", "--install", "--out",
                 str(out)], setup=Setup(posteriors=tmp_path / "posteriors")) == 2
    message = capsys.readouterr().err
    assert "--install" in message and "eu_contact" in message
    assert not out.exists() and not (tmp_path / "posteriors").exists()


SELECTION = ["calibrate", "--model-selection", "--citizens", "300", "--particles", "20",
             "--max-generations", "2", "--max-simulations", "400", "--workers", "1",
             "--no-progress"]


@pytest.mark.slow
def test_model_selection_is_a_reproducible_distribution_over_the_variants(tmp_path):
    folder = tmp_path / "posteriors"
    first, second = tmp_path / "first", tmp_path / "second"
    assert main([*SELECTION, "--install", "--out", str(first)],
                setup=Setup(posteriors=folder)) == 0
    assert main([*SELECTION, "--out", str(second)]) == 0
    table = pd.read_csv(first / "model_probabilities.csv")
    assert table.variant.tolist() == list(variants.names())
    assert (table.weight >= 0).all() and table.weight.sum() == pytest.approx(1, abs=1e-4)
    pd.testing.assert_frame_equal(table, pd.read_csv(second / "model_probabilities.csv"))
    by_generation = pd.read_csv(first / "model_probabilities_by_generation.csv")
    assert by_generation.generation.tolist() == [0, 1]
    np.testing.assert_allclose(by_generation[list(variants.names())].sum(axis=1), 1,
                               atol=1e-4)
    manifest = json.loads((first / "manifest.json").read_text())
    assert "--model-selection" in manifest["reproduce"]["command"]
    assert manifest["result"]["evaluations"] >= 20
    installed = variants.read_weights(folder / variants.WEIGHT_FILES["abc"])
    assert installed == pytest.approx(dict(zip(table.variant, table.weight, strict=True)),
                                      abs=1e-5)
