"""Homophilous small-world social network stored as CSR arrays, built in O(N k).

Construction (a Watts-Strogatz ring laid over a homophily ordering):

1. Sort citizens by a noisy similarity key (urbanity, age band, initial orientation), so that
   citizens close in the ordering are alike. One O(N log N) sort; everything else is O(N k).
2. Tie each citizen to its nearest neighbours in that ordering, alternating sides
   (+1, -1, +2, -2, ...), up to a personal degree drawn around the mean degree.
3. Rewire each tie with probability ``rewiring`` to a uniformly random citizen: the
   small-world shortcuts across groups.

Ties are directed "listens to" ties: ``indices[indptr[i]:indptr[i + 1]]`` are the citizens
``i`` talks to. Before rewiring the ring is symmetric, so most ties are mutual.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Network:
    """Compressed sparse rows: the ties of citizen ``i`` are ``indices[indptr[i]:indptr[i+1]]``."""

    indptr: np.ndarray   # int64, length N + 1
    indices: np.ndarray  # int32, length of all ties

    @property
    def size(self) -> int:
        """Number of citizens."""
        return self.indptr.size - 1

    @property
    def degree(self) -> np.ndarray:
        """Number of ties of each citizen."""
        return np.diff(self.indptr)

    def neighbours(self, i: int) -> np.ndarray:
        """Return the citizens that citizen ``i`` listens to."""
        return self.indices[self.indptr[i]:self.indptr[i + 1]]

    def sources(self) -> np.ndarray:
        """Return, for every tie, the citizen it belongs to (the row index)."""
        return np.repeat(np.arange(self.size, dtype=np.int32), self.degree)


def build_network(similarity_key: np.ndarray, mean_degree: int, rewiring: float,
                  rng: np.random.Generator, degree_spread: int = 4) -> Network:
    """Build the homophilous small-world network.

    Args:
        similarity_key: one number per citizen; citizens with close keys are likely tied.
            Callers add noise to it to set how strong homophily is.
        mean_degree: mean number of ties per citizen (k).
        rewiring: probability that a tie is rewired to a random citizen (Watts-Strogatz p).
        rng: the network's random stream.
        degree_spread: personal degrees are uniform on mean_degree +- degree_spread.

    Returns:
        The network in CSR form. Cost: one sort plus O(N k) array work.
    """
    n = similarity_key.size
    if n < 2:
        return Network(np.zeros(n + 1, np.int64), np.zeros(0, np.int32))
    spread = min(degree_spread, mean_degree - 1)
    max_degree = min(mean_degree + spread, n - 1)
    order = np.argsort(similarity_key, kind="stable")
    position = np.empty(n, dtype=np.int64)
    position[order] = np.arange(n)

    # Ring offsets in order of closeness: +1, -1, +2, -2, ...
    half = np.arange(1, max_degree // 2 + 2)
    offsets = np.stack([half, -half], axis=1).ravel()[:max_degree]

    degree = rng.integers(min(max(1, mean_degree - spread), max_degree), max_degree + 1, size=n)
    rewire_draw = rng.random((n, max_degree))
    random_target = rng.integers(0, n - 1, size=(n, max_degree))

    ring_target = order[(position[:, None] + offsets[None, :]) % n]
    # A random target is drawn from the n - 1 other citizens: shift past oneself.
    self_index = np.arange(n)[:, None]
    random_target = random_target + (random_target >= self_index)
    targets = np.where(rewire_draw < rewiring, random_target, ring_target)

    keep = np.arange(max_degree)[None, :] < degree[:, None]
    indices = targets[keep].astype(np.int32)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(degree, out=indptr[1:])
    return Network(indptr=indptr, indices=indices)
