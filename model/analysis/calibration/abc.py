"""ABC-SMC with pyabc: priors from the registry, a seeded sampler, a resumable history.

pyabc draws its proposals from numpy's global random generator and, in its own parallel
samplers, reseeds it from the operating system in every worker, so two runs never give the
same posterior. ``SeededMappingSampler`` closes that gap: every batch of work it hands out
gets its seeds from the named stream ``abc-sampler`` of the fit's seed, numbered by
generation and batch (``model.core.streams.generator``), and the evaluations
themselves are pure functions of their parameters (``targets.evaluation_seed``). The same
seed then gives the same posterior serially, in a process pool or on a Dask cluster.

The run history lives in a SQLite database (pyabc's ``History``); a fit whose database
already holds the same configuration picks up after its last finished generation.
"""

from __future__ import annotations

import ast
import json
import logging
import random
import sqlite3
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import closing, contextmanager
from dataclasses import asdict, dataclass
from datetime import timedelta
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
import pyabc
from pyabc.sampler import MappingSampler
from scipy import stats
from scipy.special import expit

from ...core.streams import generator
from ...inputs import registry
from ...inputs.errors import MISSING, InputError
from ...inputs.variants import MECHANISM_GROUPS
from ...runs.atomic import WriteError, write_json
from ...runs.execution import close_client, dask_map
from ...runs.stopping import stop_pool
from ..weighting import weighted_quantiles
from .proposal import StudentTTransition
from .targets import (
    SurveyDistance,
    TargetWave,
    WaveSimulator,
    observed_stats,
    pattern_targets,
    sampling_sds,
)


def calibrated_names() -> tuple[str, ...]:
    """Return the parameters with a calibration prior, in registry order."""
    return tuple(q.name for q in registry.PARAMETERS if q.calibrated)


def prior_range(name: str, width: float = 1.0) -> tuple[float, float]:
    """Return a parameter's prior range with its width scaled by ``width``.

    Scaled about the range's midpoint, then shifted back inside the parameter's bounds
    where it would cross one (most priors start at 0, "no effect": doubled, (0, w) becomes
    (0, 2w)); a range that would be wider than the bounds is the bounds (a prior cannot
    admit impossible values). For the prior-sensitivity refits (``calibrate --prior-width``).
    """
    quantity = registry.get(name)
    low, high = quantity.prior
    if width == 1.0:
        return low, high
    bottom, top = quantity.bounds
    half = min((high - low) * width, top - bottom) / 2
    low, high = (low + high) / 2 - half, (low + high) / 2 + half
    shift = max(0.0, bottom - low) - max(0.0, high - top)
    return low + shift, high + shift


#: Share of each generation's proposals drawn from the prior (defensive importance sampling,
#: ``proposal.py``): it bounds every particle's weight. Reweighting the last generation of a
#: 500-particle fit under the mixture gave 5, 33, 65 and 111 effective particles for shares
#: of 0, 0.05, 0.1 and 0.2 (``docs/calibration.md``).
PRIOR_SHARE = 0.2


def prior_distribution(names: Iterable[str]) -> pyabc.Distribution:
    """Return the registry's independent uniform priors, on the logit scale of the search.

    A parameter theta ~ U(low, high) is searched as z = logit((theta - low) / (high - low)),
    which is standard logistic (``LogitScale``): the same prior, without edges.
    """
    return pyabc.Distribution(**{name: pyabc.RV("logistic", 0.0, 1.0) for name in names})


@dataclass(frozen=True)
class LogitScale:
    """The model as the ABC search sees it: logit-scale parameters in, statistics out.

    ABC-SMC proposes by perturbing the last generation. On a box of uniform priors a
    proposal kernel loses half its mass at every edge, and a particle in a corner
    of k unidentified dimensions gets 2^k times the weight of one in the middle: with ten
    such parameters a few particles carry the posterior. On the logit scale the prior is a
    smooth logistic density with no edge, and the weights stay even. Values map back as
    theta = low + (high - low) / (1 + exp(-z)).

    Attributes:
        simulator: called with the parameters on their own scale.
        bounds: each searched parameter's prior range.
    """

    simulator: Callable[[dict[str, float]], dict[str, float]]
    bounds: tuple[tuple[str, float, float], ...]

    @classmethod
    def of(cls, simulator, names: Iterable[str],
           prior: Callable[[str], tuple[float, float]] = prior_range) -> LogitScale:
        """Return ``simulator`` searched over the priors of ``names``.

        ``prior`` gives a parameter's range (default: the registry's; ``FitConfig.prior``
        for a fit with widened priors).
        """
        return cls(simulator, tuple((n, *prior(n)) for n in names))

    def to_parameters(self, z) -> dict[str, float]:
        """Return the parameters on their own scale from logit-scale values."""
        return {name: low + (high - low) * float(expit(float(z[name])))
                for name, low, high in self.bounds}

    def __call__(self, z) -> dict[str, float]:
        """Simulate at the parameters ``z`` stands for."""
        return self.simulator(self.to_parameters(z))


