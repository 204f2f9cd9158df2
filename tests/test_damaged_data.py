"""Damaged data files: the shipped posterior and survey waves, and a fit's run history.

Each damage must be refused as bad input (exit status 2) naming the file, the line, the row
and the column, before the command writes anything; ``--no-posterior`` must not even look at
the posterior.
"""

from __future__ import annotations

import os

import pytest

from model import cli
from model.commands._executor import Setup
from model.inputs.errors import InputError
from model.inputs.posterior import Posterior, default_posterior_path
from model.inputs.scenario import baseline
from model.inputs.scenario_files import write_scenario
from model.inputs.survey_data import load_waves, waves_path
from tests.helpers import SEED_ENSEMBLE

POSTERIOR = default_posterior_path()
QUICK = [*SEED_ENSEMBLE, "--seeds", "1", "--citizens", "300", "--workers", "1", "--no-plots"]


@pytest.fixture(scope="module")
def short_scenario(tmp_path_factory):
    folder = tmp_path_factory.mktemp("scenario")
    return write_scenario(baseline().with_changes(name="short", end="2020-12"),
                          folder / "short.toml")


def damaged(path, tmp_path, row: int, column: str, text: str) -> os.PathLike:
    """Return a copy of a CSV file with one cell (row 1 = first data row) replaced."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    header = lines[0].rstrip("\n").split(",")
    cells = lines[row].rstrip("\n").split(",")
    cells[header.index(column)] = text
    lines[row] = ",".join(cells) + "\n"
    copy = tmp_path / path.name
    copy.write_text("".join(lines), encoding="utf-8")
    return copy


def renamed_column(path, tmp_path, old: str, new: str | None):
    """Return a copy with one header name changed (None: the column dropped)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    index = lines[0].split(",").index(old)
    rows = []
    for line in lines:
        cells = line.split(",")
        if new is None:
            del cells[index]
        elif line is lines[0]:
            cells[index] = new
        rows.append(",".join(cells))
    copy = tmp_path / path.name
    copy.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return copy


# --- the posterior --------------------------------------------------------------------------
@pytest.mark.parametrize(("row", "column", "text", "allowed"), [
    (3, "weight", "nan", "a finite number"),
    (3, "weight", "inf", "a finite number"),
    (3, "weight", "0", "a weight above 0"),
    (3, "weight", "-0.001", "a weight from 0 to 1"),
    (7, "peer_rate", "", "the cell is empty"),
    (7, "peer_rate", "fast", "a finite number"),
    (7, "peer_rate", "0.9", "must lie in [0, 0.5]"),
    (7, "war_shock", "-inf", "a finite number"),
])
def test_a_damaged_posterior_cell_is_named_by_line_row_and_column(tmp_path, row, column, text,
                                                                   allowed):
    path = damaged(POSTERIOR, tmp_path, row, column, text)
    with pytest.raises(InputError) as caught:
        Posterior.from_csv(path)
    error = caught.value
    assert (error.source, error.line, error.key) == (str(path), row + 1,
                                                     f"row {row}, column {column}")
    assert allowed in error.allowed


def test_weights_must_sum_to_one(tmp_path):
    path = damaged(POSTERIOR, tmp_path, 3, "weight", "0.5")
    with pytest.raises(InputError, match="weights summing to 1"):
        Posterior.from_csv(path)


@pytest.mark.parametrize(("old", "new", "message"), [
    ("contact_gain", None, "'contact_gain' missing"),  # used to run at its default, silently
    ("contact_gain", "contact_gian", "'contact_gian' is not one of them"),
    ("contact_gain", "peer_rate", "each column once"),
    ("weight", "weights", "'weights' is not one of them"),
])
def test_a_posterior_with_a_missing_unknown_or_repeated_column_is_refused(tmp_path, old, new,
                                                                          message):
    path = renamed_column(POSTERIOR, tmp_path, old, new)
    with pytest.raises(InputError) as caught:
        Posterior.from_csv(path)
    assert caught.value.line == 1 and message in str(caught.value)


@pytest.mark.parametrize(("content", "message"), [
    (b"", "the file is empty"),
    (b"weight\n", "missing"),
    (b"\xff\xfe not text", "a readable UTF-8 CSV file"),
])
def test_an_empty_truncated_or_binary_posterior_is_refused(tmp_path, content, message):
    path = tmp_path / "posterior.csv"
    path.write_bytes(content)
    with pytest.raises(InputError, match=message):
        Posterior.from_csv(path)


