"""Measurements of the current code, one function each, each meant for a fresh process.

Every function returns plain data (dicts and lists of numbers and strings). Times are wall
clock (``perf_counter``), process CPU (``process_time``: every thread's) and the calling
thread's CPU (``thread_time``); on a shared machine CPU time is the steadier figure.
"""

from __future__ import annotations

import hashlib
import tempfile
import time
from contextlib import contextmanager

import numpy as np

from benchmarks.probe import current_rss_mb, load_average, peak_rss_mb, trimmed_rss_mb
from model.core import attitudes, engine, observation, opinion_model, threads
from model.core.network import build_network, ring_order
from model.core.opinion_model import OpinionModel
from model.core.simulate import simulate
from model.inputs.scenario import Scenario, baseline
from model.oracle.reference import ReferenceModel
from model.runs.execution import Task, run_tasks

#: The three parts of ``OpinionModel.__init__`` timed separately: (module, function, label).
BUILD_PHASES = ((opinion_model, "synthesise_population", "build_population"),
                (attitudes, "solve_initial_constants", "build_initial_solve"),
                (opinion_model, "build_network", "build_network"))
#: The other parts of a run timed by ``measure_breakdown``: (owner, attribute, label).
#: ``_observe`` also runs once during the build.
RUN_PARTS = ((Scenario, "compile_inputs", "build_inputs"),
             (opinion_model, "advance_month", "advance_month"),
             (OpinionModel, "month_record", "month_record"),
             (OpinionModel, "_observe", "observe"))


def forget_starts() -> None:
    """Make the next build build: forget the starts the model remembers (if it does).

    Runs of one seed share their start (``model.core.start_cache``, absent from older
    commits); a benchmark that times the build must not be handed a remembered one.
    """
    try:
        from model.core.start_cache import forget_starts as forget
    except ImportError:
        return
    forget()


@contextmanager
def stopwatch(record: dict, name: str):
    """Add the block's wall, CPU and thread-CPU seconds to ``record[name]`` (and ``_cpu``...)."""
    start = (time.perf_counter(), time.process_time(), time.thread_time())
    try:
        yield
    finally:
        for suffix, begun, now in zip(("", "_cpu", "_thread_cpu"), start,
                                      (time.perf_counter(), time.process_time(),
                                       time.thread_time()), strict=True):
            record[name + suffix] = record.get(name + suffix, 0.0) + now - begun


@contextmanager
def replaced(replacements):
    """Set each (owner, attribute, value) of ``replacements`` while the block runs, then undo."""
    originals = [getattr(owner, name) for owner, name, _ in replacements]
    for owner, name, value in replacements:
        setattr(owner, name, value)
    try:
        yield
    finally:
        for (owner, name, _), original in zip(replacements, originals, strict=True):
            setattr(owner, name, original)


@contextmanager
def timed(record: dict, parts):
    """Time calls to each (owner, attribute, label) of ``parts`` while the block runs.

    The functions are wrapped for the block's duration only, so the model's code is
    unchanged; each wrapper costs about a microsecond a call.
    """
    def wrapped(function, label):
        def wrapper(*args, **kwargs):
            record[f"{label}_calls"] = record.get(f"{label}_calls", 0) + 1
            with stopwatch(record, label):
                return function(*args, **kwargs)
        return wrapper

    with replaced([(owner, name, wrapped(getattr(owner, name), label))
                   for owner, name, label in parts]):
        yield


@contextmanager
def every_path_on_small_populations():
    """Make even a one-chunk population take the threaded path's Python-level calls.

    So that a small warm-up run loads every compiled loop the threaded path calls from
    Python; with fewer chunks than threads the loops still run on the calling thread.
    """
    original = threads.PARALLEL_MIN_CHUNKS
    threads.PARALLEL_MIN_CHUNKS = 1
    try:
        yield
    finally:
        threads.PARALLEL_MIN_CHUNKS = original


