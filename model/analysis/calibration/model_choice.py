"""Weighting the model variants: stacking of held-out predictions, and ABC model choice.

The waves cannot tell the mechanism variants (``model.inputs.variants``) apart by their
parameters alone, so an answer averaged over the variants needs weights. Two are computed:

* **Stacking** (Yao, Vehtari, Simpson & Gelman 2018, "Using stacking to average Bayesian
  predictive distributions", Bayesian Analysis 13(3)): the weights that maximise the
  log score of the weighted mixture of the variants' posterior predictive distributions
  on the held-out waves of the leave-one-wave-out validation. Stacking asks which mixture
  predicts unseen waves best; it does not assume that one variant is true. Here it rests
  on three folds, one per target wave, so the weights are themselves uncertain: a fourth
  wave could move them a great deal.
* **ABC model choice**: the posterior probability of each variant, from one ABC-SMC run in
  which the variant is a parameter too (pyabc's multi-model search, a uniform prior over
  the variants). Such probabilities are only as good as the summary statistics are
  sufficient for the choice between the models (Robert, Cornuet, Marin & Pillai 2011,
  "Lack of confidence in approximate Bayesian computation model choice", PNAS 108(37)):
  the shares of three waves are not sufficient, so the probabilities may favour a variant
  that the full data would not. They also weigh each variant's prior volume (Occam's
  razor), which stacking does not.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyabc
from scipy.optimize import minimize
from scipy.special import logsumexp, softmax
from scipy.stats import multinomial

from ...core.observation import CATEGORIES
from ...inputs.variants import Variant
from .abc import (
    PRIOR_SHARE,
    Budget,
    FitResult,
    LogitScale,
    SeededMappingSampler,
    calibrated_names,
    check_history,
    finished_history,
    mark_finished,
    prior_distribution,
    run_history,
    transition,
)
from .targets import (
    SurveyDistance,
    TargetWave,
    WaveSimulator,
    expected_name,
    observed_stats,
    sampling_sds,
)

# --- stacking ------------------------------------------------------------------------------


def held_out_log_density(result: FitResult, target: TargetWave) -> float:
    """Return the log posterior predictive density of a held-out wave's published shares.

    log p(y | fit) = log sum_j w_j Multinomial(counts | n, p_j), with w_j the weight of
    particle j of the fit's last generation and p_j its expected (noise-free) shares of the
    wave's reported categories; when the wave does not report all four, the categories it
    leaves out form one more category, with the rest of the share. The published shares
    are treated as counts of a simple random sample of the wave's size n (no design
    effect, so a real survey's wider error makes the density sharper than it should be):
    counts = round(n * share), the unreported remainder n minus their sum. Where all four
    are reported and the rounded counts do not add up to n, their sum serves as n.

    Args:
        result: a fit whose simulator reported ``target`` (its statistics hold the
            expected shares of every reported wave, held-out ones included).
        target: the held-out wave.

    Returns:
        The log density (natural log); -inf when no particle gives the counts any chance.
    """
    n = int(target.sample_size)
    shares = np.array([target.wave.shares[c] for c in target.categories], dtype=float)
    counts = np.rint(n * shares).astype(int)
    expected = np.column_stack([
        np.clip(result.statistics[expected_name(target.stat(c))].to_numpy(dtype=float),
                0.0, 1.0)
        for c in target.categories])
    if len(target.categories) < len(CATEGORIES):
        counts = np.append(counts, n - counts.sum())
        expected = np.column_stack([expected, np.clip(1.0 - expected.sum(axis=1), 0.0, 1.0)])
    else:
        n = int(counts.sum())
    if (counts < 0).any():
        raise ValueError(f"wave {target.key}: its shares sum above 1 ({shares.sum():.3f})")
    expected = expected / expected.sum(axis=1, keepdims=True)
    weights = result.statistics["weight"].to_numpy(dtype=float)
    log_pmf = np.array([multinomial.logpmf(counts, n, p) for p in expected], dtype=float)
    return float(logsumexp(log_pmf, b=weights / weights.sum()))


#: Stacking weights below this are set to 0 (``stacking_weights``).
CORNER = 1e-9


def stacking_weights(log_densities: np.ndarray) -> np.ndarray:
    """Return the stacking weights of the variants: the best mixture on the held-out folds.

    Maximises sum_k log sum_v w_v exp(lpd[k, v]) over the simplex (Yao et al. 2018, eq. 4
    with one held-out point per fold), parametrised as w = softmax(z) from z = 0, by
    L-BFGS-B with the analytic gradient. Everything is computed in logs (each fold's row
    less its maximum), so densities of -1,000 nats do not underflow; the answer is
    deterministic, and adding a constant to a fold's row does not change it. The objective
    is concave in w, so the optimum is global; where it lies on an edge of the simplex (one
    variant best on every fold, say) the weights the softmax leaves below ``CORNER`` are
    set to 0.

    Args:
        log_densities: shape (folds, variants): the log predictive density of each fold's
            held-out data under each variant.

    Returns:
        The weights, non-negative, summing to 1, one per variant.

    Raises:
        ValueError: for a value that is NaN or +inf, or a fold no variant gives any density.
    """
    lpd = np.atleast_2d(np.asarray(log_densities, dtype=float))
    if lpd.ndim != 2 or lpd.size == 0:
        raise ValueError("log_densities must have shape (folds, variants)")
    if np.isnan(lpd).any() or np.isposinf(lpd).any():
        raise ValueError("log densities must be finite numbers or -inf")
    if np.isneginf(lpd).all(axis=1).any():
        raise ValueError("a fold has density 0 under every variant")
    if lpd.shape[1] == 1:
        return np.ones(1)
    lpd = lpd - lpd.max(axis=1, keepdims=True)
    folds = lpd.shape[0]

    def objective(z: np.ndarray) -> tuple[float, np.ndarray]:
        log_w = z - logsumexp(z)
        joint = lpd + log_w  # log of w_v p_kv
        per_fold = logsumexp(joint, axis=1)
        responsibilities = np.exp(joint - per_fold[:, None])
        gradient = folds * np.exp(log_w) - responsibilities.sum(axis=0)
        return -float(per_fold.sum()), gradient

    found = minimize(objective, np.zeros(lpd.shape[1]), jac=True, method="L-BFGS-B",
                     options={"gtol": 1e-10, "ftol": 1e-15, "maxiter": 10_000})
    weights = softmax(found.x)
    # What a softmax leaves at a corner of the simplex is the solver's residue, not a
    # weight: below CORNER it is set to 0, unless a fold would then have no density.
    cleaned = np.where(weights < CORNER, 0.0, weights)
    with np.errstate(divide="ignore"):
        if np.isfinite(logsumexp(lpd + np.log(cleaned), axis=1)).all():
            weights = cleaned
    return weights / weights.sum()


# --- ABC model choice ----------------------------------------------------------------------

#: The probability that a particle's variant stays the same from one generation to the
#: next (pyabc's default model perturbation); otherwise it moves to another, uniformly.
PROBABILITY_TO_STAY = 0.7


@dataclass(frozen=True)
class SelectionConfig:
    """Everything that determines an ABC model choice (its identity for resuming).

    Attributes:
        variants: the competing variants, each one model.
        fit_waves: keys of the target waves the distance scores.
        n_citizens: simulated citizens per evaluation.
        seed: the search's seed.
        budget: when to stop; ``particles`` is the population over all the variants.
    """

    variants: tuple[Variant, ...]
    fit_waves: tuple[str, ...]
    n_citizens: int
    seed: int
    budget: Budget

    def identity(self) -> str:
        """Return a JSON text of the configuration (budget excluded: it may be raised)."""
        data = asdict(self)
        data.pop("budget")
        data["free"] = {v.name: list(v.free(calibrated_names())) for v in self.variants}
        data["search"] = (f"model choice: uniform prior over the variants, probability "
                          f"{PROBABILITY_TO_STAY:g} to stay; logit scale, Student-t "
                          f"proposal, {PRIOR_SHARE:g} from the prior")
        return json.dumps(data, sort_keys=True)

    def names(self) -> tuple[str, ...]:
        """Return the variants' names, in model order."""
        return tuple(v.name for v in self.variants)


