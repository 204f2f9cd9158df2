"""The observation model: the answer link, and the virtual survey's biases and their absence."""

import math

import numpy as np
import pytest

from model import OpinionModel
from model.core.mechanisms.camps import camp_thresholds
from model.core.observation import (
    BOTH,
    EU,
    FAVOUR_BOTH,
    FAVOUR_EU,
    FAVOUR_RUSSIA,
    FRAME,
    N_CELLS,
    NEITHER,
    RUSSIA,
    TARGET,
    SurveyDesign,
    VirtualSurvey,
    answer_chances,
    answers_from_favour,
    base_fear,
    normal_cdf,
    observation_totals,
    population_shares,
)
from model.core.population import synthesise_population
from model.core.threads import CHUNK, set_thread_count
from model.inputs.parameters import Parameters
from tests.helpers import month

PERFECT = SurveyDesign(frame="everyone", rake_to="everyone")


def camps_month(population, repression=0.0):
    """Return a month record whose camps are the Sep 2020 ones, with this repression."""
    low, high = camp_thresholds(population.loyalty, {"regime_opposed_share": 0.43,
                                                     "regime_loyal_share": 0.23})
    return month(opposed_below=low, loyal_from=high, repression=repression)


def test_answer_chances_sum_to_one_and_follow_the_thresholds():
    p = Parameters({"threshold_russia": 0.0, "threshold_eu": 0.0,
                    "response_noise": 0.25}).record()
    chances = answer_chances(np.array([-1.0, 0.0, 1.0, 1.0]), np.array([-1.0, 0.0, -1.0, 1.0]), p)
    np.testing.assert_allclose(chances.sum(axis=0), 1.0)
    np.testing.assert_allclose(chances[:, 1], 0.25)      # on both thresholds: a fair coin twice
    assert chances[NEITHER, 0] > 0.99 and chances[RUSSIA, 2] > 0.99 and chances[BOTH, 3] > 0.99


@pytest.fixture(scope="module")
def run_model(short_baseline):
    model = OpinionModel(short_baseline, seed=9, n_citizens=5_000, create_agents=False)
    model.run_model()
    return model


def test_population_totals_are_the_residents_answer_chances(run_model):
    s, p = run_model.world.state, run_model.world.params
    survey = VirtualSurvey(run_model.world.population, PERFECT)
    population, cells = survey.totals(s.r, s.e, s.present, run_model.record, p)
    chances = answer_chances(s.r, s.e, p)[:, s.present]
    assert population[0] == s.present.sum() == cells[:, FRAME].sum()
    p_russia, p_eu = chances[RUSSIA] + chances[BOTH], chances[EU] + chances[BOTH]
    np.testing.assert_allclose(population[1:], [p_russia.sum(), p_eu.sum(),
                                                chances[BOTH].sum()], rtol=1e-12)
    by_group = np.add.reduce(cells[:, FRAME].reshape(16, 3), axis=1)
    np.testing.assert_array_equal(by_group, np.bincount(survey.group[s.present], minlength=16))


def test_cell_totals_are_the_same_on_one_thread_or_two():
    n = 70 * CHUNK  # enough chunks for the loop to be split between threads
    population = synthesise_population(n, np.random.default_rng(8), 0.1, 0.35, 0.43, 0.23)
    survey = VirtualSurvey(population)
    rng = np.random.default_rng(1)
    r, e, present = rng.uniform(-1, 1, n), rng.uniform(-1, 1, n), rng.random(n) < 0.9
    p, record = Parameters().record(), camps_month(population)
    args = (r, e, present, survey.group, survey.loyalty, survey.in_frame, survey.in_target,
            record, p)
    try:
        set_thread_count(1)
        one = observation_totals(*args)
        set_thread_count(2)
        two = observation_totals(*args)
    finally:
        set_thread_count(None)
    for a, b in zip(one, two, strict=True):
        np.testing.assert_array_equal(a, b)
    assert one[1][:, TARGET].sum() == (present & survey.in_target).sum()
    assert one[1][:, FRAME].sum() == (present & survey.in_frame).sum()
    assert (one[1][:, FRAME].reshape(16, 3).sum(axis=0) > 0).all()  # every camp is counted


def test_survey_is_unbiased_without_fear_selection_or_frame(run_model):
    s = run_model.world.state
    p = Parameters({"panel_loyalist_aversion": 0.0}).record()
    calm = run_model.record._replace(repression=0.0)
    truth, measured = VirtualSurvey(run_model.world.population, PERFECT).read(
        s.r, s.e, s.present, calm, p)
    np.testing.assert_allclose(measured, truth, atol=1e-12)


