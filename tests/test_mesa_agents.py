"""Citizens are Mesa agents whose attributes are views onto the model's arrays."""

import numpy as np
import pytest

from model import OpinionModel, baseline
from model.core.population import DIETS


@pytest.fixture()
def model():
    return OpinionModel(baseline().with_changes(end="2021-06"), seed=1, n_citizens=600)


def test_one_agent_per_resident(model):
    assert len(model.agents) == 600
    assert {a.index for a in model.agents} == set(range(600))


def test_attributes_read_and_write_the_arrays(model):
    citizen = next(iter(model.agents))
    assert citizen.r == model.world.state.r[citizen.index]
    citizen.e = 0.25
    assert model.world.state.e[citizen.index] == 0.25
    assert citizen.media_diet in DIETS


def test_agents_can_be_grouped_with_mesa_verbs(model):
    counts = model.agents.groupby("media_diet").count()
    expected = np.bincount(model.world.population.diet, minlength=4)
    assert {DIETS[d]: int(expected[d]) for d in range(4) if expected[d]} == counts
    opposed = model.agents.select(lambda a: a.regime == "opposed")
    assert len(opposed) == int((model.world.population.camp_at_start == 0).sum())


def test_fear_follows_the_repression_index(model):
    citizen = next(a for a in model.agents if a.regime == "opposed")
    assert citizen.fear == pytest.approx(model.params.fear_opposed * model.repression)


def test_the_war_starts_its_rally_in_its_first_month():
    model = OpinionModel(baseline().with_changes(end="2022-04"), seed=1, n_citizens=300,
                         create_agents=False)
    before = None
    while model.running:
        if model.month == "2022-02":
            before = model.world.state.r_anchor.copy()
        model.step()
        if model.month == "2022-03":  # the first full month of the war
            shift = model.world.state.r_anchor - before
            diet = model.world.population.diet
            size = model.params.war_shock
            assert shift[diet == 0] == pytest.approx(size)   # state media only
            assert shift[diet == 2] == pytest.approx(-size)  # independent media only
            assert shift[diet == 1] == pytest.approx(0.0)
    assert before is not None


def test_large_models_skip_agent_objects_by_default():
    model = OpinionModel(baseline().with_changes(end="2020-12"), seed=1, n_citizens=300,
                         create_agents=False)
    assert len(model.agents) == 0