@dataclass(frozen=True)
class Budget:
    """When a fit stops: whichever limit is reached first.

    Attributes:
        particles: population size of each generation.
        max_simulations: total model evaluations.
        max_minutes: wall-clock minutes (checked between generations).
        max_generations: generations.
        min_acceptance_rate: stop when a generation accepts fewer than this share.
    """

    particles: int = 400
    max_simulations: int = 12_000
    max_minutes: float = 25.0
    max_generations: int = 15
    min_acceptance_rate: float = 0.02


class SeededMappingSampler(MappingSampler):
    """pyabc's mapping sampler with reproducible per-batch seeds.

    Each of the ``n`` mapped calls samples until it has one accepted particle, seeding
    numpy's and Python's global generators (which pyabc's proposals use) from its own
    seed first. Results come back in submission order, so the population does not depend
    on which worker was fastest.
    """

    def __init__(self, map_: Callable = map, seed: int = 0):
        super().__init__(map_=map_)
        self.seed = int(seed)
        self._calls: dict[int, int] = {}

    def map_function(self, simulate_one, task_seed):
        """Sample until one particle is accepted, from a fixed seed."""
        simulate_one = self.unpickle(simulate_one)
        np.random.seed(int(task_seed))
        random.seed(int(task_seed))
        evaluations = 0
        sample = self._create_empty_sample()
        while True:
            particle = simulate_one()
            evaluations += 1
            sample.append(particle)
            if particle.accepted:
                return sample, evaluations

    def sample_until_n_accepted(self, n, simulate_one, t, *, max_eval=np.inf,
                                all_accepted=False, ana_vars=None):
        """Map ``n`` seeded tasks and merge their samples (in task order)."""
        generation = int(t) + 1  # t is -1 for the calibration sample before generation 0
        batch = self._calls.get(generation, 0)
        self._calls[generation] = batch + 1
        # The batch's seeds are state words of the seed sequence behind its named stream.
        stream = generator(self.seed, "abc-sampler", generation, batch)
        seeds = [int(s) for s in stream.bit_generator.seed_seq.generate_state(n)]
        task = partial(self.map_function, self.pickle(simulate_one))
        results = list(self.map_(task, seeds))
        self.nr_evaluations_ = sum(evaluations for _, evaluations in results)
        sample = self._create_empty_sample()
        for part, _ in results:
            sample += part
        return sample


@dataclass(frozen=True)
class FitConfig:
    """Everything that determines a fit (its identity for resuming).

    Attributes:
        free: the parameters fitted (each with a registry prior).
        fixed: parameters held at given values.
        fit_waves: keys of the target waves the distance scores.
        report_waves: keys of every wave the simulator reports (fitted or held out).
        n_citizens: simulated citizens per evaluation.
        seed: the fit's seed.
        budget: when to stop.
        prior_width: the widened priors' width, as a multiple of the registry's
            (``prior_range``); 1 for every fit but the prior-sensitivity refits.
        widened: the mechanism groups (``variants.MECHANISM_GROUPS``) whose priors
            ``prior_width`` scales; empty: every free parameter's.
        patterns: names of the subgroup sizes the distance scores besides the waves
            (``inputs.survey_patterns``; ``calibrate --patterns``).
    """

    free: tuple[str, ...]
    fixed: tuple[tuple[str, float], ...]
    fit_waves: tuple[str, ...]
    report_waves: tuple[str, ...]
    n_citizens: int
    seed: int
    budget: Budget
    prior_width: float = 1.0
    patterns: tuple[str, ...] = ()
    widened: tuple[str, ...] = ()

    def prior(self, name: str) -> tuple[float, float]:
        """Return the prior range this fit searches for parameter ``name``."""
        if self.widened and not any(name in MECHANISM_GROUPS[g] for g in self.widened):
            return prior_range(name)
        return prior_range(name, self.prior_width)

    def identity(self) -> str:
        """Return a JSON text of the configuration (budget excluded: it may be raised)."""
        data = asdict(self)
        data.pop("budget")
        # Left out at their defaults: the identity of every fit made before the options.
        if self.prior_width == 1.0:
            data.pop("prior_width")
        if not self.patterns:
            data.pop("patterns")
        if not self.widened:
            data.pop("widened")
        # A history searched on another scale or with another proposal is not resumed.
        data["search"] = f"logit scale, Student-t proposal, {PRIOR_SHARE:g} from the prior"
        return json.dumps(data, sort_keys=True)


