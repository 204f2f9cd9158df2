"""Each rule against its documented equation, on hand-made values and month records.

The rules are pure functions of one citizen's values, the month's record, the parameters
and the uniforms they are given, so the checks are exact.
"""

import numpy as np
import pytest

from model.core.draws import standard_normal
from model.core.mechanisms.attitude_change import acceptance
from model.core.mechanisms.camps import camp, camp_thresholds, sort_by_camp
from model.core.mechanisms.events import (
    EAST_BOUND,
    STAYS,
    WEST_BOUND,
    apply_rally,
    emigrates,
    emigration_pull,
    rally,
    tie_emigrant,
)
from model.core.mechanisms.grievance import (
    accumulate_grievance,
    blame_index,
    blame_shares,
    blame_table,
    remote_hit_chances,
    resent,
)
from model.core.mechanisms.media import MEDIA_SHARPNESS, independent_reach, watch_media
from model.core.mechanisms.noise import drift
from model.core.mechanisms.peers import (
    STUBBORNNESS_BY_AGE,
    across_divide,
    partner,
    peer_change,
    return_to_anchor,
)
from model.core.mechanisms.travel import (
    TIES_CAP,
    bad_trip_probability,
    capacity,
    good_contact,
    hear_from_ties_abroad,
    make_trip,
    negative_contact,
    renew_visa,
    russia_contact,
    transport_access,
    travel_propensity,
    trip_thresholds,
    visit_russia,
)
from model.core.network import Network
from model.core.population import (
    INDEPENDENT_ONLY,
    LOYAL,
    NEUTRAL,
    OPPOSED,
    RARELY,
    STATE_ONLY,
)
from model.inputs.parameters import Parameters
from tests.helpers import BLAME_PAIRS, citizens, month, parameters, ring

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
    p = parameters(anchoring_rate=0.05)
    r, e = return_to_anchor(0.5, -0.5, 0.0, 0.0, 1, p)
    share = 0.05 * STUBBORNNESS_BY_AGE[1]
    assert (r, e) == pytest.approx((0.5 * (1 - share), -0.5 * (1 - share)))
    assert return_to_anchor(0.5, -0.5, 0.0, 0.0, 3, p)[0] < r


def test_camps_are_bands_of_the_loyalty_score_with_the_given_sizes():
    loyalty = np.linspace(0, 1, 1001).astype(np.float32)
    low, high = camp_thresholds(loyalty, {"regime_opposed_share": 0.4,
                                          "regime_loyal_share": 0.25})
    record = month(opposed_below=low, loyal_from=high)
    camps = np.array([camp(x, record) for x in loyalty])
    assert abs((camps == OPPOSED).mean() - 0.4) < 0.002
    assert abs((camps == LOYAL).mean() - 0.25) < 0.002
    assert (np.diff(camps) >= 0).all()  # more loyal, never a less loyal camp


def test_a_camp_starts_at_its_bound_and_an_empty_neutral_band_leaves_two_camps():
    record = month(opposed_below=0.3, loyal_from=0.6)
    assert [camp(x, record) for x in (0.2999, 0.3, 0.5999, 0.6, 2.0)] == [
        OPPOSED, NEUTRAL, NEUTRAL, LOYAL, LOYAL]
    record = month(opposed_below=0.5, loyal_from=0.5)
    assert [camp(x, record) for x in (0.4999, 0.5, 0.5001)] == [OPPOSED, LOYAL, LOYAL]


def test_only_loyal_and_opposed_citizens_stand_across_the_divide():
    pairs = {(a, b) for a in (OPPOSED, NEUTRAL, LOYAL) for b in (OPPOSED, NEUTRAL, LOYAL)
             if across_divide(a, b)}
    assert pairs == {(LOYAL, OPPOSED), (OPPOSED, LOYAL)}


