"""Nothing moves without a cause: a world whose inputs stay at their Sep 2020 values is at rest.

The frozen world holds every lever and exogenous input at its Sep 2020 value through 2025
(there is then no war: the war is an input, 0 in 2020). Its citizens must stay where the
first wave found them. Emigration is the one flow left in it: at its Sep 2020 rate, 0.2% of
residents a month leave, pro-EU ones more often, so the residents change although nobody's
attitudes do. The tests therefore read the shares (a) of a frozen world without emigration,
and (b) of the citizens who stay, in the frozen world with emigration; both within 2 points
of Sep 2020, for both measures, on 10 seeds of 20,000 citizens. What emigration alone moves
is measured and reported by (c).
"""

import numpy as np
import pytest

from model import OpinionModel, baseline
from model.inputs import registry
from model.inputs.registry import Group
from model.inputs.timeline import TimelinePoint

SEEDS = range(10)
CITIZENS = 20_000
END = "2025-11"
TOLERANCE = 0.02


def frozen_world(**held):
    """Return the baseline with every lever and exogenous input at its Sep 2020 value."""
    levers, exogenous = {}, {}
    for quantity in registry.LEVERS + registry.EXOGENOUS:
        value = held.get(quantity.name, quantity.history[0].value)
        group = levers if quantity.group is Group.LEVER else exogenous
        group[quantity.name] = (TimelinePoint("2020-09", value),)
    return baseline().with_changes(end=END, levers=levers, exogenous=exogenous)


def shares_of(model, present):
    """Return (population, survey) shares of the model's citizens in ``present``."""
    s = model.world.state
    return np.stack(model.survey.read(s.r, s.e, present, model.record, model.world.params))


@pytest.fixture(scope="module")
def without_emigration():
    spec = frozen_world(emigration_rate=0.0)
    return np.stack([run(spec, seed)[0] for seed in SEEDS])


@pytest.fixture(scope="module")
def with_emigration():
    spec = frozen_world()
    return [run(spec, seed) for seed in SEEDS]


def run(spec, seed):
    """Return a frozen run's monthly shares, its stayers' shares at the start and at the end."""
    model = OpinionModel(spec, seed=seed, n_citizens=CITIZENS, create_agents=False)
    start = model.world.state.copy()
    model.run_model()
    stayers = model.world.state.present
    end = shares_of(model, stayers)
    final = model.world.state
    model.world.state = start
    begin = shares_of(model, stayers)
    model.world.state = final
    return model.shares, begin, end


@pytest.mark.slow
def test_a_frozen_world_without_emigration_stays_within_two_points(without_emigration):
    mean = without_emigration.mean(axis=0)  # months x measures x answers
    deviation = np.abs(mean - mean[0]).max()
    assert deviation < TOLERANCE, deviation


@pytest.mark.slow
def test_the_citizens_who_stay_are_at_rest_in_a_frozen_world(with_emigration):
    begin = np.mean([b for _, b, _ in with_emigration], axis=0)
    end = np.mean([e for _, _, e in with_emigration], axis=0)
    deviation = np.abs(end - begin).max()
    assert deviation < TOLERANCE, deviation


@pytest.mark.slow
def test_emigration_alone_moves_the_residents_toward_russia(with_emigration):
    # Pro-EU citizens leave more often: the residents, not anybody's mind, move.
    mean = np.mean([shares for shares, _, _ in with_emigration], axis=0)
    russia_change = mean[-1, :, 0] - mean[0, :, 0]
    eu_change = mean[-1, :, 2] - mean[0, :, 2]
    assert (russia_change > 0).all() and (eu_change < 0).all()


def test_the_travel_figures_without_the_drift_are_the_same_bit_for_bit():
    from model.core.rest import steady_state

    model = OpinionModel(baseline().with_changes(end="2020-10"), seed=2, n_citizens=800,
                         create_agents=False)
    w = model.world
    s, pop = w.state, w.population
    full = steady_state(s.r, s.e, pop, s.eu_ties, s.russia_ties, w.network, model.record,
                        w.params)
    travel = steady_state(s.r, s.e, pop, s.eu_ties, s.russia_ties, w.network, model.record,
                          w.params, with_drift=False)
    for k in (0, 1, 2, 5, 6):  # visa, contact, grievance, border, west
        assert np.array_equal(full[k], travel[k])
    assert not travel[3].any() and not travel[4].any()
    assert full[3].any() and full[4].any()
