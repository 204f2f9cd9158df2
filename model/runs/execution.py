"""The execution engine: many simulations, run serially, in a process pool or on Dask.

A :class:`Task` is one simulation: a scenario, a seed, optional parameter overrides and a
population size. Its :attr:`Task.id` is a hash of exactly those inputs and of the model code,
so the same task always lands in the same file, ``OUT/runs/<id>.npz``, written atomically as
soon as the run finishes. :func:`run_tasks` skips tasks whose file is there and reads back
whole (resume; a damaged file is run again), records a failing task as
``OUT/runs/<id>.error.json`` with its traceback without stopping the others, and returns a
:class:`RunReport`. Results go to disk one by one, never into one big list, so memory does
not grow with the number of tasks.

Faults lose only the runs in flight: a worker process that dies fails its runs and the others
go on in a fresh pool; a lost Dask scheduler, or a cluster left without workers for
``NO_WORKER_SECONDS``, fails the runs in flight and those not yet sent, and ``run_tasks``
returns at once; an interrupt (Ctrl-C, SIGTERM) stops the pool's workers; a result that
cannot be written (a full disk) raises ``WriteError`` after stopping the others. In every
case the finished runs are on disk, and running the same tasks again resumes.

The three executors give bit-identical results: a run depends only on its task (every random
number derives from the seed, see ``model.core.streams``), never on the process or machine.

Example (what the ``run`` command and the sensitivity analysis do)::

    tasks = [Task(scenario, seed) for scenario in scenarios for seed in range(10)]
    report = run_tasks(tasks, "results", workers=2)
    if report.ok:
        for task, array in iter_results("results", tasks):
            ...
"""

from __future__ import annotations

import hashlib
import json
import logging
import multiprocessing
import os
import queue
import socket
import time
import traceback
import zipfile
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from functools import cache, cached_property
from importlib import metadata
from pathlib import Path

import numpy as np
from tqdm import tqdm

from ..core.simulate import simulate
from ..core.threads import set_thread_count
from ..inputs.scenario import SECTIONS, Scenario
from ..inputs.scenario_files import scenario_to_dict
from .atomic import WriteError, atomic_path, remove_stale_temporaries, write_json
from .stopping import stop_pool

RUNS_DIR = "runs"
#: Seconds a Dask cluster may have no worker before the runs waiting for one count as lost.
NO_WORKER_SECONDS = 30.0
#: Seconds between checks that the Dask scheduler and its workers are still there, while no
#: result arrives.
POLL_SECONDS = 1.0
#: The folders of the package whose code determines simulated numbers: the numeric core and
#: the definitions of its inputs. Everything else (commands, figures, the app, the oracle,
#: run bookkeeping) only orders or presents the numbers, so editing it must not invalidate
#: finished runs (see ``code_version``).
NUMERIC_FOLDERS = ("core", "inputs")
#: The ``model`` package folder.
PACKAGE = Path(__file__).resolve().parents[1]
#: Libraries whose version could change simulated numbers.
_NUMERIC_LIBRARIES = ("numpy", "scipy", "numba", "mesa")

#: A worker turns a task into an array (the default: the monthly shares of ``simulate``).
Worker = Callable[["Task"], np.ndarray]


@cache
def code_version(package: Path = PACKAGE) -> str:
    """Return a hash of the code that determines numbers, and numeric library versions.

    It is part of every task id, so results computed by different model code are never
    mixed up or resumed from: change a mechanism and every run is computed afresh.
    ``package`` is the ``model`` folder (a parameter so that tests can hash a copy).
    """
    digest = hashlib.sha256()
    for folder in NUMERIC_FOLDERS:
        for path in sorted((package / folder).rglob("*.py")):
            relative = path.relative_to(package).as_posix()
            digest.update(relative.encode() + b"\0" + path.read_bytes() + b"\0")
    for library in _NUMERIC_LIBRARIES:
        digest.update(f"{library}=={metadata.version(library)}\0".encode())
    return digest.hexdigest()[:16]