def test_sorting_turns_each_camp_against_the_other_sides_patron_and_leaves_neutrals():
    m = month(sorting_dose=0.1)
    assert sort_by_camp(0.2, 0.4, OPPOSED, m) == pytest.approx((0.2 - 0.1 * 1.2, 0.4))
    assert sort_by_camp(0.2, 0.4, LOYAL, m) == pytest.approx((0.2, 0.4 - 0.1 * 1.4))
    assert sort_by_camp(0.2, 0.4, NEUTRAL, m) == (0.2, 0.4)
    assert sort_by_camp(0.2, 0.4, LOYAL, month(sorting_dose=0.0)) == (0.2, 0.4)


def test_state_media_pull_follows_the_equation_and_contact_buffers_it():
    p = parameters(media_position_state_r=0.6, media_position_state_e=-0.8,
                   media_latitude=0.9, contact_buffer=1.0)
    record = month(dose_state=0.01, media_scaled_latitude=0.9**MEDIA_SHARPNESS,
                   media_rejection_squared=4.0)
    r, e = watch_media(0.0, 0.0, 0.0, STATE_ONLY, record, p)
    h = 0.81 / (0.81 + 1.0)  # distance 1 from the outlet
    assert r == pytest.approx(0.01 * h * 0.6) and e == pytest.approx(-0.01 * h * 0.8)
    assert watch_media(0.0, 0.0, 3.0, STATE_ONLY, record, p)[0] == pytest.approx(r / 4)
    assert watch_media(0.0, 0.0, 0.0, INDEPENDENT_ONLY, record, p)[0] < r  # less exposed


def test_media_backfire_pushes_away_only_beyond_the_rejection_distance():
    p = parameters(media_position_independent_r=-0.6, media_position_independent_e=0.7,
                   media_backfire=0.3, media_latitude=0.4)
    record = month(dose_independent=0.05, media_scaled_latitude=0.16,
                   media_rejection_squared=1.0**2)
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
    assert capacity(inputs) == pytest.approx(1.0)
    assert capacity({**inputs, "open_crossings_poland": 0}) == pytest.approx(8 / 11)
    without_car, with_car = transport_access(inputs, Parameters({"bus_dependence": 0.6,
                                                                  "car_to_bus_substitution": 0.4}))
    assert without_car == pytest.approx(0.4 + 0.6 * 0.5)
    assert with_car == pytest.approx(0.4 * without_car)


def test_humiliation_rises_with_the_queues_and_confiscations():
    p = parameters(bad_trip_base=0.05, queue_humiliation=0.4, confiscation_humiliation=0.2)
    assert bad_trip_probability(1.0, 0.0, p) == pytest.approx(0.05)
    assert bad_trip_probability(0.5, 0.0, p) == pytest.approx(0.05)  # no queue below capacity
    loads = [1.0, 1.5, 2.0, 4.0, 20.0]
    chances = [bad_trip_probability(load, 0.0, p) for load in loads]
    assert chances == sorted(chances) and chances[2] == pytest.approx(0.05 + 0.4 * 0.5)
    assert bad_trip_probability(1.0, 0.5, p) == pytest.approx(0.05 + 0.1)


def test_travel_propensity_selects_on_attitude_ties_and_income_with_ties_capped():
    p = parameters(travel_attitude_selection=1.0, travel_ties_selection=0.7,
                   travel_income_selection=0.5)
    assert travel_propensity(0.5, 2, 1, p) == pytest.approx(np.exp(0.5 + 1.4 + 0.5))
    assert travel_propensity(0.0, TIES_CAP + 4, 0, p) == travel_propensity(0.0, TIES_CAP, 0, p)


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


def test_wishes_to_travel_west_are_met_or_blocked_by_transport_or_crossings():
    record = month(wish_rate=0.8, access_without_car=0.5, access_with_car=0.25,
                   capacity_factor=0.5, bad_trip_probability=0.5)
    wish, at_border, goes = trip_thresholds(1.0, False, record)
    assert (wish, at_border, goes) == pytest.approx((0.8, 0.4, 0.2))
    # (good, humiliating, transport-blocked, crossing-blocked)
    args = (wish, at_border, goes)
    assert make_trip(True, False, True, *args, 0.1, NO, record) == (True, False, False, False)
    assert make_trip(True, False, True, *args, 0.1, YES, record)[:2] == (False, True)
    assert make_trip(True, False, True, *args, 0.3, NO, record) == (False, False, False, True)
    assert make_trip(True, False, True, *args, 0.6, NO, record) == (False, False, True, False)
    assert make_trip(False, False, True, *args, 0.1, NO, record) == (False,) * 4  # no visa
    assert make_trip(True, False, True, *args, 0.9, NO, record) == (False,) * 4  # no wish
    assert make_trip(False, True, True, *args, 0.9, YES, record)[0]  # an exchange is good


