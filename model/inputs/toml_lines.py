"""TOML text for error messages: the line of a key, and a value written as in a file.

``tomllib`` reports a line only for syntax errors; a semantic error (an unknown lever, a value
out of bounds) is found after parsing, when the line is gone. ``key_line`` finds it again by
scanning the text for table headers (``[levers.visa_fee_eur]``) and ``key =`` lines, so an
error can read ``scenario.toml:12: levers.visa_fee_eur.2026-01 = 500: ...``.

It is a locator, not a parser: it understands bare, quoted and dotted keys, table headers and
multi-line strings, which is all a scenario file uses. A key inside an inline table
(``lever = { "2026-01" = 5 }``) is reported at the line of the inline table.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Mapping, Sequence
from numbers import Integral

_BARE = r"[A-Za-z0-9_-]+"
_BASIC = r'"(?:[^"\\]|\\.)*"'
_LITERAL = r"'[^']*'"
_SIMPLE_KEY = rf"(?:{_BARE}|{_BASIC}|{_LITERAL})"
_DOTTED_KEY = rf"{_SIMPLE_KEY}(?:\s*\.\s*{_SIMPLE_KEY})*"
_HEADER = re.compile(rf"^\s*\[\[?\s*(?P<key>{_DOTTED_KEY})\s*\]\]?")
_ASSIGNMENT = re.compile(rf"^\s*(?P<key>{_DOTTED_KEY})\s*=")
_PART = re.compile(_SIMPLE_KEY)
#: Characters that steer a terminal or reorder text rather than show: C0 and C1 controls,
#: DEL, the line and paragraph separators, and the bidirectional marks and overrides.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u2028-\u202e\u2066-\u2069]")
_SHORT_ESCAPES = {"\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


def escape_controls(text: str) -> str:
    r"""Return ``text`` with every control character written as a TOML escape (``\u001b``).

    Messages show what the user gave; written raw, an escape sequence in a name would reach
    the terminal and act there.
    """
    return CONTROL_CHARACTERS.sub(
        lambda found: _SHORT_ESCAPES.get(found[0], f"\\u{ord(found[0]):04x}"), text)


def _split_key(dotted: str) -> tuple[str, ...]:
    parts = []
    for match in _PART.finditer(dotted):
        part = match.group(0)
        if part[0] in "\"'":
            # Let the TOML reader itself undo quoting and escapes.
            part = next(iter(tomllib.loads(f"{part} = 0")))
        parts.append(part)
    return tuple(parts)


def key_lines(text: str) -> list[tuple[tuple[str, ...], int]]:
    """Return every table header and key of ``text`` as (full key path, 1-based line)."""
    found: list[tuple[tuple[str, ...], int]] = []
    table: tuple[str, ...] = ()
    in_string: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if in_string is not None:
            # Inside a multi-line string: only its closing delimiter matters.
            if line.count(in_string) % 2 == 1:
                in_string = None
            continue
        header = _HEADER.match(line)
        if header:
            table = _split_key(header["key"])
            found.append((table, number))
            continue
        assignment = _ASSIGNMENT.match(line)
        if assignment:
            found.append(((*table, *_split_key(assignment["key"])), number))
            rest = line[assignment.end():]
            for delimiter in ('"""', "'''"):
                if rest.count(delimiter) % 2 == 1:
                    in_string = delimiter
                    break
    return found


def key_line(text: str, key: Sequence[str]) -> int | None:
    """Return the line that best locates ``key`` (a path such as ``("levers", "visa_fee_eur")``).

    The first line whose key path is the longest prefix of ``key`` wins: the key itself if it
    is written on a line of its own, else the inline table or table header that holds it.
    Returns None when not even the first part of the key appears.
    """
    key = tuple(str(part) for part in key)
    best, best_length = None, 0
    for path, number in key_lines(text):
        length = len(path)
        if length > best_length and key[:length] == path:
            best, best_length = number, length
            if length == len(key):
                break
    return best


def number_text(value: object) -> str:
    """Return ``repr(value)``, a huge integer shortened to its order of magnitude.

    ``repr`` refuses integers of more than 4,300 digits, and a message needs no more than
    the size of a number that is out of bounds anyway.
    """
    if isinstance(value, Integral) and not isinstance(value, bool) and abs(value) > 10**18:
        return f"~{'-' if value < 0 else ''}1e{int(abs(value).bit_length() * math.log10(2))}"
    return repr(value)


def toml_value(value: object) -> str:
    """Return ``value`` written as it would appear in a TOML file (for error messages)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        escaped = escape_controls(value.replace("\\", "\\\\").replace('"', '\\"'))
        return f'"{escaped}"'
    if isinstance(value, Mapping):
        inner = ", ".join(f"{_toml_key(str(k))} = {toml_value(v)}" for k, v in value.items())
        return f"{{ {inner} }}" if inner else "{}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return number_text(value)


def _toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key) else toml_value(key)