def _as_floats(value: object) -> object:
    """Return ``value`` with every number as a float: 0 and 0.0 are the same lever setting."""
    if isinstance(value, dict):
        return {key: _as_floats(item) for key, item in value.items()}
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return value


def _scenario_identity(scenario: Scenario) -> str:
    """Return what of a scenario changes a run's numbers, as canonical JSON text.

    Not its description or seed count. Scenarios are immutable, and the tasks of an
    ensemble or an attribution share a few scenario objects between thousands of tasks:
    the last ones seen are remembered.
    """
    remembered = _identities.get(id(scenario))
    if remembered is not None and remembered[0] is scenario:
        return remembered[1]
    identity = _canonical(_identity_of(scenario))
    _identities[id(scenario)] = (scenario, identity)  # the scenario is kept: its id stays its
    while len(_identities) > _REMEMBERED_IDENTITIES:
        _identities.pop(next(iter(_identities)))
    return identity


#: Scenario identities remembered (by object): a command's scenarios, a few hundred at most.
_REMEMBERED_IDENTITIES = 512
_identities: dict[int, tuple[Scenario, str]] = {}


def _canonical(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def _identity_of(scenario: Scenario) -> dict:
    table = scenario_to_dict(scenario)
    table.pop("description", None)
    run = table.pop("run")
    identity = _as_floats(table)
    identity["run"] = {"start": run["start"], "end": run["end"]}
    # run.citizens is left out: the task's resolved population size stands in for it.
    return identity


def _scenario_state(scenario: Scenario) -> dict:
    """Return a scenario's fields as plain (picklable) values."""
    state = {f.name: getattr(scenario, f.name) for f in fields(scenario)}
    for name in SECTIONS:
        state[name] = dict(state[name])
    return state


def _rebuild_task(state: dict, seed: int, parameters: dict | None,
                  n_citizens: int | None) -> Task:
    return Task(Scenario(**state), seed, parameters, n_citizens)


@dataclass(frozen=True, eq=False)
class Task:
    """One simulation to run: a scenario with a seed, parameter overrides and a size.

    Attributes:
        scenario: what to run.
        seed: the seed; every scenario run with the same seed shares its random numbers.
        parameters: values for the parameters the scenario does not set itself (e.g. a
            posterior draw or a sensitivity sample; the scenario's own win, see
            ``simulate``), or None.
        n_citizens: population size, or None for the scenario's own.
    """

    scenario: Scenario
    seed: int
    parameters: Mapping[str, float] | None = None
    n_citizens: int | None = None

    def __post_init__(self):
        if isinstance(self.seed, bool) or not isinstance(self.seed, int | np.integer) \
                or self.seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {self.seed!r}")
        object.__setattr__(self, "seed", int(self.seed))
        if self.parameters:
            object.__setattr__(self, "parameters",
                               {k: float(v) for k, v in sorted(self.parameters.items())})
        else:
            object.__setattr__(self, "parameters", None)

    def __reduce__(self):
        # Scenario holds read-only mapping proxies, which pickle refuses; ship plain dicts.
        return _rebuild_task, (_scenario_state(self.scenario), self.seed,
                               self.parameters, self.n_citizens)

    @property
    def citizens(self) -> int:
        """The population size the task runs with."""
        return int(self.n_citizens or self.scenario.citizens)

    @cached_property
    def id(self) -> str:
        """Content hash of everything that determines the result (and of the model code)."""
        # The canonical JSON of {code, n_citizens, parameters, scenario, seed} (keys in
        # order), with the scenario's own text spliced in rather than encoded again.
        text = (f'{{"code":{_canonical(code_version())},"n_citizens":{self.citizens},'
                f'"parameters":{_canonical(self.parameters or {})},'
                f'"scenario":{_scenario_identity(self.scenario)},"seed":{self.seed}}}')
        return hashlib.sha256(text.encode()).hexdigest()[:24]

    def describe(self) -> dict:
        """Return the task as plain data (for records and the manifest)."""
        return {"id": self.id, "scenario": self.scenario.name, "seed": self.seed,
                "parameters": self.parameters, "n_citizens": self.citizens}

    def __str__(self) -> str:
        extra = f", parameters {self.parameters}" if self.parameters else ""
        return f"{self.scenario.name} seed {self.seed}{extra}"


def simulate_task(task: Task) -> np.ndarray:
    """Run a task's simulation; return its shares, shape (months, measures, categories)."""
    return simulate(task.scenario, seed=task.seed, n_citizens=task.citizens,
                    parameters=task.parameters).array


# --- where results live --------------------------------------------------------------------
def result_path(out_dir: str | Path, task: Task) -> Path:
    """Return the file holding a finished task's result."""
    return Path(out_dir) / RUNS_DIR / f"{task.id}.npz"


def error_path(out_dir: str | Path, task: Task) -> Path:
    """Return the file recording a failed task's error."""
    return Path(out_dir) / RUNS_DIR / f"{task.id}.error.json"


def is_done(out_dir: str | Path, task: Task) -> bool:
    """Return True when the task's result is on disk and reads back whole.

    A file that is truncated, overwritten or not the task's (another id in its record) does
    not count: the task is run again and its file replaced.
    """
    path = result_path(out_dir, task)
    if not path.is_file():
        return False
    try:
        with np.load(path, allow_pickle=False) as data:
            data["array"]  # reads (and checksums) the whole array
            return json.loads(str(data["record"])).get("id") == task.id
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, AttributeError):
        return False


