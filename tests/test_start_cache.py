"""A remembered start is the start that would be built, and only the same inputs share one."""

from pathlib import Path

import numpy as np
import pytest

from model.core.mechanisms.camps import camp_thresholds
from model.core.simulate import simulate
from model.core.start_cache import forget_starts
from model.inputs.scenario import baseline
from model.inputs.scenario_files import load_scenario

N = 600
ROOT = Path(__file__).resolve().parents[1]


def fresh(scenario, seed, parameters=None):
    """Return a run whose start was built for it."""
    forget_starts()
    return simulate(scenario, seed=seed, n_citizens=N, parameters=parameters).array


def test_a_run_on_a_remembered_start_equals_a_run_on_a_fresh_one_bit_for_bit():
    surge = load_scenario(ROOT / "scenarios" / "propaganda_surge.toml")
    expected = fresh(surge, 5)
    forget_starts()
    simulate(baseline(), seed=5, n_citizens=N)  # remembers the start of seed 5
    simulate(surge, seed=5, n_citizens=N)       # the start is shared, and runs on...
    again = simulate(surge, seed=5, n_citizens=N).array  # ...a copy: nothing leaked back
    assert np.array_equal(expected, again, equal_nan=True)


@pytest.mark.parametrize("change", [{"seed": 6}, {"parameters": {"initial_spread": 0.3}},
                                    {"parameters": {"network_degree": 6}}])
def test_a_start_is_shared_only_by_runs_with_the_same_seed_parameters_and_first_month(change):
    seed, parameters = change.get("seed", 5), change.get("parameters")
    expected = fresh(baseline(), seed, parameters)
    forget_starts()
    simulate(baseline(), seed=5, n_citizens=N)
    assert np.array_equal(simulate(baseline(), seed=seed, n_citizens=N,
                                   parameters=parameters).array, expected, equal_nan=True)


def test_camp_bounds_are_numpys_quantiles_of_the_residents_bit_for_bit():
    rng = np.random.default_rng(1)
    for trial in range(500):
        n = int(rng.integers(1, 2000))
        loyalty = rng.standard_normal(n).astype(np.float32 if trial % 2 else np.float64)
        if trial % 5 == 0:  # ties
            loyalty = np.round(loyalty, 1).astype(loyalty.dtype)
        present = rng.random(n) < rng.random()
        present[rng.integers(n)] = True
        shares = {"regime_opposed_share": [0.0, rng.random()][trial % 7 > 0],
                  "regime_loyal_share": [0.0, 0.5 * rng.random()][trial % 11 > 0]}
        low, high = np.quantile(loyalty[present], [shares["regime_opposed_share"],
                                                   1.0 - shares["regime_loyal_share"]])
        assert camp_thresholds(loyalty, shares, present) == (float(low), float(max(high, low)))
