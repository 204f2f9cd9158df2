"""Each rule against its documented equation, on hand-made values and month records.

The rules are pure functions of one citizen's values, the month's record, the parameters
and the uniforms they are given, so most checks are exact.
"""

import numpy as np
import pytest

from model.core.mechanisms.attitude_change import acceptance
from model.core.mechanisms.events import (
    emigrates,
    emigration_pull,
    goes_west,
    tie_emigrant,
    war_shift,
)
from model.core.mechanisms.grievance import (
    accumulate_grievance,
    blame_attribution,
    blame_index,
    blame_table,
    resent,
    restriction_hits,
)
from model.core.mechanisms.media import MEDIA_SHARPNESS, independent_reach, watch_media
from model.core.mechanisms.noise import drift
from model.core.mechanisms.peers import (
    STUBBORNNESS_BY_AGE,
    partner,
    peer_change,
    return_to_anchor,
)
from model.core.mechanisms.travel import (
    EU_TIES_CAP,
    border_capacity,
    contact_effect,
    hear_from_ties_abroad,
    make_trip,
    renew_visa,
    transport_access,
    travel_propensity,
)
from model.core.network import Network
from model.core.population import INDEPENDENT_ONLY, LOYAL, NEUTRAL, OPPOSED, STATE_ONLY
from model.inputs.parameters import Parameters
from tests.helpers import citizens, month, parameters, ring

#: Uniforms just below and above a probability of one half.
YES, NO = 0.49, 0.51


def test_acceptance_is_one_half_at_the_latitude_and_falls_with_distance():
    for k in (2.0, 4.0, 7.0):
        latitude = 0.6
        assert acceptance(latitude**2, latitude**k, k / 2) == pytest.approx(0.5)
        assert acceptance(0.0, latitude**k, k / 2) == 1.0
        assert acceptance(0.1, latitude**k, k / 2) > acceptance(0.5, latitude**k, k / 2)


def test_peer_change_moves_toward_the_partner_by_the_documented_amount():
    p = parameters(peer_rate=0.1, intergroup_credibility=0.5)
    record = month(peer_scaled_latitude=0.25, peer_half_sharpness=1.0)
    dr, de = peer_change(0.0, 0.0, 0.4, 0.3, NEUTRAL, NEUTRAL, record, p)
    h = 0.25 / (0.25 + 0.5**2)  # distance 0.5 = the latitude: acceptance one half
    assert dr == pytest.approx(0.1 * h * 0.4) and de == pytest.approx(0.1 * h * 0.3)
    across = peer_change(0.0, 0.0, 0.4, 0.3, LOYAL, OPPOSED, record, p)
    assert across[0] == pytest.approx(0.5 * dr)


def test_partners_are_drawn_uniformly_among_a_citizens_own_ties():
    network = Network(np.array([0, 3, 4]), np.array([1, 1, 0, 0], dtype=np.int32))
    picks = [partner(0, network, u) for u in np.linspace(0.001, 0.999, 300)]
    assert set(picks) == {0, 1}
    assert picks.count(1) == 200  # slots 0 and 1 hold citizen 1, slot 2 citizen 0
    assert partner(1, network, 0.999) == 0


def test_anchoring_closes_the_stated_share_of_the_gap_more_for_the_old():
    p = parameters(anchoring_rate=0.2)
    r, e = return_to_anchor(0.5, -0.5, 0.0, 0.0, 1, p)
    share = 0.2 * STUBBORNNESS_BY_AGE[1]
    assert (r, e) == pytest.approx((0.5 * (1 - share), -0.5 * (1 - share)))
    assert return_to_anchor(0.5, -0.5, 0.0, 0.0, 3, p)[0] < r


def test_state_media_pull_follows_the_equation_and_contact_buffers_it():
    p = parameters(media_position_state_r=0.6, media_position_state_e=-0.8,
                   media_latitude=0.9, contact_buffer=1.0)
    record = month(dose_state=0.1, media_scaled_latitude=0.9**MEDIA_SHARPNESS,
                   media_rejection_squared=4.0)
    r, e = watch_media(0.0, 0.0, 0.0, STATE_ONLY, record, p)
    h = 0.81 / (0.81 + 1.0)  # distance 1 from the outlet
    assert r == pytest.approx(0.1 * h * 0.6) and e == pytest.approx(-0.1 * h * 0.8)
    assert watch_media(0.0, 0.0, 3.0, STATE_ONLY, record, p)[0] == pytest.approx(r / 4)


def test_media_backfire_pushes_away_only_beyond_the_rejection_distance():
    p = parameters(media_position_independent_r=-0.6, media_position_independent_e=0.7,
                   media_backfire=0.5, media_latitude=0.3)
    record = month(dose_independent=0.1, media_scaled_latitude=0.09,
                   media_rejection_squared=0.8**2)
    far = watch_media(0.9, -0.9, 0.0, INDEPENDENT_ONLY, record, p)
    near = watch_media(-0.5, 0.6, 0.0, INDEPENDENT_ONLY, record, p)
    assert far[0] > 0.9 and far[1] < -0.9      # far: pushed further away
    assert near[0] < -0.5 and near[1] > 0.6    # near: pulled closer


