"""Attribution: Shapley values on known value functions, factor files, and ``attribute``."""

from __future__ import annotations

import json
import textwrap
from itertools import permutations
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from model import cli
from model.analysis.attribution import (
    all_coalitions,
    attribute,
    full,
    members,
    needed_coalitions,
    sampled_orders,
)
from model.commands._executor import Setup
from model.commands._scenarios import library_files, scenario_dir
from model.commands.attribute import default_factor_file
from model.inputs.factor_files import load_factor_file
from model.inputs.scenario import baseline
from model.inputs.survey_data import load_waves
from model.inputs.timeline import compile_timeline


# --- the computation on known value functions ----------------------------------------------
def values_of(function, k):
    return {mask: function(members(mask, k)) for mask in all_coalitions(k)}


def test_additive_values_give_each_factor_its_own_term_in_every_reading():
    terms = np.array([0.03, -0.05, 0.011, 0.0])
    k = len(terms)
    result = attribute(values_of(lambda s: 0.4 + terms[list(s)].sum(), k), k, start=0.38)
    for reading in (result.shapley, result.held, result.alone):
        np.testing.assert_allclose(reading, terms, atol=1e-15)
    np.testing.assert_allclose(result.interaction, 0, atol=1e-15)
    assert result.residual == pytest.approx(0.02)
    assert result.total == pytest.approx(0.02 + terms.sum())


def test_a_product_interaction_is_split_equally_and_shows_as_held_minus_alone():
    # v = a * b: nothing alone, everything together; the interaction is shared equally.
    k, a, b = 3, 0.2, 0.3
    def v(s):
        return (a if 0 in s else 0.0) * (b if 1 in s else 0.0) + (0.01 if 2 in s else 0.0)

    result = attribute(values_of(v, k), k, start=0.0)
    np.testing.assert_allclose(result.shapley, [a * b / 2, a * b / 2, 0.01])
    np.testing.assert_allclose(result.alone, [0, 0, 0.01], atol=1e-15)
    np.testing.assert_allclose(result.held, [a * b, a * b, 0.01])
    np.testing.assert_allclose(result.interaction, [a * b, a * b, 0], atol=1e-15)


def test_shapley_equals_the_mean_over_every_order_and_sums_to_the_total_with_the_residual():
    rng = np.random.default_rng(4)
    k = 5
    table = {mask: rng.normal(size=(3, 2)) for mask in all_coalitions(k)}
    start = rng.normal(size=(3, 2))
    result = attribute(table, k, start)
    orders = np.array(list(permutations(range(k))))
    by_orders = attribute(table, k, start, orders)
    np.testing.assert_allclose(result.shapley, by_orders.shapley, atol=1e-12)
    np.testing.assert_allclose(result.shapley.sum(axis=0) + result.residual, result.total,
                               atol=1e-12)
    assert result.exact and not by_orders.exact


def test_sampled_orders_sum_exactly_and_report_a_sampling_error_that_covers_the_truth():
    rng = np.random.default_rng(0)
    k = 10
    weights = rng.normal(size=k)
    def v(s):
        inside = np.zeros(k)
        inside[list(s)] = 1
        return weights @ inside + 0.5 * inside[0] * inside[1] - 0.3 * inside[2:5].prod()

    orders = sampled_orders(k, 60, np.random.default_rng(1))
    needed = needed_coalitions(k, orders)
    assert len(needed) < 2 ** k and {0, full(k)} <= set(needed)
    table = {mask: v(members(mask, k)) for mask in needed}
    result = attribute(table, k, start=0.0, orders=orders)
    assert result.shapley.sum() + result.residual == pytest.approx(result.total, abs=1e-12)
    exact = attribute(values_of(v, k), k, start=0.0).shapley
    assert np.all(np.abs(result.shapley - exact) <= 4 * result.shapley_se + 1e-12)
    np.testing.assert_array_equal(orders[1], orders[0][::-1])  # antithetic pairs


def test_a_missing_coalition_is_refused():
    with pytest.raises(ValueError, match="missing"):
        attribute({0: 0.0, 3: 1.0}, 2, start=0.0)


# --- factor files ----------------------------------------------------------------------------
GOOD = """
name = "tiny"
[outcome]
months = ["2021-03"]
answers = ["russia", "eu"]
[factors.war]
label = "The war"
hold = ["war"]
[factors.fear]
label = "Repression"
hold = ["repression_index"]
held_at = "2020-12"
[factors.media]
label = "No state media"
timelines = { state_media_reach = 0, propaganda_russia = { "2021-01" = 0.5 } }
"""


