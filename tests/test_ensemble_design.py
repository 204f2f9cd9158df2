"""The projection ensemble: its design, the variance split by source, futures, assumptions,
variant weights, and a two-variant comparison end to end."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from model import cli
from model.analysis.calibration.abc import calibrated_names
from model.analysis.uncertainty import sign_probability, split_variance, weighted_band
from model.commands._executor import Setup
from model.commands.run import DEFAULT_DRAWS
from model.inputs import registry, variants
from model.inputs.assumptions import sample_assumptions, sampled_names
from model.inputs.errors import InputError
from model.inputs.futures import uncertain_inputs, with_future
from model.inputs.posterior import Posterior, default_posteriors_dir, posterior_path
from model.inputs.registry import FUTURE_START
from model.inputs.scenario import baseline
from model.inputs.scenario_files import write_scenario
from model.inputs.timeline import TimelinePoint
from model.runs.design import SOURCES, Design

FIVE = variants.names()


def fake_posterior(name: str, particles: int = 50, seed: int = 0) -> Posterior:
    """A posterior of a variant's fitted parameters, uniform over their priors."""
    rng = np.random.default_rng(seed)
    fitted = variants.variant(name).free(calibrated_names())
    table = pd.DataFrame({p: rng.uniform(*registry.get(p).prior, particles) for p in fitted})
    return Posterior(table, np.full(particles, 1 / particles), f"fake {name}")


def design(draws: int = DEFAULT_DRAWS, names=FIVE, **kw) -> Design:
    settings = dict(posteriors={n: fake_posterior(n) for n in names},
                    weights=dict.fromkeys(names, 1 / len(names)), assumptions=True,
                    futures=True) | kw
    return Design(tuple(names), draws, 1, **settings)