def test_fear_hides_eu_answers_but_not_attitudes(run_model):
    s = run_model.world.state
    p = Parameters({"panel_fear_aversion": 0.0, "panel_loyalist_aversion": 0.0}).record()
    survey = VirtualSurvey(run_model.world.population, PERFECT)
    _, cells = survey.totals(s.r, s.e, s.present, run_model.record, p)
    calm, afraid = survey.shares(cells, 0.0, p), survey.shares(cells, 1.0, p)
    assert afraid[EU] < calm[EU]
    assert afraid[RUSSIA] > calm[RUSSIA] and afraid[BOTH] > calm[BOTH]  # regime-congruent
    assert afraid[NEITHER] == pytest.approx(calm[NEITHER], abs=1e-12)


def test_raking_restores_the_target_margins(run_model):
    s = run_model.world.state
    survey = VirtualSurvey(run_model.world.population)
    _, cells = survey.totals(s.r, s.e, s.present, run_model.record, run_model.world.params)
    cell_fear = base_fear(survey.cell_regime, 0.8, 0.4)
    weights = survey.cell_weights(cells[:, FRAME], cells[:, TARGET], cell_fear,
                                  run_model.world.params)
    weighted = cells[:, FRAME] * weights
    for margin in (survey.cell_age, survey.cell_education, survey.cell_minsk):
        np.testing.assert_allclose(np.bincount(margin, weighted),
                                   np.bincount(margin, cells[:, TARGET]), rtol=1e-9)
    assert run_model.params.panel_fear_aversion > 0  # the weights had work to do


def test_a_margin_nobody_in_the_frame_can_meet_is_left_alone():
    population = synthesise_population(3_000, np.random.default_rng(3), 0.1, 0.35, 0.43, 0.23)
    survey = VirtualSurvey(population)
    present = ~((population.age_band == 3) & survey.in_frame)  # no oldest respondents
    p = Parameters().record()
    _, cells = survey.totals(np.zeros(3_000), np.zeros(3_000), present,
                             camps_month(population), p)
    weights = survey.cell_weights(cells[:, FRAME], cells[:, TARGET],
                                  base_fear(survey.cell_regime, 0.8, 0.4), p)
    assert np.isfinite(weights).all()
    assert (weights[survey.cell_age == 3] == 0).all()
    shares = survey.shares(cells, 0.5, p)
    assert shares.sum() == pytest.approx(1.0) and (shares >= 0).all()
    assert cells.shape == (N_CELLS, 5)


def test_the_chatham_house_frame_is_urban_internet_users(run_model):
    population = run_model.world.population
    survey = VirtualSurvey(population)
    np.testing.assert_array_equal(survey.in_frame, population.urban & population.internet)


def test_a_sample_of_respondents_agrees_with_the_expected_survey(run_model):
    # Draw 4,000 respondents through the same frame and answer link, then count them: the
    # estimate must match the exact instrument within 4 standard errors.
    s = run_model.world.state
    p = Parameters({"panel_loyalist_aversion": 0.0, "falsification_rate": 0.0}).record()
    calm = run_model.record._replace(repression=0.0)
    _, exact = VirtualSurvey(run_model.world.population, PERFECT).read(s.r, s.e, s.present,
                                                                       calm, p)
    chances = answer_chances(s.r, s.e, p)
    rng = np.random.default_rng(1)
    rows = rng.choice(np.flatnonzero(s.present), size=4_000, replace=True)
    answers = (rng.random(rows.size)[:, None] > chances[:, rows].T.cumsum(axis=1)).sum(1)
    estimate = np.bincount(answers, minlength=4) / rows.size
    standard_error = np.sqrt(exact * (1 - exact) / rows.size)
    assert (np.abs(estimate - exact) < 4 * standard_error).all()


def test_the_compiled_population_shares_are_the_answers_of_the_means_bit_for_bit():
    rng = np.random.default_rng(5)
    for _ in range(200):
        count = float(rng.integers(1, 10_000))
        favour = rng.random(3) * count
        favour[FAVOUR_BOTH] = min(favour[FAVOUR_RUSSIA], favour[FAVOUR_EU]) * rng.random()
        totals = np.array([count, *favour])
        expected = answers_from_favour(totals[1:] / count)
        assert np.array_equal(population_shares(totals), expected)


def test_the_normal_cdf_table_matches_erfc():
    """The survey's Phi (a Hermite table) is within 5e-14 of math.erfc, tails included."""
    x = np.concatenate([np.linspace(-10.0, 10.0, 20_001),
                        np.random.default_rng(0).normal(0.0, 3.0, 20_000), [-8.5, 8.5]])
    table = np.array([normal_cdf(value) for value in x])
    exact = 0.5 * np.array([math.erfc(-value / math.sqrt(2.0)) for value in x])
    assert np.abs(table - exact).max() < 5e-14
    assert (np.diff(table[np.argsort(x)]) >= -1e-15).all()  # increasing, up to rounding
    assert math.isnan(normal_cdf(math.nan))
    # Beyond the table's ends the value is exactly 0 or 1 (picks, not the polynomial).
    assert [normal_cdf(v) for v in (-math.inf, -9.0, -8.5, 8.5, 9.0, math.inf)] == [
        0.0, 0.0, 0.0, 1.0, 1.0, 1.0]