def test_independent_reach_falls_with_blocking_and_rises_with_funding():
    assert independent_reach(0.0, 24.0, 0.3) == pytest.approx(1.0)
    assert independent_reach(0.5, 24.0, 0.3) == pytest.approx(0.5)
    assert independent_reach(0.0, 72.0, 0.3) > 1.0 > independent_reach(0.0, 0.0, 0.3) > 0.0


def test_capacity_and_transport_follow_their_formulas():
    inputs = {"open_crossings_poland": 3, "open_crossings_lithuania": 6,
              "open_crossings_latvia": 2, "car_plate_ban": 1.0, "bus_routes": 0.5}
    assert border_capacity(inputs, 0.5) == pytest.approx(1.0)
    fewer = {**inputs, "open_crossings_poland": 1, "open_crossings_lithuania": 2,
             "open_crossings_latvia": 0}
    assert border_capacity(fewer, 0.5) == pytest.approx((3 / 11) ** 0.5)
    without_car, with_car = transport_access(inputs, Parameters({"bus_dependence": 0.6,
                                                                  "car_to_bus_substitution": 0.4}))
    assert without_car == pytest.approx(0.4 + 0.6 * 0.5)
    assert with_car == pytest.approx(0.4 * without_car)


def test_travel_propensity_selects_on_attitude_ties_and_income_with_ties_capped():
    p = parameters(travel_attitude_selection=1.0, travel_ties_selection=0.7,
                   travel_income_selection=0.5)
    assert travel_propensity(0.5, 2, 1, p) == pytest.approx(np.exp(0.5 + 1.4 + 0.5))
    assert travel_propensity(0.0, EU_TIES_CAP + 4, 0, p) == travel_propensity(
        0.0, EU_TIES_CAP, 0, p)


def test_visas_expire_are_applied_for_refused_and_granted_at_their_rates():
    record = month(visa_keep_threshold=0.5, apply_rate=0.25, refusal_rate=0.5,
                   exchange_probability=0.5)
    # (has visa, resident, propensity, young, expiry, application, refusal, exchange)
    assert renew_visa(True, True, 1.0, False, NO, NO, NO, NO, record) == (True, False, False)
    assert renew_visa(True, True, 1.0, False, YES, NO, NO, NO, record) == (False, False,
                                                                          False)
    assert renew_visa(False, True, 2.0, False, NO, YES, NO, NO, record) == (True, False,
                                                                           False)
    assert renew_visa(False, True, 2.0, False, NO, YES, YES, NO, record) == (False, True,
                                                                            False)
    assert renew_visa(False, True, 1.0, False, NO, YES, NO, NO, record)[0] is False
    assert renew_visa(False, True, 1.0, True, NO, NO, NO, YES, record) == (True, False, True)
    assert renew_visa(False, False, 2.0, True, NO, YES, NO, YES, record) == (False, False,
                                                                            False)


def test_trips_need_a_visa_and_are_humiliating_at_the_month_s_rate():
    record = month(trip_rate=0.5, access_without_car=1.0, access_with_car=0.2,
                   bad_trip_probability=0.5)
    assert make_trip(True, False, True, 1.0, False, YES, NO, record) == (True, False)
    assert make_trip(True, False, True, 1.0, False, YES, YES, record) == (False, True)
    assert make_trip(False, False, True, 1.0, False, YES, NO, record) == (False, False)
    assert make_trip(True, False, True, 1.0, True, YES, NO, record) == (False, False)
    assert make_trip(True, True, True, 1.0, False, NO, YES, record) == (True, False)


def test_a_good_trip_raises_e_lowers_r_and_moves_the_anchors_by_a_share():
    p = parameters(contact_gain=0.1, contact_russia_reduction=0.05, contact_anchor_share=0.3)
    record = month(contact_decay=0.5)
    r, e, r_anchor, e_anchor, contact = contact_effect(0.4, 0.2, 0.4, 0.2, 2.0, True, record,
                                                       p)
    assert e == pytest.approx(0.2 + 0.1 * 0.8) and r == pytest.approx(0.4 - 0.05 * 0.4)
    assert e_anchor == pytest.approx(0.2 + 0.3 * 0.1 * 0.8)
    assert r_anchor == pytest.approx(0.4 - 0.3 * 0.05 * 0.4)
    assert contact == pytest.approx(2.0 * 0.5 + 1.0)
    assert contact_effect(0.4, 0.2, 0.4, 0.2, 2.0, False, record, p) == (0.4, 0.2, 0.4, 0.2,
                                                                         1.0)


