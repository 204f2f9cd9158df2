"""Checks of plain values shared by files, options and function arguments.

A whole number, a finite number, a name: each check raises :class:`InputError` naming where
the value was given, the key, the value and what is allowed, so that every way into the
model refuses the same values with the same words.
"""

from __future__ import annotations

import math
from numbers import Integral, Real

from .errors import InputError
from .toml_lines import CONTROL_CHARACTERS

#: Seeds are unsigned 32-bit integers, what every numpy seed accepts.
MAX_SEED = 2**32 - 1


def is_number(value: object) -> bool:
    """Return True for an int or a float (numpy's included), not for a bool."""
    return isinstance(value, Real) and not isinstance(value, bool)


def is_finite(value: object) -> bool:
    """Return True for a number that is neither nan nor infinite (any size of int is)."""
    return is_number(value) and (isinstance(value, Integral) or math.isfinite(value))


def whole_number(source: str, key: str, value: object, low: int, high: int) -> int:
    """Return ``value`` as an int if it is a whole number from ``low`` to ``high``.

    A float is not a whole number here, even 3.0: counts are written as integers.

    Raises:
        InputError: naming the range, e.g. ``a whole number from 1 to 100,000``.
    """
    if not isinstance(value, Integral) or isinstance(value, bool) or not low <= value <= high:
        raise InputError(source, key, value, f"a whole number from {low:,} to {high:,}")
    return int(value)


def control_character(text: str, allow_newlines: bool = False) -> str | None:
    """Return the first control character in ``text`` as ``U+XXXX``, or None if it has none.

    Args:
        text: the text to check.
        allow_newlines: let newlines and tabs through (a description's paragraphs).
    """
    for found in CONTROL_CHARACTERS.finditer(text):
        if not (allow_newlines and found[0] in "\n\t"):
            return f"U+{ord(found[0]):04X}"
    return None


def plain_text(source: str, key: str, value: str, what: str,
               allow_newlines: bool = False) -> str:
    """Return ``value`` if it holds no control character.

    Names end up on the terminal and in CSV cells, where a control character would act
    (move the cursor, reorder text) instead of showing.

    Raises:
        InputError: naming the first control character found.
    """
    found = control_character(value, allow_newlines)
    if found:
        raise InputError(source, key, value,
                         f"{what} without control characters (found {found})")
    return value