# --- design ------------------------------------------------------------------------------------
def test_default_design_runs_over_a_hundred_distinct_parameter_sets():
    plan = design()
    members = plan.members()
    assert plan.distinct_parameter_sets() >= 100
    assert len(members) == 5 * (DEFAULT_DRAWS + DEFAULT_DRAWS // 2 * len(SOURCES))
    assert sum(m.weight for m in members) == pytest.approx(1.0)
    assert len({(m.variant, m.label) for m in members}) == len(members)


def test_members_carry_their_variants_switches_and_draws_do_not_repeat():
    members = design(draws=6).members()
    for member in members:
        chosen = variants.variant(member.variant)
        assert all(member.parameters()[p] == 0.0 for p in chosen.off)
        assert not set(member.inputs.assumptions) & set(chosen.off)
    draws = [m for m in members if m.variant == "grievance" and m.swapped is None]
    assert len({m.inputs.seed for m in draws}) == len(draws)
    assert len({tuple(sorted(m.inputs.future.items())) for m in draws}) == len(draws)


def test_a_swap_takes_exactly_one_source_from_b():
    members = {(m.variant, m.label): m for m in design(draws=4, names=("grievance",)).members()}
    a, b = members[("grievance", "d0")].inputs, members[("grievance", "d2")].inputs
    for source, field in zip(SOURCES, ("parameters", "assumptions", "future", "seed"),
                             strict=True):
        swapped = members[("grievance", f"p0:{source}")].inputs
        for other in ("parameters", "assumptions", "future", "seed"):
            expected = b if other == field else a
            assert getattr(swapped, other) == getattr(expected, other), (source, other)


def test_the_same_design_draws_the_same_members():
    first = [(m.label, m.inputs) for m in design(draws=4).members()]
    assert first == [(m.label, m.inputs) for m in design(draws=4).members()]


def test_sources_that_do_not_vary_are_not_swapped():
    plan = design(draws=4, names=("media_peers",), posteriors={"media_peers": None},
                  assumptions=False, futures=False)
    assert plan.varying("media_peers") == ("seed",)
    assert {m.swapped for m in plan.members()} == {None, "seed"}


# --- the variance split --------------------------------------------------------------------
def synthetic_outcome(member) -> float:
    """Known variance by source: a variant offset, one parameter, one assumption, one future
    and seed noise, additive (no interactions)."""
    i = member.inputs
    noise = np.random.default_rng(i.seed).normal()
    return (1.0 * (member.variant == "grievance") + 10 * i.parameters["sorting_rate"]
            + 5 * i.assumptions["peer_latitude"] + 2 * i.future["propaganda_state"]
            + 0.3 * noise)


def test_split_variance_recovers_known_shares_of_an_additive_model():
    names = ("media_peers", "grievance")
    plan = design(draws=800, names=names)
    members = plan.members()
    values = np.array([synthetic_outcome(m) for m in members])
    shares = split_variance(values, members, plan).shares()
    # Exact variances: structure 0.25 (two equal-weight variants 1 apart); sorting_rate
    # U(0.02, 0.3) x 10; peer_latitude U(0.3, 1.5) x 5; propaganda factor U(0.7, 1.3) x 2;
    # seed 0.09.
    low, high = registry.get("sorting_rate").prior
    exact = {"structure": 0.25, "parameters": 100 * (high - low) ** 2 / 12,
             "assumptions": 25 * 1.2 ** 2 / 12, "futures": 4 * 0.6 ** 2 / 12, "seed": 0.09}
    total = sum(exact.values())
    # Tolerance: 400 pairs per variant give each share to about +-0.03 (two standard errors
    # of Jansen's estimator here, measured over 20 designs).
    for source, variance in exact.items():
        assert shares[source] == pytest.approx(variance / total, abs=0.04), source
    assert shares["interactions"] == pytest.approx(0, abs=0.06)


def test_one_variant_with_one_draw_has_no_split_but_a_total():
    plan = design(draws=1, names=("grievance",))
    members = plan.members()
    values = np.arange(len(members), dtype=float)
    split = split_variance(values, members, plan)
    assert np.isnan(split.shares()["parameters"])
    assert split.structure == 0


def test_sign_probability_and_weighted_band():
    values = np.array([[-1.0], [1.0], [2.0], [3.0]])
    assert sign_probability(values, np.ones(4))[0] == pytest.approx(0.75)
    assert sign_probability(np.zeros((3, 1)), np.ones(3))[0] == pytest.approx(0.5)
    mean, low, high = weighted_band(values, np.array([0.0, 0.0, 0.5, 0.5]), (0.05, 0.95))
    assert mean[0] == pytest.approx(2.5) and 2 <= low[0] <= high[0] <= 3


# --- futures and assumptions ----------------------------------------------------------------
def test_a_future_bends_the_paths_from_2026_within_bounds_and_in_every_scenario():
    future = {q.name: q.future[1] for q in uncertain_inputs()}
    for scenario in (baseline(), baseline().with_changes(
            exogenous={"propaganda_state": ()})):
        before, after = scenario.compile_inputs(), with_future(scenario, future).compile_inputs()
        first = before.months.index(FUTURE_START)
        for quantity in uncertain_inputs():
            old, new = before.series[quantity.name], after.series[quantity.name]
            np.testing.assert_array_equal(old[:first], new[:first])
            expected = min(old[-1] * quantity.future[1], quantity.bounds[1])
            assert new[-1] == pytest.approx(expected)
            assert np.all(new <= quantity.bounds[1]) and np.all(new >= quantity.bounds[0])
    assert with_future(baseline(), {}) is baseline() or with_future(baseline(), {}) == baseline()


def test_sampled_assumptions_are_the_uncalibrated_parameters_within_their_priors():
    chosen = variants.variant("eu_contact")
    fitted = chosen.free(calibrated_names())
    names = sampled_names(chosen, fitted)
    assert not set(names) & (set(fitted) | set(chosen.off))
    assert not {q.name for q in registry.PARAMETERS if q.held} & set(names)
    drawn = sample_assumptions(names, np.random.default_rng(3))
    for name, value in drawn.items():
        low, high = registry.get(name).prior
        assert low <= value <= high
        if registry.get(name).dtype == "int":
            assert value == int(value)


# --- weights --------------------------------------------------------------------------------
def write_weights(path, rows):
    pd.DataFrame(rows, columns=["variant", "weight"]).to_csv(path, index=False)
    return path


def test_weights_renormalise_over_the_chosen_variants(tmp_path):
    write_weights(tmp_path / variants.WEIGHT_FILES["stacking"],
                  [(n, w) for n, w in zip(FIVE, (0.1, 0.2, 0.3, 0.4, 0.0), strict=True)])
    found = variants.weights(("eu_contact", "russia_contact"), "stacking", tmp_path)
    assert found == pytest.approx({"eu_contact": 0.4, "russia_contact": 0.6})
    assert variants.weights(FIVE, "equal", tmp_path / "nowhere") == dict.fromkeys(FIVE, 0.2)
    with pytest.raises(InputError, match="some weight"):
        variants.weights(("full",), "stacking", tmp_path)


@pytest.mark.parametrize(("rows", "message"), [
    ([(n, 0.25) for n in FIVE[:4]], "missing full"),
    ([(n, 0.3) for n in FIVE], "sum to 1.5"),
    ([*((n, 0.2) for n in FIVE[:4]), ("mystery", 0.2)], 'row 5, column variant = "mystery"'),
])
def test_damaged_weights_are_refused_naming_the_file(tmp_path, rows, message):
    path = write_weights(tmp_path / "w.csv", rows)
    with pytest.raises(InputError, match=message) as error:
        variants.read_weights(path)
    assert str(path) in str(error.value)


def test_every_committed_posterior_has_at_least_200_effective_particles():
    folder = default_posteriors_dir()
    for name in FIVE:
        path = posterior_path(name, folder)
        if not path.is_file():
            pytest.fail(f"no committed posterior for variant {name}")
        record = json.loads(path.with_suffix(".json").read_text())
        assert record["result"]["effective_particles"] >= 200, name
        posterior = Posterior.from_csv(path, variants.variant(name).free(calibrated_names()))
        assert 1 / np.sum(posterior.weights ** 2) == pytest.approx(
            record["result"]["effective_particles"], rel=0.01)


# --- two variants, end to end ---------------------------------------------------------------
def test_a_two_variant_comparison_reports_averaged_and_per_variant_rows(tmp_path):
    folder = tmp_path / "posteriors"
    folder.mkdir()
    for name in ("media_peers", "grievance"):
        table = fake_posterior(name, 20).particles.assign(weight=1 / 20)
        table.to_csv(posterior_path(name, folder), index=False)
    write_weights(folder / variants.WEIGHT_FILES["stacking"],
                  [(n, {"media_peers": 0.25, "grievance": 0.75}.get(n, 0.0)) for n in FIVE])
    short = baseline().with_changes(name="short", end="2026-06")
    policy = short.with_changes(name="open", levers={
        "visa_fee_eur": (TimelinePoint("2026-01", 0.0),),
        "open_crossings_poland": (TimelinePoint("2026-01", 5.0),)})
    files = [write_scenario(s, tmp_path / f"{s.name}.toml") for s in (short, policy)]
    out = tmp_path / "out"
    status = cli.main(["run", *map(str, files), "--variant", "media_peers", "--variant",
                       "grievance", "--weights", "stacking", "--draws", "4", "--citizens",
                       "300", "--workers", "1",
                       "--no-plots", "--out", str(out)], setup=Setup(posteriors=folder))
    assert status == 0
    summary = pd.read_csv(out / "summary.csv")
    assert set(summary.variant) == {"averaged", "media_peers", "grievance"}
    rows = summary[(summary.date == "2026-06") & (summary.measure == "survey")
                   & (summary.category == "russia")].set_index(["scenario", "variant"])
    # The averaged mean is the weighted mix of the variants' means.
    for scenario in ("short", "open"):
        mixed = (0.25 * rows.loc[(scenario, "media_peers"), "mean"]
                 + 0.75 * rows.loc[(scenario, "grievance"), "mean"])
        assert rows.loc[(scenario, "averaged"), "mean"] == pytest.approx(mixed)
    averaged = rows.loc[("open", "averaged")]
    assert averaged.n_runs == 2 * (4 + 2 * len(SOURCES))
    assert 0 <= averaged.diff_p_sign <= 1
    share_sum = sum(averaged[c] for c in summary.columns if c.startswith("share_"))
    assert share_sum == pytest.approx(1.0)
    effects = pd.read_csv(out / "effects.csv")
    assert {"media_peers_mean", "grievance_mean", "prior_driven", "carriers"} <= set(
        effects.columns)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["ensemble"]["variants"]["grievance"]["weight"] == 0.75
    assert manifest["ensemble"]["distinct_parameter_sets"] >= 8


def test_halving_a_prior_keeps_the_members_inside_and_each_variant_its_weight():
    from model.runs.prior_sensitivity import _averaged, halved

    assert halved("contact_gain") == pytest.approx((0.0375, 0.1125))
    variant_of = np.array(["a", "a", "b", "b"])
    values = np.array([[1.0], [3.0], [10.0], [20.0]])
    keep = np.array([True, False, True, True])
    # a keeps only its first member (1), b both (mean 15): each variant still weighs 0.5.
    assert _averaged(values, keep, variant_of, {"a": 0.5, "b": 0.5})[0] == pytest.approx(8.0)
    assert np.isnan(_averaged(values, np.array([False, False, True, True]), variant_of,
                              {"a": 0.5, "b": 0.5})[0])