def test_trips_to_russia_for_ties_and_as_the_substitute_of_unmet_wishes():
    p = parameters(russia_substitution=0.3)
    record = month(russia_trip_rate=0.3)
    # (resident, ties in Russia, turned back by the West, Russia uniform, substitution uniform)
    assert visit_russia(True, 1, False, 0.29, NO, record, p)
    assert not visit_russia(True, 0, False, 0.29, NO, record, p)   # a third without ties
    assert visit_russia(True, 0, False, 0.09, NO, record, p)
    assert visit_russia(True, 0, True, NO, 0.29, record, p)        # substitution
    assert not visit_russia(True, 0, False, NO, 0.29, record, p)
    assert not visit_russia(False, 1, True, 0.01, 0.01, record, p)


def test_contact_pulls_toward_bounded_targets_and_negative_contact_weighs_more():
    p = parameters(contact_gain=0.1, contact_russia_reduction=0.05,
                   negative_contact_weight=1.5, russia_contact_gain_r=0.04,
                   russia_contact_gain_e=0.02)
    assert good_contact(0.4, 0.2, p) == pytest.approx((0.4 - 0.05 * 0.4, 0.2 + 0.1 * 0.8))
    assert negative_contact(0.2, p) == pytest.approx(0.2 - 1.5 * 0.1 * 1.2)
    up = good_contact(0.0, 0.0, p)[1]
    assert abs(negative_contact(0.0, p)) > up   # at least as strong as positive contact
    assert russia_contact(0.0, 0.0, p) == pytest.approx((0.04, -0.02))
    assert good_contact(1.0, 1.0, p)[1] == 1.0 and negative_contact(-1.0, p) == -1.0


def test_reports_from_ties_abroad_pull_toward_their_tone_with_ties_capped():
    p = parameters(extended_contact_rate=0.01, russia_extended_contact_rate=0.005)
    r, e = hear_from_ties_abroad(0.0, 0.0, 2, 0, month(tie_report=0.5), p)
    assert (r, e) == pytest.approx((0.0, 0.01 * 2 * 0.5))
    r, e = hear_from_ties_abroad(0.0, 0.2, 9, 9, month(tie_report=-1.0), p)
    assert e == pytest.approx(0.2 + 0.01 * TIES_CAP * (-1.2))
    assert r == pytest.approx(0.005 * TIES_CAP)


def test_remote_restrictions_touch_only_account_holders_and_relatives():
    p = parameters(restriction_hit_rate=0.2)
    record = month(level_bank=0.5, level_residence=0.4)
    assert remote_hit_chances(1, 0, record, p) == pytest.approx((0.1, 0.08))
    assert remote_hit_chances(0, 2, record, p) == pytest.approx((0.1, 0.0))  # a saver
    assert remote_hit_chances(0, 1, record, p) == (0.0, 0.0)


def test_grievance_accumulates_per_hit_and_decays():
    p = parameters(grievance_gain=0.3, grievance_decay=0.1)
    assert accumulate_grievance(0.0, 1, p) == pytest.approx(0.3 * 0.9)
    assert accumulate_grievance(0.5, 2, p) == pytest.approx((1 - 0.5 * 0.49) * 0.9)
    assert accumulate_grievance(0.2, 0, p) == pytest.approx(0.2 * 0.9)


