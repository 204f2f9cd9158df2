"""The counter-based random numbers: the published generator, uniform, independent, stable."""

from statistics import NormalDist

import numpy as np
import pytest
from scipy import stats

from model.core import draws

#: Random123's known-answer vectors for Philox4x32-10 (Salmon et al. 2011; the same
#: vectors are in TensorFlow's tests): (counter, key, output).
KNOWN_ANSWERS = [
    ((0, 0, 0, 0), (0, 0), (0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8)),
    ((0xFFFFFFFF,) * 4, (0xFFFFFFFF,) * 2, (0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD)),
    ((0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344), (0xA4093822, 0x299F31D0),
     (0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1)),
]


@pytest.mark.parametrize(("counter", "key", "expected"), KNOWN_ANSWERS)
def test_philox_matches_the_known_answer_vectors(counter, key, expected):
    assert tuple(int(w) for w in draws.philox4x32(*counter, *key)) == expected


def test_uniforms_are_uniform_and_the_four_words_uncorrelated():
    key = draws.run_key(3)
    u = draws.block_for_everyone(*key, 7, draws.TRAVEL, 50_000)
    assert ((u > 0) & (u < 1)).all()
    for row in u:
        assert stats.kstest(row, "uniform").pvalue > 1e-3
    correlations = np.corrcoef(u)[np.triu_indices(4, 1)]
    assert np.abs(correlations).max() < 4 / np.sqrt(u.shape[1])


def test_blocks_months_and_seeds_give_independent_numbers():
    key, other = draws.run_key(3), draws.run_key(4)
    base = draws.block_for_everyone(*key, 7, draws.TRAVEL, 20_000)[0]
    for changed in (draws.block_for_everyone(*key, 8, draws.TRAVEL, 20_000)[0],
                    draws.block_for_everyone(*key, 7, draws.NOISE, 20_000)[0],
                    draws.block_for_everyone(*other, 7, draws.TRAVEL, 20_000)[0]):
        assert abs(np.corrcoef(base, changed)[0, 1]) < 4 / np.sqrt(base.size)


def test_a_number_depends_only_on_seed_citizen_month_and_block():
    key = draws.run_key(11)
    everyone = draws.block_for_everyone(*key, 5, draws.EMIGRATION, 1_000)
    one = draws.block_uniforms(*key, 5, 999, draws.EMIGRATION)
    np.testing.assert_array_equal(everyone[:, 999], one)
    assert draws.run_key(11) == key != draws.run_key(12)


def test_the_normals_of_a_chunk_are_the_quantiles_one_at_a_time_bit_for_bit():
    """``standard_normals`` (central region, then the listed tails) = ``standard_normal``."""
    words = draws.chunk_draws()[draws.NOISE, 0]
    words[:] = np.random.default_rng(3).integers(0, 2**32, words.size, dtype=np.uint64)
    # Words at both edges of the central region and deep in both tails.
    edges = np.array([0.5 - 0.425, 0.5 + 0.425, 1e-9, 1 - 1e-9]) * 2**32 - 0.5
    words[:4] = np.floor(edges).astype(np.uint32)
    out, tails = np.full(words.size, np.nan), draws.chunk_positions()
    draws.standard_normals(words, out, tails)
    one_at_a_time = np.array([draws.standard_normal(draws.to_uniform(w)) for w in words])
    assert np.array_equal(out, one_at_a_time)
    in_tails = np.abs((words + 0.5) * 2.0**-32 - 0.5) > draws.CENTRAL_HALF_WIDTH
    assert 0.1 < in_tails.mean() < 0.2  # about 15% of uniforms fall in AS241's tails


def test_normals_are_the_normal_quantiles_of_the_uniforms():
    u = draws.block_for_everyone(*draws.run_key(1), 1, draws.NOISE, 50_000)[0]
    u = np.concatenate([u, [1e-300, 1e-20, 1e-8, 0.02425, 0.075, 0.5, 0.925, 1 - 1e-12]])
    z = np.array([draws.standard_normal(x) for x in u])
    expected = np.array([NormalDist().inv_cdf(x) for x in u])
    np.testing.assert_allclose(z, expected, rtol=1e-15, atol=1e-15)
    assert stats.kstest(z[:50_000], "norm").pvalue > 1e-3


def test_every_block_is_named():
    assert len(draws.BLOCKS) == draws.EMIGRATION + 1
    assert all(len(words) == 4 for words in draws.BLOCKS)
    named = [w for words in draws.BLOCKS for w in words if w]
    assert len(named) == len(set(named))