def write(tmp_path, text, name="factors.toml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_a_factor_file_holds_and_replaces_inputs_and_builds_each_coalition(tmp_path):
    factors = load_factor_file(write(tmp_path, GOOD), load_waves())
    assert [f.key for f in factors.factors] == ["war", "fear", "media"]
    assert factors.outcome.answers == ("russia", "eu") and factors.outcome.end == "2021-03"
    actual = baseline()
    held = factors.scenario(0b001)  # war actual, fear held at Dec 2020, media replaced
    months = held.n_months
    assert held.end == "2021-03" and months == 7
    fear = compile_timeline(held.timeline("repression_index"), held.start, months)
    december = compile_timeline(actual.timeline("repression_index"), actual.start, 4)[-1]
    np.testing.assert_allclose(fear, december)
    assert held.timeline("state_media_reach")[0].value == 0
    assert held.timeline("war") == actual.timeline("war")
    # Held at a later month, or replaced from the start: Sep 2020 itself changes (a note).
    assert factors.start_changes() == {"fear": ("repression_index",),
                                       "media": ("state_media_reach",)}
    assert factors.scenario(full(3)).compile_inputs().series.keys() == \
        actual.compile_inputs().series.keys()
    np.testing.assert_array_equal(factors.scenario(full(3)).compile_inputs().series["war"],
                                  actual.with_changes(end="2021-03").compile_inputs()
                                  .series["war"])


@pytest.mark.parametrize(("change", "key", "value", "allowed"), [
    (('hold = ["war"]', 'hold = ["wat"]'), "factors.war.hold", "'wat'", "did you mean 'war'"),
    (('hold = ["repression_index"]', 'hold = ["war"]'), "factors.fear.hold", "'war'",
     "in factors.war too"),
    (('held_at = "2020-12"', 'held_at = "2020-13"'), "factors.fear.held_at", '"2020-13"',
     "from 2020-09 to the outcome's last month, 2021-03"),
    (('months = ["2021-03"]', 'months = ["2021-3"]'), "outcome.months", '"2021-3"',
     'a month written as a quoted string "YYYY-MM"'),
    (('months = ["2021-03"]', 'wave = "2024-01"'), "outcome.wave", '"2024-01"',
     "a survey wave after the start"),
    (('answers = ["russia", "eu"]', 'answers = ["russia", "europe"]'), "outcome.answers",
     '"europe"', "answers among russia, both, eu, neither"),
    (('hold = ["war"]', 'hold = ["peer_rate"]'), "factors.war.hold", '"peer_rate"',
     "is a parameter"),
    (('label = "The war"', 'lable = "The war"'), "factors.war.lable", '"The war"',
     "did you mean 'label'"),
    (("state_media_reach = 0", "state_media_reach = 7"),
     "factors.media.timelines.state_media_reach", "7", "must lie in [0, 3]"),
])
def test_factor_file_errors_name_file_key_value_and_what_is_allowed(tmp_path, capsys, change,
                                                                     key, value, allowed):
    path = write(tmp_path, GOOD.replace(*change))
    out = tmp_path / "out"
    assert cli.main(["attribute", str(path), "--out", str(out)]) == 2
    error = capsys.readouterr().err
    assert str(path) in error and key in error and value in error and allowed in error, error
    assert not out.exists()


@pytest.mark.parametrize(("outcome", "allowed"), [
    ("2021-02,2021-01", "months in increasing order, each once"),
    ("2021-13", "a wave key or months YYYY-MM after 2020-09"),
    ("2020-09", "a survey wave after the start"),
])
def test_outcome_option_errors_name_the_option_and_what_is_allowed(tmp_path, capsys, outcome,
                                                                   allowed):
    path = write(tmp_path, GOOD)
    argv = ["attribute", str(path), "--outcome", outcome, "--out", str(tmp_path / "out")]
    assert cli.main(argv) == 2
    error = capsys.readouterr().err
    assert "--outcome" in error and allowed in error, error
    assert not (tmp_path / "out").exists()


def test_the_outcome_option_replaces_the_files_window():
    factors = load_factor_file(default_factor_file(), load_waves(), outcome="2022-11")
    assert factors.outcome.wave.label == "CH Nov 2022" and factors.outcome.end == "2022-11"
    assert factors.actual().end == "2022-11"
    months = load_factor_file(default_factor_file(), load_waves(), "2021-06,2021-12").outcome
    assert months.wave is None and months.months == ("2021-06", "2021-12")


def test_more_than_eight_factors_need_permutations(tmp_path, capsys):
    names = ["visa_refusal_rate", "visa_processing_capacity", "open_crossings_poland",
             "open_crossings_lithuania", "open_crossings_latvia", "car_plate_ban", "bus_routes",
             "war", "emigration_rate"]
    text = '[outcome]\nmonths = ["2021-03"]\n' + "".join(
        f'[factors.f{i}]\nlabel = "{name}"\nhold = ["{name}"]\n' for i, name in enumerate(names))
    path = write(tmp_path, text)
    assert cli.main(["attribute", str(path), "--out", str(tmp_path / "out")]) == 2
    error = capsys.readouterr().err
    assert "factors = 9" in error and "--permutations" in error
    assert not (tmp_path / "out").exists()


def test_the_library_factor_files_load_and_the_default_job_leaves_them_out():
    folder = scenario_dir() / "factors"
    files = sorted(folder.glob("*.toml"))
    assert default_factor_file() in files and len(files) >= 2
    assert not set(files) & set(library_files())
    assert all(path.parent == scenario_dir() for path in library_files())
    waves = load_waves()
    drivers = load_factor_file(default_factor_file(), waves)
    assert len(drivers.factors) <= 8
    # Every input that moves before the outcome is in a factor or named as left moving.
    assert set(drivers.moving()) == {"pandemic_travel_barrier", "eu_civil_society_funding",
                                     "exchange_participants"}
    assert all(name in drivers.description for name in drivers.moving())
    level = load_factor_file(folder / "propaganda_level_2020_2025.toml", waves)
    media = {f.key: f for f in level.factors}["information"]
    # Removed from Oct 2020: the start month's media stay, which the anchors are set for.
    assert {name: (points[0].month, points[0].value)
            for name, points in media.timelines.items()} == dict.fromkeys(
        ("propaganda_state", "propaganda_russia", "state_media_reach"), ("2020-10", 0))
    assert not level.start_changes() and not drivers.start_changes()


# --- the command, end to end -------------------------------------------------------------------
TWO = """
name = "two"
[outcome]
months = ["2021-01", "2021-03"]
answers = ["russia", "both", "eu", "neither"]
[factors.fear]
label = "Repression"
hold = ["repression_index"]
[factors.camps]
label = "Camps"
hold = ["regime_loyal_share", "regime_opposed_share"]
"""


def test_attribute_writes_its_tables_figures_and_manifest_and_resumes(tmp_path, capsys):
    path = write(tmp_path, TWO)
    out = tmp_path / "out"
    argv = ["attribute", str(path), "--variant", "grievance", "--draws", "2", "--citizens",
            "300", "--workers", "1", "--out", str(out)]
    assert cli.main(argv, setup=Setup()) == 0
    table = pd.read_csv(out / "attribution.csv")
    assert set(table["factor"]) == {"fear", "camps", "residual", "total"}
    assert set(table["variant"]) == {"averaged", "grievance"}
    for _, rows in table.groupby(["variant", "answer"]):
        rows = rows.set_index("factor")
        assert rows.loc[["fear", "camps", "residual"], "shapley"].sum() == \
            pytest.approx(rows.loc["total", "shapley"], abs=2e-6)  # 6 digits
        assert np.all(rows.loc[["fear", "camps"], "shapley_p05"]
                      <= rows.loc[["fear", "camps"], "shapley_p95"])
    path_rows = pd.read_csv(out / "attribution_path.csv")
    assert set(path_rows["date"]) >= {"2020-09", "2021-03"}
    start = path_rows[path_rows["date"] == "2020-09"]
    np.testing.assert_allclose(start["cumulative"], 0, atol=1e-12)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["coalitions"] == 4
    assert manifest["execution"]["model_runs"] == 8
    assert len(manifest["factor_file"]["sha256"]) == 64
    assert {"waterfall.png", "attribution_path.png"} <= {p.name for p in out.iterdir()}
    capsys.readouterr()
    assert cli.main(argv, setup=Setup()) == 0  # every run is on disk: reused
    assert "8 reused" in capsys.readouterr().out
    assert Path(manifest["factor_file"]["path"]) == path
    # Two factors have two orders, an antithetic pair: sampling them is exact, from the
    # same runs.
    assert cli.main([*argv, "--permutations", "2"], setup=Setup()) == 0
    sampled = pd.read_csv(out / "attribution.csv")
    assert set(sampled["method"]) == {"sampled, 2 orders"}
    np.testing.assert_allclose(sampled["shapley"], table["shapley"], atol=1e-12)
    assert "8 reused" in capsys.readouterr().out
