"""Directional effects of every lever and exogenous input, and of the mechanisms' strengths.

Each case runs the baseline with an input set to a restrictive and to an open value from
2021-01, on the same seeds (common random numbers), and compares the mean shares
(population measure) at the end of 2024.

* Opening the West to ordinary Belarusians must raise the EU share. Its effect on the
  Russia share depends on the mechanisms: a restriction blamed on the regime lowers it,
  substitution of trips to Russia raises it, and more visas bring more travellers to
  crossings that may be closed (grievance lowers e, and some "both" answers become
  "Russia"). So the Russia direction is asserted only where every mechanism agrees, and the
  competing channels are tested on their own.
* More propaganda and blocking must lower the EU share and raise the Russia share.
* A mechanism's strength parameter scales the effect of its cause: the stronger the
  mechanism, the larger the move when its cause changes (with no cause, the rest point of
  ``tests/test_rest.py`` holds whatever the strength).
"""

import numpy as np
import pytest

from model import OpinionModel, baseline, simulate
from model.core.observation import BOTH, EU, RUSSIA
from model.core.population import INDEPENDENT_ONLY, STATE_ONLY
from model.inputs import registry
from model.inputs.registry import Group
from model.inputs.timeline import TimelinePoint

SEEDS = (0, 1, 2)
CITIZENS = 2_000
POPULATION, SURVEY = 0, 1

#: Input: (value that closes the West or favours Russia, value that opens it), and whether
#: every mechanism agrees that opening lowers the Russia share.
TOWARD_EU = {
    "visa_fee_eur": ((150, 0), False),
    "visa_refusal_rate": ((0.5, 0.0), True),
    "open_crossings_poland": ((0, 5), False),
    "open_crossings_lithuania": ((0, 6), False),
    "open_crossings_latvia": ((0, 2), False),
    "car_plate_ban": ((1, 0), False),
    "consumer_goods_sanctions": ((1, 0), False),
    "eu_bank_access": ((0, 1), False),
    "legal_residence_ease": ((0, 1), False),
    "eu_civil_society_funding": ((0, 300), True),
    "exchange_participants": ((0, 100_000), True),
    "propaganda_state": ((3, 0.5), True),
    "propaganda_russia": ((3, 0.5), True),
    "state_media_reach": ((2, 0.5), True),
    "independent_media_blocking": ((1, 0), True),
    "emigration_rate": ((0.01, 0), True),
    "war": ((1, 0), True),
}
#: Inputs with no single direction: fear changes what people say, and repression also sorts
#: views by camp (both tested below); the camps' sizes change the panel's make-up, blame and
#: fear together; the pandemic barrier closes Russia too; more buses, and more visas, bring
#: more traffic to crossings that may be closed, longer queues and humiliating trips
#: (opening the visas, the crossings and the buses together is tested below).
NO_DIRECTION = {"repression_index", "regime_loyal_share", "regime_opposed_share",
                "pandemic_travel_barrier", "bus_routes", "visa_processing_capacity"}


def _run(scenario, parameters=None):
    return np.mean([simulate(scenario, seed, CITIZENS, parameters).array[-1]
                    for seed in SEEDS], axis=0)


def _scenario(inputs):
    changes = {"levers": {}, "exogenous": {}}
    for name, value in inputs.items():
        section = "levers" if registry.get(name).group is Group.LEVER else "exogenous"
        changes[section][name] = (TimelinePoint("2021-01", value),)
    return baseline().with_changes(end="2024-12", **changes)


def test_every_lever_and_time_varying_uncertainty_is_covered():
    covered = set(TOWARD_EU) | NO_DIRECTION
    assert covered == set(registry.names(Group.LEVER) + registry.names(Group.EXOGENOUS))


@pytest.mark.parametrize("name", sorted(TOWARD_EU))
def test_opening_raises_eu_and_lowers_russia_where_the_mechanisms_agree(name):
    (closing, opening), russia_too = TOWARD_EU[name]
    closed, opened = (_run(_scenario({name: value})) for value in (closing, opening))
    assert opened[POPULATION, EU] > closed[POPULATION, EU]
    if russia_too:
        assert opened[POPULATION, RUSSIA] < closed[POPULATION, RUSSIA]


def test_opening_the_visas_the_crossings_and_the_buses_together_raises_eu():
    closed = {"open_crossings_poland": 0, "open_crossings_lithuania": 0,
              "open_crossings_latvia": 0, "bus_routes": 0, "visa_processing_capacity": 0.05}
    opened = {"open_crossings_poland": 5, "open_crossings_lithuania": 6,
              "open_crossings_latvia": 2, "bus_routes": 2, "visa_processing_capacity": 1.5}
    assert _run(_scenario(opened))[POPULATION, EU] > _run(_scenario(closed))[POPULATION, EU]


def test_repression_changes_what_people_say_not_what_they_think():
    # Without sorting by camp, which repression drives (tested below).
    calm, repressive = (_run(_scenario({"repression_index": value}), {"sorting_rate": 0.0})
                        for value in (0.0, 1.0))
    np.testing.assert_array_equal(calm[POPULATION], repressive[POPULATION])
    assert repressive[SURVEY, EU] < calm[SURVEY, EU]
    assert repressive[SURVEY, RUSSIA] > calm[SURVEY, RUSSIA]  # the regime-congruent answer


