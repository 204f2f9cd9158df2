"""The ensemble agrees in distribution with the recorded reference ensemble.

A change that alters how random numbers are drawn (a new generator, another order, a
cheaper normal quantile) gives other numbers for every seed, so the exact regression
baseline cannot judge it; the model is the same only if ensembles agree in distribution. For
every recorded statistic (the survey's four shares in four months for the baseline and two
policies, and each policy's paired effect in 2030), over 32 seeds of 4,000 citizens:

* means agree within 4 standard errors of their difference;
* spreads agree within the central 99.98% of the F distribution of two sample variances
  (a two-sided 0.02% test each: with 56 statistics, a false alarm in about 1% of runs).

Two versions that build the same population, network and initial attitudes from a seed
give positively correlated ensembles, so the tests, which treat them as independent, are
conservative. The reference (``regression/ensemble_reference.json``) is re-recorded with
``regression/record_ensemble.py`` only when the model itself changes.
"""

import json
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from tests.regression.record_ensemble import ensemble, statistics

REFERENCE_FILE = Path(__file__).parent / "regression" / "ensemble_reference.json"
REFERENCE = json.loads(REFERENCE_FILE.read_text())


@pytest.fixture(scope="module")
def new():
    return statistics(ensemble())


@pytest.mark.slow
def test_ensemble_means_match_the_reference(new):
    assert new.keys() == REFERENCE.keys()
    far = {}
    for key, old in REFERENCE.items():
        error = np.hypot(old["sd"] / np.sqrt(old["seeds"]), new[key]["sd"] / np.sqrt(
            new[key]["seeds"]))
        if abs(new[key]["mean"] - old["mean"]) > 4 * max(error, 1e-4):
            far[key] = (old["mean"], new[key]["mean"], error)
    assert not far, far


@pytest.mark.slow
def test_ensemble_spreads_match_the_reference(new):
    outside = {}
    for key, old in REFERENCE.items():
        dof = (new[key]["seeds"] - 1, old["seeds"] - 1)
        low, high = stats.f.ppf([1e-4, 1 - 1e-4], *dof)
        ratio = (new[key]["sd"] / old["sd"]) ** 2
        if not low <= ratio <= high:
            outside[key] = (old["sd"], new[key]["sd"])
    assert not outside, outside
