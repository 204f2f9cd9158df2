"""Invariants that must hold in every run: bounded, finite, normalised, consistent."""

import numpy as np

from model import simulate
from model.core.observation import CATEGORIES, MEASURES


def test_shares_sum_to_one_and_are_probabilities(finished_model):
    shares = finished_model.shares
    assert not np.isnan(shares).any()
    assert (shares >= 0).all() and (shares <= 1).all()
    np.testing.assert_allclose(shares.sum(axis=2), 1.0, atol=1e-12)


def test_state_stays_bounded_and_finite(finished_model):
    s = finished_model.world.state
    for name in ("r", "e"):
        assert (np.abs(getattr(s, name)) <= 1).all(), name
    # Anchors may lie beyond [-1, 1] (where the 2020 forces held attitudes: core.rest).
    for name in ("r", "e", "r_anchor", "e_anchor"):
        assert np.isfinite(getattr(s, name)).all(), name
    assert ((s.grievance >= 0) & (s.grievance <= 1)).all()
    assert (s.contact >= 0).all()
    assert (s.eu_ties >= 0).all() and (s.russia_ties >= 0).all()


def test_every_month_is_recorded_once(finished_model, short_baseline):
    assert len(finished_model.months) == short_baseline.n_months
    assert finished_model.months[0] == "2020-09" and finished_model.months[-1] == "2022-12"
    frame = finished_model.datacollector.get_model_vars_dataframe()
    assert len(frame) == short_baseline.n_months
    for m, measure in enumerate(MEASURES):
        for c, category in enumerate(CATEGORIES):
            np.testing.assert_array_equal(frame[f"{measure}_{category}"].to_numpy(),
                                          finished_model.shares[:, m, c])


def test_emigration_only_removes_citizens(finished_model):
    state = finished_model.world.state
    emigrants = sum(summary.emigrants for summary in finished_model.summaries)
    assert emigrants > 0
    assert (~state.present).sum() == emigrants
    assert len(finished_model.agents) == state.present.sum()


def test_tidy_shares_frame_is_well_formed(short_baseline):
    result = simulate(short_baseline, seed=1, n_citizens=500)
    frame = result.shares
    assert list(frame.columns) == ["scenario", "seed", "date", "measure", *CATEGORIES]
    assert len(frame) == 2 * short_baseline.n_months
    assert set(frame["measure"]) == set(MEASURES)
    assert frame["date"].str.fullmatch(r"\d{4}-\d{2}").all()
    np.testing.assert_allclose(frame[list(CATEGORIES)].sum(axis=1), 1.0, atol=1e-12)