def load_record(out_dir: str | Path, task: Task) -> tuple[np.ndarray, dict]:
    """Return a finished task's array and its record (task, seconds, host, finish time)."""
    with np.load(result_path(out_dir, task), allow_pickle=False) as data:
        return data["array"], json.loads(str(data["record"]))


def load_result(out_dir: str | Path, task: Task) -> np.ndarray:
    """Return a finished task's array."""
    return load_record(out_dir, task)[0]


def iter_results(out_dir: str | Path, tasks: Iterable[Task]) -> Iterator[tuple[Task, np.ndarray]]:
    """Yield (task, array) for each task in order, reading one file at a time."""
    for task in tasks:
        yield task, load_result(out_dir, task)


def _write_result(out_dir: Path, task: Task, outcome: _Outcome) -> None:
    record = {**task.describe(), "seconds": round(outcome.seconds, 4), "host": outcome.host,
              "finished": outcome.finished, "code": outcome.code}
    with atomic_path(result_path(out_dir, task)) as temporary, open(temporary, "wb") as handle:
        np.savez(handle, array=outcome.array, record=np.array(json.dumps(record)))
    error_path(out_dir, task).unlink(missing_ok=True)


# --- running one task, anywhere ------------------------------------------------------------
@dataclass(frozen=True)
class _Outcome:
    """What a worker sends back: the array or the error, with where and how long."""

    array: np.ndarray | None
    error: dict | None
    seconds: float
    host: str
    finished: str
    code: str


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _execute(worker: Worker, task: Task) -> _Outcome:
    """Run ``worker(task)`` and capture its result or its error (on any executor)."""
    start = time.perf_counter()
    try:
        array, error = np.asarray(worker(task)), None
    except Exception as exc:  # recorded and reported at the end; never stops the other runs
        array, error = None, _error_record(exc, traceback.format_exc())
    return _Outcome(array, error, time.perf_counter() - start, socket.gethostname(), _now(),
                    code_version())


def _execute_on_one_thread(worker: Worker, task: Task) -> _Outcome:
    """``_execute`` in a worker process that shares the machine's cores with other workers.

    Each run keeps to one thread there, so that runs do not compete with each other for
    cores (the numbers are the same on any thread count).
    """
    set_thread_count(1)
    return _execute(worker, task)


