"""``docs/levers.md`` and ``scenarios/baseline.toml`` are generated from the registry."""

import re
from pathlib import Path

import numpy as np

from model import docs
from model.core.simulate import simulate
from model.inputs import registry
from model.inputs.scenario import baseline
from model.inputs.scenario_files import load_scenario

ROOT = Path(__file__).parent.parent


def test_committed_generated_files_are_up_to_date():
    stale = docs.stale_files(ROOT)
    assert not stale, f"out of date: {stale}; run `{docs.REGENERATE}` and commit the result"


def test_a_registry_change_makes_the_files_stale(tmp_path, monkeypatch):
    assert docs.write_generated_files(tmp_path) == [docs.LEVERS_MD, docs.BASELINE_TOML]
    assert docs.stale_files(tmp_path) == []
    fee = registry.get("visa_fee_eur")
    changed = fee.__class__(**{**fee.__dict__, "history": (
        registry.Point("2020-09", 60, "a different source"),)})
    monkeypatch.setattr(registry, "LEVERS", (changed, *registry.LEVERS[1:]))
    monkeypatch.setattr(registry, "ALL", registry.LEVERS + registry.EXOGENOUS
                        + registry.PARAMETERS)
    assert docs.stale_files(tmp_path) == [docs.LEVERS_MD, docs.BASELINE_TOML]
    assert '"2020-09" = 60' in docs.baseline_toml()


def test_generated_baseline_equals_the_code_baseline():
    from_file = load_scenario(ROOT / docs.BASELINE_TOML)
    in_code = baseline()
    assert (from_file.start, from_file.end, from_file.citizens, from_file.seeds) == (
        in_code.start, in_code.end, in_code.citizens, in_code.seeds)
    for name, values in in_code.compile_inputs().series.items():
        np.testing.assert_array_equal(from_file.compile_inputs().series[name], values, name)
    assert dict(from_file.resolved_parameters()) == dict(in_code.resolved_parameters())
    short = {"end": "2021-06"}
    one = simulate(from_file.with_changes(**short), seed=5, n_citizens=500)
    two = simulate(in_code.with_changes(**short), seed=5, n_citizens=500)
    np.testing.assert_array_equal(one.array, two.array)


def test_baseline_file_gives_every_point_its_source():
    text = (ROOT / docs.BASELINE_TOML).read_text(encoding="utf-8")
    assert text.startswith("# GENERATED FILE: do not edit by hand.")
    assert docs.REGENERATE in text
    comments = " ".join(line[2:] for line in text.splitlines() if line.startswith("# "))
    comments = re.sub(r"\s+", " ", comments)
    for quantity in registry.LEVERS + registry.EXOGENOUS:
        assert f"[{'levers' if quantity in registry.LEVERS else 'exogenous'}.{quantity.name}]" \
            in text
        for point in quantity.history:
            assert re.sub(r"\s+", " ", point.source) in comments, (quantity.name, point.month)


def test_levers_doc_has_one_row_per_registry_entry():
    text = (ROOT / docs.LEVERS_MD).read_text(encoding="utf-8")
    main_table, priors = text.split("## Calibration priors")
    priors, projections = priors.split("## Uncertainty in projections")
    rows = [line for line in main_table.splitlines() if line.startswith("| `")]
    futures, held = projections.split("held at their defaults")
    assert [row.split("`")[1] for row in futures.splitlines() if row.startswith("| `")] == [
        q.name for q in registry.EXOGENOUS if q.future is not None]
    assert [row.split("`")[1] for row in held.splitlines() if row.startswith("| `")] == [
        q.name for q in registry.PARAMETERS if q.held]
    assert [row.split("`")[1] for row in rows] == [q.name for q in registry.ALL]
    prior_rows = [line for line in priors.splitlines() if line.startswith("| `")]
    assert [row.split("`")[1] for row in prior_rows] == [
        q.name for q in registry.PARAMETERS if q.calibrated]
    low, high = registry.get("contact_gain").prior
    prior_text = f"| {docs.number(low)} to {docs.number(high)} |"
    assert any(prior_text in row for row in prior_rows if "`contact_gain`" in row)
    peer = next(row for row in rows if row.startswith("| `peer_rate`"))
    quantity = registry.get("peer_rate")
    assert "| parameter |" in peer
    assert f"| {docs.bounds_text(quantity)} | {docs.number(quantity.default)} |" in peer
    fee = next(row for row in rows if row.startswith("| `open_crossings_poland`"))
    assert "2021-11: 2<br>" in fee and "2021-11: Kuznica-Bruzgi closed" in fee


def test_check_mode_reports_stale_files(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(docs, "ROOT", tmp_path)
    assert docs.main(["--check"]) == 1
    assert "out of date: docs/levers.md" in capsys.readouterr().err
    assert docs.main([]) == 0
    assert docs.main(["--check"]) == 0
