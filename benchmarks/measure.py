"""Measurements, one function each; each runs in a fresh process so peak memory is its own.

Every function returns a flat dict of figures. Times are wall-clock (``perf_counter``) and
CPU (``process_time``); on a shared machine the CPU time is the steadier of the two.
"""

from __future__ import annotations

import resource
import time
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import fields

import numpy as np

from model.core import attitudes, opinion_model
from model.core.network import build_network
from model.core.opinion_model import OpinionModel
from model.core.simulate import simulate
from model.inputs.scenario import baseline
from model.oracle.reference import ReferenceModel


def peak_rss_mb() -> float:
    """Return this process's peak resident memory so far, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@contextmanager
def stopwatch(record: dict, name: str):
    """Add the wall and CPU seconds spent in the block to ``record[name]``."""
    wall, cpu = time.perf_counter(), time.process_time()
    yield
    record[name] = record.get(name, 0.0) + time.perf_counter() - wall
    record[f"{name}_cpu"] = record.get(f"{name}_cpu", 0.0) + time.process_time() - cpu


@contextmanager
def timed_build_phases(record: dict):
    """Time the three costly parts of ``OpinionModel.__init__`` without changing it.

    The population synthesis, the initial least-squares solve and the network build are
    wrapped, for the duration of the block, by functions that time them.
    """
    targets = [(opinion_model, "synthesise_population", "build_population"),
               (attitudes, "solve_initial_constants", "build_initial_solve"),
               (opinion_model, "build_network", "build_network")]
    originals = [getattr(module, name) for module, name, _ in targets]

    def timed(function, label):
        def wrapper(*args, **kwargs):
            with stopwatch(record, label):
                return function(*args, **kwargs)
        return wrapper

    for (module, name, label), function in zip(targets, originals, strict=True):
        setattr(module, name, timed(function, label))
    try:
        yield
    finally:
        for (module, name, _), function in zip(targets, originals, strict=True):
            setattr(module, name, function)


def array_inventory(model: OpinionModel) -> list[tuple[str, str, float]]:
    """Return (array, dtype, bytes per citizen) for every per-citizen array the model keeps.

    Arrays that share memory with one already counted (e.g. the survey's target mask when
    it is the population's ``urban``) are skipped.
    """
    world, n = model.world, model.world.population.size
    arrays = {f"population.{f.name}": getattr(world.population, f.name)
              for f in fields(world.population)}
    arrays |= {f"state.{f.name}": getattr(world.state, f.name) for f in fields(world.state)}
    arrays |= {"network.indptr": world.network.indptr, "network.indices": world.network.indices,
               "network.degree": world.network.degree, "world.media_exposure":
               world.media_exposure, "world.young": world.young,
               "world.peer_scratch": world.peer_scratch, "model.favour": model._favour,
               "survey.cell": model.survey.cell, "survey.in_frame": model.survey.in_frame,
               "survey.in_target": model.survey.in_target}
    rows, seen = [], []
    for name, array in arrays.items():
        if any(np.shares_memory(array, other) for other in seen):
            continue
        seen.append(array)
        rows.append((name, str(array.dtype), array.nbytes / n))
    return rows


def load_compiled_kernels(record: dict) -> None:
    """Load (or, on first use, compile) the numba kernels, timing it as ``kernel_load``.

    Done before any timed run, so that step times measure the month, not the one-off
    compilation (about 1.5 s; 0.1 s when numba's on-disk cache holds the kernels).
    """
    with stopwatch(record, "kernel_load"):
        model = OpinionModel(baseline().with_changes(end="2020-11"), seed=0, n_citizens=200,
                             create_agents=False)
        model.run_model()


def measure_size(n_citizens: int, end: str, seed: int = 0, engine: str = "compiled") -> dict:
    """Build and run one model of ``n_citizens``; return build, step and memory figures."""
    record: dict = {"citizens": n_citizens, "engine": engine}
    load_compiled_kernels(record)
    scenario = baseline().with_changes(end=end)
    with timed_build_phases(record), stopwatch(record, "build_total"):
        model = OpinionModel(scenario, seed=seed, n_citizens=n_citizens, create_agents=False,
                             engine=engine)
    record["peak_rss_after_build_mb"] = peak_rss_mb()
    inventory = array_inventory(model)
    record["persistent_bytes_per_citizen"] = sum(size for _, _, size in inventory)

    step_times = []
    with stopwatch(record, "run"):
        while model.running:
            start = time.perf_counter()
            model.step()
            step_times.append(time.perf_counter() - start)
    steps = len(step_times)
    record |= {
        "steps": steps,
        "step_mean": float(np.mean(step_times)),
        "step_median": float(np.median(step_times)),
        "step_cpu_mean": record["run_cpu"] / steps,
        "citizen_steps_per_s": n_citizens * steps / record["run"],
        "citizen_steps_per_cpu_s": n_citizens * steps / record["run_cpu"],
        "total": record["build_total"] + record["run"],
        "peak_rss_mb": peak_rss_mb(),
    }
    record["inventory"] = inventory
    return record


def measure_default_run(repeats: int, seed: int = 0) -> dict:
    """Time ``simulate()`` with the baseline's defaults (20,000 citizens, 2020-09 to 2030-12)."""
    walls, cpus = [], []
    load_compiled_kernels({})
    for repeat in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        simulate(seed=seed + repeat)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return {"citizens": baseline().citizens, "repeats": repeats,
            "simulate_median": float(np.median(walls)), "simulate_min": float(np.min(walls)),
            "simulate_cpu_median": float(np.median(cpus))}


def measure_network(sizes: list[int], degrees: list[int], repeats: int = 3) -> list[dict]:
    """Time ``build_network`` (best of ``repeats``): every size at the first mean degree, and
    the largest size at every degree; return one row per (size, degree)."""
    grid = [(n, degrees[0]) for n in sizes] + [(sizes[-1], k) for k in degrees[1:]]
    rows = []
    for n, mean_degree in grid:
        key = np.random.default_rng(n).standard_normal(n)
        best = np.inf
        for repeat in range(repeats):
            start = time.perf_counter()
            network = build_network(key, mean_degree, 0.1, np.random.default_rng(repeat))
            best = min(best, time.perf_counter() - start)
        ties = network.indices.size
        rows.append({"citizens": n, "mean_degree": mean_degree, "ties": ties,
                     "build_network": best, "ns_per_tie": best / ties * 1e9})
    return rows


def _one_run(seed: int) -> float:
    return float(simulate(seed=seed).array[-1, 1, 0])


def measure_ensemble(runs: int, workers: int) -> dict:
    """Run ``runs`` default simulations over ``workers`` processes; return runs per minute.

    The time includes starting the worker processes and loading the kernels in each.
    """
    start = time.perf_counter()
    if workers == 1:
        results = [_one_run(seed) for seed in range(runs)]
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(_one_run, range(runs)))
    wall = time.perf_counter() - start
    assert len(results) == runs
    return {"runs": runs, "workers": workers, "citizens": baseline().citizens,
            "wall": wall, "runs_per_minute": runs / wall * 60}


def measure_reference(n_citizens: int, end: str, seed: int = 0, repeats: int = 3) -> dict:
    """Time the per-agent reference and the vectorised model on the same small world.

    Best of ``repeats`` runs of each: the reference's best rate is the baseline every
    speed-up is measured against, so noise can only make the speed-ups smaller.
    """
    load_compiled_kernels({})
    scenario = baseline().with_changes(end=end)
    best: dict = {}
    for _ in range(repeats):
        model = OpinionModel(scenario, seed=seed, n_citizens=n_citizens, create_agents=False)
        reference = ReferenceModel(model)
        record: dict = {}
        with stopwatch(record, "reference_run"):
            reference.run_model()
        with stopwatch(record, "vectorised_run"):
            model.run_model()
        for name, seconds in record.items():
            best[name] = min(best.get(name, np.inf), seconds)
    steps = model.steps
    return best | {
        "citizens": n_citizens, "steps": steps, "repeats": repeats,
        "reference_citizen_steps_per_s": n_citizens * steps / best["reference_run"],
        "reference_citizen_steps_per_cpu_s": n_citizens * steps / best["reference_run_cpu"],
        "vectorised_citizen_steps_per_cpu_s": n_citizens * steps / best["vectorised_run_cpu"],
        "max_share_difference": float(np.max(np.abs(model.shares - reference.shares))),
    }
