"""Months as integers: the model's only clock.

A month is written ``YYYY-MM`` in files and on the command line, and counted as an integer
index from the run's start month inside the model (one step = one month).
"""

from __future__ import annotations

import calendar
import re
from functools import cache

#: ASCII digits only (``\d`` also matches other scripts' digits) and nothing after the month
#: (``$`` would let a trailing newline through): the whole text must be the month.
_MONTH = re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])")


def parse_month(text: str) -> int:
    """Return the absolute month number (year * 12 + month - 1) of ``YYYY-MM``.

    Raises:
        ValueError: if ``text`` is not a ``YYYY-MM`` string (ASCII digits, nothing around it).
    """
    number = _month_number(str(text))
    if number is None:
        raise ValueError(f"{text!r} is not a month written YYYY-MM")
    return number


@cache  # a scenario's timelines parse the same few hundred months thousands of times
def _month_number(text: str) -> int | None:
    match = _MONTH.fullmatch(text)
    return None if match is None else int(match.group(1)) * 12 + int(match.group(2)) - 1


def days_in_month(month: str) -> int:
    """Return the number of days of ``YYYY-MM``."""
    parse_month(month)
    return calendar.monthrange(int(month[:4]), int(month[5:7]))[1]


def format_month(absolute: int) -> str:
    """Return ``YYYY-MM`` for an absolute month number."""
    year, month0 = divmod(int(absolute), 12)
    return f"{year:04d}-{month0 + 1:02d}"


def month_range(start: str, end: str) -> list[str]:
    """Return every month from ``start`` to ``end`` inclusive, as ``YYYY-MM`` strings."""
    first, last = parse_month(start), parse_month(end)
    return [format_month(m) for m in range(first, last + 1)]


def months_between(start: str, end: str) -> int:
    """Return the number of monthly steps from ``start`` to ``end`` (0 when equal)."""
    return parse_month(end) - parse_month(start)
