"""Shared fixtures: small, fast runs of the model reused across tests."""

from __future__ import annotations

import pytest

from model import OpinionModel, baseline

#: Small populations keep the suite fast; statistical tests state their own tolerances.
SMALL = 2_000


@pytest.fixture(scope="session")
def short_baseline():
    """The baseline cut to the end of 2022 (covers the war shock and two survey waves)."""
    return baseline().with_changes(end="2022-12")


@pytest.fixture(scope="session")
def finished_model(short_baseline):
    """A model with Mesa agents, run to the end of 2022."""
    model = OpinionModel(short_baseline, seed=3, n_citizens=SMALL, create_agents=True)
    model.run_model()
    return model
