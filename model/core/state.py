"""The model's mutable state: one numpy array per citizen attribute."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


class CitizenState(NamedTuple):
    """Dynamic state of every citizen (index ``i`` is citizen ``i``).

    Attitudes ``r`` (toward Russia) and ``e`` (toward the EU) lie in [-1, 1]; the anchors are
    the Friedkin-Johnsen "prejudices" they are pulled back to. ``grievance`` lies in [0, 1];
    ``contact`` is the decaying stock of recent good EU trips; ``last_trip_west`` the month
    of the last trip to the EU, good or humiliating (negative before the start: drawn from
    the travel of the five years before, ``core.rest``), read by the survey's "visited the EU
    in the last five years" (``core.subgroups``), by no rule. The anchors are solved at
    the start so that the Sep 2020 world is at rest (``core.rest``); they may lie outside
    [-1, 1], where the forces a citizen was under in 2020 held them. A named tuple of arrays, so
    the compiled engine reads and writes the same arrays as the Python code.
    """

    r: np.ndarray
    e: np.ndarray
    r_anchor: np.ndarray
    e_anchor: np.ndarray
    grievance: np.ndarray
    contact: np.ndarray
    has_visa: np.ndarray       # bool
    eu_ties: np.ndarray        # int16 close ties living in the EU
    russia_ties: np.ndarray    # int16 close ties living in Russia
    present: np.ndarray        # bool: still living in Belarus
    last_trip_west: np.ndarray  # int16 month (t) of the last trip to the EU, or NO_TRIP_WEST

    def copy(self) -> CitizenState:
        """Return a deep copy (arrays copied)."""
        return CitizenState(*(array.copy() for array in self))
