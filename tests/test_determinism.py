"""One seed in, the same output out; different seeds differ; scenarios share their noise."""

import mesa
import numpy as np
import pytest

from model import OpinionModel, baseline, simulate
from model.core.start_cache import forget_starts
from model.core.streams import RandomStreams
from model.core.threads import CHUNK, PARALLEL_MIN_CHUNKS, set_thread_count
from model.inputs.timeline import TimelinePoint


def test_same_seed_gives_identical_output(short_baseline):
    first = simulate(short_baseline, seed=7, n_citizens=800)
    second = simulate(short_baseline, seed=7, n_citizens=800)
    np.testing.assert_array_equal(first.array, second.array)


def test_different_seeds_give_different_output(short_baseline):
    first = simulate(short_baseline, seed=7, n_citizens=800)
    second = simulate(short_baseline, seed=8, n_citizens=800)
    assert not np.array_equal(first.array[1:], second.array[1:])


def test_named_streams_are_independent_and_stable():
    streams = RandomStreams(5)
    a = streams["population"].random(4)
    b = RandomStreams(5)["network"].random(4)
    c = RandomStreams(5)["population"].random(4)
    assert not np.array_equal(a, b)
    np.testing.assert_array_equal(a, c)


def test_a_late_policy_change_leaves_the_past_untouched(short_baseline):
    # Common random numbers: a lever change in 2022-06 cannot alter any month before it.
    # The lever reaches every independent-media reader, so the months after it must change
    # (a lever that acts through rare events, such as crossings, can leave 800 citizens'
    # shares unchanged by chance).
    policy = short_baseline.with_changes(
        levers={"eu_civil_society_funding": (TimelinePoint("2022-06", 60),)})
    base = simulate(short_baseline, seed=2, n_citizens=800)
    changed = simulate(policy, seed=2, n_citizens=800)
    before = base.months.index("2022-06")
    np.testing.assert_array_equal(base.array[:before], changed.array[:before])
    assert not np.array_equal(base.array[before:], changed.array[before:])


def test_global_numpy_state_is_not_used(short_baseline):
    np.random.seed(0)
    first = simulate(short_baseline, seed=4, n_citizens=300)
    np.random.seed(12345)
    second = simulate(short_baseline, seed=4, n_citizens=300)
    np.testing.assert_array_equal(first.array, second.array)


def test_results_do_not_depend_on_the_number_of_threads():
    # Enough citizens that the engine splits every month, and the start's state at rest,
    # between threads; each start is built afresh.
    n = (PARALLEL_MIN_CHUNKS + 6) * CHUNK
    spec = baseline().with_changes(end="2022-04")
    runs = []
    try:
        for threads in (1, 2, 3):
            set_thread_count(threads)
            forget_starts()
            model = OpinionModel(spec, seed=3, n_citizens=n, create_agents=False)
            model.run_model()
            runs.append(model)
    finally:
        set_thread_count(None)
    for other in runs[1:]:
        np.testing.assert_array_equal(other.shares, runs[0].shares)
        for name in runs[0].world.state._fields:
            np.testing.assert_array_equal(getattr(other.world.state, name),
                                          getattr(runs[0].world.state, name), err_msg=name)
        assert other.summaries == runs[0].summaries
    assert sum(s.emigrants_west for s in runs[0].summaries) > 0


def test_a_model_without_a_seed_draws_one_and_records_it():
    spec = baseline().with_changes(end="2020-12")
    first = OpinionModel(spec, seed=None, n_citizens=200, create_agents=False)
    second = OpinionModel(spec, seed=None, n_citizens=200, create_agents=False)
    assert isinstance(first.seed, int) and first.seed != second.seed
    first.run_model()
    again = OpinionModel(spec, seed=first.seed, n_citizens=200, create_agents=False)
    again.run_model()
    np.testing.assert_array_equal(again.shares, first.shares)


@pytest.mark.parametrize("seeds", [[None, None], [4, 5]], ids=["drawn seeds", "explicit seeds"])
def test_mesa_batch_run_drives_the_model(seeds):
    results = mesa.batch_run(OpinionModel, parameters={
        "scenario": [baseline().with_changes(end="2020-11")], "n_citizens": [300],
        "create_agents": [False]}, rng=seeds, max_steps=2, number_processes=1,
        display_progress=False)
    last = [row for row in results if row["Step"] == 2]
    assert len(last) == 2
    assert all(0 < row["survey_russia"] < 1 for row in last)
    assert last[0]["survey_russia"] != last[1]["survey_russia"]  # two seeds, two runs
