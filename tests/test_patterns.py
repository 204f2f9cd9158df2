"""The baseline reproduces the observed patterns it claims to explain, with stated tolerances.

These are the acceptance checks of the default parameters (the calibrated ones at their
posterior values): the virtual survey within 5 percentage points of every reported share of
every Chatham House wave, and the secondary patterns in shared/data (visas issued, valid
visas, emigration, media gradient).
"""

import numpy as np
import pytest

from model import OpinionModel, baseline, simulate
from model.core.observation import CATEGORIES, MEASURES, RUSSIA, answer_chances
from model.core.population import INDEPENDENT_ONLY, STATE_ONLY
from model.inputs.survey_data import load_waves

SEEDS = (0, 1)
CITIZENS = 20_000


@pytest.fixture(scope="module")
def baseline_runs():
    scenario = baseline().with_changes(end="2025-11")
    return [simulate(scenario, seed=seed, n_citizens=CITIZENS) for seed in SEEDS]


def _wave_value(result, wave, category):
    """The wave's share as calibration reads it: the day-weighted mean over its fieldwork."""
    survey = result.array[:, MEASURES.index("survey"), CATEGORIES.index(category)]
    return float(wave.month_weights(result.months) @ survey)


#: Reported shares the calibrated model misses by more than 5 points, with the measured miss:
#: each is reported in docs/calibration.md and the README. Strict: a fix shows up as a pass.
KNOWN_MISSES = {
    ("CH Aug-Nov 2025", "neither"): "the calibrated model gives 25-26% for 19% observed (a share "
    "derived as 100 minus the other three): its 'both' answers fall into 'neither' where the "
    "wave has them fall into 'EU' (docs/calibration.md)",
}


def _wave_shares():
    for wave in load_waves():
        for category in wave.reported:
            reason = KNOWN_MISSES.get((wave.label, category))
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            yield pytest.param(wave, category, marks=marks, id=f"{wave.label}-{category}")


@pytest.mark.parametrize(("wave", "category"), list(_wave_shares()))
def test_virtual_survey_within_five_points_of_every_wave(baseline_runs, wave, category):
    simulated = np.mean([_wave_value(result, wave, category) for result in baseline_runs])
    assert simulated == pytest.approx(wave.shares[category], abs=0.05)


@pytest.fixture(scope="module")
def mid_2024():
    model = OpinionModel(baseline().with_changes(end="2024-07"), seed=0, n_citizens=CITIZENS,
                         create_agents=False)
    issued, before = {}, model.world.state.has_visa.copy()
    while model.running:
        model.step()
        visa = model.world.state.has_visa
        year = model.month[:4]
        issued[year] = issued.get(year, 0) + int((visa & ~before).sum())
        before = visa.copy()
    return model, {year: count / CITIZENS for year, count in issued.items()}


@pytest.mark.parametrize("year, observed", [
    # Schengen C visas issued in Belarus / 7.42M adults: 57,485 (2021), 118,523 (2022),
    # about 164k (2023); belarus_facts.md. Tolerance: 35% of the observed value.
    ("2021", 57_485 / 7.42e6), ("2022", 118_523 / 7.42e6), ("2023", 164_000 / 7.42e6),
])
def test_visas_issued_follow_the_schengen_statistics(mid_2024, year, observed):
    _, issued = mid_2024
    assert issued[year] == pytest.approx(observed, rel=0.35)


def test_valid_visa_share_in_2024_near_chatham_house_wave_19(mid_2024):
    # Wave 19 (Jun-Jul 2024): 7% of urban internet users hold a valid visa.
    model, _ = mid_2024
    state, population = model.world.state, model.world.population
    frame = state.present & population.urban & population.internet
    assert state.has_visa[frame].mean() == pytest.approx(0.07, abs=0.03)


def test_emigration_by_2024_matches_estimates(mid_2024):
    # 500-600k (6-7% of the population) left by January 2024 (pozirk.online).
    model, _ = mid_2024
    assert 0.05 <= (~model.world.state.present).mean() <= 0.08


def test_media_diet_gradient(mid_2024):
    # Chatham House Mar 2023: state-media-only users far more pro-Russian than independent-only.
    model, _ = mid_2024
    state, population = model.world.state, model.world.population
    answers = answer_chances(state.r, state.e, model.world.params)
    russia = {diet: answers[RUSSIA, state.present & (population.diet == diet)].mean()
              for diet in (STATE_ONLY, INDEPENDENT_ONLY)}
    assert russia[STATE_ONLY] - russia[INDEPENDENT_ONLY] > 0.3
