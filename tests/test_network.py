"""The social network: size, degree, validity and homophily."""

import numpy as np
import pytest

from model import OpinionModel, baseline
from model.core.network import build_network, renumbered, ring_order

N = 20_000


@pytest.fixture(scope="module")
def model():
    return OpinionModel(baseline(), seed=5, n_citizens=N, create_agents=False)


def test_csr_arrays_are_valid(model):
    net = model.world.network
    assert net.indptr[0] == 0 and net.indptr[-1] == net.indices.size
    assert (np.diff(net.indptr) >= 1).all()
    assert net.indices.min() >= 0 and net.indices.max() < N
    assert not (net.sources() == net.indices).any(), "no self-ties"


def test_degree_is_about_the_parameter(model):
    k = model.params.network_degree
    degree = model.world.network.degree
    assert degree.mean() == pytest.approx(k, abs=0.3)
    assert 10 <= degree.mean() <= 20


def test_ties_are_homophilous_on_age_urbanity_and_attitude(model):
    net, population, state = model.world.network, model.world.population, model.world.state
    i, j = net.sources(), net.indices
    for trait in (population.age_band, population.urban):
        same = (trait[i] == trait[j]).mean()
        shares = np.bincount(trait) / trait.size
        random_mixing = (shares**2).sum()
        assert same > random_mixing + 0.2, (same, random_mixing)
    orientation = state.r - state.e
    assert np.corrcoef(orientation[i], orientation[j])[0, 1] > 0.3


def test_citizens_are_numbered_around_the_ring(model):
    """Ties that are not rewired join citizens a few numbers apart (the engine's locality)."""
    net = model.world.network
    span = np.minimum(np.abs(net.sources() - net.indices),
                      N - np.abs(net.sources() - net.indices))
    rewiring = model.params.network_rewiring
    assert (span <= net.degree.max()).mean() == pytest.approx(1 - rewiring, abs=0.02)


def test_ring_order_sorts_by_the_key():
    key = np.array([3.0, -1.0, 2.0, -1.0])
    assert ring_order(key).tolist() == [1, 3, 2, 0]  # stable: equal keys keep their order


def test_rewiring_creates_shortcuts():
    ring = build_network(5_000, 10, 0.0, np.random.default_rng(0))
    rewired = build_network(5_000, 10, 0.2, np.random.default_rng(0))
    ring_span = np.abs(ring.sources() - ring.indices)
    rewired_span = np.abs(rewired.sources() - rewired.indices)
    assert np.median(ring_span) <= 5
    assert (rewired_span > 100).mean() == pytest.approx(0.2, abs=0.03)


def test_tiny_populations_build():
    net = build_network(3, 14, 0.1, np.random.default_rng(0))
    assert net.size == 3
    assert not (net.sources() == net.indices).any()


def test_renumbered_maps_old_citizen_numbers_to_new_ones():
    order = np.array([2, 0, 3, 1])  # new citizen k is old citizen order[k]
    assert renumbered(np.array([0, 1, 2, 3]), order).tolist() == [1, 3, 0, 2]
    assert (order[renumbered(np.array([3, 2]), order)] == [3, 2]).all()


def test_the_model_keeps_its_citizens_in_loyalty_order(model):
    loyalty = model.world.population.loyalty
    assert (np.diff(loyalty[model._loyalty_order]) >= 0).all()