@dataclass(frozen=True)
class FitResult:
    """A finished fit.

    Attributes:
        config: what was fitted.
        particles: the last generation's parameters, one column per free parameter.
        weights: their normalised importance weights.
        statistics: the last generation's simulated statistics (one row per particle).
        generations: per generation: epsilon, evaluations, particles, acceptance rate.
        evaluations: total model evaluations.
        seconds: wall-clock time of this call.
        database: where the history lives.
    """

    config: FitConfig
    particles: pd.DataFrame
    weights: np.ndarray
    statistics: pd.DataFrame
    generations: pd.DataFrame
    evaluations: int
    seconds: float
    database: Path

    @property
    def effective_sample_size(self) -> float:
        """Return Kish's effective number of particles, 1 / sum(w^2).

        Far below the particle count means a few particles carry most of the weight, and
        the posterior is known less well than the particle count suggests.
        """
        return float(1.0 / np.sum(self.weights ** 2))

    def posterior_table(self) -> pd.DataFrame:
        """Return particles with a ``weight`` column (the format of ``model/data``)."""
        table = self.particles.copy()
        table["weight"] = self.weights
        return table


@contextmanager
def _executor(workers: int, scheduler: object):
    """Yield a map function: the built-in map, a spawn process pool, or a Dask client."""
    if scheduler is not None:
        from distributed import Client

        own = not isinstance(scheduler, Client)
        client = Client(scheduler) if own else scheduler
        try:
            yield lambda fn, items: dask_map(client, fn, items)
        finally:
            if own:
                close_client(client)
    elif workers <= 1:
        yield map
    else:
        import multiprocessing

        pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
        try:
            yield lambda fn, items: pool.map(fn, items, chunksize=1)
        except BaseException:
            stop_pool(pool)  # interrupted: the queued evaluations must not run on
            raise
        else:
            pool.shutdown(wait=True)


def fit(targets: Sequence[TargetWave], fit_keys: Sequence[str], config: FitConfig,
        database: str | Path, *, workers: int = 1, scheduler: object = None) -> FitResult:
    """Fit ``config.free`` to the waves in ``fit_keys`` by ABC-SMC and return the posterior.

    The distance also scores the subgroup sizes ``config.patterns`` names, if any.

    Args:
        targets: every wave the simulator reports (held-out ones are predicted, not fitted).
        fit_keys: the keys of the waves the distance scores.
        config: the fit's configuration.
        database: the SQLite file of the run history; a history of the same configuration
            found there is resumed.
        workers: local processes (1: this process).
        scheduler: a Dask scheduler address or ``distributed.Client`` (overrides workers).
    """
    started = time.perf_counter()
    database = Path(database)
    check_history(database)
    if is_finished(database, config):
        return load_finished(database, config)
    patterns = pattern_targets(config.patterns)
    fitted = [*(t for t in targets if t.key in fit_keys), *patterns]
    simulator = WaveSimulator(tuple(targets), dict(config.fixed), config.n_citizens,
                              config.seed, patterns=patterns)

    def build(sampler: SeededMappingSampler) -> pyabc.ABCSMC:
        return pyabc.ABCSMC(LogitScale.of(simulator, config.free, config.prior),
                            prior_distribution(config.free),
                            SurveyDistance(sampling_sds(fitted)), transitions=transition(),
                            population_size=config.budget.particles, sampler=sampler)

    history = run_history(build, observed_stats(fitted), database, config.identity(),
                          config.budget, config.seed, workers=workers, scheduler=scheduler)
    result = read_result(history, config, database, time.perf_counter() - started)
    mark_finished(database, config.identity(), result.seconds, result.evaluations)
    return result


def transition() -> StudentTTransition:
    """Return the proposal of every fit: a Student-t mixed with the logit-scale prior."""
    return StudentTTransition(prior=stats.logistic(), prior_share=PRIOR_SHARE)