def load_compiled_code(record: dict) -> None:
    """Load (or, on first use, compile) every compiled function, timing it as ``compile_load``.

    Done before any timed run, so that times measure the model, not the one-off loading
    (a fraction of a second from numba's cache; tens of seconds after a change to the core).
    The runs span the whole default horizon, so every month's code, the war shock's
    included, has run once.
    """
    with stopwatch(record, "compile_load"):
        simulate(seed=0, n_citizens=500)
        with every_path_on_small_populations():
            simulate(seed=0, n_citizens=500)


def per_citizen_arrays(model: OpinionModel) -> dict[str, np.ndarray]:
    """Return every array the model keeps with one entry (or more) per citizen, by name.

    Population traits, the state, the network, the world's scratch rows and the survey's
    per-citizen arrays (those whose first axis is the population size).
    """
    world, n = model.world, model.world.population.size
    arrays = {}
    for group, record in (("population", world.population), ("state", world.state),
                          ("network", world.network)):
        arrays |= {f"{group}.{name}": getattr(record, name) for name in record._fields}
    arrays["world.scratch"] = world.scratch
    arrays |= {f"survey.{name}": value for name, value in vars(model.survey).items()
               if isinstance(value, np.ndarray) and value.shape[:1] == (n,)}
    return arrays


def array_inventory(model: OpinionModel) -> dict:
    """Return what the model keeps per citizen: one row per array, each counted once.

    Returns:
        ``rows``: (array, dtype, bytes per citizen), ``shared``: (array, the counted array
        whose memory it shares), ``bytes_per_citizen``: the rows' total, and
        ``fixed_bytes``: the per-thread chunk buffers of random numbers (their size does not
        grow with the population).
    """
    n = model.world.population.size
    rows, shared, counted = [], [], []
    for name, array in per_citizen_arrays(model).items():
        owner = next((other for other, kept in counted if np.may_share_memory(array, kept)),
                     None)
        if owner is not None:
            shared.append((name, owner))
            continue
        counted.append((name, array))
        rows.append((name, str(array.dtype), array.nbytes / n))
    return {"rows": rows, "shared": shared,
            "bytes_per_citizen": sum(size for _, _, size in rows),
            "fixed_bytes": int(model.world.draws.nbytes),
            "fixed_shape": list(model.world.draws.shape)}


def state_digest(model: OpinionModel) -> str:
    """Return a short hash of every state array and of the shares (equal: bit-identical)."""
    hashed = hashlib.sha256()
    for array in (*model.world.state, model.shares):
        hashed.update(np.ascontiguousarray(array).tobytes())
    return hashed.hexdigest()[:16]


def measure_size(n_citizens: int, end: str, thread_count: int, seed: int = 0) -> dict:
    """Build and run one model on ``thread_count`` threads; return times, memory and results."""
    threads.set_thread_count(thread_count)
    record: dict = {"citizens": n_citizens, "threads": thread_count, "end": end,
                    "load_start": load_average()}
    load_compiled_code(record)
    record["rss_before_build_mb"] = current_rss_mb()
    scenario = baseline().with_changes(end=end)
    forget_starts()
    with timed(record, BUILD_PHASES), stopwatch(record, "build"):
        model = OpinionModel(scenario, seed=seed, n_citizens=n_citizens, create_agents=False)
    record["rss_after_build_mb"], record["peak_rss_after_build_mb"] = (current_rss_mb(),
                                                                       peak_rss_mb())
    step_walls = []
    with stopwatch(record, "run"):
        while model.running:
            start = time.perf_counter()
            model.step()
            step_walls.append(time.perf_counter() - start)
    steps = len(step_walls)
    base = record["rss_before_build_mb"]
    record |= {
        "steps": steps, "step_first": step_walls[0], "step_median": float(np.median(step_walls)),
        "step_min": float(np.min(step_walls)),
        "citizen_steps_per_s": n_citizens * steps / record["run"],
        "citizen_steps_per_cpu_s": n_citizens * steps / record["run_cpu"],
        "total": record["build"] + record["run"],
        "rss_after_run_mb": current_rss_mb(), "peak_rss_mb": peak_rss_mb(),
        "rss_trimmed_mb": trimmed_rss_mb(), "inventory": array_inventory(model),
        "shares": model.shares.tolist(), "state_digest": state_digest(model),
        "load_end": load_average(),
    }
    record["rss_growth_after_build_b"] = (record["rss_after_build_mb"] - base) * 2**20 / n_citizens
    record["rss_growth_after_run_b"] = (record["rss_after_run_mb"] - base) * 2**20 / n_citizens
    record["rss_growth_trimmed_b"] = (record["rss_trimmed_mb"] - base) * 2**20 / n_citizens
    return record


