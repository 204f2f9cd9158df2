"""Directional effects of every lever and exogenous uncertainty, on common random numbers.

Each case runs the baseline with the input set to a restrictive and to an open value from
2021-01, on the same seeds, and compares the mean EU and Russia shares (population measure)
at the end of 2024. Opening the West to ordinary Belarusians must not lower the EU share
nor raise the Russia share; more propaganda and blocking must do the opposite.
"""

import numpy as np
import pytest

from model import baseline, simulate
from model.core.observation import EU, RUSSIA
from model.inputs import registry
from model.inputs.registry import Group
from model.inputs.timeline import TimelinePoint

SEEDS = (0, 1, 2)
CITIZENS = 2_000
POPULATION, SURVEY = 0, 1

#: Input: (value that closes the West or favours Russia, value that opens it).
TOWARD_EU = {
    "visa_fee_eur": (150, 0),
    "visa_refusal_rate": (0.5, 0.0),
    "visa_processing_capacity": (0.05, 1.5),
    "open_crossings_poland": (0, 5),
    "open_crossings_lithuania": (0, 6),
    "open_crossings_latvia": (0, 2),
    "car_plate_ban": (1, 0),
    "bus_routes": (0, 2),
    "consumer_goods_sanctions": (1, 0),
    "eu_bank_access": (0, 1),
    "legal_residence_ease": (0, 1),
    "eu_civil_society_funding": (0, 300),
    "exchange_participants": (0, 100_000),
    "propaganda_state": (3, 0.5),
    "propaganda_russia": (3, 0.5),
    "independent_media_blocking": (1, 0),
    "emigration_rate": (0.01, 0),
    "pandemic_travel_barrier": (1, 0),
}


def _final_shares(name, value):
    section = "levers" if registry.get(name).group is Group.LEVER else "exogenous"
    scenario = baseline().with_changes(end="2024-12",
                                       **{section: {name: (TimelinePoint("2021-01", value),)}})
    return np.mean([simulate(scenario, seed, CITIZENS).array[-1] for seed in SEEDS], axis=0)


def test_every_lever_and_time_varying_uncertainty_is_covered():
    covered = set(TOWARD_EU) | {"repression_index"}
    assert covered == set(registry.names(Group.LEVER) + registry.names(Group.EXOGENOUS))


@pytest.mark.parametrize("name", sorted(TOWARD_EU))
def test_opening_raises_eu_and_lowers_russia(name):
    closed, opened = (_final_shares(name, value) for value in TOWARD_EU[name])
    assert opened[POPULATION, EU] > closed[POPULATION, EU]
    assert opened[POPULATION, RUSSIA] < closed[POPULATION, RUSSIA]


def test_repression_changes_what_people_say_not_what_they_think():
    calm, repressive = (_final_shares("repression_index", value) for value in (0.0, 1.0))
    np.testing.assert_array_equal(calm[POPULATION], repressive[POPULATION])
    assert repressive[SURVEY, EU] < calm[SURVEY, EU]


@pytest.mark.parametrize("parameter, low, high, category, sign", [
    ("contact_gain", 0.0, 0.3, EU, +1),
    ("grievance_to_eu", 0.0, 0.2, EU, -1),
    ("grievance_to_russia", 0.0, 0.2, RUSSIA, +1),
    ("media_rate_state", 0.0, 0.2, EU, -1),
    ("media_rate_independent", 0.0, 0.5, EU, +1),
    ("war_shock", 0.0, 0.4, RUSSIA, +1),
])
def test_behavioural_parameters_act_in_their_documented_direction(parameter, low, high,
                                                                  category, sign):
    scenario = baseline().with_changes(end="2024-12")
    shares = [np.mean([simulate(scenario, seed, CITIZENS, {parameter: value}).array[-1]
                       for seed in SEEDS], axis=0) for value in (low, high)]
    assert sign * (shares[1][POPULATION, category] - shares[0][POPULATION, category]) > 0