def run_history(build: Callable[[SeededMappingSampler], pyabc.ABCSMC],
                observed: dict[str, float], database: Path, identity: str, budget: Budget,
                seed: int, *, workers: int = 1, scheduler: object = None) -> pyabc.History:
    """Run an ABC-SMC search to its budget, resuming a history of the same identity.

    The shared engine of ``fit`` and ``model_choice.select_models``.

    Args:
        build: returns the search (``pyabc.ABCSMC``) that samples with the sampler given.
        observed: the observed statistics.
        database: the SQLite file of the run history.
        identity: the search's configuration as text: a run in ``database`` recorded with
            the same text is resumed after its last finished generation.
        budget: when the search stops.
        seed: the search's seed (the sampler's and pyabc's own draws).
        workers: local processes (1: this process).
        scheduler: a Dask scheduler address or ``distributed.Client`` (overrides workers).

    Returns:
        The history, positioned on the run.
    """
    database.parent.mkdir(parents=True, exist_ok=True)
    for name in ("ABC", "Sampler", "Epsilon"):
        logging.getLogger(name).setLevel(logging.WARNING)
    with _history_writes(database), _executor(workers, scheduler) as map_:
        abc = build(SeededMappingSampler(map_, seed))
        url = f"sqlite:///{database.resolve()}"
        run_id = _resumable_run(database, identity)
        # pyabc's parent process draws from numpy's global generator too (KDE bandwidths,
        # the first population's bookkeeping): seed it from the search's seed.
        np.random.seed(np.random.SeedSequence(seed).generate_state(1)[0])
        if run_id is None:
            abc.new(url, observed, meta_info={"config": identity})
        else:
            abc.load(url, run_id, observed)
        history = abc.history
        if not _budget_spent(history, budget):
            history = abc.run(max_nr_populations=budget.max_generations,
                              max_total_nr_simulations=budget.max_simulations,
                              max_walltime=timedelta(minutes=budget.max_minutes),
                              min_acceptance_rate=budget.min_acceptance_rate)
    return history


def check_history(database: str | Path) -> None:
    """Raise unless ``database`` is absent or a run history that pyabc can read.

    A damaged file (truncated, overwritten, not SQLite) would otherwise stop the fit with
    a database library's traceback, after the command had started.

    Raises:
        InputError: naming the file and what to do.
    """
    database = Path(database)
    if not database.exists():
        return
    try:
        # Read-only, and quick_check reads every page: a truncated file is caught too.
        with closing(sqlite3.connect(f"{database.resolve().as_uri()}?mode=ro",
                                     uri=True)) as connection:
            problems = connection.execute("PRAGMA quick_check").fetchall()
        if problems != [("ok",)]:
            raise sqlite3.DatabaseError("; ".join(str(row[0]) for row in problems[:3]))
    except sqlite3.Error as error:
        reason = str(error)
        raise InputError(str(database), "file", MISSING,
                         f"an ABC run history (SQLite) written by a fit; this one cannot be "
                         f"read ({reason}): delete it to fit afresh, or choose another "
                         "--out") from None


@contextmanager
def _history_writes(database: Path):
    """Report a history that cannot be written (a full disk) as a ``WriteError``.

    pyabc writes through SQLAlchemy, whose error wraps the sqlite3 one.
    """
    try:
        yield
    except Exception as error:
        cause = getattr(error, "orig", None)
        if isinstance(cause, sqlite3.OperationalError | sqlite3.DatabaseError):
            raise WriteError(database, OSError(None, str(cause))) from error
        raise


def _marker(database: Path) -> Path:
    return database.with_name(database.name + ".done.json")


def mark_finished(database: Path, identity: str, seconds: float, evaluations: int) -> None:
    """Record beside ``database`` that the search ``identity`` finished (and its cost)."""
    write_json(_marker(database), {"config": identity, "seconds": seconds,
                                   "evaluations": evaluations})


def _marked_config(database: Path) -> str | None:
    """Return the configuration the finished-fit marker records (None if none or unreadable).

    An unreadable marker only costs a resume: the history then says what is done.
    """
    try:
        return json.loads(_marker(database).read_text(encoding="utf-8"))["config"]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def finished_history(database: str | Path, identity: str) -> tuple[pyabc.History, float] | None:
    """Return the history of a finished search ``identity`` and its seconds, or None.

    None unless the marker beside ``database`` records that very search as finished.
    """
    database = Path(database)
    if _marked_config(database) != identity:
        return None
    marker = json.loads(_marker(database).read_text(encoding="utf-8"))
    history = pyabc.History(f"sqlite:///{database.resolve()}")
    history.id = _resumable_run(database, identity)
    return history, float(marker["seconds"])


