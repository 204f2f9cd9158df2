"""The initial condition: attitudes placed so that the virtual survey reads the Sep 2020 wave."""

import numpy as np
import pytest
from scipy import optimize

from model import OpinionModel
from model.core import attitudes
from model.core.observation import MEASURES
from model.core.start_cache import forget_starts
from model.inputs.scenario import baseline

SURVEY = MEASURES.index("survey")
START = baseline().with_changes(end="2020-10")


@pytest.mark.parametrize(("seed", "citizens", "parameters"), [
    (0, 2_000, {}),
    (1, 500, {}),
    (2, 2_000, {"response_noise": 0.5, "threshold_russia": 0.1, "initial_spread": 0.6}),
])
def test_the_first_months_survey_reads_the_first_wave(seed, citizens, parameters):
    model = OpinionModel(START.with_changes(parameters=parameters), seed=seed,
                         n_citizens=citizens, create_agents=False, collect_data=False)
    np.testing.assert_allclose(model.shares[0, SURVEY], attitudes.WAVE_ONE_SHARES, atol=1e-9)
    low, high = attitudes.CONSTANT_BOUNDS
    assert np.all((low <= model.initial_constants) & (model.initial_constants <= high))


def test_when_the_square_solve_fails_least_squares_finds_the_same_constants(monkeypatch):
    solved = OpinionModel(START, seed=3, n_citizens=1_000, create_agents=False).initial_constants

    def failing(*args, **kwargs):
        return optimize.OptimizeResult(x=np.full(3, 9.0), success=False)

    monkeypatch.setattr(attitudes, "root", failing)
    forget_starts()  # else the second model would reuse the first one's start
    fallback = OpinionModel(START, seed=3, n_citizens=1_000, create_agents=False)
    np.testing.assert_allclose(fallback.initial_constants, solved, atol=1e-8)
    np.testing.assert_allclose(fallback.shares[0, SURVEY], attitudes.WAVE_ONE_SHARES, atol=1e-9)
