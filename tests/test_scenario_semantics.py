"""What a scenario file means: inheritance, dated overrides, ramps, ``--set``, shortened runs."""

import textwrap
from pathlib import Path

import numpy as np
import pytest

from model.inputs import registry
from model.inputs.calendar import month_range
from model.inputs.overrides import apply_overrides
from model.inputs.scenario import ScenarioError, baseline
from model.inputs.scenario_files import load_scenario
from model.inputs.timeline import TimelinePoint

SCENARIOS = Path(__file__).parent.parent / "scenarios"
BASELINE_TOML = SCENARIOS / "baseline.toml"


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def series(scenario, name: str) -> dict[str, float]:
    inputs = scenario.compile_inputs()
    return dict(zip(inputs.months, inputs.series[name].tolist(), strict=True))


def history(name: str) -> tuple[TimelinePoint, ...]:
    return tuple(TimelinePoint(p.month, p.value) for p in registry.get(name).history)


@pytest.fixture
def chain(tmp_path):
    """A base with one policy change and run settings, and a child that extends it."""
    base = write(tmp_path, "base/base.toml", """\
        name = "base"
        description = "A base with a fee cut in 2027 and a small run."
        [run]
        end = "2028-12"
        citizens = 800
        [levers.visa_fee_eur]
        "2026-01" = 20
        "2027-01" = 10
        [parameters]
        peer_rate = 0.1
        """)
    child = write(tmp_path, "child/child.toml", """\
        name = "child"
        description = "Changes the fee from mid-2026 and reopens Latvia."
        extends = "../base/base.toml"
        [levers]
        visa_fee_eur = { "2026-06" = 0 }
        open_crossings_latvia = { "2026-01" = 2 }
        """)
    return base, child


def test_a_child_inherits_everything_it_does_not_change(chain):
    base_path, child_path = chain
    base, child = load_scenario(base_path), load_scenario(child_path)
    assert (child.end, child.citizens, child.seeds) == (base.end, base.citizens, base.seeds)
    assert child.resolved_parameters()["peer_rate"] == 0.1
    for name in registry.names(registry.Group.LEVER) + registry.names(registry.Group.EXOGENOUS):
        if name not in ("visa_fee_eur", "open_crossings_latvia"):
            assert child.timeline(name) == base.timeline(name), name


def test_a_timeline_replaces_the_base_from_its_first_month_on(chain):
    _, child_path = chain
    fee = load_scenario(child_path).timeline("visa_fee_eur")
    # The base's 2026-01 change is kept (before 2026-06); its 2027-01 change is not.
    assert fee == (*history("visa_fee_eur"), TimelinePoint("2026-01", 20.0),
                   TimelinePoint("2026-06", 0.0))
    values = series(load_scenario(child_path), "visa_fee_eur")
    assert values["2025-12"] == 35 and values["2026-05"] == 20 and values["2028-12"] == 0


def test_the_base_is_never_mutated(chain):
    base_path, child_path = chain
    text_before = base_path.read_bytes()
    base_before = load_scenario(base_path)
    child = load_scenario(child_path)
    assert base_path.read_bytes() == text_before
    base_after = load_scenario(base_path)
    assert base_after == base_before
    assert base_after.timeline("visa_fee_eur")[-1] == TimelinePoint("2027-01", 10.0)
    assert "open_crossings_latvia" not in base_after.levers
    # Derived scenarios leave their source alone, and a scenario cannot be edited in place.
    child.with_changes(levers={"visa_fee_eur": (TimelinePoint("2026-01", 99.0),)},
                       parameters={"peer_rate": 0.2}, end="2027-01")
    assert child == load_scenario(child_path)
    with pytest.raises(TypeError):
        child.levers["visa_fee_eur"] = ()
    with pytest.raises(AttributeError):
        child.end = "2029-01"


def test_the_baseline_object_is_untouched_by_policy_scenarios():
    before = baseline()
    load_scenario(SCENARIOS / "engagement_package.toml")
    apply_overrides(before, ["visa_fee_eur=0", "peer_rate=0.1"])
    assert baseline() == before
    assert before.levers == {} and before.parameters == {}


def test_a_bare_value_holds_from_the_start_and_replaces_history(tmp_path):
    path = write(tmp_path, "bare.toml", """\
        name = "bare"
        [levers]
        car_plate_ban = 0
        """)
    scenario = load_scenario(path)
    assert scenario.timeline("car_plate_ban") == (TimelinePoint("2020-09", 0.0),)
    assert set(series(scenario, "car_plate_ban").values()) == {0.0}


