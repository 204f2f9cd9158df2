"""The attitude-change function shared by peers and media (Lorenz et al. 2021)."""

from __future__ import annotations

from numba import njit


@njit(cache=True, inline="always")
def clip(attitude):
    """Return an attitude clipped to [-1, 1]."""
    return min(max(attitude, -1.0), 1.0)


@njit(cache=True, inline="always")
def acceptance(squared_distance, scaled_latitude, half_sharpness):
    """Return how much of a message's pull is accepted at distance d.

    h(d) = lambda^k / (lambda^k + d^k)

    from d^2 and lambda^k, with k = 2 * ``half_sharpness`` (smooth bounded confidence:
    Lorenz, Neumann & Schweighofer 2021, doi 10.1037/rev0000291). Near messages are
    assimilated, far ones barely move the receiver; large k approaches a hard bound.
    Working from d^2 avoids a square root, and the common k = 2 and k = 4 avoid a power.
    """
    if half_sharpness == 1.0:
        scaled_distance = squared_distance
    elif half_sharpness == 2.0:
        scaled_distance = squared_distance * squared_distance
    else:
        scaled_distance = squared_distance**half_sharpness
    return scaled_latitude / (scaled_latitude + scaled_distance)
