"""The compiled engine against the per-agent Mesa oracle (model/oracle), over the whole horizon.

Both start from the same world and replay the same random numbers, so they must agree to
rounding error (the oracle uses scalar ``math`` where the engine is compiled) from 2020-09
to 2030-12: with the defaults, with every lever and exogenous input at each of its bounds
from 2021, and with a stress set that makes every rule act. The mutation table then changes
each named coefficient of each rule, in the oracle only (parameters by 10%, constants by
5% or one step): the comparison must fail for every one, or the oracle would not be
checking that coefficient.
"""

import numpy as np
import pytest

from model import OpinionModel, baseline
from model.core.mechanisms import events, grievance, media, peers, travel
from model.inputs import registry
from model.inputs.registry import Group
from model.inputs.timeline import TimelinePoint
from model.oracle.reference import ReferenceModel

N_CITIZENS = 120
TOLERANCE = 1e-9
FROM = "2021-01"

#: Parameters pushed away from their defaults so that every branch is taken: media
#: backfire, heavy travel, refusals and humiliating trips, strong grievance by both blames,
#: many ties abroad, the named assumptions switched on.
STRESS = {"media_backfire": 0.3, "media_rejection_distance": 0.8, "trip_rate": 0.15,
          "visa_application_rate": 0.01, "restriction_hit_rate": 0.3, "grievance_gain": 0.6,
          "grievance_to_eu": 0.05, "grievance_to_regime": 0.05, "contact_gain": 0.15,
          "extended_contact_rate": 0.01, "russia_extended_contact_rate": 0.006,
          "emigration_west_share": 0.6, "bad_trip_base": 0.1, "travel_ties_selection": 0.3,
          "rejection_identification": 0.03, "propaganda_blame_amplification": 1.0,
          "russia_substitution": 0.5, "russia_trip_rate": 0.05, "war_shock": 0.2,
          "sorting_rate": 0.05}
#: Levers and inputs that switch every restriction and every kind of travel on from 2021.
STRESS_INPUTS = {"exchange_participants": 100_000, "visa_refusal_rate": 0.3,
                 "consumer_goods_sanctions": 0.7, "car_plate_ban": 0.7, "eu_bank_access": 0.4,
                 "legal_residence_ease": 0.3, "open_crossings_poland": 1,
                 "open_crossings_lithuania": 2, "visa_fee_eur": 60, "emigration_rate": 0.004,
                 "pandemic_travel_barrier": 0.0, "visa_processing_capacity": 1.0,
                 "propaganda_state": 2.0, "bus_routes": 0.5, "repression_index": 0.8}

#: Parameters read only when the world is built (its attitudes and network): the oracle
#: copies the built world, so they are checked by the construction tests, not here.
CONSTRUCTION = {"initial_spread", "initial_orientation_diet", "initial_orientation_regime",
                "initial_orientation_age", "initial_eu_tie_share", "initial_russia_tie_share",
                "network_degree", "network_rewiring"}


def scenario(parameters=None, inputs=None):
    """Return the baseline to 2030-12 with parameters, and inputs held from 2021-01."""
    base = baseline().with_changes(parameters=parameters or {})
    levers, exogenous = {}, {}
    for name, value in (inputs or {}).items():
        group = levers if registry.get(name).group is Group.LEVER else exogenous
        group[name] = (TimelinePoint(FROM, value),)
    return base.with_changes(levers=levers, exogenous=exogenous)


def engine_and_oracle(spec, seed=11, n=N_CITIZENS):
    """Return an engine model run to the end, and an unrun oracle copied from its start."""
    model = OpinionModel(spec, seed=seed, n_citizens=n, create_agents=False)
    oracle = ReferenceModel(model)
    model.run_model()
    return model, oracle


def largest_difference(model, oracle) -> float:
    """Return the largest difference of any state array or share between the two."""
    mine = oracle.state()
    states = (np.max(np.abs(getattr(model.world.state, name).astype(float)
                            - getattr(mine, name).astype(float)))
              for name in mine._fields)
    return max(max(states), float(np.max(np.abs(model.shares - oracle.shares))))


def totals(model) -> dict[str, int]:
    return {name: sum(getattr(s, name) for s in model.summaries)
            for name in ("good_trips", "bad_trips", "refusals", "restriction_hits",
                         "russia_trips", "emigrants", "emigrants_west")}


@pytest.fixture(scope="module")
def stress_pair():
    model, oracle = engine_and_oracle(scenario(STRESS, STRESS_INPUTS))
    return model, oracle


def test_the_oracle_reproduces_the_engine_over_the_whole_horizon_with_defaults():
    model, oracle = engine_and_oracle(scenario())
    oracle.run_model()
    assert model.months[-1] == "2030-12" and oracle.steps == model.steps == 123
    assert largest_difference(model, oracle) < TOLERANCE
    happened = totals(model)
    assert min(happened[k] for k in ("good_trips", "bad_trips", "restriction_hits",
                                     "emigrants")) > 0, happened


