"""One seed in, independent named random streams out.

Each stream is a ``numpy.random.Generator`` seeded from ``SeedSequence(seed, spawn_key=(key,))``
where ``key`` is a stable CRC-32 of the stream's name. The same (seed, name) always gives the
same stream, in any process and on any machine, and streams never share state. The world is
built from these streams (population, network, attitudes); the months' numbers come from the
counter-based generator keyed by the ``monthly`` stream (``core.draws``). Two scenarios run
with the same seed therefore share their noise (common random numbers): a lever change alters
what a draw does, not which draw it gets.
"""

from __future__ import annotations

import zlib

import numpy as np

STREAM_NAMES = ("population", "network", "attitudes", "monthly", "mesa", "history")


def stream_key(name: str) -> int:
    """Return the stable integer key of a stream name (CRC-32, not Python's salted hash)."""
    return zlib.crc32(name.encode("utf-8"))


class RandomStreams:
    """Named, independent random generators derived from one integer seed."""

    def __init__(self, seed: int):
        if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
        self.seed = int(seed)
        self._generators: dict[str, np.random.Generator] = {}

    def __getitem__(self, name: str) -> np.random.Generator:
        """Return the generator called ``name``, creating it on first use."""
        if name not in STREAM_NAMES:
            raise KeyError(f"unknown random stream {name!r}; streams are {STREAM_NAMES}")
        if name not in self._generators:
            self._generators[name] = generator(self.seed, name)
        return self._generators[name]

    def integer_seed(self, name: str) -> int:
        """Return a 32-bit integer seed from stream ``name`` (for libraries that want one)."""
        return int(self[name].integers(2**31 - 1))


def generator(seed: int, name: str | int, *path: int) -> np.random.Generator:
    """Return stream ``name`` of ``seed`` as a generator: the recipe of :class:`RandomStreams`.

    For draws made outside a simulation (posterior draws, sensitivity samples, sampled
    futures): the same (seed, name, path) gives the same numbers on any machine, and
    different names give independent streams.

    Args:
        seed: the one seed, a non-negative integer.
        name: the stream's name; its key is ``stream_key(name)``. An integer is taken as the
            key itself, for a stream whose draws were recorded before it had a name.
        *path: integers numbering sub-streams (e.g. a generation and a batch), appended to
            the spawn key.

    Example:
        >>> generator(0, "posterior").random() == generator(0, "posterior").random()
        True
    """
    key = name if isinstance(name, int) else stream_key(name)
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed,
                                                                      spawn_key=(key, *path))))