def _error_record(error: BaseException, trace: str | None = None) -> dict:
    return {"type": type(error).__name__, "message": str(error),
            "traceback": trace or "".join(traceback.format_exception(error))}


def _lost(error: BaseException) -> _Outcome:
    """The outcome of a task whose worker never answered (crashed process, lost node)."""
    return _Outcome(None, _error_record(error), 0.0, socket.gethostname(), _now(),
                    code_version())


def _run_serial(worker: Worker, tasks: Sequence[Task]) -> Iterator[tuple[Task, _Outcome]]:
    for task in tasks:
        yield task, _execute(worker, task)


def _run_pool(worker: Worker, tasks: Sequence[Task],
              workers: int) -> Iterator[tuple[Task, _Outcome]]:
    # "spawn" behaves the same on Linux, macOS and Windows and does not copy the parent's
    # threads (tqdm's monitor, a Dask client) into the workers.
    context = multiprocessing.get_context("spawn")
    window = 4 * workers  # tasks in flight: enough to keep workers busy, memory bounded
    remaining = deque(tasks)
    while remaining:
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=context)
        running: dict = {}
        broken = False
        try:
            while running or (remaining and not broken):
                while remaining and not broken and len(running) < window:
                    task = remaining.popleft()
                    try:
                        running[pool.submit(_execute_on_one_thread, worker, task)] = task
                    except BrokenProcessPool:
                        remaining.appendleft(task)  # not started: retry in the next pool
                        broken = True
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    task = running.pop(future)
                    try:
                        yield task, future.result()
                    except BrokenProcessPool as error:
                        # A worker process died (killed, out of memory): the runs in flight
                        # are lost; record them and go on with a fresh pool.
                        broken = True
                        yield task, _lost(error)
                    except Exception as error:
                        yield task, _lost(error)
        except BaseException:
            # Interrupted, or the caller stopped (a result could not be written): the runs
            # in flight will not be written, so their workers are stopped, not waited for.
            stop_pool(pool)
            raise
        else:
            pool.shutdown(wait=True)


class ClusterLostError(RuntimeError):
    """The Dask scheduler, or every worker, went away; the runs waiting on it are lost."""


class _DaskWatch:
    """Dask futures in flight, and the state of the cluster that runs them.

    Each future reports its end through a queue, so waiting for the next one can stop every
    ``POLL_SECONDS`` to check the cluster: without that check, a lost scheduler leaves the
    command waiting forever on futures the client has given up.
    """

    def __init__(self, client):
        self.client = client
        self.pending: dict[str, tuple[object, object]] = {}
        self._finished: queue.Queue = queue.Queue()
        self._alone_since: float | None = None
        self.address = getattr(client.scheduler, "address", "?")

    def submit(self, label: object, function: Callable, *args) -> None:
        """Send ``function(*args)`` to the cluster; ``label`` comes back with its future."""
        future = self.client.submit(function, *args, pure=False)
        self.pending[future.key] = (future, label)
        future.add_done_callback(self._finished.put)  # called in Dask's thread

    def next_done(self) -> tuple[object, object]:
        """Return the next finished (future, label).

        Raises:
            ClusterLostError: when the scheduler is lost, or no worker is connected for
                ``NO_WORKER_SECONDS``.
        """
        while True:
            try:
                future = self._finished.get(timeout=POLL_SECONDS)
            except queue.Empty:
                self._check()
                continue
            if future.key not in self.pending:
                continue
            if future.cancelled():  # the client cancels every future when it loses the scheduler
                raise ClusterLostError(self._loss("cancelled by the Dask client"))
            return self.pending.pop(future.key)

    def _loss(self, what: str) -> str:
        return f"{what}: the connection to the Dask scheduler {self.address} was lost"

    def _check(self) -> None:
        if self.client.status != "running":
            raise ClusterLostError(self._loss(f"client {self.client.status}"))
        try:
            workers = len(self.client.nthreads())
        except (OSError, TimeoutError) as error:
            raise ClusterLostError(self._loss(f"no answer ({error})")) from None
        if workers:
            self._alone_since = None
            return
        now = time.monotonic()
        self._alone_since = self._alone_since or now
        if now - self._alone_since >= NO_WORKER_SECONDS:
            raise ClusterLostError(f"no Dask worker was connected to {self.address} for "
                                   f"{NO_WORKER_SECONDS:g} s")

    def release(self) -> None:
        """Cancel whatever is still in flight (on the way out, whatever the reason)."""
        futures = [future for future, _ in self.pending.values()]
        self.pending.clear()
        if futures and self.client.status == "running":
            self.client.cancel(futures)