def determinism(records: list[dict]) -> list[dict]:
    """Compare, at each size, the runs on different thread counts (they must be identical).

    Returns one row per size run on more than one thread count: the largest difference
    of any monthly share and whether every state array ended bit for bit the same.
    """
    rows = []
    for n in sorted({record["citizens"] for record in records}):
        runs = sorted((r for r in records if r["citizens"] == n), key=lambda r: r["threads"])
        if len(runs) < 2:
            continue
        first = np.array(runs[0]["shares"])
        rows.append({"citizens": n, "threads": [r["threads"] for r in runs],
                     "uses_threads": n >= threads.PARALLEL_MIN_CHUNKS * threads.CHUNK,
                     "max_share_difference": max(float(np.max(np.abs(np.array(r["shares"])
                                                                     - first)))
                                                 for r in runs[1:]),
                     "same_state": len({r["state_digest"] for r in runs}) == 1})
    return rows


def measure_breakdown(n_citizens: int, end: str, seeds: list[int]) -> dict:
    """Time the parts of calibration-size ``simulate`` runs; return milliseconds per run.

    Parts: the build's three costly phases and its compiling of the scenario's inputs, the
    monthly step (``advance_month``), the month's record of scalars, the war shock, and
    the observation (the survey and the data collector; also once in the build); ``other``
    is the rest (Mesa's step and event bookkeeping, the rest of the build).
    """
    record: dict = {}
    load_compiled_code(record)
    scenario = baseline().with_changes(end=end)
    totals: dict = {}
    with timed(totals, BUILD_PHASES + RUN_PARTS):
        for seed in seeds:
            forget_starts()
            with stopwatch(totals, "total"):
                simulate(scenario, seed=seed, n_citizens=n_citizens)
    runs = len(seeds)
    labels = [label for _, _, label in BUILD_PHASES + RUN_PARTS]
    # A part that never ran in these months (the war shock before 2022) took no time.
    parts = {label: totals.get(label, 0.0) / runs * 1e3 for label in labels}
    parts["other"] = totals["total"] / runs * 1e3 - sum(parts.values())
    return {"citizens": n_citizens, "end": end, "runs": runs,
            "total_ms": totals["total"] / runs * 1e3, "parts_ms": parts,
            "calls": {label: totals.get(f"{label}_calls", 0) // runs for label in labels}}


def measure_passes(n_citizens: int, months: int, thread_count: int = 2, seed: int = 1,
                   warm_up: int = 3) -> dict:
    """Time each pass of a month on ``thread_count`` threads; return milliseconds per month.

    Parts: the month's record, each compiled loop handed to ``threads.for_chunks`` (the
    peer changes, the rest of the month, emigration, the survey's totals), the ties of
    emigrants, and the whole step. Only populations that run on threads (65,536 citizens
    or more on several cores, or inside ``every_path_on_small_populations``) have passes
    to time: smaller ones run the month in one compiled call.
    """
    threads.set_thread_count(thread_count)
    model = OpinionModel(baseline(), seed=seed, n_citizens=n_citizens, create_agents=False,
                         collect_data=False)
    for _ in range(warm_up):
        model.step()
    record: dict = {}
    dispatch = threads.for_chunks

    def for_chunks(loop, n, *args):
        with stopwatch(record, loop.__name__.strip("_")):
            dispatch(loop, n, *args)

    with (replaced([(engine, "for_chunks", for_chunks), (observation, "for_chunks", for_chunks)]),
          timed(record, ((engine, "_tie_emigrants", "tie_emigrants"),
                         (OpinionModel, "month_record", "month_record")))):
        for _ in range(months):
            with stopwatch(record, "step"):
                model.step()
    names = [name for name in record if not name.endswith(("_cpu", "_calls"))]
    return {"citizens": n_citizens, "months": months, "threads": threads.thread_count(),
            "ms_per_month": {name: record[name] / months * 1e3 for name in names}}


def measure_network(sizes: list[int], degrees: list[int], repeats: int = 3) -> list[dict]:
    """Time ``ring_order`` and ``build_network`` (best of ``repeats``): every size at the first
    mean degree, and the largest size at every degree; return one row per (size, degree)."""
    grid = [(n, degrees[0]) for n in sizes] + [(sizes[-1], k) for k in degrees[1:]]
    rows = []
    for n, mean_degree in grid:
        key = np.random.default_rng(n).standard_normal(n)
        best = np.inf
        for repeat in range(repeats):
            start = time.perf_counter()
            ring_order(key)
            network = build_network(n, mean_degree, 0.1, np.random.default_rng(repeat))
            best = min(best, time.perf_counter() - start)
        ties = int(network.indices.size)
        rows.append({"citizens": n, "mean_degree": mean_degree, "ties": ties,
                     "build_network": best, "ns_per_tie": best / ties * 1e9})
    return rows


def measure_ensemble(runs: int, workers: int, n_citizens: int | None = None,
                     end: str | None = None) -> dict:
    """Run ``runs`` simulations with the execution engine on ``workers`` processes.

    ``model.runs.execution.run_tasks``, as the ``run`` command does: results written to a
    temporary folder; each worker process runs on one thread. The time includes starting
    the workers and loading the compiled code in each.
    """
    scenario = baseline() if end is None else baseline().with_changes(end=end)
    tasks = [Task(scenario, seed, n_citizens=n_citizens) for seed in range(runs)]
    load_start = load_average()
    with tempfile.TemporaryDirectory(prefix="belarus-abm-ensemble-") as folder:
        start = time.perf_counter()
        report = run_tasks(tasks, folder, workers=workers, progress=False)
        wall = time.perf_counter() - start
    if not report.ok:
        raise RuntimeError(f"ensemble runs failed: {report.failure_summary()}")
    return {"runs": runs, "workers": workers, "citizens": tasks[0].citizens, "wall": wall,
            "runs_per_minute": runs / wall * 60, "load_start": load_start,
            "load_end": load_average()}


def measure_reference(n_citizens: int, end: str, seed: int = 0, repeats: int = 3) -> dict:
    """Time the per-agent oracle and the engine on the same small world (best of ``repeats``).

    The oracle's best rate is what every speed-up is measured against, so noise can only
    make the speed-ups smaller. Only running is timed: copying the world is setup.
    """
    record: dict = {}
    load_compiled_code(record)
    threads.set_thread_count(1)
    scenario = baseline().with_changes(end=end)
    best: dict = {}
    for _ in range(repeats):
        forget_starts()
        model = OpinionModel(scenario, seed=seed, n_citizens=n_citizens, create_agents=False)
        reference = ReferenceModel(model)
        times: dict = {}
        with stopwatch(times, "reference_run"):
            reference.run_model()
        with stopwatch(times, "engine_run"):
            model.run_model()
        for name, seconds in times.items():
            best[name] = min(best.get(name, np.inf), seconds)
    steps = model.steps
    return best | {
        "citizens": n_citizens, "steps": steps, "repeats": repeats, "end": end,
        "reference_citizen_steps_per_s": n_citizens * steps / best["reference_run"],
        "reference_citizen_steps_per_cpu_s": n_citizens * steps / best["reference_run_cpu"],
        "engine_citizen_steps_per_cpu_s": n_citizens * steps / best["engine_run_cpu"],
        "max_share_difference": float(np.max(np.abs(model.shares - reference.shares))),
    }
