"""Calibration: targets, distance, the seeded ABC-SMC fit, resuming, parameter recovery."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from model.analysis.calibration import abc
from model.analysis.calibration import targets as calibration_targets
from model.analysis.calibration.abc import Budget, FitConfig, fit, is_finished, summarise
from model.analysis.calibration.targets import (
    SurveyDistance,
    WaveSimulator,
    check_waves,
    evaluation_seed,
    expected_name,
    months_seen,
    observed_stats,
    pattern_targets,
    sampling_sds,
    target_waves,
    wave_statistics,
)
from model.analysis.calibration.validation import recovery_interval
from model.core.observation import CATEGORIES
from model.core.simulate import simulate
from model.core.subgroups import ROWS, WEIGHT_SHARE
from model.inputs import registry
from model.inputs.calendar import month_range
from model.inputs.scenario import baseline
from model.inputs.survey_patterns import TRAVEL

TINY = Budget(particles=12, max_simulations=60, max_minutes=5, max_generations=2)


def _config(free=("media_rate_state", "war_shock"), fixed=(), budget=TINY, seed=1,
            citizens=400):
    keys = tuple(t.key for t in target_waves())
    return FitConfig(free=free, fixed=fixed, fit_waves=keys, report_waves=keys,
                     n_citizens=citizens, seed=seed, budget=budget)


# --- targets --------------------------------------------------------------------------------
def test_targets_are_the_waves_after_the_initial_condition():
    targets = target_waves()
    assert [t.key for t in targets] == ["2022-01", "2022-11", "2025-08"]
    assert targets[0].categories == ("both",)
    assert targets[-1].categories == CATEGORIES
    observed = observed_stats(targets)
    assert observed["2022-01:both"] == pytest.approx(0.31)
    assert observed["2025-08:russia"] == pytest.approx(0.44)
    # binomial sampling error at the published n (755 in Jan-Feb 2022)
    assert sampling_sds(targets)["2022-01:both"] == pytest.approx(np.sqrt(0.31 * 0.69 / 755))


def test_wave_statistics_are_fieldwork_means_with_multinomial_sampling_error():
    targets = target_waves()
    months = [f"{y}-{m:02d}" for y in (2022, 2023, 2024, 2025) for m in range(1, 13)]
    shares = np.tile([0.4, 0.25, 0.15, 0.2], (len(months), 1))
    # A fieldwork day lies between two month ends: from the end of July on, the wave's values.
    shares[months.index("2025-07"):months.index("2025-11") + 1] = [0.44, 0.22, 0.15, 0.19]
    rng = np.random.default_rng(0)
    draws = pd.DataFrame([wave_statistics(months, shares, targets, rng) for _ in range(4000)])
    last = targets[-1]
    for category, share in zip(CATEGORIES, [0.44, 0.22, 0.15, 0.19], strict=True):
        stat = last.stat(category)
        assert draws[expected_name(stat)].iloc[0] == pytest.approx(share)
        # mean within 4 standard errors; spread within 10% of the binomial value
        sd = np.sqrt(share * (1 - share) / last.sample_size)
        assert abs(draws[stat].mean() - share) < 4 * sd / np.sqrt(len(draws))
        assert draws[stat].std() == pytest.approx(sd, rel=0.1)
    full = [last.stat(c) for c in CATEGORIES]
    assert np.allclose(draws[full].sum(axis=1), 1.0)


def test_distance_is_the_sampling_error_scaled_euclidean_norm():
    targets = target_waves()
    distance = SurveyDistance(sampling_sds(targets))
    observed = observed_stats(targets)
    assert distance(observed, observed) == 0
    shifted = {**observed, "2022-01:both": observed["2022-01:both"] + 0.02}
    assert distance(shifted, observed) == pytest.approx(0.02 / np.sqrt(0.31 * 0.69 / 755))


def test_an_evaluation_is_a_pure_function_of_its_parameters():
    simulator = WaveSimulator(target_waves(), {}, 300, base_seed=4)
    first = simulator({"media_rate_state": 0.05})
    assert simulator({"media_rate_state": 0.05}) == first
    assert simulator({"media_rate_state": 0.06}) != first
    assert all(np.isfinite(v) and 0 <= v <= 1 for v in first.values())


def test_an_evaluation_reads_only_the_months_its_waves_see_and_the_same_statistics(
        monkeypatch):
    targets = target_waves() + check_waves()
    seen = months_seen(targets, month_range("2020-09", "2025-11"))
    assert "2022-01" in seen and "2021-12" in seen  # wave 7's days see December's end
    assert "2022-03" not in seen and len(seen) < 20
    fast = WaveSimulator(targets, {}, 300)({"contact_gain": 0.05})
    every_month = calibration_targets.simulate

    def reading_every_month(*args, observe=None, **kwargs):
        return every_month(*args, **kwargs)

    monkeypatch.setattr(calibration_targets, "simulate", reading_every_month)
    assert WaveSimulator(targets, {}, 300)({"contact_gain": 0.05}) == fast


def test_a_wave_whose_months_were_not_read_is_an_error():
    target = target_waves()[0]
    months = ["2020-09", *target.wave.months]
    shares = np.full((len(months), 4), np.nan)
    with pytest.raises(ValueError, match=f"wave {target.key}: a month it sees was not read"):
        wave_statistics(months, shares, [target], np.random.default_rng(0))


# --- the fit --------------------------------------------------------------------------------
def test_priors_come_from_the_registry():
    names = abc.calibrated_names()
    assert "media_rate_state" in names and "contact_gain" in names
    prior = abc.prior_distribution(["contact_gain"])
    scale = abc.LogitScale.of(None, ["contact_gain"])
    draws = np.array([scale.to_parameters(prior.rvs())["contact_gain"] for _ in range(4000)])
    low, high = registry.get("contact_gain").prior
    assert low <= draws.min() and draws.max() <= high
    # Uniform on the parameter's own scale: a Kolmogorov-Smirnov test at the 0.1% level.
    assert stats.kstest(draws, "uniform", args=(low, high - low)).pvalue > 1e-3


@pytest.mark.parametrize(("name", "width", "expected"), [
    ("contact_gain", 2.0, (0.0, 0.3)),          # (0, w) doubled stays at 0: (0, 2w)
    ("anchoring_rate", 2.0, (0.0, 0.22)),       # shifted back inside the bounds
    ("anchoring_rate", 0.5, (0.0375, 0.0925)),  # halved about the midpoint
    ("contact_gain", 10 / 3, (0.0, 0.5)),       # exactly as wide as the bounds
    ("contact_gain", 1.0, (0.0, 0.15)),         # the registry's own
])
def test_a_scaled_prior_has_the_scaled_width_inside_the_bounds(name, width, expected):
    low, high = abc.prior_range(name, width)
    assert (low, high) == pytest.approx(expected)
    registry_low, registry_high = registry.get(name).prior
    assert high - low == pytest.approx(width * (registry_high - registry_low))
    bottom, top = registry.get(name).bounds
    assert bottom <= low and high <= top


def test_a_fit_widening_one_group_keeps_the_other_groups_priors():
    config = FitConfig(free=("contact_gain", "peer_rate"), fixed=(), fit_waves=("2022-01",),
                       report_waves=("2022-01",), n_citizens=300, seed=0,
                       budget=Budget(particles=10, max_simulations=30), prior_width=2.0)
    one_group = dataclasses.replace(config, widened=("eu_contact",))
    assert one_group.prior("contact_gain") == config.prior("contact_gain") == (0.0, 0.3)
    assert one_group.prior("peer_rate") == registry.get("peer_rate").prior
    assert config.prior("peer_rate") == abc.prior_range("peer_rate", 2.0)


def test_a_prior_scaled_wider_than_the_bounds_is_the_bounds():
    assert abc.prior_range("contact_gain", 4.0) == pytest.approx((0.0, 0.5))
    assert abc.prior_range("propaganda_blame_amplification", 2.0) == pytest.approx(
        registry.get("propaganda_blame_amplification").bounds)


def test_the_identity_of_a_fit_at_the_registrys_priors_is_what_it_always_was():
    config = FitConfig(free=("contact_gain",), fixed=(), fit_waves=("2022-01",),
                       report_waves=("2022-01",), n_citizens=300, seed=0,
                       budget=Budget(particles=10, max_simulations=30))
    assert "prior_width" not in config.identity()  # earlier histories still resume
    doubled = dataclasses.replace(config, prior_width=2.0)
    assert '"prior_width": 2.0' in doubled.identity()
    assert "patterns" not in config.identity() and "widened" not in config.identity()
    one_group = dataclasses.replace(doubled, widened=("eu_contact",))
    assert one_group.identity() != doubled.identity()
    with_patterns = dataclasses.replace(config, patterns=TRAVEL.patterns)
    assert with_patterns.identity() != config.identity()


def test_a_range_figure_is_read_as_uniform_over_the_range():
    visitors = pattern_targets(["visited the EU in the last five years, Jun-Jul 2024"])[0]
    assert visitors.observed() == {visitors.stat: pytest.approx(0.21)}
    binomial = 0.21 * 0.79 / 827
    assert visitors.sampling_sd()[visitors.stat] == pytest.approx(
        np.sqrt(binomial + 0.02 ** 2 / 12))
    visas = pattern_targets(["visa holders, Aug 2022"])[0]
    assert visas.sampling_sd()[visas.stat] == pytest.approx(np.sqrt(0.05 * 0.95 / 741))


def test_the_simulator_reports_the_patterns_and_leaves_the_waves_statistics_alone():
    targets = target_waves()
    patterns = pattern_targets(TRAVEL.patterns)
    plain = WaveSimulator(targets, {}, 300)({"contact_gain": 0.05})
    both = WaveSimulator(targets, {}, 300, patterns=patterns)({"contact_gain": 0.05})
    assert {k: both[k] for k in plain} == plain
    for target in patterns:
        expected = both[expected_name(target.stat)]
        assert 0 < expected < 1
        assert both[target.stat] * target.pattern.n == pytest.approx(
            round(both[target.stat] * target.pattern.n))  # a whole number of respondents
    # The same reading as the subgroup table of a run that reads every month.
    row = ROWS.index(("visa", "yes"))
    seed = evaluation_seed(0, {"contact_gain": 0.05}).spawn(1)[0]
    same = simulate(baseline().with_changes(end="2025-11"), n_citizens=300,
                    seed=int(seed.generate_state(1)[0]),
                    parameters={"contact_gain": 0.05}, subgroups=True)
    august = same.subgroup_months.index("2022-08")
    assert both[expected_name(patterns[0].stat)] == pytest.approx(
        same.subgroup_array[august, row, WEIGHT_SHARE], abs=1e-12)


@pytest.mark.slow
def test_same_seed_same_posterior_serially_in_a_pool_and_on_dask(tmp_path):
    from distributed import Client, LocalCluster

    targets = target_waves()
    config = _config()
    keys = config.fit_waves
    serial = fit(targets, keys, config, tmp_path / "serial.db", workers=1)
    pooled = fit(targets, keys, config, tmp_path / "pool.db", workers=2)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        dasked = fit(targets, keys, config, tmp_path / "dask.db", scheduler=client)
    for other in (pooled, dasked):
        pd.testing.assert_frame_equal(serial.particles, other.particles)
        np.testing.assert_array_equal(serial.weights, other.weights)
        assert serial.evaluations == other.evaluations
    other_seed = fit(targets, keys, dataclasses.replace(config, seed=2), tmp_path / "s2.db")
    assert not serial.particles.equals(other_seed.particles)


def test_a_finished_fit_is_read_back_not_rerun(tmp_path, monkeypatch):
    targets = target_waves()
    config = _config(free=("media_rate_state",))
    first = fit(targets, config.fit_waves, config, tmp_path / "abc.db")
    assert is_finished(tmp_path / "abc.db", config)
    # Any new model evaluation would fail now; the finished fit must not need one.
    monkeypatch.setattr(WaveSimulator, "__call__", lambda *a: 1 / 0)
    again = fit(targets, config.fit_waves, config, tmp_path / "abc.db")
    pd.testing.assert_frame_equal(first.particles, again.particles)
    assert again.evaluations == first.evaluations
    # A different configuration in the same place is not mistaken for it.
    assert not is_finished(tmp_path / "abc.db", dataclasses.replace(config, seed=9))


def test_an_interrupted_fit_resumes_its_history_instead_of_starting_afresh(tmp_path):
    targets = target_waves()
    database = tmp_path / "abc.db"
    one = _config(free=("media_rate_state",), budget=dataclasses.replace(TINY, max_generations=1))
    first = fit(targets, one.fit_waves, one, database)
    abc._marker(database).unlink()  # as if stopped before it was marked finished
    # The budget is raised (it is not part of the identity): one more generation.
    two = dataclasses.replace(one, budget=dataclasses.replace(TINY, max_simulations=400))
    result = fit(targets, two.fit_waves, two, database)
    history = abc.pyabc.History(f"sqlite:///{database}")
    assert [run.id for run in history.all_runs()] == [1]  # no second run was started
    # The same history, continued: its first generation is the interrupted fit's.
    assert len(result.generations) > len(first.generations)
    assert result.generations.epsilon.iloc[0] == first.generations.epsilon.iloc[0]


def test_summary_reports_prior_range_and_shrinkage():
    particles = pd.DataFrame({"war_shock": np.linspace(0.1, 0.11, 50)})
    result = abc.FitResult(_config(free=("war_shock",)), particles, np.full(50, 1 / 50),
                           pd.DataFrame(), pd.DataFrame(), 0, 0.0, None)
    row = summarise(result).iloc[0]
    assert (row.prior_low, row.prior_high) == registry.get("war_shock").prior
    assert 0.1 <= row["q05"] < row["median"] < row["q95"] <= 0.11
    assert row.sd_ratio < 0.1  # a tight posterior over a wide prior


@pytest.mark.slow
def test_parameter_recovery_known_values_fall_inside_the_posterior(tmp_path):
    """Data made by the model from known parameters is fitted back at a small budget."""
    truth = {"sorting_rate": 0.08, "media_rate_independent": 0.03}
    targets = target_waves()
    citizens = 1000
    synthetic = WaveSimulator(targets, {}, citizens, base_seed=123)(truth)
    fake = []
    for target in targets:
        shares = dict(target.wave.shares)
        for category in target.categories:
            shares[category] = synthetic[target.stat(category)]
        fake.append(dataclasses.replace(target, wave=dataclasses.replace(target.wave,
                                                                          shares=shares)))
    config = _config(free=tuple(truth), budget=Budget(particles=60, max_simulations=500,
                                                      max_minutes=5, max_generations=4),
                     citizens=citizens, seed=7)
    result = fit(fake, config.fit_waves, config, tmp_path / "recovery.db", workers=2)
    for name, value in truth.items():
        low, high = recovery_interval(result, name, 0.95)
        assert low <= value <= high, (name, value, low, high)
    # The fit must have learnt something: the 95% interval of the strongest parameter is
    # well inside its prior.
    low, high = recovery_interval(result, "sorting_rate", 0.95)
    prior_low, prior_high = registry.get("sorting_rate").prior
    assert high - low < 0.5 * (prior_high - prior_low)


def test_the_proposal_density_matches_its_draws_and_bounds_every_weight():
    """Draws and density of the Student-t-and-prior mixture agree, and weights are bounded.

    For draws x from the proposal q, the mean of prior(x) / q(x) estimates the prior's total
    mass, 1, whatever q is, but only if q's density is the density of its draws. Tolerance:
    4 standard errors of that mean over 20,000 draws. The prior's share bounds every weight
    by 1 / share.
    """
    from scipy import stats

    from model.analysis.calibration.proposal import StudentTTransition

    rng = np.random.default_rng(0)
    population = pd.DataFrame(rng.normal([1.0, -0.5, 0.0], 0.3, size=(400, 3)),
                              columns=["a", "b", "c"])
    prior = stats.logistic()
    proposal = StudentTTransition(prior=prior, prior_share=0.1)
    proposal.fit(population, np.full(400, 1 / 400))
    np.random.seed(1)
    draws = pd.DataFrame([proposal.rvs_single() for _ in range(20_000)])
    ratio = np.exp(prior.logpdf(draws.to_numpy()).sum(axis=1)) / proposal.pdf(draws)
    assert abs(ratio.mean() - 1) < 4 * ratio.std() / np.sqrt(len(ratio))
    assert ratio.max() <= 1 / 0.1
    # A single particle gets the same density as its row in a frame.
    first = draws.iloc[0]
    assert proposal.pdf(first) == pytest.approx(proposal.pdf(draws.iloc[:1])[0])
    # Without the prior the density is the t's alone; draws are reproducible from the seed.
    plain = StudentTTransition()
    plain.fit(population, np.full(400, 1 / 400))
    np.random.seed(2)
    again = [plain.rvs_single() for _ in range(3)]
    np.random.seed(2)
    assert again == [plain.rvs_single() for _ in range(3)]


def test_predictive_intervals_draw_fresh_survey_samples():
    """A fitted wave's interval is not built from the samples that got particles accepted.

    Every particle's stored sample equals the observation (as acceptance favours) while its
    expected share is 10 points away; the predictive interval must sit around the expected
    share, with the binomial spread of the wave's size (tolerance: 2 points on each end).
    """
    from model.analysis.calibration.validation import model_predictions

    target = next(t for t in target_waves() if t.key == "2022-11")
    stat = target.stat("both")
    n = 4000
    statistics = pd.DataFrame({"weight": np.full(n, 1 / n), stat: np.full(n, 0.25),
                               expected_name(stat): np.full(n, 0.35)})
    result = abc.FitResult(_config(), pd.DataFrame({"war_shock": np.full(n, 0.1)}),
                           np.full(n, 1 / n), statistics, pd.DataFrame(), 0, 0.0, None)
    row = model_predictions(result, target).iloc[0]
    spread = 1.645 * np.sqrt(0.35 * 0.65 / target.sample_size)
    assert row.predicted == pytest.approx(0.35)
    assert row.low == pytest.approx(0.35 - spread, abs=0.02)
    assert row.high == pytest.approx(0.35 + spread, abs=0.02)
    # The same fit gives the same interval.
    assert model_predictions(result, target).equals(model_predictions(result, target))