def test_closing_the_west_raises_russia_through_substitution():
    # Russian contact on, grievance off: closing the crossings moves unmet wishes east.
    closed = {"open_crossings_poland": 0, "open_crossings_lithuania": 0,
              "open_crossings_latvia": 0}
    only_substitution = {"grievance_to_eu": 0.0, "grievance_to_regime": 0.0,
                         "russia_substitution": 0.5, "russia_contact_gain_r": 0.08}
    effect = (_run(_scenario(closed), only_substitution)[POPULATION, RUSSIA]
              - _run(_scenario({}), only_substitution)[POPULATION, RUSSIA])
    no_substitution = {**only_substitution, "russia_substitution": 0.0}
    without = (_run(_scenario(closed), no_substitution)[POPULATION, RUSSIA]
               - _run(_scenario({}), no_substitution)[POPULATION, RUSSIA])
    assert effect > 0 and effect > without


def test_a_restriction_blamed_on_the_regime_lowers_russia():
    blocked = _scenario({"eu_bank_access": 0.0, "legal_residence_ease": 0.0})
    # The reports of emigrants who lose their accounts turn sour too (extended contact lowers
    # e, which turns some "both" answers into "Russia"): off, to see the blame alone.
    regime_blamed = {"grievance_to_eu": 0.0, "grievance_to_regime": 0.05,
                     "restriction_hit_rate": 0.3, "extended_contact_rate": 0.0}
    effect = (_run(blocked, regime_blamed)[POPULATION, RUSSIA]
              - _run(_scenario({}), regime_blamed)[POPULATION, RUSSIA])
    assert effect < 0


def test_a_restriction_blamed_on_the_west_lowers_eu():
    blocked = _scenario({"eu_bank_access": 0.0, "legal_residence_ease": 0.0})
    west_blamed = {"grievance_to_eu": 0.05, "grievance_to_regime": 0.0,
                   "restriction_hit_rate": 0.3, "extended_contact_rate": 0.0}
    effect = (_run(blocked, west_blamed)[POPULATION, EU]
              - _run(_scenario({}), west_blamed)[POPULATION, EU])
    assert effect < 0


def test_sorting_turns_both_answers_into_one_sided_ones_as_repression_grows():
    harsh = _scenario({"repression_index": 1.0})
    shares = {rate: _run(harsh, {"sorting_rate": rate})[POPULATION] for rate in (0.0, 0.05)}
    assert shares[0.05][BOTH] < shares[0.0][BOTH]
    assert shares[0.05][RUSSIA] > shares[0.0][RUSSIA] and shares[0.05][EU] > shares[0.0][EU]


#: (parameter, low, high, the cause it scales, the share it moves, sign of the effect).
STRENGTHS = [
    ("contact_gain", 0.0, 0.15, {"exchange_participants": 100_000}, EU, +1),
    ("negative_contact_weight", 1.0, 2.0, {"visa_refusal_rate": 0.5,
                                           "visa_processing_capacity": 1.5}, EU, -1),
    ("media_rate_state", 0.0, 0.03, {"propaganda_state": 3.0}, RUSSIA, +1),
    ("media_rate_independent", 0.0, 0.05, {"independent_media_blocking": 0.0}, EU, +1),
    ("grievance_to_eu", 0.0, 0.05, {"eu_bank_access": 0.0}, EU, -1),
    ("grievance_to_regime", 0.0, 0.05, {"eu_bank_access": 0.0, "legal_residence_ease": 0.0},
     RUSSIA, -1),
    ("russia_contact_gain_r", 0.0, 0.08, {"pandemic_travel_barrier": 1.0}, RUSSIA, -1),
]


@pytest.mark.parametrize(("parameter", "low", "high", "cause", "category", "sign"), STRENGTHS,
                         ids=[case[0] for case in STRENGTHS])
def test_a_stronger_mechanism_moves_more_when_its_cause_changes(parameter, low, high, cause,
                                                               category, sign):
    quiet = {}
    if parameter.startswith("grievance"):  # the two blames and the ties' reports: each alone
        quiet = {"extended_contact_rate": 0.0, "grievance_to_eu": 0.0, "grievance_to_regime": 0.0}
    if parameter == "contact_gain":  # exchanges bring visas, and later trips into the queues
        quiet = {"bad_trip_base": 0.0, "queue_humiliation": 0.0, "confiscation_humiliation": 0.0}
    effects = []
    for value in (low, high):
        with_cause = _run(_scenario(cause), {**quiet, parameter: value})[POPULATION, category]
        without = _run(_scenario({}), {**quiet, parameter: value})[POPULATION, category]
        effects.append(sign * (with_cause - without))
    assert effects[1] > effects[0] and effects[1] > 0


def test_the_war_rally_moves_state_media_viewers_toward_russia_and_readers_away():
    # Its effect on the Russia answer share has no single sign (viewers already far from the
    # threshold gain little, readers near it lose much): the rally is tested on attitudes.
    shifts = []
    for war in (0, 1):
        spec = _scenario({"war": war}).with_changes(end="2021-06",
                                                     parameters={"war_shock": 0.2})
        model = OpinionModel(spec, seed=1, n_citizens=CITIZENS, create_agents=False)
        model.run_model()
        shifts.append(model.world.state.r.copy())
    diet = model.world.population.diet
    change = shifts[1] - shifts[0]
    assert change[diet == STATE_ONLY].mean() > 0.05
    assert change[diet == INDEPENDENT_ONLY].mean() < -0.05