def close_client(client) -> None:
    """Close a Dask client; one that lost its scheduler goes without logging a traceback.

    Closing cancels the client's attempt to reconnect, which Dask logs as an error with the
    traceback of the cancellation: noise after the loss has been reported.
    """
    if client.status == "running":
        client.close()
        return
    logger = logging.getLogger("distributed.client")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        client.close()
    finally:
        logger.setLevel(level)


def _run_dask(worker: Worker, tasks: Sequence[Task],
              scheduler: object) -> Iterator[tuple[Task, _Outcome]]:
    from distributed import Client

    own_client = not isinstance(scheduler, Client)
    client = Client(scheduler) if own_client else scheduler
    watch = _DaskWatch(client)
    try:
        window = 4 * max(1, sum(client.nthreads().values()))
        queue_ = iter(tasks)
        for task in (next(queue_, None) for _ in range(window)):
            if task is not None:
                watch.submit(task, _execute_on_one_thread, worker, task)
        while watch.pending:
            try:
                future, task = watch.next_done()
            except ClusterLostError as error:
                # Record what was in flight and what was never sent; a rerun does them.
                for _, task in list(watch.pending.values()):
                    yield task, _lost(error)
                watch.pending.clear()
                for task in queue_:
                    yield task, _lost(error)
                return
            try:
                outcome = future.result()
            except Exception as error:  # the worker died or the scheduler gave up on it
                outcome = _lost(error)
            future.release()
            yield task, outcome
            following = next(queue_, None)
            if following is not None:
                watch.submit(following, _execute_on_one_thread, worker, following)
    finally:
        watch.release()
        if own_client:
            close_client(client)


def dask_map(client, function: Callable, items: Iterable) -> list:
    """Return ``[function(item) for item in items]`` computed on a Dask cluster.

    Unlike ``client.gather(client.map(...))``, it does not wait forever for a lost
    scheduler or a cluster without workers.

    Raises:
        ClusterLostError: when the scheduler or every worker is lost.
        Exception: the first error a call raised.
    """
    watch = _DaskWatch(client)
    results: dict[int, object] = {}
    try:
        for index, item in enumerate(items):
            watch.submit(index, function, item)
        total = len(watch.pending)
        while len(results) < total:
            future, index = watch.next_done()
            results[index] = future.result()
    finally:
        watch.release()
    return [results[index] for index in range(len(results))]


# --- the public entry point ----------------------------------------------------------------
@dataclass(frozen=True)
class Failure:
    """A task that failed, with its error and where the full record is."""

    task: Task
    error_type: str
    message: str
    record: Path

    def __str__(self) -> str:
        return f"{self.task}: {self.error_type}: {self.message} (see {self.record})"


@dataclass
class RunReport:
    """What ``run_tasks`` did.

    Attributes:
        out_dir: the output folder.
        tasks: the distinct tasks, in submission order.
        reused: how many were already on disk and were skipped.
        completed: how many ran now and succeeded.
        failures: the tasks that failed.
        seconds: wall-clock time of this call.
        damaged: how many result files were on disk but did not read back whole, and so
            were run again.
    """

    out_dir: Path
    tasks: tuple[Task, ...]
    reused: int = 0
    completed: int = 0
    failures: list[Failure] = field(default_factory=list)
    seconds: float = 0.0
    damaged: int = 0

    @property
    def ok(self) -> bool:
        """True when every task has its result on disk."""
        return not self.failures

    def failure_summary(self, shown: int = 10) -> str:
        """Return a readable list of the failed tasks (the first ``shown`` of them)."""
        lines = [f"{len(self.failures)} of {len(self.tasks)} runs failed:"]
        lines += [f"  - {failure}" for failure in self.failures[:shown]]
        if len(self.failures) > shown:
            lines.append(f"  ... and {len(self.failures) - shown} more, each recorded in "
                         f"{self.out_dir / RUNS_DIR}/<id>.error.json")
        return "\n".join(lines)


