"""One measurement of one version of the model, in a fresh interpreter.

``benchmarks/versions.py`` runs this very script for every version it compares, with
``PYTHONPATH`` set to that version's source tree (the current tree, or an older commit
materialised in a temporary folder), so both versions are timed by the same code. It
therefore uses only what every version has: ``from model import simulate, baseline,
OpinionModel``, ``Scenario.with_changes(end=...)``, ``OpinionModel(scenario, seed=...,
n_citizens=..., create_agents=...)``, ``step()``, ``running``, ``steps`` and ``shares``; and
apart from the model only the standard library and numpy. It checks that ``model`` was
imported from the tree it was told to measure, and writes its figures as JSON.

Tasks:
    prime: one small run, untimed, so that the compiled functions are in numba's cache.
    calibration: a warm-up run, then ``simulate`` once per seed (wall and CPU time each),
        then once more per seed as a fit's evaluation runs it (``fit_months``).
    large: build one model and run it month by month: times, throughput and memory.
"""

from __future__ import annotations

import argparse
import ctypes
import hashlib
import json
import os
import platform
import resource
import sys
import time
from pathlib import Path

#: Citizens of the untimed warm-up run before a large run: enough to call every compiled
#: function once (the warm-up spans the measured months, the war shock included), small
#: enough that the memory it leaves behind does not distort the next build's figures.
WARM_UP_CITIZENS = 500
#: The priming run's last month: past February 2022, so that the war shock is compiled too.
PRIME_END = "2022-03"
_PAGE_BYTES = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


class SourceMismatchError(RuntimeError):
    """``model`` was imported from a different tree than the one to be measured."""


def current_rss_mb() -> float:
    """Return this process's resident memory now, in MB (Linux ``/proc``; NaN elsewhere)."""
    try:
        resident_pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return float("nan")
    return resident_pages * _PAGE_BYTES / 2**20


def trimmed_rss_mb() -> float:
    """Return resident memory after the C allocator gives freed memory back (glibc only).

    Freed temporaries of the build can stay in the allocator's heap, resident but unused;
    ``malloc_trim`` returns them, so what remains is what the process keeps. Call it last:
    it changes what later allocations cost. NaN where there is no glibc.
    """
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        return float("nan")
    return current_rss_mb()


def peak_rss_mb() -> float:
    """Return this process's peak resident memory so far, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load_average() -> float:
    """Return the machine's one-minute load average."""
    return os.getloadavg()[0]


class Clock:
    """Wall, process CPU and calling-thread CPU time since the clock was made.

    With several threads, process CPU adds up every thread's time and thread CPU is the
    calling thread's alone, so the pair shows how much work ran on the other threads.
    """

    def __init__(self):
        self.start = (time.perf_counter(), time.process_time(), time.thread_time())

    def elapsed(self) -> dict[str, float]:
        """Return the seconds since the clock was made: ``wall``, ``cpu``, ``thread_cpu``."""
        now = (time.perf_counter(), time.process_time(), time.thread_time())
        return dict(zip(("wall", "cpu", "thread_cpu"),
                        (b - a for a, b in zip(self.start, now, strict=True)), strict=True))


def check_source(model_file: str, root: Path) -> Path:
    """Return the imported package's folder; raise ``SourceMismatchError`` if not under ``root``."""
    package = Path(model_file).resolve().parent
    if package != (Path(root).resolve() / "model"):
        raise SourceMismatchError(f"model was imported from {package}, not from {root}/model: "
                             "PYTHONPATH did not take effect")
    return package


def digest(array) -> str:
    """Return a short hash of an array's values (equal hashes: bit-identical results)."""
    import numpy as np

    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()[:16]


def thread_setting() -> dict:
    """Return the thread count the model will use, where the version has one."""
    setting = {"threads_env": os.environ.get("BELARUS_ABM_THREADS")}
    try:
        from model.core.threads import thread_count
    except ImportError:  # versions before the threaded engine run on one thread
        setting["thread_count"] = 1
    else:
        setting["thread_count"] = thread_count()
    return setting


def warm_up(model, scenario, seed: int, citizens: int) -> float:
    """Run ``scenario`` once, untimed, so that compiled code is loaded; return its seconds."""
    clock = Clock()
    model.simulate(scenario, seed=seed, n_citizens=citizens)
    return clock.elapsed()["wall"]


def prime(model, options: argparse.Namespace) -> dict:
    """Compile every compiled function once, so that numba's cache holds them all.

    Run at ``options.citizens``: a population large enough for the threaded path (where a
    version has one) compiles the functions that only that path calls.
    """
    scenario = model.baseline().with_changes(end=PRIME_END)
    return {"seconds": warm_up(model, scenario, options.seed, options.citizens),
            "citizens": options.citizens}