@dataclass(frozen=True)
class ModelSelection:
    """A finished ABC model choice.

    Attributes:
        config: what was compared.
        generations: one row per generation: ``generation``, ``epsilon``,
            ``evaluations`` and each variant's posterior probability (a column named after
            it; 0 once pyabc has dropped it).
        probabilities: the last generation's probabilities, indexed by variant.
        evaluations: total model evaluations.
        seconds: wall-clock time of the search (of the original run, when read back).
        database: where the history lives.
    """

    config: SelectionConfig
    generations: pd.DataFrame
    probabilities: pd.Series
    evaluations: int
    seconds: float
    database: Path

    def table(self) -> pd.DataFrame:
        """Return the final probabilities as a ``variant``, ``weight`` table."""
        return pd.DataFrame({"variant": self.probabilities.index,
                             "weight": self.probabilities.to_numpy()})


def select_models(targets: Sequence[TargetWave], fit_keys: Sequence[str],
                  config: SelectionConfig, database: str | Path, *, workers: int = 1,
                  scheduler: object = None) -> ModelSelection:
    """Return the posterior probabilities of the variants, by multi-model ABC-SMC.

    Each variant is one model: its own free parameters on the logit scale, its own
    Student-t proposal, its mechanisms held off at zero; the prior over the variants is
    uniform, and the distance, sampler and seeding are those of ``abc.fit`` (the same seed
    gives the same probabilities serially, in a pool or on Dask). The history in
    ``database`` is resumed like a fit's. The probabilities are only as good as the
    wave shares are sufficient statistics for choosing between the variants (Robert et
    al. 2011, PNAS 108(37); the module's docstring).

    Args:
        targets: every wave the simulator reports.
        fit_keys: the keys of the waves the distance scores.
        config: the variants and the budget.
        database: the SQLite file of the run history.
        workers: local processes (1: this process).
        scheduler: a Dask scheduler address or ``distributed.Client`` (overrides workers).
    """
    started = time.perf_counter()
    database = Path(database)
    check_history(database)
    identity = config.identity()
    finished = finished_history(database, identity)
    if finished is not None:
        return read_selection(finished[0], config, database, finished[1])
    fitted = [t for t in targets if t.key in fit_keys]
    frees = [v.free(calibrated_names()) for v in config.variants]
    models = [LogitScale.of(WaveSimulator(tuple(targets), dict(v.fixed), config.n_citizens,
                                          config.seed), free)
              for v, free in zip(config.variants, frees, strict=True)]
    count = len(models)

    def build(sampler: SeededMappingSampler) -> pyabc.ABCSMC:
        return pyabc.ABCSMC(
            models, [prior_distribution(free) for free in frees],
            SurveyDistance(sampling_sds(fitted)),
            population_size=config.budget.particles,
            model_prior=pyabc.RV("randint", 0, count),
            model_perturbation_kernel=pyabc.ModelPerturbationKernel(
                count, probability_to_stay=PROBABILITY_TO_STAY),
            transitions=[transition() for _ in models], sampler=sampler)

    history = run_history(build, observed_stats(fitted), database, identity, config.budget,
                          config.seed, workers=workers, scheduler=scheduler)
    selection = read_selection(history, config, database, time.perf_counter() - started)
    mark_finished(database, identity, selection.seconds, selection.evaluations)
    return selection


def read_selection(history: pyabc.History, config: SelectionConfig, database: Path,
                   seconds: float = 0.0) -> ModelSelection:
    """Return a multi-model pyabc history as a ``ModelSelection``."""
    names = config.names()
    by_t = history.get_model_probabilities().reindex(columns=range(len(names)), fill_value=0)
    by_t = by_t.fillna(0.0)
    by_t.columns = list(names)
    populations = history.get_all_populations()
    populations = populations[populations.t >= 0].set_index("t").loc[by_t.index]
    generations = pd.concat([
        pd.DataFrame({"generation": by_t.index.astype(int),
                      "epsilon": populations.epsilon.astype(float).to_numpy(),
                      "evaluations": populations.samples.astype(int).to_numpy()}),
        by_t.reset_index(drop=True)], axis=1)
    final = by_t.iloc[-1].astype(float)
    final = final / final.sum()
    final.index.name = "variant"
    return ModelSelection(config=config, generations=generations, probabilities=final,
                          evaluations=int(history.total_nr_simulations), seconds=seconds,
                          database=database)