class RunsFailedError(RuntimeError):
    """Some runs a computation needs failed (raised where no partial result makes sense).

    Attributes:
        report: the run report, with the failures.
    """

    def __init__(self, report: RunReport):
        self.report = report
        super().__init__(report.failure_summary())


def run_tasks(tasks: Iterable[Task], out_dir: str | Path, *, workers: int | None = None,
              scheduler: object = None, progress: bool | None = None,
              worker: Worker = simulate_task, description: str = "runs") -> RunReport:
    """Run every task not already on disk and write each result as it finishes.

    Args:
        tasks: what to run; duplicates (same id) run once.
        out_dir: results go to ``out_dir/runs/``; finished tasks found there are skipped.
        workers: local processes (default: every core); 1 runs in this process.
        scheduler: a Dask scheduler address (``tcp://host:8786``) or a
            ``distributed.Client``; when given, ``workers`` is ignored.
        progress: show a progress bar with ETA (default: when stderr is a terminal).
        worker: the function run on each task (picklable: defined at module level); it
            must return an array. The default runs ``simulate``.
        description: the progress bar's label.

    Returns:
        The report; ``report.failures`` lists failed tasks (their records are in
        ``out_dir/runs/<id>.error.json``), lost workers and a lost cluster included.

    Raises:
        WriteError: when a result cannot be written (a full disk...); the runs written
            before it are kept, the others stopped.
        KeyboardInterrupt: on Ctrl-C (or a stop signal); the same.
    """
    started = time.perf_counter()
    out_dir = Path(out_dir)
    try:
        (out_dir / RUNS_DIR).mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise WriteError(out_dir / RUNS_DIR, error) from error
    remove_stale_temporaries(out_dir / RUNS_DIR)
    unique = tuple({task.id: task for task in tasks}.values())
    pending = [task for task in unique if not is_done(out_dir, task)]
    report = RunReport(out_dir, unique, reused=len(unique) - len(pending),
                       damaged=sum(result_path(out_dir, task).exists() for task in pending))
    workers = workers or os.cpu_count() or 1

    if scheduler is not None:
        outcomes = _run_dask(worker, pending, scheduler)
    elif workers == 1 or len(pending) <= 1:
        outcomes = _run_serial(worker, pending)
    else:
        outcomes = _run_pool(worker, pending, min(workers, len(pending)))

    disable = None if progress is None else not progress
    with tqdm(total=len(unique), initial=report.reused, desc=description, unit="run",
              disable=disable, dynamic_ncols=True) as bar:
        try:
            for task, outcome in outcomes:
                if outcome.error is None and outcome.code != code_version():
                    outcome = _lost(RuntimeError(
                        f"the worker runs different model code ({outcome.code}, here "
                        f"{code_version()}); install the same version on every worker"))
                if outcome.error is None:
                    _write_result(out_dir, task, outcome)
                    report.completed += 1
                else:
                    record = write_json(error_path(out_dir, task),
                                        {**task.describe(), **outcome.error,
                                         "host": outcome.host, "finished": outcome.finished})
                    report.failures.append(Failure(task, outcome.error["type"],
                                                   outcome.error["message"], record))
                    bar.set_postfix(failed=len(report.failures))
                bar.update()
        finally:
            outcomes.close()  # on interrupt: cancel queued runs, keep the finished ones
    report.seconds = time.perf_counter() - started
    return report