def test_extended_contact_follows_the_tone_of_reports_with_ties_capped():
    p = parameters(extended_contact_rate=0.01)
    assert hear_from_ties_abroad(0.0, 2, month(tie_report=0.5), p) == pytest.approx(0.01)
    assert hear_from_ties_abroad(0.0, 9, month(tie_report=-1.0), p) == pytest.approx(
        -0.01 * EU_TIES_CAP)


def test_restriction_hits_follow_exposure_and_level():
    p = parameters(restriction_hit_rate=0.5)
    car_ban = month(level_car_ban=0.6)  # a visa-holding car owner: exposure 1, chance 0.3
    # (car owner, border region, visa, EU ties, income, goods, car, bank, residence, crossings)
    assert restriction_hits(True, False, True, 0, 1, NO, 0.29, NO, NO, NO, car_ban, p) == 1
    assert restriction_hits(True, False, True, 0, 1, NO, 0.31, NO, NO, NO, car_ban, p) == 0
    assert restriction_hits(True, False, False, 0, 1, NO, 0.08, NO, NO, NO, car_ban, p) == 1
    assert restriction_hits(True, False, False, 0, 1, NO, 0.10, NO, NO, NO, car_ban, p) == 0
    assert restriction_hits(False, False, True, 0, 1, NO, 0.01, NO, NO, NO, car_ban, p) == 0
    everything = month(level_goods=1.0, level_car_ban=1.0, level_bank=1.0,
                       level_residence=1.0, level_crossings=1.0)
    assert restriction_hits(True, True, True, 1, 2, *[0.4] * 5, everything, p) == 5
    assert restriction_hits(True, True, True, 1, 2, *[0.4] * 5, month(), p) == 0


def test_grievance_accumulates_per_hit_and_decays():
    p = parameters(grievance_gain=0.3, grievance_decay=0.1)
    assert accumulate_grievance(0.0, 1, p) == pytest.approx(0.3 * 0.9)
    assert accumulate_grievance(0.5, 2, p) == pytest.approx((1 - 0.5 * 0.49) * 0.9)
    assert accumulate_grievance(0.2, 0, p) == pytest.approx(0.2 * 0.9)


def test_blamed_grievance_lowers_e_and_raises_r_only_where_framed():
    p = parameters(grievance_to_eu=0.1)
    blame = np.full(12, 0.5)
    framed = month(blame_west=blame, grievance_to_russia_now=0.2)
    unframed = month(blame_west=blame, grievance_to_russia_now=0.0)
    assert resent(0.0, 0.0, 0.4, STATE_ONLY, NEUTRAL, framed, p) == pytest.approx(
        (0.2 * 0.5 * 0.4, -0.1 * 0.5 * 0.4))
    assert resent(0.0, 0.0, 0.4, STATE_ONLY, NEUTRAL, unframed, p)[0] == 0.0


def test_blame_follows_the_media_frame_and_the_table_holds_every_pair():
    p = Parameters()
    diet = np.array([STATE_ONLY, INDEPENDENT_ONLY])
    state_viewer, independent_reader = blame_attribution(diet, np.array([NEUTRAL, NEUTRAL]),
                                                         p)
    assert state_viewer > 0.5 > independent_reader
    table = blame_table(p.record())
    assert table[blame_index(STATE_ONLY, NEUTRAL)] == pytest.approx(state_viewer)
    assert table[blame_index(INDEPENDENT_ONLY, NEUTRAL)] == pytest.approx(independent_reader)


def test_noise_adds_the_normal_quantile_times_sigma():
    p = parameters(attitude_noise=0.01)
    assert drift(0.0, 0.0, 0.5, 0.5, p) == (0.0, 0.0)
    r, e = drift(0.1, 0.1, 0.975, 0.025, p)
    assert r == pytest.approx(0.1 + 0.01 * 1.959964, abs=1e-8)
    assert e == pytest.approx(0.1 - 0.01 * 1.959964, abs=1e-8)


def test_war_shock_moves_state_viewers_toward_russia_and_independent_readers_away():
    p = parameters(war_shock=0.1)
    assert war_shift(STATE_ONLY, p) == pytest.approx(0.1)
    assert war_shift(INDEPENDENT_ONLY, p) == pytest.approx(-0.1)


def test_emigration_selects_pro_eu_citizens_and_ties_of_west_goers_gain_eu_ties():
    p = parameters(emigration_attitude_selection=2.0, emigration_west_share=0.4)
    assert emigration_pull(0.0, 0.5, p) == pytest.approx(np.exp(1.0))
    record = month(emigration_rate=0.05)
    assert emigrates(2.0, 1.0, 0.09, record) and not emigrates(2.0, 1.0, 0.11, record)
    assert goes_west(0.39, p) and not goes_west(0.41, p)
    s, _ = citizens(4)
    tie_emigrant(1, s, ring(4))
    np.testing.assert_array_equal(s.eu_ties, [0, 0, 1, 0])
