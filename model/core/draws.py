"""The month's random numbers: counter-based, so none depends on order, thread or state.

Every random number a citizen uses in a month is a word of one Philox4x32-10 block
(Salmon, Moraes, Dror & Shaw 2011, "Parallel random numbers: as easy as 1, 2, 3", SC11;
the Random123 generator, also in cuRAND and TensorFlow): a keyed bijection of the counter
(citizen, month, block, 0) to four 32-bit words. The key comes from the run's seed. So

* a number is a pure function of (seed, citizen, month, block, word): the engine computes
  a chunk of citizens' blocks at a time (``fill``, a loop the compiler vectorises), the
  result is the same with one thread or many, and the oracle replays the very same numbers
  (``block_for_everyone``);
* draws of one rule never shift those of another, and none depends on the state: two
  scenarios run with one seed share every number (common random numbers) whatever their
  levers;
* nothing N-sized is stored: each thread keeps one chunk's blocks (``chunk_draws``).

A block's four words are named below; each name is an independent sequence of uniforms
over citizens and months. New draws get a new block, so existing numbers stay as they are.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .streams import generator
from .threads import CHUNK

#: The named blocks of four uniforms, in counter order (the block number is the index).
#: Unused words are kept so that adding a draw never renumbers the others.
BLOCKS = (
    ("neighbour", "", "", ""),                                            # peers
    ("visa_expiry", "visa_application", "visa_refusal", "trip"),          # travel
    ("trip_quality", "exchange", "russia_trip", "substitution"),          # travel
    ("bank", "residence", "", ""),                                        # restrictions
    ("noise_r", "noise_e", "", ""),                                       # noise (normals)
    ("emigration", "emigration_west", "", ""),                            # emigration
)
PEERS, TRAVEL, TRAVEL_MORE, RESTRICTIONS, NOISE, EMIGRATION = range(len(BLOCKS))

_MULTIPLIER_0 = np.uint64(0xD2511F53)
_MULTIPLIER_1 = np.uint64(0xCD9E8D57)
_WEYL_0 = np.uint64(0x9E3779B9)
_WEYL_1 = np.uint64(0xBB67AE85)
_LOW = np.uint64(0xFFFFFFFF)
_HALF = np.uint64(32)
_ROUNDS = 10
#: A 32-bit word w becomes the uniform (w + 1/2) / 2^32, strictly inside (0, 1).
_TO_UNIT = 2.0**-32


def run_key(seed: int) -> tuple[int, int]:
    """Return the Philox key (two 32-bit words) of a run, from its seed's ``monthly`` stream."""
    words = generator(seed, "monthly").integers(0, 2**32, size=2, dtype=np.uint64)
    return int(words[0]), int(words[1])


@njit(cache=True, inline="always")
def philox4x32(c0, c1, c2, c3, k0, k1):
    """Return the four 32-bit words of Philox4x32-10 for counter (c0..c3) and key (k0, k1).

    Ten rounds of: two 32x32 -> 64-bit products, their halves crossed and xored with the
    other counter words and the key; the key advances by the Weyl constants. Checked
    against the Random123 known-answer vectors (``tests/test_draws.py``).
    """
    c0, c1, c2, c3 = np.uint64(c0), np.uint64(c1), np.uint64(c2), np.uint64(c3)
    k0, k1 = np.uint64(k0), np.uint64(k1)
    for _ in range(_ROUNDS):
        product_0 = _MULTIPLIER_0 * c0
        product_1 = _MULTIPLIER_1 * c2
        c0, c1, c2, c3 = ((product_1 >> _HALF) ^ c1 ^ k0, product_1 & _LOW,
                          (product_0 >> _HALF) ^ c3 ^ k1, product_0 & _LOW)
        k0 = (k0 + _WEYL_0) & _LOW
        k1 = (k1 + _WEYL_1) & _LOW
    return c0, c1, c2, c3


@njit(cache=True, inline="always")
def to_uniform(word):
    """Return the uniform (w + 1/2) / 2^32 of a 32-bit word, strictly inside (0, 1)."""
    return (word + 0.5) * _TO_UNIT


@njit(cache=True, inline="always")
def block_uniforms(key_0, key_1, t, citizen, block):
    """Return the four uniforms of one named block for one citizen in month ``t``."""
    w0, w1, w2, w3 = philox4x32(citizen, t, block, 0, key_0, key_1)
    return to_uniform(w0), to_uniform(w1), to_uniform(w2), to_uniform(w3)


def chunk_draws() -> np.ndarray:
    """Return an empty buffer for one chunk's blocks, shape (blocks, 4, CHUNK), 32-bit words."""
    return np.empty((len(BLOCKS), 4, CHUNK), dtype=np.uint32)


def chunk_positions() -> np.ndarray:
    """Return an empty buffer for positions within one chunk (``standard_normals``' tails)."""
    return np.empty(CHUNK, dtype=np.int32)


@njit(cache=True, nogil=True, inline="always")
def fill(draws, month, chunk, n, block):
    """Compute one block's words for the citizens of one chunk into ``draws``."""
    start = chunk * CHUNK
    for j in range(min(CHUNK, n - start)):
        (draws[block, 0, j], draws[block, 1, j], draws[block, 2, j],
         draws[block, 3, j]) = philox4x32(start + j, month.t, block, 0, month.key_0,
                                          month.key_1)


