"""Every scenario in ``scenarios/`` validates, says what it is and why, and runs."""

import tomllib
from pathlib import Path

import numpy as np
import pytest

from model.core.simulate import simulate
from model.inputs import registry
from model.inputs.calendar import parse_month
from model.inputs.scenario_files import load_scenario

ROOT = Path(__file__).parent.parent
SCENARIOS = ROOT / "scenarios"
LIBRARY = sorted(SCENARIOS.glob("*.toml"))
POLICIES = [path for path in LIBRARY if path.stem != "baseline"]
EXPECTED = {"baseline", "reopen_crossings", "visa_facilitation", "restore_banking",
            "targeted_sanctions", "engagement_package", "full_isolation", "propaganda_surge"}
POLICY_START = "2026-01"
RUN_END = "2026-03"
COMPONENTS = ("reopen_crossings", "visa_facilitation", "restore_banking", "targeted_sanctions")


def test_the_library_holds_the_agreed_scenarios():
    assert {path.stem for path in LIBRARY} == EXPECTED


@pytest.mark.parametrize("path", POLICIES, ids=lambda p: p.stem)
def test_policy_scenario_extends_the_baseline_and_explains_itself(path):
    scenario = load_scenario(path)
    base = load_scenario(SCENARIOS / "baseline.toml")
    assert scenario.name == path.stem
    paragraphs = scenario.description.split("\n\n")
    assert len(paragraphs) >= 4, "summary, what it represents, how it maps, reasoning"
    for heading in ("What it represents:", "How it maps onto the", "Reasoning:",
                    "Policy date: 2026-01"):
        assert heading in scenario.description, heading
    assert "nashaniva.com/en/382905" in scenario.description
    assert (scenario.end, scenario.citizens, scenario.seeds) == (base.end, base.citizens,
                                                                base.seeds)
    assert 'extends = "baseline.toml"' in path.read_text()


@pytest.mark.parametrize("path", POLICIES, ids=lambda p: p.stem)
def test_policy_changes_start_at_the_policy_date(path):
    scenario, base = load_scenario(path), load_scenario(SCENARIOS / "baseline.toml")
    before = parse_month(POLICY_START) - parse_month(scenario.start)
    mine, theirs = scenario.compile_inputs().series, base.compile_inputs().series
    changed = [name for name in mine if not np.array_equal(mine[name], theirs[name])]
    assert changed, "a policy scenario must change something"
    for name in mine:
        np.testing.assert_array_equal(mine[name][:before], theirs[name][:before], name)
    # Every value the scenario adds to the baseline is dated on or after the policy date.
    written = {**scenario.levers, **scenario.exogenous}
    for name, points in written.items():
        extra = [p for p in points if p not in base.timeline(name)]
        assert all(parse_month(p.month) >= parse_month(POLICY_START) for p in extra), name


def test_propaganda_surge_changes_only_exogenous_inputs():
    scenario = load_scenario(SCENARIOS / "propaganda_surge.toml")
    base = load_scenario(SCENARIOS / "baseline.toml")
    for name in registry.names(registry.Group.LEVER):
        assert scenario.timeline(name) == base.timeline(name), name
    assert scenario.timeline("propaganda_state") != base.timeline("propaganda_state")


#: Levers whose higher value opens the West (for the rest, lower opens it).
OPENING_UP = {"open_crossings_poland", "open_crossings_lithuania", "open_crossings_latvia",
              "bus_routes", "visa_processing_capacity", "eu_bank_access", "legal_residence_ease",
              "eu_civil_society_funding", "exchange_participants"}


def test_full_isolation_mirrors_the_engagement_package_lever_for_lever():
    def set_levers(name):
        return set(tomllib.loads((SCENARIOS / f"{name}.toml").read_text())["levers"])

    assert set_levers("full_isolation") == set_levers("engagement_package")
    isolation = load_scenario(SCENARIOS / "full_isolation.toml").compile_inputs()
    package = load_scenario(SCENARIOS / "engagement_package.toml").compile_inputs()
    base = load_scenario(SCENARIOS / "baseline.toml").compile_inputs()
    t = base.months.index("2027-06")
    for name in set_levers("full_isolation"):
        sign = 1 if name in OPENING_UP else -1
        opened = sign * (package.series[name][t] - base.series[name][t])
        closed = sign * (base.series[name][t] - isolation.series[name][t])
        assert opened > 0, name
        quantity = registry.get(name)
        at_bound = base.series[name][t] in quantity.bounds
        assert closed > 0 or at_bound, name  # toward restriction, unless nothing is left


def test_engagement_package_is_the_union_of_its_components_plus_engagement():
    base = load_scenario(SCENARIOS / "baseline.toml")

    def changed(scenario, group):
        return {name for name in registry.names(group)
                if scenario.timeline(name) != base.timeline(name)}

    package = load_scenario(SCENARIOS / "engagement_package.toml")
    covered = set()
    for component in COMPONENTS:
        scenario = load_scenario(SCENARIOS / f"{component}.toml")
        for name in changed(scenario, registry.Group.LEVER):
            assert package.timeline(name) == scenario.timeline(name), (component, name)
            covered.add(name)
    extra = changed(package, registry.Group.LEVER) - covered
    assert extra == {"exchange_participants", "eu_civil_society_funding"}
    assert not changed(package, registry.Group.EXOGENOUS) and not package.parameters


@pytest.mark.parametrize("path", LIBRARY, ids=lambda p: p.stem)
def test_scenario_runs_a_few_months_past_the_policy_date(path):
    scenario = load_scenario(path).with_changes(end=RUN_END)
    baseline = load_scenario(SCENARIOS / "baseline.toml").with_changes(end=RUN_END)
    # 2,000 citizens: enough that a visa change meets at least one applicant in three months.
    result = simulate(scenario, seed=1, n_citizens=2_000)
    reference = simulate(baseline, seed=1, n_citizens=2_000)
    assert result.months[-1] == RUN_END
    assert np.isfinite(result.array).all()
    np.testing.assert_allclose(result.array.sum(axis=2), 1.0, atol=1e-9)
    # Same seed, same inputs until the policy date: the same history, bit for bit.
    policy = result.months.index(POLICY_START)
    np.testing.assert_array_equal(result.array[:policy], reference.array[:policy])
    if path.stem != "baseline":
        assert not np.array_equal(result.array[policy:], reference.array[policy:])


def test_the_scenario_docs_list_every_scenario():
    text = (ROOT / "docs" / "scenarios.md").read_text(encoding="utf-8")
    for name in EXPECTED:
        assert f"`{name}`" in text, name


def test_the_worked_example_in_the_docs_is_a_valid_scenario(tmp_path):
    text = (ROOT / "docs" / "scenarios.md").read_text(encoding="utf-8")
    example = text.split("```toml\n")[1].split("```")[0]
    (tmp_path / "baseline.toml").write_text((SCENARIOS / "baseline.toml").read_text())
    (tmp_path / "cheaper_visas_2027.toml").write_text(example)
    scenario = load_scenario(tmp_path / "cheaper_visas_2027.toml")
    assert scenario.name == "cheaper_visas_2027"
    values = dict(zip(scenario.compile_inputs().months,
                      scenario.compile_inputs().series["visa_processing_capacity"], strict=True))
    assert values["2027-01"] == 0.24 and values["2027-07"] == pytest.approx(0.62)
    assert scenario.resolved_parameters()["peer_rate"] == 0.1
