"""The model's mutable state: one numpy array per citizen attribute, and the monthly draws."""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from .streams import RandomStreams

#: Restriction types, in the order of the rows of ``MonthlyDraws.restriction``.
RESTRICTIONS = ("consumer_goods", "car_ban", "bank", "legal_residence", "closed_crossings")


@dataclass
class CitizenState:
    """Dynamic state of every citizen (index ``i`` is citizen ``i``).

    Attitudes ``r`` (toward Russia) and ``e`` (toward the EU) lie in [-1, 1]; the anchors are
    the Friedkin-Johnsen "prejudices" they are pulled back to. ``grievance`` lies in [0, 1];
    ``contact`` is the decaying stock of recent good EU trips.
    """

    r: np.ndarray
    e: np.ndarray
    r_anchor: np.ndarray
    e_anchor: np.ndarray
    stubbornness: np.ndarray   # monthly pull toward the anchor
    grievance: np.ndarray
    contact: np.ndarray
    attribution: np.ndarray    # probability of blaming the West for a restriction
    fear_base: np.ndarray      # fear at repression index 1
    has_visa: np.ndarray       # bool
    eu_ties: np.ndarray        # int16 close ties living in the EU
    present: np.ndarray        # bool: still living in Belarus

    def copy(self) -> CitizenState:
        """Return a deep copy (arrays copied)."""
        return CitizenState(**{f.name: getattr(self, f.name).copy() for f in fields(self)})


@dataclass
class MonthlyDraws:
    """Every random number one month uses, drawn up front from the named streams.

    Each array has one entry per citizen, resident or not, whatever the levers: the number of
    draws never depends on the state, so scenarios run with one seed share their noise, and
    the per-agent reference implementation can replay exactly the same month.
    """

    neighbour: np.ndarray      # peers: which tie to talk to
    visa_expiry: np.ndarray    # travel
    visa_application: np.ndarray
    visa_refusal: np.ndarray
    trip: np.ndarray
    trip_quality: np.ndarray
    exchange: np.ndarray
    restriction: np.ndarray    # restrictions: shape (len(RESTRICTIONS), N)
    emigration: np.ndarray     # emigration
    emigration_west: np.ndarray
    noise: np.ndarray          # noise: shape (2, N), standard normal

    @classmethod
    def draw(cls, streams: RandomStreams, n: int, out: MonthlyDraws | None = None) -> MonthlyDraws:
        """Draw one month from the named streams, in a fixed order.

        Pass last month's draws as ``out`` to refill its arrays rather than allocate new ones
        (at millions of citizens, fresh arrays cost page faults every month). The numbers are
        the same either way: each stream fills its arrays in the same order.
        """
        if out is None:
            travel, emigration = np.empty((6, n)), np.empty((2, n))
            out = cls(
                neighbour=np.empty(n),
                visa_expiry=travel[0], visa_application=travel[1], visa_refusal=travel[2],
                trip=travel[3], trip_quality=travel[4], exchange=travel[5],
                restriction=np.empty((len(RESTRICTIONS), n)),
                emigration=emigration[0], emigration_west=emigration[1],
                noise=np.empty((2, n)),
            )
        for row in (out.visa_expiry, out.visa_application, out.visa_refusal, out.trip,
                    out.trip_quality, out.exchange):
            streams["travel"].random(out=row)
        for row in (out.emigration, out.emigration_west):
            streams["emigration"].random(out=row)
        streams["peers"].random(out=out.neighbour)
        streams["restrictions"].random(out=out.restriction)
        streams["noise"].standard_normal(out=out.noise)
        return out