def test_grievance_acts_by_who_is_blamed():
    p = parameters(grievance_to_eu=0.04, grievance_to_regime=0.03,
                   rejection_identification=0.0)
    blame_west, blame_regime = np.full(len(BLAME_PAIRS), 0.5), np.full(len(BLAME_PAIRS), 0.2)
    record = month(blame_west=blame_west, blame_regime=blame_regime, west_blame_factor=1.0)
    r, e = resent(0.0, 0.0, 0.4, STATE_ONLY, NEUTRAL, record, p)
    assert e == pytest.approx(-0.04 * 0.5 * 0.4) and r == pytest.approx(-0.03 * 0.2 * 0.4)
    identifying = parameters(grievance_to_eu=0.0, grievance_to_regime=0.0,
                             rejection_identification=0.02)
    assert resent(0.0, 0.0, 0.4, STATE_ONLY, NEUTRAL, record, identifying)[0] == pytest.approx(
        0.02 * 0.5 * 0.4)
    amplified = record._replace(west_blame_factor=2.0)
    assert resent(0.0, 0.0, 0.4, STATE_ONLY, NEUTRAL, amplified, p)[1] == pytest.approx(2 * e)


def test_blame_follows_the_frame_and_the_camp_between_the_sourced_end_points():
    p = Parameters()
    west, regime = blame_shares(np.array([INDEPENDENT_ONLY, STATE_ONLY, RARELY]),
                                np.array([OPPOSED, LOYAL, NEUTRAL]), p)
    assert west[0] == pytest.approx(p.blame_west_low)
    assert west[1] == pytest.approx(p.blame_west_high)
    assert regime[0] == pytest.approx(p.blame_regime_high)
    assert regime[1] == pytest.approx(p.blame_regime_low)
    assert west[0] < west[2] < west[1] and regime[0] > regime[2] > regime[1]
    tables = blame_table(p.record())
    assert tables[0][blame_index(STATE_ONLY, LOYAL)] == pytest.approx(west[1])
    assert ((tables[0] + tables[1]) <= 1).all()


def test_noise_adds_the_normal_quantile_times_sigma():
    p = parameters(attitude_noise=0.01)
    assert standard_normal(0.5) == 0.0
    assert drift(0.0, 0.0, standard_normal(0.5), standard_normal(0.5), p) == (0.0, 0.0)
    r, e = drift(0.1, 0.1, standard_normal(0.975), standard_normal(0.025), p)
    assert r == pytest.approx(0.1 + 0.01 * 1.959964, abs=1e-8)
    assert e == pytest.approx(0.1 - 0.01 * 1.959964, abs=1e-8)


def test_the_war_rally_starts_at_its_size_and_fades_to_its_persistent_share():
    p = Parameters({"war_shock": 0.1, "war_rally_half_life": 4,
                    "war_rally_persistence": 0.3})
    assert rally(0, p) == 0.0
    assert rally(1, p) == pytest.approx(0.1)
    assert rally(5, p) == pytest.approx(0.1 * (0.3 + 0.7 * 0.5))
    assert rally(200, p) == pytest.approx(0.03, abs=1e-6)
    r, anchor = apply_rally(0.0, 0.0, STATE_ONLY, month(rally_change=0.1))
    assert (r, anchor) == pytest.approx((0.1, 0.1))
    assert apply_rally(0.0, 0.0, INDEPENDENT_ONLY, month(rally_change=0.1))[0] == -0.1


def test_emigration_selects_pro_eu_citizens_and_ties_gain_where_they_went():
    p = parameters(emigration_attitude_selection=2.0, emigration_west_share=0.4)
    assert emigration_pull(0.0, 0.5, p) == pytest.approx(np.exp(1.0))
    record = month(emigration_rate=0.05)
    assert emigrates(2.0, 1.0, 0.09, 0.39, record, p) == WEST_BOUND
    assert emigrates(2.0, 1.0, 0.09, 0.41, record, p) == EAST_BOUND
    assert emigrates(2.0, 1.0, 0.11, 0.39, record, p) == STAYS
    s, _ = citizens(4)
    tie_emigrant(1, s, ring(4), True)
    tie_emigrant(2, s, ring(4), False)
    np.testing.assert_array_equal(s.eu_ties, [0, 0, 1, 0])
    np.testing.assert_array_equal(s.russia_ties, [0, 0, 0, 1])
