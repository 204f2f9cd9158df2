"""Each mechanism against its documented equation, on hand-made arrays."""

import numpy as np
import pytest

from model.core.mechanisms.attitude_change import acceptance
from model.core.mechanisms.events import emigration, war_shock
from model.core.mechanisms.grievance import (
    accumulate_grievance,
    blame_attribution,
    count_restriction_hits,
    grievance_effects,
)
from model.core.mechanisms.media import independent_reach, media_exposure
from model.core.mechanisms.peers import anchoring, choose_partners, peer_influence
from model.core.mechanisms.travel import border_capacity, transport_access
from model.core.network import Network
from model.core.population import INDEPENDENT_ONLY, LOYAL, NEUTRAL, OPPOSED, STATE_ONLY


def test_acceptance_is_one_half_at_the_latitude_and_backfires_only_far_away():
    assert acceptance(np.array([0.5]), 0.5, 4)[0] == pytest.approx(0.5)
    near, far = acceptance(np.array([0.1, 2.0]), 0.5, 2, backfire=0.3, rejection_distance=1.5)
    assert near > 0.9 and far < 0


def test_peer_influence_moves_toward_the_partner_by_the_documented_amount():
    r, e = np.array([0.0, 0.4]), np.array([0.0, 0.3])
    partner = np.array([1, 0])
    regime = np.array([NEUTRAL, NEUTRAL])
    peer_influence(r, e, partner, np.ones(2, bool), regime, 0.1, 0.5, 2, 0.5)
    h = 0.25 / (0.25 + 0.5**2)  # distance 0.5 -> acceptance one half
    assert r[0] == pytest.approx(0.1 * h * 0.4) and e[0] == pytest.approx(0.1 * h * 0.3)
    assert r[1] == pytest.approx(0.4 - 0.1 * h * 0.4)


def test_peers_across_the_regime_divide_count_less():
    regime = np.array([LOYAL, OPPOSED])
    r_same, r_across = np.array([0.0, 0.4]), np.array([0.0, 0.4])
    e = np.zeros(2)
    peer_influence(r_same, e.copy(), np.array([1, 0]), np.ones(2, bool),
                   np.array([LOYAL, LOYAL]), 0.1, 0.5, 2, 0.5)
    peer_influence(r_across, e.copy(), np.array([1, 0]), np.ones(2, bool), regime,
                   0.1, 0.5, 2, 0.5)
    assert r_across[0] == pytest.approx(0.5 * r_same[0])


def test_partners_are_drawn_among_a_citizens_own_ties():
    net = Network(np.array([0, 2, 3]), np.array([1, 0, 0], dtype=np.int32))
    np.testing.assert_array_equal(choose_partners(net, np.array([0.0, 0.99])), [1, 0])
    np.testing.assert_array_equal(choose_partners(net, np.array([0.99, 0.5])), [0, 0])


def test_anchoring_closes_the_stated_share_of_the_gap():
    r, e = np.array([0.5]), np.array([-0.5])
    anchoring(r, e, np.array([0.0]), np.array([0.0]), np.array([0.2]))
    assert r[0] == pytest.approx(0.4) and e[0] == pytest.approx(-0.4)


def test_contact_buffers_state_media():
    positions = np.array([[0.8, -0.8], [0.0, 0.0], [0.0, 0.0]])
    doses = np.array([0.1, 0.0, 0.0])
    exposure = np.array([[1.0, 0.0, 0.0], [1.0, 0.0, 0.0]])
    r, e = np.zeros(2), np.zeros(2)
    media_exposure(r, e, exposure, doses, positions, np.array([0.0, 3.0]), 1.0, 0.9, 0.0, 1.4)
    assert r[0] > 0 and e[0] < 0
    assert r[1] == pytest.approx(r[0] / 4)


def test_independent_reach_falls_with_blocking_and_rises_with_funding():
    assert independent_reach(0.0, 24.0, 0.3) == pytest.approx(1.0)
    assert independent_reach(0.5, 24.0, 0.3) == pytest.approx(0.5)
    assert independent_reach(0.0, 72.0, 0.3) > 1.0 > independent_reach(0.0, 0.0, 0.3) > 0.0


def test_capacity_and_transport_follow_their_formulas():
    assert border_capacity(3, 6, 2, 0.5) == pytest.approx(1.0)
    assert border_capacity(1, 2, 0, 0.5) == pytest.approx((3 / 11) ** 0.5)
    access = transport_access(np.array([True, False]), 1.0, 0.5, 0.6, 0.4)
    without_car = 0.4 + 0.6 * 0.5
    np.testing.assert_allclose(access, [0.4 * without_car, without_car])


def test_grievance_accumulates_per_hit_and_decays():
    g = np.array([0.0, 0.5, 0.2])
    accumulate_grievance(g, np.array([1, 2, 0]), gain=0.3, decay=0.1)
    np.testing.assert_allclose(g, [0.3 * 0.9, (1 - 0.5 * 0.49) * 0.9, 0.2 * 0.9])


def test_restriction_hits_scale_with_exposure_and_level():
    draws = np.full((5, 2), 0.05)
    exposure = np.array([[1.0, 0.0]] * 5)
    hits = count_restriction_hits(exposure, np.array([1, 1, 0, 0, 1.0]), 0.1, draws)
    np.testing.assert_array_equal(hits, [3, 0])


def test_blame_follows_the_media_frame():
    diet = np.array([STATE_ONLY, INDEPENDENT_ONLY])
    regime = np.array([NEUTRAL, NEUTRAL])
    state_viewer, independent_reader = blame_attribution(diet, regime, -0.5, 2.0, 1.5, 1.0)
    assert state_viewer > 0.5 > independent_reader


def test_grievance_lowers_eu_and_raises_russia_only_when_framed():
    r, e = np.zeros(2), np.zeros(2)
    grievance_effects(r, e, np.array([1.0, 1.0]), np.array([0.5, 0.5]), np.ones(2, bool),
                      to_eu=0.1, to_russia=0.1, state_intensity=0.0)
    np.testing.assert_allclose(e, -0.05)
    np.testing.assert_allclose(r, 0.0)


def test_war_shock_moves_state_viewers_toward_russia_and_independent_readers_away():
    r, anchor = np.zeros(2), np.zeros(2)
    war_shock(r, anchor, np.array([STATE_ONLY, INDEPENDENT_ONLY]), 0.1)
    np.testing.assert_allclose(r, [0.1, -0.1])
    np.testing.assert_allclose(anchor, r)


def test_emigration_selects_pro_eu_citizens_and_creates_eu_ties():
    n = 20_000
    rng = np.random.default_rng(0)
    e = rng.uniform(-1, 1, n)
    r = np.zeros(n)
    present = np.ones(n, bool)
    ties = np.zeros(n, np.int16)
    indptr = np.arange(n + 1, dtype=np.int64)
    net = Network(indptr, ((np.arange(n) + 1) % n).astype(np.int32))
    leaving = emigration(r, e, present, ties, net, 0.05, 2.0, 1.0, rng.random(n), np.zeros(n))
    assert leaving.mean() == pytest.approx(0.05, abs=0.005)
    assert e[leaving].mean() > e[~leaving].mean() + 0.3
    assert not present[leaving].any()
    np.testing.assert_array_equal(ties[(np.flatnonzero(leaving) + 1) % n] > 0, True)
