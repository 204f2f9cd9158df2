"""Behavioural and observation parameters: registry defaults plus validated overrides."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import NamedTuple

from . import registry
from .errors import unknown_name_message
from .registry import Group

#: Every behavioural parameter as a float, in registry order: the form the compiled engine
#: reads (numba accepts named tuples; a Mapping it cannot). Built by ``Parameters.record``.
ParameterValues = NamedTuple("ParameterValues",
                             [(name, float) for name in registry.names(Group.PARAMETER)])


class Parameters(Mapping[str, float]):
    """An immutable set of every behavioural parameter, read as ``params.peer_rate``.

    Defaults come from the registry; ``overrides`` replace some of them after checking the
    name, type and bounds.
    """

    def __init__(self, overrides: Mapping[str, float] | None = None):
        values = registry.default_parameters()
        for name, value in (overrides or {}).items():
            quantity = registry.get(name)
            if quantity.group is not Group.PARAMETER:
                raise KeyError(f"{name!r} is a {quantity.group}, not a parameter")
            try:
                values[name] = quantity.check(value)
            except (TypeError, ValueError) as error:
                raise type(error)(f"parameter {name!r}: {error}") from None
        self._values = values

    def __getattr__(self, name: str) -> float:
        try:
            return self.__dict__["_values"][name]
        except KeyError:
            raise AttributeError(unknown_name_message(name, self._values)) from None

    def __getitem__(self, name: str) -> float:
        return self._values[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def record(self) -> ParameterValues:
        """Return every value as a ``ParameterValues`` record (for the compiled engine)."""
        return ParameterValues(*(float(self._values[name]) for name in ParameterValues._fields))

    def replace(self, **changes: float) -> Parameters:
        """Return a copy with some values changed (checked like any override)."""
        return Parameters({**self._values, **changes})

    def __repr__(self) -> str:
        changed = {k: v for k, v in self._values.items()
                   if v != registry.get(k).default}
        return f"Parameters({changed})"
