"""The attitude-change function shared by peers and media (Lorenz et al. 2021)."""

from __future__ import annotations

import numpy as np


def acceptance(distance: np.ndarray, latitude: float, sharpness: float,
               backfire: float = 0.0, rejection_distance: float = np.inf) -> np.ndarray:
    """Return how much of a message's pull is accepted at a given distance.

    h(d) = lambda^k / (lambda^k + d^k) - b * 1[d > t]

    Smooth bounded confidence (Lorenz, Neumann & Schweighofer 2021, doi
    10.1037/rev0000291): near messages are assimilated, far ones barely move the receiver;
    with ``backfire`` b > 0 messages beyond the rejection distance t push away (Jager &
    Amblard 2005). Large ``sharpness`` k approaches a hard confidence bound.
    """
    return acceptance_of_squared(np.square(distance), latitude, sharpness, backfire,
                                 rejection_distance)


def acceptance_of_squared(squared_distance: np.ndarray, latitude: float, sharpness: float,
                          backfire: float = 0.0,
                          rejection_distance: float = np.inf) -> np.ndarray:
    """Return ``acceptance`` from the squared distance d^2 = dr^2 + de^2.

    h = lambda^k / (lambda^k + (d^2)^(k/2)) - b * 1[d^2 > t^2]

    The monthly step calls this: the square root of a Euclidean distance (``np.hypot``) was
    the costliest operation of the step, and h only needs d^k.
    """
    scaled = latitude**sharpness
    accepted = squared_distance ** (sharpness / 2.0)
    accepted += scaled
    np.divide(scaled, accepted, out=accepted)
    if backfire > 0:
        accepted -= backfire * (squared_distance > rejection_distance**2)
    return accepted


def clip_attitudes(*arrays: np.ndarray) -> None:
    """Clip attitude arrays to [-1, 1] in place."""
    for array in arrays:
        # The two ufuncs are what np.clip computes, without its Python-level overhead,
        # which shows in the profile of a month at small populations.
        np.maximum(array, -1.0, out=array)
        np.minimum(array, 1.0, out=array)