def test_a_ramp_is_linear_from_the_previous_point():
    values = series(load_scenario(SCENARIOS / "reopen_crossings.toml"), "bus_routes")
    ramp = [values[m] for m in month_range("2026-01", "2026-07")]
    np.testing.assert_allclose(ramp, np.linspace(0.75, 1.0, 7))
    assert values["2025-12"] == 0.75 and values["2030-12"] == 1.0


def test_a_ramp_on_the_first_change_starts_from_the_history(tmp_path):
    path = write(tmp_path, "ramp.toml", """\
        name = "ramp"
        [levers.eu_bank_access]
        "2026-05" = { value = 1.0, ramp = true }
        """)
    values = series(load_scenario(path), "eu_bank_access")
    # The last history point is 0.7 from 2025-04: the ramp runs from there to 2026-05.
    assert values["2025-04"] == pytest.approx(0.7)
    assert values["2025-10"] == pytest.approx(0.7 + 0.3 * 6 / 13)
    assert values["2026-05"] == 1.0


def test_run_settings_can_be_changed_by_a_child(tmp_path, chain):
    _, child_path = chain
    grandchild = write(child_path.parent, "grandchild.toml", """\
        name = "grandchild"
        extends = "child.toml"
        [run]
        end = "2026-12"
        seeds = 3
        """)
    scenario = load_scenario(grandchild)
    assert (scenario.end, scenario.seeds, scenario.citizens) == ("2026-12", 3, 800)
    # The base's fee point of 2027-01 lies beyond this run: it is simply not reached.
    assert scenario.compile_inputs().months[-1] == "2026-12"
    assert series(scenario, "visa_fee_eur")["2026-12"] == 0


def test_a_shortened_run_is_the_prefix_of_the_full_run():
    full = load_scenario(SCENARIOS / "visa_facilitation.toml")
    short = full.with_changes(end="2026-04")
    long_inputs, short_inputs = full.compile_inputs(), short.compile_inputs()
    assert short_inputs.months[-1] == "2026-04"
    for name, values in short_inputs.series.items():
        np.testing.assert_array_equal(values, long_inputs.series[name][:values.size])
    # Mid-ramp when the run stops: capacity is a third of the way from 0.24 to 1.0.
    assert series(short, "visa_processing_capacity")["2026-04"] == pytest.approx(
        0.24 + 0.76 * 3 / 12)


def test_child_without_description_does_not_inherit_the_base_description(chain):
    base_path, _ = chain
    child = write(base_path.parent, "quiet.toml", """\
        extends = "base.toml"
        [parameters]
        peer_rate = 0.2
        """)
    scenario = load_scenario(child)
    assert scenario.name == "quiet" and scenario.description == ""


# --- --set overrides -------------------------------------------------------------------------

def test_set_without_a_date_replaces_the_whole_timeline():
    scenario = apply_overrides(baseline(), ["open_crossings_poland=5"])
    assert scenario.timeline("open_crossings_poland") == (TimelinePoint("2020-09", 5.0),)


def test_set_with_a_date_keeps_the_timeline_before_it():
    scenario = apply_overrides(baseline(), ["open_crossings_poland@2026-01=5"])
    assert scenario.timeline("open_crossings_poland") == (
        *history("open_crossings_poland"), TimelinePoint("2026-01", 5.0))


def test_later_overrides_replace_earlier_ones_from_their_own_month():
    scenario = apply_overrides(baseline(), ["visa_fee_eur@2027-01=0", "visa_fee_eur@2026-01=20",
                                            "visa_fee_eur@2028-01=10"])
    assert scenario.timeline("visa_fee_eur")[1:] == (TimelinePoint("2026-01", 20.0),
                                                     TimelinePoint("2028-01", 10.0))


def test_set_on_a_file_scenario_changes_only_what_it_names():
    policy = load_scenario(SCENARIOS / "reopen_crossings.toml")
    changed = apply_overrides(policy, ["peer_rate=0.1", "propaganda_state@2026-01=2",
                                       "levers.bus_routes@2027-01=0.5"])
    assert changed.resolved_parameters()["peer_rate"] == 0.1
    assert changed.timeline("propaganda_state")[-1] == TimelinePoint("2026-01", 2.0)
    assert changed.timeline("bus_routes")[-1] == TimelinePoint("2027-01", 0.5)
    assert changed.timeline("bus_routes")[:-1] == policy.timeline("bus_routes")
    assert changed.timeline("open_crossings_poland") == policy.timeline("open_crossings_poland")
    assert policy == load_scenario(SCENARIOS / "reopen_crossings.toml")


