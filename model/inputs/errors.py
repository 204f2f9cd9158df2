"""Bad input, reported one way everywhere: where, which key, what value, and what is allowed.

Every check of a scenario file, a command-line option or a function argument raises
:class:`InputError` (or its subclass ``ScenarioError`` for what goes into a scenario); the
command line prints it and exits with status 2 before writing anything. A misspelt name gets
the nearest valid ones by one rule, :func:`nearest_names`.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from .toml_lines import escape_controls, toml_value

#: Stands for "no value to show" in an error (``KEY: ALLOWED`` instead of ``KEY = VALUE: ...``).
MISSING = object()


class InputError(ValueError):
    """Input that cannot be used, with where it was given and what is allowed.

    The message reads ``SOURCE[:LINE]: KEY = VALUE: ALLOWED``, the value written as in TOML,
    with control characters escaped (a file or key name could hold a terminal escape).

    Attributes:
        source: the file, option (``--workers``) or function (``evaluate``) given the input.
        key: what in it is wrong (a dotted file key, ``value`` for an option's value...).
        value: the value given, or ``MISSING``.
        allowed: what would be accepted, in words.
        line: the line in ``source``, when it is a file and the line is known.
    """

    def __init__(self, source: str, key: str, value: object, allowed: str,
                 line: int | None = None):
        self.source, self.key, self.value, self.allowed, self.line = (
            source, key, value, allowed, line)
        where = f"{source}:{line}" if line else source
        shown = "" if value is MISSING else f" = {toml_value(value)}"
        super().__init__(escape_controls(f"{where}: {key}{shown}: {allowed}"))

    def at_line(self, line: int | None) -> InputError:
        """Return the same error (of the same class) located at ``line`` of its source."""
        return type(self)(self.source, self.key, self.value, self.allowed, line)


def nearest_names(name: str, valid: Iterable[str]) -> list[str]:
    """Return the one or two valid names closest to ``name`` (none if nothing is close).

    A second name is offered only when it is almost as close as the first, so that
    ``peer_rat`` suggests ``peer_rate`` alone, not also ``peer_latitude``.
    """
    def score(candidate: str) -> float:
        return difflib.SequenceMatcher(None, name, candidate).ratio()

    close = difflib.get_close_matches(name, list(valid), n=2, cutoff=0.6)
    return [c for c in close if score(c) >= score(close[0]) - 0.05]


def did_you_mean(name: str, valid: Iterable[str]) -> str:
    """Return ``; did you mean 'x'?`` with the nearest valid names, or "" if none is close."""
    close = nearest_names(name, valid)
    return f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""


def unknown_name_message(name: str, valid: Iterable[str], noun: str = "name") -> str:
    """Return ``unknown NOUN 'name'`` with the nearest valid names, when one is close."""
    return f"unknown {noun} {name!r}{did_you_mean(name, valid)}"
