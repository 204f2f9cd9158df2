"""Homophilous small-world social network stored as CSR arrays, built in O(N k).

Construction (a Watts-Strogatz ring laid over a homophily ordering):

1. Sort citizens by a noisy similarity key (urbanity, age band, initial orientation), so that
   citizens close in the ordering are alike (``ring_order``: one O(N log N) sort). The model
   then numbers its citizens in that order, so the ring is simply 0, 1, ..., N - 1.
2. Tie each citizen to its nearest neighbours on the ring, alternating sides (+1, -1, +2,
   -2, ...), up to a personal degree drawn around the mean degree.
3. Rewire each tie with probability ``rewiring`` to a uniformly random citizen: the
   small-world shortcuts across groups.

Ties are directed "listens to" ties: ``indices[indptr[i]:indptr[i + 1]]`` are the citizens
``i`` talks to. Before rewiring the ring is symmetric, so most ties are mutual.

Why number citizens around the ring: the ties that are not rewired join citizens a few
numbers apart, so the engine's reads of a partner's attitudes mostly hit memory already in
the cache. With citizens in any other order, every such read is a trip to main memory once
the population outgrows the cache (10^6 citizens: the peer pass took twice as long).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


class Network(NamedTuple):
    """Compressed sparse rows: the ties of citizen ``i`` are ``indices[indptr[i]:indptr[i+1]]``.

    A named tuple of arrays, so the compiled engine reads the same arrays.
    """

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


def ring_order(similarity_key: np.ndarray) -> np.ndarray:
    """Return the citizens sorted by their similarity key (int32): the order around the ring.

    Callers add noise to the key to set how strong homophily is; ties are the citizens close
    in this order. Numbering citizens in it is what ``build_network`` expects.
    """
    return np.argsort(similarity_key, kind="stable").astype(np.int32)


def renumbered(citizens: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Return citizen numbers in the numbering ``order`` gives (new citizen k is old order[k])."""
    new_number = np.empty(order.size, dtype=np.int32)
    new_number[order] = np.arange(order.size, dtype=np.int32)
    return new_number[citizens]


def build_network(n: int, mean_degree: int, rewiring: float, rng: np.random.Generator,
                  degree_spread: int = 4) -> Network:
    """Build the homophilous small-world network of ``n`` citizens numbered around the ring.

    Citizen i's ring neighbours are i + 1, i - 1, i + 2, ... (modulo n): number citizens in
    ``ring_order`` first, so that neighbours on the ring are alike.

    Args:
        n: number of citizens.
        mean_degree: mean number of ties per citizen (k).
        rewiring: probability that a tie is rewired to a random citizen (Watts-Strogatz p).
        rng: the network's random stream.
        degree_spread: personal degrees are uniform on mean_degree +- degree_spread.

    Returns:
        The network in CSR form. Cost: O(N k) array work.
    """
    if n < 2:
        return Network(np.zeros(n + 1, np.int64), np.zeros(0, np.int32))
    spread = min(degree_spread, mean_degree - 1)
    max_degree = min(mean_degree + spread, n - 1)
    # Citizen numbers are int32 throughout (N < 2**31): the (N, k) tables are the build's
    # peak memory, so no (N, k) int64 or float64 table is kept.
    citizens = np.arange(n, dtype=np.int32)

    # Ring offsets in order of closeness: +1, -1, +2, -2, ...
    half = np.arange(1, max_degree // 2 + 2)
    offsets = np.stack([half, -half], axis=1).ravel()[:max_degree]

    degree = rng.integers(min(max(1, mean_degree - spread), max_degree), max_degree + 1,
                          size=n)
    rewired = _uniform_below(rng, (n, max_degree), rewiring)
    # Random targets are drawn from the n - 1 other citizens: shift past oneself. (numpy
    # draws the same bounded integers whatever the integer dtype.)
    targets = rng.integers(0, n - 1, size=(n, max_degree), dtype=np.int32)
    targets += targets >= citizens[:, None]
    # Ties that are not rewired go to the ring neighbour, one offset (column) at a time.
    for slot, offset in enumerate(offsets):
        np.copyto(targets[:, slot], (citizens + offset) % n, where=~rewired[:, slot])

    indices = targets[np.arange(max_degree)[None, :] < degree[:, None]]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(degree, out=indptr[1:])
    return Network(indptr=indptr, indices=indices)


def _uniform_below(rng: np.random.Generator, shape: tuple[int, int], probability: float,
                   rows_per_block: int = 1 << 16) -> np.ndarray:
    """Return ``rng.random(shape) < probability`` without holding all the floats at once.

    Uniforms are drawn in order one per 64-bit output, so drawing them block by block of
    rows gives exactly the numbers of one big draw.
    """
    below = np.empty(shape, dtype=bool)
    for start in range(0, shape[0], rows_per_block):
        block = below[start:start + rows_per_block]
        np.less(rng.random(block.shape), probability, out=block)
    return below
