"""Population margins match their documented targets within sampling tolerance.

With N = 60,000 the standard error of a share is at most 0.002; tolerances are about four
standard errors (0.01) for drawn margins, tighter for margins fixed by construction.
"""

import numpy as np
import pytest

from model.core import population as pop
from model.core.streams import RandomStreams

N = 60_000


#: The camps' sizes in Sep 2020 (opposed, loyal): the registry's series at the start.
CAMPS_2020 = (0.43, 0.23)


@pytest.fixture(scope="module")
def citizens():
    return pop.synthesise_population(N, RandomStreams(11)["population"], 0.1, 0.35,
                                     *CAMPS_2020)


def test_urban_and_minsk_shares(citizens):
    assert citizens.urban.mean() == pytest.approx(pop.URBAN_SHARE, abs=0.01)
    assert citizens.minsk[citizens.urban].mean() == pytest.approx(pop.MINSK_SHARE_OF_URBAN,
                                                                  abs=0.01)
    assert not citizens.minsk[~citizens.urban].any()


def test_age_bands(citizens):
    shares = np.bincount(citizens.age_band, minlength=4) / N
    np.testing.assert_allclose(shares, pop.AGE_SHARES, atol=0.01)


def test_internet_use_close_to_datareportal(citizens):
    # DataReportal: 85.1% (2022) and 86.9% (2023) of the whole population.
    assert 0.83 <= citizens.internet.mean() <= 0.88
    older, younger = citizens.age_band == 3, citizens.age_band == 0
    assert citizens.internet[older].mean() < citizens.internet[younger].mean()


def test_media_diet_matches_chatham_house_split_in_the_frame(citizens):
    frame = citizens.in_survey_frame()
    shares = np.bincount(citizens.diet[frame], minlength=4) / frame.sum()
    np.testing.assert_allclose(shares, pop.DIET_SHARES_IN_FRAME, atol=0.01)


def test_media_diet_is_correlated_with_age_and_regime(citizens):
    state_only = citizens.diet == pop.STATE_ONLY
    assert state_only[citizens.age_band == 3].mean() > state_only[citizens.age_band == 0].mean()
    loyal, opposed = (citizens.camp_at_start == pop.LOYAL,
                      citizens.camp_at_start == pop.OPPOSED)
    independent = citizens.diet == pop.INDEPENDENT_ONLY
    assert independent[opposed].mean() > 2 * independent[loyal].mean()


def test_offline_citizens_do_not_read_online_independent_media(citizens):
    offline = ~citizens.internet
    assert not np.isin(citizens.diet[offline], [pop.BOTH_MEDIA, pop.INDEPENDENT_ONLY]).any()


def test_camps_at_the_start_have_the_given_sizes_and_follow_loyalty(citizens):
    shares = np.bincount(citizens.camp_at_start, minlength=3) / N
    opposed, loyal = CAMPS_2020
    np.testing.assert_allclose(shares, [opposed, 1 - opposed - loyal, loyal], atol=0.002)
    by_camp = [citizens.loyalty[citizens.camp_at_start == c] for c in range(3)]
    assert by_camp[0].max() <= by_camp[1].min() and by_camp[1].max() <= by_camp[2].min()
    older = citizens.age_band == 3
    assert (citizens.camp_at_start[older] == pop.LOYAL).mean() > loyal


def test_income_terciles_and_car_ownership(citizens):
    np.testing.assert_allclose(np.bincount(citizens.income, minlength=3) / N, 1 / 3, atol=0.002)
    expected_cars = pop.CAR_OWNERSHIP_BY_INCOME.mean()
    assert citizens.car_owner.mean() == pytest.approx(expected_cars, abs=0.01)
    assert citizens.border_region.mean() == pytest.approx(pop.BORDER_REGION_SHARE, abs=0.01)


def test_initial_ties_abroad(citizens):
    assert 0.08 <= (citizens.eu_ties > 0).mean() <= 0.12
    assert (citizens.russia_ties > 0).mean() == pytest.approx(0.35, abs=0.01)
