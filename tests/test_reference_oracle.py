"""The vectorised monthly step against the per-agent Mesa reference (model/oracle/reference.py).

Both start from the same world and replay the same MonthlyDraws, so they must agree to
rounding error; the reference uses scalar ``math`` where the vectorised code uses numpy, so
the tolerance is 1e-9 rather than bit equality.
"""

from dataclasses import fields

import numpy as np
import pytest

from model.core.opinion_model import OpinionModel
from model.inputs.scenario import baseline
from model.oracle.reference import ReferenceModel

N_CITIZENS = 300
END = "2022-03"  # 18 steps from 2020-09, through the February 2022 war shock
TOLERANCE = 1e-9

#: Parameters pushed away from their defaults so that rarely taken branches (media backfire,
#: heavy travel and emigration, strong grievance) are exercised too.
STRESS = {"media_backfire": 0.3, "media_rejection_distance": 0.8, "trip_rate": 0.5,
          "visa_application_rate": 0.2, "restriction_hit_rate": 0.6, "grievance_gain": 0.6,
          "grievance_to_eu": 0.1, "contact_gain": 0.3, "extended_contact_rate": 0.05}


def run_pair(parameters=None, seed=11, reference_parameters=None, engine="compiled"):
    scenario = baseline().with_changes(end=END, parameters=parameters or {})
    model = OpinionModel(scenario, seed=seed, n_citizens=N_CITIZENS, create_agents=False,
                         engine=engine)
    reference = ReferenceModel(model)
    if reference_parameters:
        reference.params = reference.params.replace(**reference_parameters)
    model.run_model()
    reference.run_model()
    return model, reference


def max_differences(model, reference):
    mine = reference.state()
    return {f.name: float(np.max(np.abs(getattr(model.world.state, f.name).astype(float)
                                        - getattr(mine, f.name).astype(float))))
            for f in fields(mine)}


@pytest.mark.parametrize("engine", ["compiled", "numpy"])
@pytest.mark.parametrize("parameters", [None, STRESS], ids=["defaults", "stress"])
def test_reference_reproduces_vectorised_step(parameters, engine):
    model, reference = run_pair(parameters, engine=engine)
    assert model.steps == reference.steps == 18
    differences = max_differences(model, reference)
    assert max(differences.values()) < TOLERANCE, differences
    assert np.max(np.abs(model.shares - reference.shares)) < 1e-12
    assert not np.isnan(reference.shares).any()

    # The comparison is only worth something if every mechanism did something.
    state, initial = model.world.state, OpinionModel(
        model.spec, seed=model.seed, n_citizens=N_CITIZENS, create_agents=False).world.state
    assert (~state.present).sum() > 0                      # emigration
    assert (state.eu_ties > initial.eu_ties).any()         # emigrants' ties gain EU ties
    assert (state.contact > 0).any()                       # good trips
    assert (state.grievance > 0).any()                     # restriction hits
    assert not np.array_equal(state.r_anchor, initial.r_anchor)  # war shock, contact
    assert sum(s.bad_trips for s in model.summaries) > 0
    if parameters is STRESS:  # few apply for a visa under the defaults' pandemic barrier
        assert sum(s.refusals for s in model.summaries) > 0


@pytest.mark.parametrize("change", [
    {"peer_rate": 0.09}, {"media_rate_state": 0.06}, {"contact_gain": 0.07},
    {"grievance_to_eu": 0.025}, {"emigration_west_share": 0.6}, {"attitude_noise": 0.012},
    {"war_shock": 0.06}, {"emigration_attitude_selection": 2.5},
], ids=lambda change: next(iter(change)))
def test_oracle_detects_a_changed_rule(change):
    model, reference = run_pair(STRESS, reference_parameters=change)
    differences = max_differences(model, reference)
    assert max(differences.values()) > 1e-6, differences


def test_reference_refuses_a_model_that_has_stepped():
    model = OpinionModel(baseline().with_changes(end=END), seed=1, n_citizens=50,
                         create_agents=False)
    model.step()
    with pytest.raises(ValueError, match="before it steps"):
        ReferenceModel(model)
