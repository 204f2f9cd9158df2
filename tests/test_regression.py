"""Regression baseline: summary numbers of fixed seeded runs against a committed file.

A change in the model's numbers fails here until it is acknowledged by refreshing the file
with ``python tests/regression/update_baseline.py`` (never automatically).
"""

import json

import pytest

from tests.regression.update_baseline import BASELINE_FILE, summary_numbers


def test_summary_numbers_match_the_committed_baseline():
    expected = json.loads(BASELINE_FILE.read_text())
    actual = summary_numbers()
    assert actual.keys() == expected.keys()
    for key, value in expected.items():
        # Same seed, same platform: identical up to floating-point reassociation.
        assert actual[key] == pytest.approx(value, abs=1e-9), key
