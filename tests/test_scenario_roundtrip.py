"""A resolved scenario written back to TOML and loaded again runs the same."""

import shutil
import tomllib
from pathlib import Path

import numpy as np
import pytest

from model.core.simulate import simulate
from model.inputs import registry
from model.inputs.overrides import apply_overrides
from model.inputs.scenario_files import load_scenario, scenario_to_dict, write_scenario

SCENARIOS = Path(__file__).parent.parent / "scenarios"
LIBRARY = sorted(SCENARIOS.glob("*.toml"))
SHORT_END = "2026-03"


def assert_same_scenario(a, b):
    assert (a.name, a.description, a.start, a.end, a.citizens, a.seeds) == (
        b.name, b.description, b.start, b.end, b.citizens, b.seeds)
    inputs_a, inputs_b = a.compile_inputs(), b.compile_inputs()
    assert inputs_a.series.keys() == inputs_b.series.keys()
    for name in inputs_a.series:
        np.testing.assert_array_equal(inputs_a.series[name], inputs_b.series[name], name)
    assert dict(a.resolved_parameters()) == dict(b.resolved_parameters())


def assert_same_run(a, b):
    one = simulate(a.with_changes(end=SHORT_END), seed=3, n_citizens=400)
    two = simulate(b.with_changes(end=SHORT_END), seed=3, n_citizens=400)
    np.testing.assert_array_equal(one.array, two.array)


def resolved_variants():
    """Every library scenario, and one with overrides of every kind on top."""
    scenarios = [load_scenario(path) for path in LIBRARY]
    scenarios.append(apply_overrides(
        load_scenario(SCENARIOS / "engagement_package.toml"),
        ["peer_rate=0.1", "network_degree=12", "propaganda_state@2026-06=2.2",
         "exchange_participants@2028-01=4000"]))
    return scenarios


@pytest.mark.parametrize("scenario", resolved_variants(), ids=lambda s: s.name)
def test_written_and_reloaded_scenario_runs_the_same(scenario, tmp_path):
    path = write_scenario(scenario, tmp_path / "resolved.toml")
    again = load_scenario(path)
    assert_same_scenario(scenario, again)
    assert_same_run(scenario, again)
    # Writing the reloaded scenario gives the same file: the form is stable.
    assert write_scenario(again, tmp_path / "again.toml").read_text() == path.read_text()


def test_complete_record_lists_every_input_and_reloads_the_same(tmp_path):
    scenario = resolved_variants()[-1]
    table = scenario_to_dict(scenario, complete=True)
    assert set(table["levers"]) == set(registry.names(registry.Group.LEVER))
    assert set(table["exogenous"]) == set(registry.names(registry.Group.EXOGENOUS))
    assert set(table["parameters"]) == set(registry.names(registry.Group.PARAMETER))
    assert table["parameters"]["network_degree"] == 12
    assert isinstance(table["parameters"]["network_degree"], int)
    again = load_scenario(write_scenario(scenario, tmp_path / "complete.toml", complete=True))
    assert_same_scenario(scenario, again)


def test_written_against_a_base_only_the_changes_are_listed(tmp_path):
    shutil.copy(SCENARIOS / "baseline.toml", tmp_path / "baseline.toml")
    base = load_scenario(tmp_path / "baseline.toml")
    policy = apply_overrides(load_scenario(SCENARIOS / "restore_banking.toml"),
                             ["peer_rate=0.1"]).with_changes(seeds=4)
    path = write_scenario(policy, tmp_path / "diff.toml", base=base, extends="baseline.toml")
    table = tomllib.loads(path.read_text())
    assert table["extends"] == "baseline.toml"
    assert table["run"] == {"seeds": 4}
    assert set(table["levers"]) == {"eu_bank_access", "legal_residence_ease"}
    assert table["parameters"] == {"peer_rate": 0.1}
    assert "exogenous" not in table
    assert_same_scenario(policy, load_scenario(path))


def test_complete_and_base_do_not_mix():
    scenario = load_scenario(SCENARIOS / "baseline.toml")
    with pytest.raises(ValueError, match="give no base"):
        scenario_to_dict(scenario, base=scenario, complete=True)
