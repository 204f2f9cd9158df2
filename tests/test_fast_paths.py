"""The optimised code paths against the plain numpy they replaced (kept here as the spec).

Each optimisation in the monthly step or the build either keeps results bit for bit (checked
with ``array_equal``) or changes them at rounding level only (checked to 1e-12).
"""

import numpy as np
import pytest

from model.core.kernels import survey_cell_totals
from model.core.mechanisms.attitude_change import acceptance, acceptance_of_squared
from model.core.mechanisms.grievance import (
    accumulate_grievance,
    count_restriction_hits,
    restriction_exposure,
)
from model.core.network import build_network
from model.core.observation import (
    VirtualSurvey,
    answers_from_favour,
    base_fear,
    favour_chances,
    population_shares,
)
from model.core.population import DIET_SHARES_IN_FRAME, _rake_diet_intercepts, synthesise_population
from model.core.state import MonthlyDraws
from model.core.streams import RandomStreams


def plain_network(similarity_key, mean_degree, rewiring, rng, degree_spread=4):
    """The network build with whole (N, k) int64 and float64 tables: the readable spec."""
    n = similarity_key.size
    spread = min(degree_spread, mean_degree - 1)
    max_degree = min(mean_degree + spread, n - 1)
    order = np.argsort(similarity_key, kind="stable")
    position = np.empty(n, dtype=np.int64)
    position[order] = np.arange(n)
    half = np.arange(1, max_degree // 2 + 2)
    offsets = np.stack([half, -half], axis=1).ravel()[:max_degree]
    degree = rng.integers(max(1, mean_degree - spread), max_degree + 1, size=n)
    rewire_draw = rng.random((n, max_degree))
    random_target = rng.integers(0, n - 1, size=(n, max_degree))
    ring_target = order[(position[:, None] + offsets[None, :]) % n]
    random_target = random_target + (random_target >= np.arange(n)[:, None])
    targets = np.where(rewire_draw < rewiring, random_target, ring_target)
    keep = np.arange(max_degree)[None, :] < degree[:, None]
    return np.cumsum(np.r_[0, degree]), targets[keep]


@pytest.mark.parametrize(("n", "degree", "rewiring"),
                         [(100, 14, 0.1), (2_001, 6, 0.5), (70_001, 14, 0.1), (5_000, 3, 0.0)])
def test_lean_network_build_gives_the_same_network(n, degree, rewiring):
    key = np.random.default_rng(n).standard_normal(n)
    indptr, indices = plain_network(key, degree, rewiring, np.random.default_rng(3))
    network = build_network(key, degree, rewiring, np.random.default_rng(3))
    assert np.array_equal(network.indptr, indptr)
    assert np.array_equal(network.indices, indices)
    assert network.indices.dtype == np.int32


def test_uniform_blocks_match_one_draw():
    from model.core.network import _uniform_below
    expected = np.random.default_rng(9).random((1_000, 7)) < 0.3
    got = _uniform_below(np.random.default_rng(9), (1_000, 7), 0.3, rows_per_block=64)
    assert np.array_equal(got, expected)


def test_raking_on_the_frame_matches_raking_everyone():
    rng = np.random.default_rng(4)
    n = 5_000
    scores = rng.normal(size=(n, 4))
    allowed = np.where(rng.random((n, 4)) < 0.1, 0.0, 1.0)
    allowed[:, 0] = 1.0
    frame = rng.random(n) < 0.7
    intercept = np.zeros(4)
    for _ in range(60):  # the plain version: everyone's probabilities every iteration
        weights = allowed * np.exp(scores + intercept)
        probabilities = weights / weights.sum(axis=1, keepdims=True)
        intercept += np.log(DIET_SHARES_IN_FRAME / probabilities[frame].mean(axis=0))
    got = _rake_diet_intercepts(scores, frame, allowed, DIET_SHARES_IN_FRAME)
    assert np.array_equal(got, probabilities)
    assert np.allclose(got[frame].mean(axis=0), DIET_SHARES_IN_FRAME, atol=1e-6)


def test_refilled_draws_equal_fresh_draws():
    fresh, refilled = RandomStreams(5), RandomStreams(5)
    buffer = MonthlyDraws.draw(refilled, 1_000)
    MonthlyDraws.draw(fresh, 1_000)
    for _ in range(2):
        expected = MonthlyDraws.draw(fresh, 1_000)
        got = MonthlyDraws.draw(refilled, 1_000, out=buffer)
        assert got is buffer
        for name, value in vars(expected).items():
            assert np.array_equal(getattr(got, name), value), name


def test_acceptance_from_squared_distance_matches_the_equation():
    rng = np.random.default_rng(2)
    dr, de = rng.uniform(-2, 2, (2, 10_000))
    distance = np.hypot(dr, de)
    for latitude, sharpness, backfire, rejection in ((0.9, 2.0, 0.0, np.inf),
                                                     (0.7, 4.0, 0.0, np.inf),
                                                     (0.9, 2.0, 0.3, 1.4), (0.5, 3.3, 0.2, 0.8)):
        expected = latitude**sharpness / (latitude**sharpness + distance**sharpness) \
            - backfire * (distance > rejection)
        got = acceptance_of_squared(dr * dr + de * de, latitude, sharpness, backfire, rejection)
        # Only citizens within rounding of the rejection distance could differ in the step.
        clear = np.abs(distance - rejection) > 1e-9
        assert np.allclose(got[clear], expected[clear], rtol=0, atol=1e-12)
        assert np.allclose(acceptance(distance, latitude, sharpness, backfire, rejection)[clear],
                           expected[clear], rtol=0, atol=1e-12)


def test_masked_population_mean_matches_the_mean_over_residents():
    rng = np.random.default_rng(6)
    favour = favour_chances(*rng.uniform(-1, 1, (2, 50_000)), 0.1, -0.2, 0.3)
    present = rng.random(50_000) < 0.9
    got = population_shares(favour, present)
    probabilities = answers_from_favour(favour)
    assert np.allclose(got, probabilities[:, present].mean(axis=1), rtol=0, atol=1e-13)
    assert got.sum() == pytest.approx(1.0, abs=1e-12)


def test_survey_cell_totals_equal_totals_over_selected_rows():
    population = synthesise_population(3_000, np.random.default_rng(8), 0.1)
    survey = VirtualSurvey(population)
    rng = np.random.default_rng(1)
    present = rng.random(3_000) < 0.8
    favour = rng.random((3, 3_000))
    frame_count, target_count, totals = survey_cell_totals(
        survey.cell, present, survey.in_frame, survey.in_target, favour, survey.N_CELLS)
    sampled = present & survey.in_frame
    assert np.array_equal(frame_count, np.bincount(survey.cell[sampled], minlength=48))
    assert np.array_equal(target_count,
                          np.bincount(survey.cell[present & survey.in_target], minlength=48))
    for row in range(3):  # the same sums as bincount over the selected rows, bit for bit
        assert np.array_equal(totals[row], np.bincount(survey.cell[sampled],
                                                       weights=favour[row, sampled],
                                                       minlength=48))
    assert np.array_equal(survey._cell_totals(sampled),
                          np.bincount(survey.cell[sampled], minlength=survey.N_CELLS))


def test_restriction_rows_equal_the_stacked_version():
    rng = np.random.default_rng(3)
    n = 4_000
    car, border, visa = (rng.random((3, n)) < 0.4)
    ties = rng.integers(0, 3, n).astype(np.int16)
    income = rng.integers(0, 3, n).astype(np.int8)
    exposure = restriction_exposure(car, border, visa, ties, income)
    has_ties = ties > 0
    stacked = np.stack([np.minimum(1.0, 0.3 + 0.4 * border + 0.3 * car),
                        car * (0.3 + 0.7 * visa),
                        np.minimum(1.0, 0.7 * has_ties + 0.3 * (income == 2)),
                        has_ties.astype(np.float64),
                        np.maximum(border, visa).astype(np.float64)])
    assert np.array_equal(exposure, stacked)
    draws, levels = rng.random((5, n)), rng.random(5)
    levels[[1, 3]] = 0.0  # lifted restrictions are skipped
    assert np.array_equal(count_restriction_hits(exposure, levels, 0.6, draws),
                          (draws < 0.6 * stacked * levels[:, None]).sum(axis=0))


def test_grievance_from_a_table_of_powers_equals_the_power_per_citizen():
    rng = np.random.default_rng(4)
    grievance, hits = rng.random(10_000), rng.integers(0, 6, 10_000)
    expected = (1.0 - (1.0 - grievance) * (1.0 - 0.13) ** hits) * (1.0 - 0.05)
    accumulate_grievance(grievance, hits, 0.13, 0.05)
    assert np.array_equal(grievance, expected)
    empty = np.zeros(0)
    accumulate_grievance(empty, np.zeros(0, dtype=np.int64), 0.13, 0.05)


def plain_raking(survey, present, cell_fear, fear_aversion, loyalist_aversion, rounds):
    """Raking as first written: fixed rounds of proportional fitting over the 48 cells."""
    frame_count = np.bincount(survey.cell[present & survey.in_frame], minlength=48)
    target_count = np.bincount(survey.cell[present & survey.in_target], minlength=48)
    propensity = 1 / (1 + np.exp(-(0.5 * (survey.cell_age <= 1) - fear_aversion * cell_fear
                                   - loyalist_aversion * (survey.cell_regime == 2))))
    respondents = frame_count * propensity
    weight = np.where(respondents > 0, 1.0, 0.0)
    margins = (survey.cell_age, survey.cell_education, survey.cell_minsk)
    for _ in range(rounds):
        for margin in margins:
            achieved = np.bincount(margin, respondents * weight)
            wanted = np.bincount(margin, target_count)
            factor = np.divide(wanted, achieved, out=np.ones_like(wanted), where=achieved > 0)
            weight = weight * factor[margin]
    return propensity * weight


@pytest.mark.parametrize("n, leave, oldest_leave", [
    (5_000, 0.0, False), (2_000, 0.3, False), (300, 0.5, False), (3_000, 0.0, True)])
def test_raking_to_convergence_matches_many_rounds_of_cell_raking(n, leave, oldest_leave):
    # Small populations leave cells without respondents; with every respondent of the oldest
    # age band gone, that margin category cannot be met at all.
    population = synthesise_population(n, np.random.default_rng(n), 0.1)
    survey = VirtualSurvey(population)
    present = np.random.default_rng(1).random(n) >= leave
    if oldest_leave:
        present &= ~((population.age_band == 3) & survey.in_frame)
        assert not (present & survey.in_frame)[population.age_band == 3].any()
    cell_fear = base_fear(survey.cell_regime, 0.8, 0.4) * 0.9
    got = survey.cell_weights(present, cell_fear, 1.0, 0.5)
    expected = plain_raking(survey, present, cell_fear, 1.0, 0.5, rounds=200)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=0)


def test_blocked_step_equals_one_block(monkeypatch):
    from dataclasses import fields

    from model.core import dynamics
    from model.core.opinion_model import OpinionModel
    from model.inputs.scenario import baseline

    scenario = baseline().with_changes(end="2022-04")

    def run(block_size):
        monkeypatch.setattr(dynamics, "BLOCK_SIZE", block_size)
        model = OpinionModel(scenario, seed=3, n_citizens=1_000, create_agents=False,
                             engine="numpy")  # the compiled engine does not use blocks
        model.run_model()
        return model

    blocked, whole = run(97), run(1 << 30)
    for f in fields(whole.world.state):
        assert np.array_equal(getattr(blocked.world.state, f.name),
                              getattr(whole.world.state, f.name)), f.name
    assert np.array_equal(blocked.shares, whole.shares)
    assert blocked.summaries == whole.summaries
    assert sum(s.good_trips for s in whole.summaries) > 0