def test_overrides_are_recorded_in_the_description():
    scenario = apply_overrides(baseline(), ["visa_fee_eur@2026-01=0", " peer_rate = 0.1 "])
    assert scenario.description.endswith(
        "Command-line overrides (--set): visa_fee_eur@2026-01=0; peer_rate = 0.1.")
    assert scenario.description.startswith(baseline().description)
    assert apply_overrides(baseline(), []) == baseline()


@pytest.mark.parametrize(("override", "message"), [
    ("visa_fe_eur=3", "--set: visa_fe_eur = 3: unknown lever, exogenous input or parameter "
                      "'visa_fe_eur'; did you mean 'visa_fee_eur'?"),
    ("peer_rate@2026-01=0.1", "--set: peer_rate@2026-01 = 0.1: parameters are constant"),
    ("visa_fee_eur@2026-13=2", '--set: visa_fee_eur@2026-13 = 2: dates are months written '
                               'YYYY-MM, e.g. "2026-01"'),
    ("visa_fee_eur@2031-01=2", "--set: visa_fee_eur@2031-01 = 2: dates must lie within the run, "
                               "2020-09 to 2030-12"),
    ("visa_fee_eur=cheap", '--set: visa_fee_eur = "cheap": expected a number (EUR per Schengen '
                           "visa), got str"),
    ("visa_refusal_rate=2", "--set: visa_refusal_rate = 2: must lie in [0, 1]"),
    ("peer_rate=0.9", "--set: peer_rate = 0.9: must lie in [0, 0.5]"),
    ("exchange_participants=2.5", "--set: exchange_participants = 2.5: expected a whole number"),
    ("visa_fee_eur=", "--set: visa_fee_eur: a value is missing"),
    ("visa_fee_eur", "--set: visa_fee_eur: write KEY=VALUE or KEY@YYYY-MM=VALUE"),
    ("citizens=500", "--set: citizens = 500: 'citizens' is a run setting"),
    ("parameters.visa_fee_eur=3", "--set: parameters.visa_fee_eur = 3: 'visa_fee_eur' is in "
                                  "[levers], not [parameters]"),
])
def test_bad_overrides_are_refused_like_file_errors(override, message):
    with pytest.raises(ScenarioError) as caught:
        apply_overrides(baseline(), [override])
    assert str(caught.value).startswith(message), str(caught.value)


def test_an_override_is_checked_against_the_scenarios_own_end():
    short = load_scenario(SCENARIOS / "baseline.toml").with_changes(end="2026-06")
    with pytest.raises(ScenarioError, match="within the run, 2020-09 to 2026-06"):
        apply_overrides(short, ["visa_fee_eur@2027-01=0"])


def test_a_misspelt_name_gets_the_same_hint_wherever_it_is_written(tmp_path):
    """One did-you-mean rule: a file, --set, --factors, evaluate() and the registry agree."""
    from model.analysis.exploration import evaluate
    from model.analysis.sensitivity import select_factors
    from model.inputs.errors import InputError

    hint = "did you mean 'visa_fee_eur'?"  # the clearly nearest name, not visa_fee_elasticity
    file = write(tmp_path, "typo.toml", '[levers]\nvisa_fe_eur = 3\n')
    attempts = [lambda: load_scenario(file),
                lambda: apply_overrides(baseline(), ["visa_fe_eur=3"]),
                lambda: select_factors("visa_fe_eur"),
                lambda: evaluate(visa_fe_eur=3)]
    for attempt in attempts:
        with pytest.raises(InputError) as caught:
            attempt()
        assert hint in str(caught.value)
    with pytest.raises(KeyError, match=hint):
        registry.get("visa_fe_eur")


def test_scenarios_that_differ_only_in_parameters_share_their_read_only_inputs():
    """A fit's draws compile the timelines once; nobody can change the shared copy."""
    base = baseline()
    varied = base.with_changes(parameters={"contact_gain": 0.2})
    assert varied.compile_inputs() is base.compile_inputs()
    series = base.compile_inputs().series["car_plate_ban"]
    with pytest.raises(ValueError):
        series[0] = 1.0
    changed = base.with_changes(levers={"car_plate_ban": (TimelinePoint("2026-01", 0.0),)})
    assert changed.compile_inputs() is not base.compile_inputs()
    assert changed.compile_inputs().series["car_plate_ban"][-1] == 0.0
