"""The compiled engine's ensemble against the ensemble of the code before it (commit 521770a).

The engine draws its random numbers differently (counter-based, per citizen), so no seed
gives the old numbers; the model is the same only if ensembles agree in distribution. For
every recorded statistic (the survey's four shares in four months for the baseline and two
policies, and each policy's paired effect in 2030), over 32 seeds of 4,000 citizens:

* means agree within 4 standard errors of their difference;
* spreads agree within the central 99.98% of the F distribution of two sample variances
  (a two-sided 0.02% test each: with 56 statistics, a false alarm in about 1% of runs).

Both versions build the same population, network and initial attitudes from a seed (those
streams did not change), so the two ensembles are positively correlated and the tests,
which treat them as independent, are conservative. Measured when the engine was written:
largest |z| 1.5 over the 56 means, spread ratios 0.84 to 1.45.
"""

import json
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from tests.regression.record_ensemble import ensemble, statistics

OLD = json.loads((Path(__file__).parent / "regression" / "ensemble_521770a.json").read_text())


@pytest.fixture(scope="module")
def new():
    return statistics(ensemble())


@pytest.mark.slow
def test_ensemble_means_match_the_old_code(new):
    assert new.keys() == OLD.keys()
    far = {}
    for key, old in OLD.items():
        error = np.hypot(old["sd"] / np.sqrt(old["seeds"]), new[key]["sd"] / np.sqrt(
            new[key]["seeds"]))
        if abs(new[key]["mean"] - old["mean"]) > 4 * max(error, 1e-4):
            far[key] = (old["mean"], new[key]["mean"], error)
    assert not far, far


@pytest.mark.slow
def test_ensemble_spreads_match_the_old_code(new):
    outside = {}
    for key, old in OLD.items():
        dof = (new[key]["seeds"] - 1, old["seeds"] - 1)
        low, high = stats.f.ppf([1e-4, 1 - 1e-4], *dof)
        ratio = (new[key]["sd"] / old["sd"]) ** 2
        if not low <= ratio <= high:
            outside[key] = (old["sd"], new[key]["sd"])
    assert not outside, outside