def fit_months(end: str) -> list[str] | None:
    """Return the months a fit's evaluation reads, where the version reads only some.

    A version whose ``simulate`` reads every month (before ``observe``) returns None: its
    fits' evaluations ran the plain ``simulate``.
    """
    try:
        from model.analysis.calibration.targets import check_waves, months_seen, target_waves
        from model.inputs.calendar import month_range
    except ImportError:
        return None
    return months_seen(target_waves() + check_waves(), month_range("2020-09", end))


def calibration(model, options: argparse.Namespace) -> dict:
    """Time ``simulate`` at calibration size, once per seed, after an untimed warm-up.

    Then once more per seed as a fit's evaluation runs it: reading only the months the
    target waves see, where the version can (``fit_months``).
    """
    scenario = model.baseline().with_changes(end=options.end)
    # The warm-up is a run like the timed ones, with a seed none of them uses.
    warm_up_seconds = warm_up(model, scenario, options.warm_up_seed, options.citizens)
    runs = []
    for seed in options.seeds:
        clock = Clock()
        result = model.simulate(scenario, seed=seed, n_citizens=options.citizens)
        runs.append({"seed": seed, **clock.elapsed(), "shares_digest": digest(result.array)})
    months = fit_months(options.end)
    read = {} if months is None else {"observe": months}
    fit_runs = []
    for seed in options.seeds:
        clock = Clock()
        model.simulate(scenario, seed=seed, n_citizens=options.citizens, **read)
        fit_runs.append({"seed": seed, **clock.elapsed()})
    return {"citizens": options.citizens, "end": options.end, "warm_up": warm_up_seconds,
            "runs": runs, "fit_runs": fit_runs,
            "fit_months_read": None if months is None else len(months)}


def large(model, options: argparse.Namespace) -> dict:
    """Build one model of ``options.citizens`` and run it month by month."""
    scenario = model.baseline().with_changes(end=options.end)
    warm_up_seconds = warm_up(model, scenario, options.seed, WARM_UP_CITIZENS)
    rss_before = current_rss_mb()
    clock = Clock()
    opinion_model = model.OpinionModel(scenario, seed=options.seed,
                                       n_citizens=options.citizens, create_agents=False)
    build = clock.elapsed()
    rss_after_build, peak_after_build = current_rss_mb(), peak_rss_mb()
    step_walls = []
    clock = Clock()
    while opinion_model.running:
        step_start = time.perf_counter()
        opinion_model.step()
        step_walls.append(time.perf_counter() - step_start)
    run = clock.elapsed()
    steps = int(opinion_model.steps)
    return {
        "citizens": options.citizens, "end": options.end, "seed": options.seed,
        "warm_up": warm_up_seconds, "steps": steps,
        "build": build, "run": run, "step_walls": step_walls,
        "rss_before_build_mb": rss_before, "rss_after_build_mb": rss_after_build,
        "peak_rss_after_build_mb": peak_after_build, "rss_after_run_mb": current_rss_mb(),
        "peak_rss_mb": peak_rss_mb(), "rss_trimmed_mb": trimmed_rss_mb(),
        "final_shares": opinion_model.shares[-1].tolist(),
        "shares_digest": digest(opinion_model.shares),
    }


TASKS = {"prime": prime, "calibration": calibration, "large": large}


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("task", choices=sorted(TASKS))
    parser.add_argument("--expect-root", type=Path, required=True,
                        help="the source tree whose model package must be the one imported")
    parser.add_argument("--output", type=Path, required=True, help="JSON file to write")
    parser.add_argument("--citizens", type=int, default=5_000)
    parser.add_argument("--end", default="2030-12", help="last month")
    parser.add_argument("--seed", type=int, default=0, help="seed of the warm-up and large runs")
    parser.add_argument("--seeds", type=int, nargs="*", default=[0],
                        help="seeds of the calibration-size runs")
    parser.add_argument("--warm-up-seed", type=int, default=999_999,
                        help="seed of the calibration-size warm-up run")
    return parser.parse_args(argv)


def write_json_atomic(path: Path, record: dict) -> None:
    """Write ``record`` to ``path`` whole or not at all."""
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(record))
    os.replace(partial, path)


def main(argv=None) -> int:
    options = parse_args(argv)
    load_start, started = load_average(), time.time()
    import_clock = Clock()
    import model

    package = check_source(model.__file__, options.expect_root)
    record = {"task": options.task, "model_package": str(package),
              "import_seconds": import_clock.elapsed()["wall"], "pid": os.getpid(),
              "python": platform.python_version(), "started": started,
              "load_start": load_start, **thread_setting()}
    record |= TASKS[options.task](model, options)
    record["load_end"] = load_average()
    write_json_atomic(options.output, record)
    return 0


if __name__ == "__main__":
    sys.exit(main())
