"""The Sep 2020 world of a run, remembered so that runs of one draw in many scenarios share it.

Building the start (the population, the attitudes that reproduce the first wave, the
network, the state at rest) is a fixed cost of a quarter of a small run. It depends only on
the seed, the population size, the parameters, the first month's inputs and the survey
design, and most scenarios differ from each other only later: an ensemble runs each draw
in every scenario, an attribution each draw in every coalition of factors. So each process
remembers the last few starts it built, under a key of exactly those inputs, and hands out
a copy of the state (the only part a run changes); the population, network and survey are
shared, as they are read-only. A start from the cache is the start that would be built,
bit for bit (``tests/test_start_cache.py``).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from typing import NamedTuple

import numpy as np

from .network import Network
from .population import Population
from .state import CitizenState

#: Starts each process remembers: the scenarios of one draw run one after another, so a
#: few are enough (``run`` and ``attribute`` hand out their tasks draw by draw).
REMEMBERED_STARTS = 4

#: Larger populations are not remembered: there the start is a small part of a run, and
#: its arrays would hold memory a large run needs.
REMEMBERED_CITIZENS_LIMIT = 200_000

_starts: OrderedDict[Hashable, Start] = OrderedDict()


class Start(NamedTuple):
    """The world of the first month, before any step; ``state`` is never handed out itself."""

    population: Population
    survey: object            # observation.VirtualSurvey
    network: Network
    state: CitizenState
    first: object             # month.Month, the first month's record
    loyalty_order: np.ndarray
    border_reference: float
    border_traffic: float
    initial_constants: np.ndarray


def start_key(seed: int, n: int, parameters: Mapping[str, float], first_inputs: Mapping[str, float],
              months_at_war: int, survey_design: Hashable) -> tuple:
    """Return the key of everything a start is built from."""
    return (int(seed), int(n), _items(parameters), _items(first_inputs), int(months_at_war),
            survey_design)


def _items(values: Mapping[str, float]) -> tuple[tuple[str, float], ...]:
    return tuple(sorted((name, float(value)) for name, value in values.items()))


def remembered_start(key: tuple, n: int, build: Callable[[], Start]) -> Start:
    """Return the start under ``key``, from ``build()`` if it is not remembered."""
    if n > REMEMBERED_CITIZENS_LIMIT:
        return build()
    start = _starts.get(key)
    if start is None:
        start = _starts[key] = build()
        while len(_starts) > REMEMBERED_STARTS:
            _starts.popitem(last=False)
    else:
        _starts.move_to_end(key)
    return start


def forget_starts() -> None:
    """Forget every remembered start (for tests and benchmarks that time the build)."""
    _starts.clear()
