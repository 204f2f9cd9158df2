"""The survey by subgroup (``model.core.subgroups``): consistent with the survey, intervals sane.

The subgroups of one kind partition the respondents, so their shares weighted by their
share of the survey's weight must give the survey's own share; the travel history drawn at
the start must follow the monthly chances it is drawn from.
"""

import numpy as np
import pytest

from model import OpinionModel, simulate
from model.core.mechanisms.travel import HISTORY_MONTHS, NO_TRIP_WEST
from model.core.observation import CATEGORIES, MEASURES
from model.core.rest import last_trips_before_start
from model.core.subgroups import (
    FRAME_COLUMNS,
    PANEL_SIZE,
    ROWS,
    SUBGROUPS,
    subgroup_shares,
    wilson_interval,
)
from model.inputs.survey_data import load_waves_table
from tests.conftest import SMALL

SURVEY = MEASURES.index("survey")


@pytest.fixture(scope="module")
def short_run(short_baseline):
    return simulate(short_baseline, seed=4, n_citizens=SMALL, subgroups=True)


def _weighted_sums(table):
    weighted = table.assign(part=table.share.fillna(0.0) * table.weight_share)
    return weighted.groupby(["month", "subgroup", "answer"], sort=False).part.sum()


def test_subgroup_shares_weighted_by_their_weight_give_the_survey_share(short_run):
    table = short_run.subgroups()
    sums = _weighted_sums(table)
    for t, month in enumerate(short_run.months):
        for name in SUBGROUPS:
            for k, answer in enumerate(CATEGORIES):
                assert sums[(month, name, answer)] == pytest.approx(
                    short_run.array[t, SURVEY, k], abs=1e-9), (month, name, answer)


def test_the_table_is_tidy_and_its_shares_and_weights_add_up(short_run):
    table = short_run.subgroups()
    assert tuple(table.columns) == FRAME_COLUMNS
    assert len(table) == len(short_run.months) * len(ROWS) * len(CATEGORIES)
    asked = table.dropna(subset=["share"])
    by_level = asked.groupby(["month", "subgroup", "level"]).share.sum()
    assert np.allclose(by_level, 1.0)
    per_subgroup = table.drop_duplicates(["month", "subgroup", "level"]).groupby(
        ["month", "subgroup"])
    assert np.allclose(per_subgroup.weight_share.sum(), 1.0)
    assert np.allclose(per_subgroup.n_expected.sum(), PANEL_SIZE)
    assert (asked.low <= asked.share).all() and (asked.share <= asked.high).all()


def test_the_chatham_house_frame_has_no_villages(short_run):
    villages = short_run.subgroups().query("level == 'villages'")
    assert villages.share.isna().all() and (villages.n_expected == 0).all()


def test_the_shares_are_the_same_with_and_without_the_subgroups(short_baseline, short_run):
    plain = simulate(short_baseline, seed=4, n_citizens=SMALL)
    assert np.array_equal(plain.array, short_run.array)
    with pytest.raises(ValueError, match="subgroups=True"):
        plain.subgroups()


def test_a_run_reads_only_the_months_asked_for_and_the_same_tables(short_baseline, short_run):
    months = (short_run.months[0], short_run.months[-1], short_run.months[3])
    some = simulate(short_baseline, seed=4, n_citizens=SMALL, subgroups=months)
    assert some.subgroup_months == (months[0], months[2], months[1])  # in run order
    rows = [short_run.months.index(m) for m in some.subgroup_months]
    assert np.array_equal(some.subgroup_array, short_run.subgroup_array[rows], equal_nan=True)
    assert np.array_equal(some.array, short_run.array)
    assert set(some.subgroups().month) == set(months)
    with pytest.raises(ValueError, match="2040-01 are outside the run"):
        simulate(short_baseline, seed=4, n_citizens=SMALL, subgroups=["2040-01"])


def test_a_run_observing_some_months_reads_the_same_shares_and_no_others(short_baseline,
                                                                           short_run):
    months = (short_run.months[0], short_run.months[-1], short_run.months[3])
    some = simulate(short_baseline, seed=4, n_citizens=SMALL, observe=months)
    read = np.isin(some.months, months)
    assert np.array_equal(some.array[read], short_run.array[read])
    assert np.isnan(some.array[~read]).all()
    with pytest.raises(ValueError, match="observe: months 2040-01 are outside the run"):
        simulate(short_baseline, seed=4, n_citizens=SMALL, observe=["2040-01"])


def test_a_finished_model_reads_its_last_month(finished_model):
    table = subgroup_shares(finished_model, panel_size=1000)
    assert set(table.month) == {finished_model.month}
    assert table.drop_duplicates(["subgroup", "level"]).groupby("subgroup").n_expected.sum(
    ).round(6).eq(1000).all()


def test_the_default_panel_is_the_median_chatham_house_sample():
    sizes = load_waves_table().sample_n.dropna()
    assert int(sizes.median()) == PANEL_SIZE


def test_wilson_interval_matches_its_textbook_values():
    # 20 of 100: Wilson's 95% interval is [0.1333, 0.2888] (e.g. Agresti & Coull 1998).
    low, high = wilson_interval(np.array(0.2), np.array(100.0))
    assert (float(low), float(high)) == pytest.approx((0.1333, 0.2888), abs=1e-4)
    low, high = wilson_interval(np.array(0.0), np.array(0.0))
    assert np.isnan(low) and np.isnan(high)


def test_the_travel_history_follows_its_monthly_chances():
    n, recent, earlier, months = 400_000, 0.01, 0.03, 7
    u = np.random.default_rng(0).random(n)
    last = last_trips_before_start(u, np.full(n, recent), np.full(n, earlier), months)
    travelled = last != NO_TRIP_WEST
    assert last[travelled].max() == 0 and last[travelled].min() == 1 - HISTORY_MONTHS
    within_recent = 1 - (1 - recent) ** months
    within_window = 1 - (1 - recent) ** months * (1 - earlier) ** (HISTORY_MONTHS - months)
    assert (last > -months).mean() == pytest.approx(within_recent, abs=0.002)
    assert travelled.mean() == pytest.approx(within_window, abs=0.002)
    # Chances of 0 and 1: never, and every month (the start month itself).
    assert (last_trips_before_start(u[:10], np.zeros(10), np.zeros(10), months)
            == NO_TRIP_WEST).all()
    assert (last_trips_before_start(u[:10], np.ones(10), np.ones(10), months) == 0).all()


def test_trips_west_are_noted_in_the_month_they_happen(short_baseline):
    model = OpinionModel(short_baseline, seed=2, n_citizens=SMALL, create_agents=False)
    before = model.world.state.last_trip_west.copy()
    assert (before <= 0).all()
    model.step()
    after = model.world.state.last_trip_west
    changed = after != before
    assert (after[changed] == 1).all()
    assert changed.sum() == model.summaries[0].good_trips + model.summaries[0].bad_trips
