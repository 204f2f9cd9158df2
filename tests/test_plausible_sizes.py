"""Effects of a plausible size: a year of state TV moves opinion by points, not by halves.

The persuasion literature measures campaign-length effects of a few points: independent TV
cut the Russian government party's vote by 8.9 points (Enikolopov, Petrova & Zhuravskaya
2011); Fox News moved 0.4-0.7 points (DellaVigna & Kaplan 2007). The media-rate prior is set
so that twelve months of state media, against none, move the Russia answer share of
state-media-only viewers by at most about 10 points at the prior's upper end. The world is
the frozen Sep 2020 one without emigration (``tests/test_rest.py``), so nothing else moves.
"""

import numpy as np
import pytest

from model import OpinionModel
from model.core.observation import RUSSIA, answer_chances
from model.core.population import STATE_ONLY
from model.inputs import registry
from model.inputs.timeline import TimelinePoint
from tests.test_rest import frozen_world


def year_of_state_media(rate: float) -> float:
    """Return the Russia-share effect (points) on state-only viewers of 12 months of state TV."""
    effects = []
    for seed in range(3):
        shares = []
        for intensity in (None, 0.0):
            spec = frozen_world(emigration_rate=0.0).with_changes(
                end="2021-09", parameters={"media_rate_state": rate})
            if intensity is not None:
                spec = spec.with_changes(
                    exogenous={"propaganda_state": (TimelinePoint("2020-10", intensity),)})
            model = OpinionModel(spec, seed=seed, n_citizens=10_000, create_agents=False)
            model.run_model()
            state, population = model.world.state, model.world.population
            chances = answer_chances(state.r, state.e, model.world.params)[RUSSIA]
            shares.append(chances[population.diet == STATE_ONLY].mean())
        effects.append(100 * (shares[0] - shares[1]))
    return float(np.mean(effects))


@pytest.mark.slow
def test_a_year_of_state_media_moves_its_viewers_by_points():
    quantity = registry.get("media_rate_state")
    at_default, at_most = (year_of_state_media(rate)
                           for rate in (quantity.default, quantity.prior[1]))
    assert 1.0 < at_default < at_most < 12.0  # measured: 4.2 and 6.7 points
