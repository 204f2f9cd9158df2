"""Finding the line of a key in TOML text, for error messages."""

from model.inputs.toml_lines import key_line, key_lines

TEXT = '''\
name = "x"
description = """
[levers]
visa_fee_eur = 1
"""
extends = "base.toml"

[run]
end = "2027-12"

[levers]
visa_fee_eur = { "2026-01" = 10 }
"open_crossings_poland" = 5
parameters.peer_rate = 0.1

[levers.bus_routes]
"2026-01" = 0.75
'2026-07' = { value = 1.0, ramp = true }

[[notes]]
text = "an array of tables"
'''


def test_keys_inside_a_multiline_string_are_ignored():
    paths = [path for path, _ in key_lines(TEXT)]
    assert ("levers",) in paths
    assert key_line(TEXT, ["levers"]) == 11
    assert key_line(TEXT, ["extends"]) == 6


def test_keys_under_headers_and_quoted_keys():
    assert key_line(TEXT, ["run", "end"]) == 9
    assert key_line(TEXT, ["levers", "open_crossings_poland"]) == 13
    assert key_line(TEXT, ["levers", "bus_routes", "2026-01"]) == 17
    assert key_line(TEXT, ["levers", "bus_routes", "2026-07", "ramp"]) == 18
    assert key_line(TEXT, ["notes", "text"]) == 21


def test_dotted_keys_and_inline_tables():
    assert key_line(TEXT, ["levers", "parameters", "peer_rate"]) == 14
    # A key inside an inline table is reported at the inline table's line.
    assert key_line(TEXT, ["levers", "visa_fee_eur", "2026-01"]) == 12


def test_the_nearest_enclosing_line_when_the_key_is_not_written():
    assert key_line(TEXT, ["levers", "bus_routes", "2030-01"]) == 16
    assert key_line(TEXT, ["run", "seeds"]) == 8
    assert key_line(TEXT, ["exogenous", "propaganda_state"]) is None
