"""The observation model: the answer link, and the virtual survey's biases and their absence."""

import numpy as np
import pytest

from model import OpinionModel
from model.core.observation import (
    BOTH,
    EU,
    NEITHER,
    RUSSIA,
    SurveyDesign,
    VirtualSurvey,
    alliance_probabilities,
    answers_from_favour,
    base_fear,
    favour_chances,
    population_shares,
)

PERFECT = SurveyDesign(frame="everyone", rake_to="everyone")


def test_answer_probabilities_sum_to_one_and_follow_the_thresholds():
    r = np.array([-1.0, 0.0, 1.0, 1.0])
    e = np.array([-1.0, 0.0, -1.0, 1.0])
    p = alliance_probabilities(r, e, 0.0, 0.0, 0.25)
    np.testing.assert_allclose(p.sum(axis=0), 1.0)
    np.testing.assert_allclose(p[:, 1], 0.25)      # on both thresholds: a fair coin twice
    assert p[NEITHER, 0] > 0.99 and p[RUSSIA, 2] > 0.99 and p[BOTH, 3] > 0.99


def test_answers_from_favour_equal_the_products_and_stay_in_bounds():
    rng = np.random.default_rng(3)
    r, e = rng.uniform(-1, 1, (2, 20_000))
    r[:10], e[:10] = 1.0, 1.0  # near-certain answers: differences of sums cancel here
    answers = alliance_probabilities(r, e, 0.1, -0.2, 0.05)
    p_russia, p_eu, _ = favour_chances(r, e, 0.1, -0.2, 0.05)
    products = np.stack([p_russia * (1 - p_eu), p_russia * p_eu, (1 - p_russia) * p_eu,
                         (1 - p_russia) * (1 - p_eu)])
    np.testing.assert_allclose(answers, products, rtol=0, atol=1e-15)
    assert (answers >= 0).all()
    totals = answers_from_favour(favour_chances(r, e, 0.1, -0.2, 0.05).sum(axis=1), r.size)
    np.testing.assert_allclose(totals, products.sum(axis=1), rtol=1e-12)


def _survey_and_population(model, **design):
    survey = VirtualSurvey(model.world.population, SurveyDesign(**design))
    s, p = model.world.state, model.params
    favour = favour_chances(s.r, s.e, p.threshold_russia, p.threshold_eu, p.response_noise)
    return survey, favour, population_shares(favour, s.present)


@pytest.fixture(scope="module")
def run_model(short_baseline):
    model = OpinionModel(short_baseline, seed=9, n_citizens=5_000, create_agents=False)
    model.run_model()
    return model


def test_survey_is_unbiased_without_fear_selection_or_frame(run_model):
    survey, probabilities, truth = _survey_and_population(run_model, frame="everyone",
                                                          rake_to="everyone")
    measured = survey.shares(probabilities, run_model.world.state.present, repression=0.0,
                             fear_opposed=0.8, fear_neutral=0.4, falsification_rate=0.25,
                             fear_aversion=1.0, loyalist_aversion=0.0)
    np.testing.assert_allclose(measured, truth, atol=1e-12)


def test_fear_hides_eu_answers_but_not_attitudes(run_model):
    survey, probabilities, _ = _survey_and_population(run_model, frame="everyone",
                                                      rake_to="everyone")
    present = run_model.world.state.present
    calm = survey.shares(probabilities, present, 0.0, 0.8, 0.4, 0.25, 0.0, 0.0)
    afraid = survey.shares(probabilities, present, 1.0, 0.8, 0.4, 0.25, 0.0, 0.0)
    assert afraid[EU] < calm[EU]
    assert afraid[BOTH] > calm[BOTH] and afraid[NEITHER] > calm[NEITHER]
    assert afraid[RUSSIA] == pytest.approx(calm[RUSSIA], abs=1e-12)


def test_raking_restores_the_target_margins(run_model):
    population = run_model.world.population
    present = run_model.world.state.present
    survey = VirtualSurvey(population)
    cell_fear = base_fear(survey.cell_regime, 0.8, 0.4)
    weights = survey.cell_weights(present, cell_fear, 1.0, 0.5)
    respondents = np.bincount(survey.cell[present & survey.in_frame],
                              minlength=survey.N_CELLS)
    weighted = respondents * weights
    target = np.bincount(survey.cell[present & population.urban], minlength=survey.N_CELLS)
    for margin in (survey.cell_age, survey.cell_education, survey.cell_minsk):
        np.testing.assert_allclose(np.bincount(margin, weighted), np.bincount(margin, target),
                                   rtol=1e-6)


def test_the_chatham_house_frame_is_urban_internet_users(run_model):
    population = run_model.world.population
    survey = VirtualSurvey(population)
    np.testing.assert_array_equal(survey.in_frame, population.urban & population.internet)


def test_a_sample_of_respondents_agrees_with_the_expected_survey(run_model):
    # Draw 4,000 respondents through the same frame, propensities and answer link, then
    # weight them: the estimate must match the exact instrument within 4 standard errors.
    model = run_model
    population, state, p = model.world.population, model.world.state, model.params
    survey = VirtualSurvey(population, PERFECT)
    probabilities = alliance_probabilities(state.r, state.e, p.threshold_russia,
                                           p.threshold_eu, p.response_noise)
    favour = favour_chances(state.r, state.e, p.threshold_russia, p.threshold_eu,
                            p.response_noise)
    exact = survey.shares(favour, state.present, 0.0, 0.8, 0.4, 0.0, 0.0, 0.0)
    rng = np.random.default_rng(1)
    rows = rng.choice(np.flatnonzero(state.present), size=4_000, replace=True)
    answers = (rng.random(rows.size)[:, None] > probabilities[:, rows].T.cumsum(axis=1)).sum(1)
    estimate = np.bincount(answers, minlength=4) / rows.size
    standard_error = np.sqrt(exact * (1 - exact) / rows.size)
    assert (np.abs(estimate - exact) < 4 * standard_error).all()
