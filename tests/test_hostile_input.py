"""Hostile input that is not a malformed scenario: odd files, odd numbers, odd characters.

Each case must end in an ``InputError`` (exit status 2 on the command line) that names what
was given and what is allowed: never a traceback, a hang or a silently different run.
"""

import math
import os

import pytest

from model import cli
from model.analysis.exploration import evaluate
from model.app.explorer_model import ExplorerModel
from model.app.settings import lever_controls
from model.inputs.calendar import parse_month
from model.inputs.errors import InputError
from model.inputs.scenario import ScenarioError, baseline
from model.inputs.scenario_files import MAX_EXTENDS_DEPTH, load_scenario, write_scenario
from model.inputs.toml_lines import escape_controls


def describe(path, *extra) -> int:
    return cli.main(["describe", str(path), *extra])


@pytest.fixture
def scenario(tmp_path):
    return write_scenario(baseline().with_changes(name="plain"), tmp_path / "plain.toml")


# --- files that are not scenario files -----------------------------------------------------
def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path):
    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)
    with pytest.raises(ScenarioError, match="a regular scenario file, not a FIFO"):
        load_scenario(fifo)  # reading it would block until a writer came


def test_a_symbolic_link_loop_is_named_as_one(tmp_path):
    (tmp_path / "a.toml").symlink_to(tmp_path / "b.toml")
    (tmp_path / "b.toml").symlink_to(tmp_path / "a.toml")
    with pytest.raises(ScenarioError, match="loop of symbolic links"):
        load_scenario(tmp_path / "a.toml")


def test_a_dangling_link_and_a_directory_as_base_say_what_they_are(tmp_path):
    (tmp_path / "gone.toml").symlink_to(tmp_path / "missing.toml")
    with pytest.raises(ScenarioError, match="a symbolic link to a missing file"):
        load_scenario(tmp_path / "gone.toml")
    (tmp_path / "folder.toml").mkdir()
    (tmp_path / "child.toml").write_text('extends = "folder.toml"\n[levers]\nvisa_fee_eur = 5\n')
    with pytest.raises(ScenarioError, match=r"folder\.toml: file: a scenario file, not a dir"):
        load_scenario(tmp_path / "child.toml")


def test_a_byte_order_mark_is_read_past_by_load_and_describe(tmp_path, capsys):
    path = tmp_path / "notepad.toml"
    path.write_bytes(b"\xef\xbb\xbf" + b'name = "notepad"\n[levers]\nvisa_fee_eur = 5\n')
    assert load_scenario(path).name == "notepad"
    child = tmp_path / "child.toml"
    child.write_bytes(b'\xef\xbb\xbfextends = "notepad.toml"\n[levers]\nvisa_fee_eur = 6\n')
    assert describe(child) == 0
    assert "extends" in capsys.readouterr().out


def test_an_extends_chain_deeper_than_the_documented_limit_is_refused(tmp_path):
    (tmp_path / "f0.toml").write_text('name = "f0"\n[levers]\nvisa_fee_eur = 1\n')
    for i in range(1, MAX_EXTENDS_DEPTH + 1):
        (tmp_path / f"f{i}.toml").write_text(
            f'name = "f{i}"\nextends = "f{i - 1}.toml"\n[levers]\nvisa_fee_eur = 1\n')
    deepest_allowed = tmp_path / f"f{MAX_EXTENDS_DEPTH - 1}.toml"
    assert load_scenario(deepest_allowed).name == f"f{MAX_EXTENDS_DEPTH - 1}"
    # One more file on the chain: refused with the limit, not a RecursionError.
    with pytest.raises(ScenarioError) as caught:
        load_scenario(tmp_path / f"f{MAX_EXTENDS_DEPTH}.toml")
    assert f"at most {MAX_EXTENDS_DEPTH} files in an extends chain" in str(caught.value)


def test_an_integer_too_long_for_python_is_a_toml_error(tmp_path):
    path = tmp_path / "long.toml"
    path.write_text("[parameters]\nnetwork_degree = " + "9" * 5000 + "\n")
    with pytest.raises(ScenarioError, match="not a usable TOML file"):
        load_scenario(path)


# --- numbers ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("item", "message"), [
    ("peer_rate=nan", "must be a finite number in [0, 0.5]"),
    ("visa_fee_eur@2026-01=inf", "must be a finite number in [0, 200]"),
    ("exchange_participants=-inf", "must be a finite number in [0, 100000]"),
    ("network_degree=1e999", "must be a finite number in [4, 40]"),
    ("network_degree=1" + "0" * 30, "must lie in [4, 40] (ties per citizen), got ~1e30"),
    ("visa_fee_eur@٢٠٢٦-01=5", "dates are months written YYYY-MM"),
])
def test_set_refuses_non_finite_huge_and_foreign_digit_values(scenario, capsys, item, message):
    assert describe(scenario, "--set", item) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


@pytest.mark.parametrize(("keywords", "key", "allowed"), [
    ({"exchange_participants": math.inf}, "exchange_participants", "finite number"),
    ({"network_degree": math.nan}, "network_degree", "finite number"),
    ({"network_degree": 10**400}, "network_degree", "must lie in [4, 40]"),
    ({"seed": -1}, "seed", "a whole number from 0 to 4,294,967,295"),
    ({"seed": math.nan}, "seed", "a whole number from 0"),
    ({"n_citizens": 2.0**70}, "n_citizens", "a whole number from 1 to 9,100,000"),
])
def test_evaluate_refuses_non_finite_and_out_of_range_keywords(keywords, key, allowed):
    with pytest.raises(InputError) as caught:
        evaluate(horizon="2021-01", policy_month="2020-12", **keywords)
    assert caught.value.key == key and allowed in str(caught.value)


def test_the_app_refuses_non_numbers_from_a_slider_and_bad_model_sizes():
    control = next(c for c in lever_controls() if c.integer)
    for value in (math.nan, math.inf, "5"):
        with pytest.raises(InputError, match="a finite number from"):
            control.clip(value)
    for citizens, seed in ((math.nan, 0), (10**12, 0), (5_000, -1), (5_000, math.inf)):
        with pytest.raises(InputError, match="a whole number from"):
            ExplorerModel(citizens=citizens, seed=seed)


# --- characters ------------------------------------------------------------------------------
def test_months_take_ascii_digits_and_nothing_after():
    assert parse_month("2026-01") == 2026 * 12
    for text in ("2026-01\n", "２０２６-01", "2026-01 ", " 2026-01", "2026-1"):
        with pytest.raises(ValueError):
            parse_month(text)


def test_control_characters_in_what_the_user_typed_never_reach_the_terminal(scenario, capsys):
    assert describe(scenario, "--set", "\x1b[2Jvisa_fee_eur=5") == 2
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\\u001b[2Jvisa_fee_eur" in err
    assert describe(str(scenario.parent / "\x1b]0;title\x07.toml")) == 2
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\x07" not in err and "\\u001b]0;title\\u0007.toml" in err


def test_escapes_keep_text_readable():
    assert escape_controls("a\tb\u202ec\x7f") == "a\\tb\\u202ec\\u007f"
    assert escape_controls("plain ünïcode") == "plain ünïcode"