@njit(cache=True, inline="always")
def uniforms(draws, block, citizen):
    """Return one citizen's four uniforms of one block, from its chunk's ``draws``."""
    j = citizen % CHUNK
    return (to_uniform(draws[block, 0, j]), to_uniform(draws[block, 1, j]),
            to_uniform(draws[block, 2, j]), to_uniform(draws[block, 3, j]))


#: AS241's central region: |u - 1/2| up to this is one rational function of u, beyond it
#: the tails (``standard_normal``).
CENTRAL_HALF_WIDTH = 0.425


@njit(cache=True, inline="always")
def standard_normal(u):
    """Return the standard normal quantile of a uniform (Wichura 1988, algorithm AS241).

    Accurate to about 1e-16, as ``statistics.NormalDist.inv_cdf`` (the same algorithm),
    which the oracle uses. One uniform per normal, and no trigonometry.
    """
    q = u - 0.5
    if abs(q) <= CENTRAL_HALF_WIDTH:
        return central_normal(q)
    return tail_normal(u, q)


@njit(cache=True, inline="always")
def central_normal(q):
    """Return AS241's quantile for |q| = |u - 1/2| <= 0.425: a rational function of q.

    Free of branches and calls, so a loop of them is compiled several at a time; for
    larger |q| the value is finite but not the quantile (``tail_normal``).
    """
    r = 0.180625 - q * q
    num = (((((((2.5090809287301226727e3 * r + 3.3430575583588128105e4) * r
                + 6.7265770927008700853e4) * r + 4.5921953931549871457e4) * r
              + 1.3731693765509461125e4) * r + 1.9715909503065514427e3) * r
            + 1.3314166789178437745e2) * r + 3.3871328727963666080e0) * q
    den = (((((((5.2264952788528545610e3 * r + 2.8729085735721942674e4) * r
                + 3.9307895800092710610e4) * r + 2.1213794301586595867e4) * r
              + 5.3941960214247511077e3) * r + 6.8718700749205790830e2) * r
            + 4.2313330701600911252e1) * r + 1.0)
    return num / den


@njit(cache=True, inline="always")
def tail_normal(u, q):
    """Return AS241's quantile of ``u`` for |q| = |u - 1/2| > 0.425 (the tails)."""
    r = u if q <= 0.0 else 1.0 - u
    r = np.sqrt(-np.log(r))
    if r <= 5.0:
        r = r - 1.6
        num = (((((((7.7454501427834140764e-4 * r + 2.2723844989269184583e-2) * r
                    + 2.4178072517745061177e-1) * r + 1.2704582524523683826e0) * r
                  + 3.6478483247632046050e0) * r + 5.7694972214606914055e0) * r
                + 4.6303378461565452959e0) * r + 1.4234371107496835773e0)
        den = (((((((1.0507500716444168432e-9 * r + 5.4759380849953449460e-4) * r
                    + 1.5198666563616457197e-2) * r + 1.4810397642748007459e-1) * r
                  + 6.8976733498510000455e-1) * r + 1.6763848301838038494e0) * r
                + 2.0531916266377588219e0) * r + 1.0)
    else:
        r = r - 5.0
        num = (((((((2.0103343992922881327e-7 * r + 2.7115555687434875782e-5) * r
                    + 1.2426609473880784386e-3) * r + 2.6532189526576123093e-2) * r
                  + 2.9656057182850489123e-1) * r + 1.7848265399172913358e0) * r
                + 5.4637849111641143699e0) * r + 6.6579046435011037772e0)
        den = (((((((2.0442631033899397856e-15 * r + 1.4215117583164458887e-7) * r
                    + 1.8463183175100546818e-5) * r + 7.8686913114561325910e-4) * r
                  + 1.4875361290850614853e-2) * r + 1.3692988092273580531e-1) * r
                + 5.9983220655588793769e-1) * r + 1.0)
    x = num / den
    return -x if q < 0.0 else x


@njit(cache=True, nogil=True, inline="always", error_model="numpy")
def standard_normals(words, out, tails):
    """Put the standard normal quantile of each word's uniform in ``out`` (``standard_normal``).

    The same numbers as ``standard_normal`` one at a time, in three passes: the central
    region for every word, compiled to take several at once; the positions of the words
    in the tails (about 15%) listed in ``tails`` (an int32 buffer as long as ``out``);
    then those alone, with ``log``. A loop over every word with a branch to the tails
    would be compiled to take several at once too, working out the tails for all of them.
    """
    for k in range(out.size):
        out[k] = central_normal(to_uniform(words[k]) - 0.5)
    count = 0
    for k in range(out.size):
        tails[count] = k
        count += abs(to_uniform(words[k]) - 0.5) > CENTRAL_HALF_WIDTH
    for j in range(count):
        u = to_uniform(words[tails[j]])
        out[tails[j]] = tail_normal(u, u - 0.5)


@njit(cache=True)
def block_for_everyone(key_0, key_1, t, block, n):
    """Return one block's four uniforms for citizens 0..n-1 in month t, shape (4, n)."""
    out = np.empty((4, n))
    for i in range(n):
        out[0, i], out[1, i], out[2, i], out[3, i] = block_uniforms(key_0, key_1, t, i, block)
    return out
