"""The compiled own-state kernel (model/core/kernels.py) against the numpy specification."""

from dataclasses import fields

import numpy as np
import pytest

from model.core import kernels
from model.core.dynamics import own_state_scalars
from model.core.opinion_model import OpinionModel
from model.inputs.scenario import baseline
from model.inputs.timeline import TimelinePoint

#: Parameters that exercise the rarely taken branches: media backfire, heavy travel and
#: refusals, strong grievance, large extended contact.
STRESS = {"media_backfire": 0.3, "media_rejection_distance": 0.8, "trip_rate": 0.5,
          "visa_application_rate": 0.2, "restriction_hit_rate": 0.6, "grievance_gain": 0.6,
          "grievance_to_eu": 0.1, "contact_gain": 0.3, "extended_contact_rate": 0.05}


def run(engine, parameters, levers=None, n=3_000, seed=5, end="2026-12"):
    scenario = baseline().with_changes(end=end, parameters=parameters)
    if levers:
        scenario = scenario.with_changes(levers=levers)
    model = OpinionModel(scenario, seed=seed, n_citizens=n, create_agents=False,
                         engine=engine)
    model.run_model()
    return model


@pytest.mark.parametrize("parameters", [{}, STRESS], ids=["defaults", "stress"])
def test_compiled_and_numpy_engines_agree(parameters):
    numpy_model, compiled = run("numpy", parameters), run("compiled", parameters)
    for field in fields(numpy_model.world.state):
        spec = getattr(numpy_model.world.state, field.name)
        got = getattr(compiled.world.state, field.name)
        if spec.dtype.kind == "f":
            # Both paths do the same arithmetic in the same order; only exp may differ in
            # the last bit (C library against numpy's own), hence a tolerance.
            np.testing.assert_allclose(got, spec, rtol=0, atol=1e-12, err_msg=field.name)
        else:
            np.testing.assert_array_equal(got, spec, err_msg=field.name)
    np.testing.assert_allclose(compiled.shares, numpy_model.shares, rtol=0, atol=1e-12)
    assert compiled.summaries == numpy_model.summaries
    # Every counted event happened, so the comparison covers each branch of the kernel.
    totals = {name: sum(getattr(s, name) for s in compiled.summaries)
              for name in ("good_trips", "bad_trips", "restriction_hits", "emigrants")}
    assert min(totals.values()) > 0, totals


def test_engines_agree_when_every_lever_moves():
    # Levers at the far end of their ranges reach the scalars the kernel reads.
    extremes = {"car_plate_ban": 1.0, "bus_routes": 0.2, "eu_bank_access": 0.0,
                "visa_fee_eur": 120.0, "legal_residence_ease": 1.0,
                "consumer_goods_sanctions": 1.0, "open_crossings_poland": 0.0}
    levers = {name: (TimelinePoint("2021-06", value),) for name, value in extremes.items()}
    numpy_model = run("numpy", STRESS, levers=levers, end="2023-06")
    compiled = run("compiled", STRESS, levers=levers, end="2023-06")
    np.testing.assert_allclose(compiled.shares, numpy_model.shares, rtol=0, atol=1e-12)
    assert compiled.summaries == numpy_model.summaries


def test_every_kernel_scalar_is_computed():
    model = OpinionModel(baseline(), seed=0, n_citizens=200, create_agents=False)
    scalars = own_state_scalars(model.params, model.inputs.at(0))
    assert scalars.shape == (len(kernels.SCALARS),)
    assert np.isfinite(scalars).all()


def test_an_unknown_engine_is_refused():
    with pytest.raises(ValueError, match="engine must be one of"):
        OpinionModel(baseline(), seed=0, n_citizens=200, engine="fortran")