def is_finished(database: str | Path, config: FitConfig) -> bool:
    """Return True when ``database`` holds a completed fit of ``config``."""
    return _marked_config(Path(database)) == config.identity()


def load_finished(database: str | Path, config: FitConfig) -> FitResult:
    """Return a completed fit from its database without running anything.

    Raises:
        ValueError: when ``database`` holds no finished fit of ``config``.
    """
    finished = finished_history(database, config.identity())
    if finished is None:
        raise ValueError(f"{database} holds no finished fit of this configuration")
    history, seconds = finished
    return read_result(history, config, Path(database), seconds)


def _budget_spent(history: pyabc.History, budget: Budget) -> bool:
    """Return True when a resumed history already reached its generation or run budget."""
    if history.max_t < 0:
        return False
    return (history.max_t + 1 >= budget.max_generations
            or history.total_nr_simulations >= budget.max_simulations)


def _resumable_run(database: Path, identity: str) -> int | None:
    """Return the id of a finished-or-interrupted run of the same identity, if any."""
    if not database.is_file():
        return None
    history = pyabc.History(f"sqlite:///{database.resolve()}")
    runs = history.all_runs()
    for run in reversed(runs):
        history.id = run.id
        if history.max_t >= 0 and _meta_config(history) == identity:
            return run.id
    return None


def _meta_config(history: pyabc.History) -> str | None:
    """Return the configuration a run was started with (None if it recorded none).

    pyabc stores ``meta_info`` as the text of a Python dict (single quotes), not as JSON:
    reading it with ``json.loads`` alone found no configuration, and an interrupted fit
    started afresh instead of resuming.
    """
    try:
        info = history.get_abc().json_parameters
    except Exception:
        return None
    for parse in (json.loads, ast.literal_eval):
        try:
            found = parse(info) if info else None
        except (ValueError, SyntaxError):
            continue
        return found.get("config") if isinstance(found, dict) else None
    return None


def read_result(history: pyabc.History, config: FitConfig, database: Path,
                seconds: float = 0.0) -> FitResult:
    """Return the last generation of a pyabc history as a ``FitResult``."""
    logits, weights = history.get_distribution(m=0, t=history.max_t)
    scale = LogitScale.of(None, config.free, config.prior)
    particles = pd.DataFrame([scale.to_parameters(row) for _, row in logits.iterrows()],
                             columns=list(config.free))
    stat_weights, stats = history.get_weighted_sum_stats(t=history.max_t)
    statistics = pd.DataFrame(stats)
    populations = history.get_all_populations()
    populations = populations[populations.t >= 0].reset_index(drop=True)
    generations = pd.DataFrame({
        "generation": populations.t.astype(int),
        "epsilon": populations.epsilon.astype(float),
        "evaluations": populations.samples.astype(int),
        "particles": populations.particles.astype(int),
    })
    generations["acceptance_rate"] = generations.particles / generations.evaluations
    return FitResult(config=config, particles=particles,
                     weights=np.asarray(weights, dtype=float) / np.sum(weights),
                     statistics=statistics.assign(weight=np.asarray(stat_weights) /
                                                  np.sum(stat_weights)),
                     generations=generations, evaluations=int(history.total_nr_simulations),
                     seconds=seconds, database=database)


def summarise(result: FitResult, names: Sequence[str] | None = None) -> pd.DataFrame:
    """Return each fitted parameter's prior range, posterior mean and 90% interval.

    ``sd_ratio`` is the posterior standard deviation over the prior's: near 1 the data
    did not inform the parameter (it is not identified by these waves); well below 1 they
    did.
    """
    rows = []
    for name in names or result.particles.columns:
        low, high = result.config.prior(name)
        values = result.particles[name].to_numpy()
        mean = float(np.average(values, weights=result.weights))
        sd = float(np.sqrt(np.average((values - mean) ** 2, weights=result.weights)))
        q05, q50, q95 = weighted_quantiles(values, result.weights, [0.05, 0.5, 0.95])
        prior_sd = (high - low) / np.sqrt(12)
        rows.append({"parameter": name, "default": registry.get(name).default,
                     "prior_low": low, "prior_high": high, "mean": mean, "median": q50,
                     "q05": q05, "q95": q95, "sd_ratio": sd / prior_sd})
    return pd.DataFrame(rows)
