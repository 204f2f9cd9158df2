"""``python run.py levers`` and ``python run.py describe``."""

from pathlib import Path

import numpy as np

from model.cli import main
from model.inputs import registry
from model.inputs.scenario_files import load_scenario

ROOT = Path(__file__).parent.parent
SCENARIOS = ROOT / "scenarios"


def run(capsys, *argv):
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_levers_lists_every_registry_entry(capsys):
    status, out, _ = run(capsys, "levers")
    assert status == 0
    for quantity in registry.ALL:
        assert f"\n{quantity.name} " in out, quantity.name
    assert "visa_fee_eur              EUR per Schengen visa" in out
    assert "peer_rate" in out and "0 to 0.5" in out


def test_levers_can_list_one_group(capsys):
    _, out, _ = run(capsys, "levers", "--group", "exogenous")
    assert "propaganda_state" in out
    assert "visa_fee_eur" not in out and "peer_rate" not in out


def test_levers_shows_one_entry_in_full(capsys):
    status, out, _ = run(capsys, "levers", "car_plate_ban")
    assert status == 0
    for point in registry.get("car_plate_ban").history:
        assert f"  {point.month}" in out
    assert "Lithuania extends the ban" in out


def test_levers_refuses_an_unknown_name_with_exit_2(capsys):
    status, out, err = run(capsys, "levers", "car_plate_bn")
    assert status == 2 and out == ""
    assert "car_plate_bn" in err and "did you mean 'car_plate_ban'?" in err


def test_describe_shows_every_timeline_and_marks_the_changes(capsys):
    status, out, _ = run(capsys, "describe", str(SCENARIOS / "reopen_crossings.toml"))
    assert status == 0
    for name in registry.names(registry.Group.LEVER) + registry.names(registry.Group.EXOGENOUS):
        assert f"\n  {name}  [" in out, name
    assert "Levers (4 of 13 differ from the registry history" in out
    assert "extends " + str(SCENARIOS / "baseline.toml") in out
    poland = out.split("\n  open_crossings_poland  [")[1].split("\n  open_crossings_lith")[0]
    assert "(changed)" in poland and "* 2026-01           5" in poland
    assert "  2021-11           2" in poland
    assert "* 2026-07  ramp to 1" in out
    assert "none: every parameter at its default" in out


def test_describe_applies_overrides(capsys):
    status, out, _ = run(capsys, "describe", str(SCENARIOS / "baseline.toml"),
                         "--set", "visa_fee_eur@2026-01=10", "--set", "peer_rate=0.1")
    assert status == 0
    assert "* 2026-01           10" in out
    assert f"peer_rate = 0.1  (default {registry.get('peer_rate').default:g}" in out
    assert "Command-line overrides (--set): visa_fee_eur@2026-01=10; peer_rate=0.1." in out


def test_describe_marks_points_a_shortened_run_never_reaches(capsys, tmp_path):
    short = tmp_path / "short.toml"
    short.write_text(f'extends = "{SCENARIOS / "visa_facilitation.toml"}"\n'
                     '[run]\nend = "2026-06"\n')
    _, out, _ = run(capsys, "describe", str(short))
    assert "2027-01  ramp to 1   (after the run's end: not reached)" in out


def test_describe_toml_output_loads_as_the_same_scenario(capsys, tmp_path):
    status, out, _ = run(capsys, "describe", str(SCENARIOS / "propaganda_surge.toml"), "--toml")
    assert status == 0
    path = tmp_path / "resolved.toml"
    path.write_text(out)
    again, original = load_scenario(path), load_scenario(SCENARIOS / "propaganda_surge.toml")
    assert again.description == original.description
    for name, values in original.compile_inputs().series.items():
        np.testing.assert_array_equal(again.compile_inputs().series[name], values)


def test_describe_refuses_a_bad_file_with_exit_2(capsys):
    bad = ROOT / "tests" / "scenario_gallery" / "timeline_out_of_order.toml"
    status, out, err = run(capsys, "describe", str(bad))
    assert status == 2 and out == ""
    assert err.startswith(f"error: {bad}:6: levers.visa_refusal_rate.2026-01 = 0.01: ")