def test_a_short_row_is_refused(tmp_path):
    lines = POSTERIOR.read_text().splitlines()
    lines[5] = lines[5].rsplit(",", 1)[0]
    path = tmp_path / "posterior.csv"
    path.write_text("\n".join(lines) + "\n")
    columns = len(lines[0].split(","))
    with pytest.raises(InputError, match=f"{columns} cells, as in the header; this row has "
                                         f"{columns - 1}") as caught:
        Posterior.from_csv(path)
    assert caught.value.line == 6


def test_run_refuses_a_damaged_posterior_before_writing_anything(short_scenario, tmp_path,
                                                                 capsys):
    path = damaged(POSTERIOR, tmp_path, 3, "weight", "nan")
    out = tmp_path / "out"
    status = cli.main(["run", str(short_scenario), *QUICK, "--out", str(out)],
                      setup=Setup(posteriors=path.parent))
    err = capsys.readouterr().err
    assert status == 2, err
    assert f"{path}:4: row 3, column weight = nan" in err and "Traceback" not in err
    assert not out.exists()


def test_no_posterior_never_opens_the_posterior(short_scenario, tmp_path):
    fifo = tmp_path / "grievance.csv"
    os.mkfifo(fifo)  # opening it, or even checking it as a table, would fail or wait
    out = tmp_path / "out"
    assert cli.main(["run", str(short_scenario), *QUICK, "--no-posterior", "--out", str(out)],
                    setup=Setup(posteriors=tmp_path)) == 0
    assert (out / "manifest.json").is_file()


# --- the survey waves ------------------------------------------------------------------------
@pytest.mark.parametrize(("row", "column", "text", "allowed"), [
    (1, "russia", "127.2", "a percentage from 0 to 100"),
    (1, "russia", "nan", "a finite number"),
    (13, "eu", "40", "these sum to 125"),
    (2, "sample_n", "-864", "a whole number from 1"),
    (2, "sample_n", "86.4", "a whole number from 1"),
    (4, "field_end", "2021-12-01", "a date not before field_start 2022-01-20"),
    (4, "field_start", "2022-13", 'a month "YYYY-MM" or a day "YYYY-MM-DD"'),
    (4, "wave_label", "", "a label naming the wave"),
])
def test_a_damaged_waves_cell_is_named_by_line_row_and_column(tmp_path, row, column, text,
                                                              allowed):
    path = damaged(waves_path(), tmp_path, row, column, text)
    with pytest.raises(InputError) as caught:
        load_waves(path)
    assert caught.value.line == row + 1 and f"row {row}, column" in caught.value.key
    assert allowed in str(caught.value)


def test_run_refuses_damaged_waves_before_running(short_scenario, tmp_path, capsys):
    path = renamed_column(waves_path(), tmp_path, "both", None)
    out = tmp_path / "out"
    status = cli.main(["run", str(short_scenario), *QUICK, "--no-posterior", "--out", str(out)],
                      setup=Setup(waves_file=path))
    assert status == 2
    assert "'both' missing" in capsys.readouterr().err
    assert not out.exists()


# --- a fit's run history ---------------------------------------------------------------------
@pytest.mark.parametrize("content", [b"not a database at all" * 10, b"SQLite format 3\x00" * 2])
def test_calibrate_refuses_a_damaged_run_history_before_fitting(tmp_path, capsys, content):
    out = tmp_path / "calibration"
    out.mkdir()
    (out / "abc.db").write_bytes(content)
    assert cli.main(["calibrate", "--particles", "10", "--max-simulations", "30",
                     "--workers", "1", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"{out / 'abc.db'}: file: an ABC run history (SQLite)" in err
    assert "delete it to fit afresh" in err and "Traceback" not in err
    assert sorted(p.name for p in out.iterdir()) == ["abc.db"]


def test_the_shipped_files_pass_their_own_checks():
    rows = len(POSTERIOR.read_text().splitlines()) - 1
    assert len(Posterior.from_csv(POSTERIOR).weights) == rows >= 200
    assert load_waves()[0].label == "CH W1 Sep 2020"
