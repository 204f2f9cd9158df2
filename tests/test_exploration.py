"""The plain function ``evaluate``: names as in the registry, outcomes, common random numbers."""

import numpy as np
import pytest

from model.analysis import exploration
from model.analysis.exploration import evaluate
from model.inputs import variants
from model.inputs.errors import InputError
from model.inputs.posterior import variant_parameters, variant_posterior

SMALL = {"n_citizens": 300, "horizon": "2021-12", "policy_month": "2021-03"}


def test_outcomes_and_series():
    out = evaluate(seed=2, visa_fee_eur=0, open_crossings_poland=5, peer_rate=0.1, **SMALL)
    for name in ("russia_2021", "both_2021", "eu_2021", "neither_2021"):
        assert 0 <= out[name] <= 1
        assert out[f"{name}_change"] == pytest.approx(
            out[name] - (out[name.split("_")[0]] - out[name.split("_")[0] + "_change"])[-1])
    assert sum(out[f"{c}_2021"] for c in ("russia", "both", "eu", "neither")) == \
        pytest.approx(1)
    assert out["russia"].shape == (len(out["months"]),) == (16,)
    assert out["months"][0] == "2020-09" and out["months"][-1] == "2021-12"
    assert out["russia"][-1] == out["russia_2021"]


def test_same_seed_same_numbers_and_no_lever_no_change():
    first = evaluate(seed=4, propaganda_state=2.0, **SMALL)
    again = evaluate(seed=4, propaganda_state=2.0, **SMALL)
    np.testing.assert_array_equal(first["russia"], again["russia"])
    # No lever set: the policy is the status quo, so every change is exactly zero.
    assert all(first[f"{c}_2021_change"] == 0 for c in ("russia", "both", "eu", "neither"))
    # Before the policy month a lever changes nothing (common random numbers); after it, it
    # does (3,000 citizens, so that some of them travel west in 2021).
    larger = {**SMALL, "n_citizens": 3_000}
    status_quo = evaluate(seed=4, propaganda_state=2.0, **larger)
    policy = evaluate(seed=4, propaganda_state=2.0, open_crossings_poland=0, **larger)
    before = status_quo["months"].index("2021-03")
    np.testing.assert_array_equal(policy["russia"][:before], status_quo["russia"][:before])
    assert policy["russia_2021"] != status_quo["russia_2021"]


def test_numpy_scalars_are_accepted():
    out = evaluate(seed=1, visa_fee_eur=np.float64(20.0), exchange_participants=np.int64(500),
                   **SMALL)
    assert np.isfinite(out["eu_2021_change"])


@pytest.mark.parametrize("inputs, message", [
    ({"visa_fe_eur": 3}, "did you mean 'visa_fee_eur'"),
    ({"visa_fee_eur": 500}, "must lie in [0, 200]"),
    ({"exchange_participants": 10.5}, "whole number"),
    ({"horizon": "2021-13"}, "YYYY-MM"),
    ({"measure": "poll"}, "survey"),
    ({"n_citizens": 0}, "n_citizens"),
])
def test_bad_inputs_are_rejected_with_what_is_allowed(inputs, message):
    with pytest.raises(InputError, match=message.replace("[", r"\[").replace("]", r"\]")):
        evaluate(**{**SMALL, **inputs})


def test_ema_workbench_drives_the_model_as_in_the_readme():
    """The README's example, smaller: EMA Workbench's numbers are evaluate()'s numbers."""
    import importlib.util
    from pathlib import Path

    ema = pytest.importorskip("ema_workbench")
    path = Path(__file__).resolve().parents[1] / "docs" / "examples" / "ema_workbench_example.py"
    spec = importlib.util.spec_from_file_location("ema_workbench_example", path)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    example.belarus.constants = [ema.Constant("n_citizens", 300), ema.Constant("seed", 0)]
    experiments, outcomes = ema.perform_experiments(
        example.belarus, scenarios=2, policies=2, uncertainty_sampling_kwargs={"rng": 1},
        lever_sampling_kwargs={"rng": 2})
    assert outcomes["russia"].shape == (4, 124)
    names = ["propaganda_state", "peer_rate", "visa_fee_eur", "open_crossings_poland"]
    row = experiments.iloc[3]
    direct = evaluate(seed=0, n_citizens=300, **{name: row[name] for name in names})
    assert outcomes["eu_2030_change"][3] == direct["eu_2030_change"]
    assert outcomes["russia_2030"][3] == direct["russia_2030"]


# --- variants and posterior draws ----------------------------------------------------------
def _same(first, second):
    return all(np.array_equal(first[c], second[c]) for c in ("russia", "both", "eu", "neither"))


def test_a_variant_holds_its_switched_off_parameters_at_zero():
    """media_peers is the full model with contact and grievance written as 0, bit for bit."""
    off = variants.variant("media_peers").off
    switched = evaluate(seed=2, variant="media_peers", **SMALL)
    written = evaluate(seed=2, variant="full", **dict.fromkeys(off, 0.0), **SMALL)
    assert _same(switched, written)
    assert not _same(switched, evaluate(seed=2, variant="grievance", **SMALL))


def test_a_variant_refuses_a_value_for_a_parameter_it_switches_off():
    with pytest.raises(InputError, match="variant 'media_peers' switches this parameter off"):
        evaluate(variant="media_peers", grievance_to_eu=0.02, **SMALL)
    with pytest.raises(InputError, match="one of media_peers"):
        evaluate(variant="everything", **SMALL)


def test_a_posterior_draw_sets_the_calibrated_parameters_and_named_ones_win():
    posterior = variant_posterior("grievance")
    if posterior is None:
        pytest.skip("no calibration committed")
    draw = variant_parameters("grievance", posterior, 5)
    drawn = evaluate(seed=2, variant="grievance", posterior_draw=5, **SMALL)
    assert _same(drawn, evaluate(seed=2, variant="full", **draw, **SMALL))
    named = evaluate(seed=2, variant="grievance", posterior_draw=5, peer_rate=0.2, **SMALL)
    assert _same(named, evaluate(seed=2, variant="full", **{**draw, "peer_rate": 0.2},
                                 **SMALL))


def test_a_draw_from_a_variant_without_a_posterior_is_refused(monkeypatch):
    monkeypatch.setattr(exploration, "_committed_posterior", lambda name: None)
    with pytest.raises(InputError, match="omit posterior_draw"):
        evaluate(variant="media_peers", posterior_draw=0, **SMALL)