def test_the_oracle_reproduces_the_engine_under_stress(stress_pair):
    model, oracle = stress_pair
    oracle.run_model()
    assert largest_difference(model, oracle) < TOLERANCE
    happened = totals(model)
    assert min(happened.values()) > 0, happened   # every counted event happened
    state = model.world.state
    assert (state.eu_ties > travel.TIES_CAP).any()  # the cap on ties binds
    assert (state.russia_ties > travel.TIES_CAP).any()
    assert (state.last_trip_west > 0).any()  # trips west were noted, so they were compared
    assert model.world.params.media_backfire > 0


BOUNDS = [(q.name, bound) for q in registry.LEVERS + registry.EXOGENOUS
          for bound in q.bounds]


@pytest.mark.slow
@pytest.mark.parametrize(("name", "value"), BOUNDS, ids=[f"{n}={v:g}" for n, v in BOUNDS])
def test_the_oracle_reproduces_the_engine_with_each_input_at_each_bound(name, value):
    model, oracle = engine_and_oracle(scenario(inputs={name: value}), n=80)
    oracle.run_model()
    assert largest_difference(model, oracle) < TOLERANCE


def _parameter_mutation(name):
    quantity = registry.get(name)
    stressed = STRESS.get(name, quantity.default)
    low, high = quantity.bounds
    if quantity.dtype == "int":
        changed = stressed + 1 if stressed + 1 <= high else stressed - 1
    elif stressed == 0:
        changed = min(high, 0.01 * (high - low))
    else:
        changed = stressed * 1.1 if stressed * 1.1 <= high else stressed * 0.9
    return changed


MUTATED_PARAMETERS = [q.name for q in registry.PARAMETERS if q.name not in CONSTRUCTION]


def _scaled(array, index, factor):
    changed = array.copy()
    changed[index] *= factor
    return changed


#: Named constants of the rules (module, name, changed value).
MUTATED_CONSTANTS = [
    (media, "EXPOSURE_BY_DIET", _scaled(media.EXPOSURE_BY_DIET, (0, 0), 0.95)),
    (media, "MEDIA_SHARPNESS", media.MEDIA_SHARPNESS * 1.05),
    (media, "REFERENCE_FUNDING", media.REFERENCE_FUNDING * 1.05),
    (media, "OTHER_FUNDING", media.OTHER_FUNDING * 1.05),
    (travel, "TIES_CAP", travel.TIES_CAP + 1),
    (travel, "REFERENCE_CROSSINGS", travel.REFERENCE_CROSSINGS * 1.05),
    (travel, "REFERENCE_FEE", travel.REFERENCE_FEE * 1.05),
    (travel, "YOUNG", travel.YOUNG + 1),
    (travel, "RUSSIA_TRIPS_WITHOUT_TIES", travel.RUSSIA_TRIPS_WITHOUT_TIES * 1.05),
    (grievance, "STATE_FRAME", _scaled(grievance.STATE_FRAME, 0, 0.95)),
    (grievance, "INDEPENDENT_FRAME", _scaled(grievance.INDEPENDENT_FRAME, 2, 0.95)),
    (grievance, "TOP_INCOME", grievance.TOP_INCOME - 1),
    (events, "WAR_DIRECTION", _scaled(events.WAR_DIRECTION, 0, 0.95)),
    (peers, "STUBBORNNESS_BY_AGE", _scaled(peers.STUBBORNNESS_BY_AGE, 1, 1.05)),
]


@pytest.mark.slow
@pytest.mark.parametrize("name", MUTATED_PARAMETERS)
def test_a_changed_parameter_is_detected(name):
    model, oracle = engine_and_oracle(scenario(STRESS, STRESS_INPUTS))
    oracle.params = oracle.params.replace(**{name: _parameter_mutation(name)})
    oracle.run_model()
    assert largest_difference(model, oracle) > 1e3 * TOLERANCE


@pytest.mark.slow
@pytest.mark.parametrize(("module", "name", "value"), MUTATED_CONSTANTS,
                         ids=[name for _, name, _ in MUTATED_CONSTANTS])
def test_a_changed_constant_is_detected(module, name, value, monkeypatch):
    # The engine is compiled with the constants it was written with; the oracle reads them
    # from their modules as it runs, so changing one here changes the oracle only.
    model, oracle = engine_and_oracle(scenario(STRESS, STRESS_INPUTS))
    monkeypatch.setattr(module, name, value)
    oracle.run_model()
    assert largest_difference(model, oracle) > 1e3 * TOLERANCE


def test_every_parameter_is_either_mutated_or_a_construction_parameter():
    names = {q.name for q in registry.PARAMETERS}
    assert names >= CONSTRUCTION
    assert set(MUTATED_PARAMETERS) | CONSTRUCTION == names


def test_the_oracle_refuses_a_model_that_has_stepped():
    model = OpinionModel(baseline().with_changes(end="2021-03"), seed=1, n_citizens=50,
                         create_agents=False)
    model.step()
    with pytest.raises(ValueError, match="before it steps"):
        ReferenceModel(model)
