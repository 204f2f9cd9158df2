"""Every parameter has a proper prior inside its bounds, with its evidential reason."""

import math

import pytest

from model.inputs import registry
from model.inputs.registry import Group, Quantity


@pytest.mark.parametrize("quantity", registry.PARAMETERS, ids=lambda q: q.name)
def test_every_parameter_has_a_proper_prior_inside_its_bounds(quantity):
    low, high = quantity.prior
    assert math.isfinite(low) and math.isfinite(high) and low < high  # a proper uniform
    assert quantity.bounds[0] <= low and high <= quantity.bounds[1]
    assert low <= quantity.default <= high
    # A reason, not only a range: words that name evidence or say there is none.
    assert len(quantity.prior_source.split()) >= 3, quantity.prior_source


def test_a_parameter_without_a_prior_or_a_reason_is_refused():
    with pytest.raises(ValueError, match="needs a prior"):
        Quantity("x", Group.PARAMETER, "unit", (0, 1), "d", "s", default=0.5)
    with pytest.raises(ValueError, match="needs a prior"):
        Quantity("x", Group.PARAMETER, "unit", (0, 1), "d", "s", default=0.5, prior=(0, 1))
    with pytest.raises(ValueError, match="within"):
        Quantity("x", Group.PARAMETER, "unit", (0, 1), "d", "s", default=0.5, prior=(0, 2),
                 prior_source="a reason")
    with pytest.raises(ValueError, match="outside its prior"):
        Quantity("x", Group.PARAMETER, "unit", (0, 1), "d", "s", default=0.9, prior=(0, 0.5),
                 prior_source="a reason")


def test_only_parameters_with_a_prior_are_calibrated_and_few_are():
    calibrated = [q for q in registry.PARAMETERS if q.calibrated]
    assert 0 < len(calibrated) <= 12  # six numbers cannot identify more
