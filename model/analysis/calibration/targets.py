"""What the model is fitted to: the alliance shares of the Chatham House waves (and patterns).

The first wave (Sep 2020) is the model's initial condition (``OpinionModel`` solves the
initial attitudes so that the virtual survey reproduces it), so it carries no information
about the dynamics and is not a target. Every later wave with a reported share is: Jan-Feb
2022 (both), Nov 2022 (both) and Aug-Nov 2025 (all four). A wave's simulated share is the
virtual survey's share averaged over its fieldwork days (``Wave.month_weights``; the whole
month where the days are not known, as the data file says).

Sampling error enters the way it enters the real survey: the simulator draws a multinomial
sample of the wave's size from the simulated shares, so a fit never asks the model to hit
a survey figure more closely than a survey of that size could.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ...core.observation import CATEGORIES, MEASURES
from ...core.simulate import simulate
from ...core.subgroups import ROWS, WEIGHT_SHARE
from ...inputs.calendar import month_range, parse_month
from ...inputs.scenario import Scenario, baseline
from ...inputs.survey_data import Wave, load_out_of_sample_waves, load_waves
from ...inputs.survey_patterns import PATTERNS, Pattern

SURVEY = MEASURES.index("survey")


@dataclass(frozen=True)
class TargetWave:
    """A survey wave used as a calibration target.

    Attributes:
        key: short stable name, the first fieldwork month (``2022-01``).
        wave: the wave as read from the data file.
    """

    key: str
    wave: Wave

    @property
    def categories(self) -> tuple[str, ...]:
        """The categories the wave reports."""
        return self.wave.reported

    @property
    def sample_size(self) -> int:
        """Respondents (the data file's n, or the documented fallback where it is blank)."""
        return self.wave.sample_size

    def stat(self, category: str) -> str:
        """Return the summary-statistic name of one of the wave's shares."""
        return f"{self.key}:{category}"

    def stats(self) -> tuple[str, ...]:
        """Return the summary-statistic names of every reported share."""
        return tuple(self.stat(c) for c in self.categories)

    def observed(self) -> dict[str, float]:
        """Return the reported shares as fractions, by statistic name."""
        return {self.stat(c): self.wave.shares[c] for c in self.categories}

    def sampling_sd(self) -> dict[str, float]:
        """Return each reported share's binomial sampling standard deviation, sqrt(p(1-p)/n)."""
        n = self.sample_size
        return {self.stat(c): float(np.sqrt(p * (1 - p) / n))
                for c, p in ((c, self.wave.shares[c]) for c in self.categories)}


@dataclass(frozen=True)
class PatternTarget:
    """A published subgroup size used as a calibration target (``inputs.survey_patterns``).

    Attributes:
        key: the pattern's name in ``PATTERNS``.
        pattern: the figure and where the model reads it.
    """

    key: str
    pattern: Pattern

    @property
    def stat(self) -> str:
        """The summary-statistic name: subgroup, level and first fieldwork month."""
        return f"{self.pattern.subgroup}={self.pattern.level}:{self.pattern.months[0]}"

    def observed(self) -> dict[str, float]:
        """Return the figure (a range's middle) as a fraction, by statistic name."""
        return {self.stat: self.pattern.observed}

    def sampling_sd(self) -> dict[str, float]:
        """Return the figure's binomial sampling sd, widened by a stated range's.

        sqrt(p (1 - p) / n + (high - low)^2 / 12): a figure stated as a range (20-22%) is
        read as uniform over it.
        """
        p, n = self.pattern.observed, self.pattern.n
        spread = (self.pattern.high - self.pattern.low) ** 2 / 12
        return {self.stat: float(np.sqrt(p * (1 - p) / n + spread))}


def pattern_targets(keys: Sequence[str]) -> tuple[PatternTarget, ...]:
    """Return the patterns named ``keys`` as targets.

    Raises:
        KeyError: for a name not in ``inputs.survey_patterns.PATTERNS``.
    """
    return tuple(PatternTarget(key, PATTERNS[key]) for key in keys)


def target_waves(waves: Sequence[Wave] | None = None) -> tuple[TargetWave, ...]:
    """Return every wave after the initial one, oldest first."""
    waves = list(load_waves() if waves is None else waves)
    return tuple(TargetWave(w.months[0], w) for w in waves[1:])


def check_waves(waves: Sequence[Wave] | None = None) -> tuple[TargetWave, ...]:
    """Return the out-of-sample check waves as report-only targets (never in a distance)."""
    waves = list(load_out_of_sample_waves() if waves is None else waves)
    return tuple(TargetWave(w.months[0], w) for w in waves)


def observed_stats(targets: Sequence[TargetWave | PatternTarget]) -> dict[str, float]:
    """Return the observed shares of several waves (or patterns) as one dict."""
    return {k: v for t in targets for k, v in t.observed().items()}


def sampling_sds(targets: Sequence[TargetWave | PatternTarget]) -> dict[str, float]:
    """Return the sampling standard deviations of several waves' (or patterns') shares."""
    return {k: v for t in targets for k, v in t.sampling_sd().items()}


def expected_name(stat: str) -> str:
    """Return the name under which a statistic's expected (noise-free) value is recorded."""
    return f"expected {stat}"


def last_month(targets: Sequence[TargetWave]) -> str:
    """Return the last fieldwork month of the targets (where a fit's simulations may stop)."""
    return max(targets, key=lambda t: parse_month(t.wave.months[-1])).wave.months[-1]


def months_seen(targets: Sequence[TargetWave], months: Sequence[str]) -> list[str]:
    """Return the months of ``months`` some target wave gives weight (``Wave.month_weights``).

    A wave whose fieldwork ``months`` do not reach sees none of them.
    """
    seen = np.zeros(len(months), dtype=bool)
    for target in targets:
        if set(target.wave.months) <= set(months):
            seen |= target.wave.month_weights(months) > 0
    return [month for month, flag in zip(months, seen, strict=True) if flag]


def evaluation_seed(base_seed: int, parameters: Mapping[str, float]) -> np.random.SeedSequence:
    """Return the seed sequence of one model evaluation.

    It is a hash of the base seed and the parameter values, so an evaluation is a pure
    function of its parameters: the same particle gives the same simulation and the same
    survey sample in any process, on any machine, and whatever pyabc's own random state.
    """
    text = json.dumps({"seed": int(base_seed),
                       "parameters": {k: float(v) for k, v in sorted(parameters.items())}})
    digest = hashlib.sha256(text.encode()).digest()
    return np.random.SeedSequence(int.from_bytes(digest[:16], "little"))


@dataclass(frozen=True)
class WaveSimulator:
    """The model as a fit sees it: parameters in, each target wave's survey shares out.

    A picklable callable (pyabc ships it to worker processes or Dask workers). It returns,
    for every target wave and reported category, the share a survey of the wave's size
    would report (multinomial sampling error included) under the statistic's name, and the
    expected share without sampling error under ``expected_name(stat)``.

    Attributes:
        targets: the waves to report (a fit may score only some of them).
        fixed: parameters held at given values (an ablation's switched-off mechanisms).
        n_citizens: simulated citizens per evaluation.
        base_seed: mixed into every evaluation's seed.
        scenario: the lever history to run (the baseline).
        patterns: subgroup sizes to report as well (read only in their fieldwork months).
    """

    targets: tuple[TargetWave, ...]
    fixed: Mapping[str, float]
    n_citizens: int
    base_seed: int = 0
    scenario: Scenario | None = None
    patterns: tuple[PatternTarget, ...] = ()

    def __call__(self, parameters: Mapping[str, float]) -> dict[str, float]:
        """Simulate once and return the summary statistics."""
        values = {**self.fixed, **{k: float(v) for k, v in parameters.items()}}
        sequence = evaluation_seed(self.base_seed, values)
        # spawn(3)'s first two children are spawn(2)'s: the patterns' draws leave the
        # waves' untouched.
        simulation_seed, survey_sequence, pattern_sequence = sequence.spawn(3)
        scenario = (self.scenario or baseline()).with_changes(end=last_month(self.targets))
        months = sorted({m for target in self.patterns for m in target.pattern.months})
        result = simulate(scenario, seed=int(simulation_seed.generate_state(1)[0]),
                          n_citizens=self.n_citizens, parameters=values,
                          subgroups=months or False,
                          observe=months_seen(self.targets, month_range(scenario.start,
                                                                        scenario.end)))
        stats = wave_statistics(result.months, result.array[:, SURVEY, :], self.targets,
                                np.random.default_rng(survey_sequence))
        if self.patterns:
            stats.update(pattern_statistics(result.subgroup_months, result.subgroup_array,
                                            self.patterns,
                                            np.random.default_rng(pattern_sequence)))
        return stats


def wave_statistics(months: Sequence[str], survey_shares: np.ndarray,
                    targets: Sequence[TargetWave], rng: np.random.Generator) -> dict[str, float]:
    """Return each wave's expected shares and a multinomial survey sample of them.

    Args:
        months: the simulated months.
        survey_shares: the virtual survey's shares, shape (months, 4 categories).
        targets: the waves.
        rng: the stream the survey samples are drawn from.
    """
    stats: dict[str, float] = {}
    # A month no wave sees may be unread (NaN, ``months_seen``): its weight is 0, and so is
    # its row here, so the sums are the ones every month read would give, bit for bit.
    unread = np.isnan(survey_shares).any(axis=1)
    survey_shares = np.where(unread[:, None], 0.0, survey_shares)
    for target in targets:
        weights = target.wave.month_weights(months)
        if (unread & (weights > 0)).any():
            raise ValueError(f"wave {target.key}: a month it sees was not read")
        expected = weights @ survey_shares
        expected = np.clip(expected, 0, None) / np.clip(expected, 0, None).sum()
        sampled = rng.multinomial(target.sample_size, expected) / target.sample_size
        for category in target.categories:
            c = CATEGORIES.index(category)
            stats[target.stat(category)] = float(sampled[c])
            stats[expected_name(target.stat(category))] = float(expected[c])
    return stats


def pattern_statistics(months: Sequence[str], tables: np.ndarray,
                       patterns: Sequence[PatternTarget],
                       rng: np.random.Generator) -> dict[str, float]:
    """Return each pattern's expected share and a binomial survey sample of it.

    Args:
        months: the months ``tables`` holds.
        tables: the survey by subgroup in those months (``core.subgroups.subgroup_array``).
        patterns: the patterns; their fieldwork months must be among ``months``.
        rng: the stream the survey samples are drawn from.
    """
    stats: dict[str, float] = {}
    index = {month: i for i, month in enumerate(months)}
    for target in patterns:
        pattern = target.pattern
        row = ROWS.index((pattern.subgroup, pattern.level))
        expected = float(np.mean([tables[index[m], row, WEIGHT_SHARE] for m in pattern.months]))
        stats[target.stat] = float(rng.binomial(pattern.n, expected) / pattern.n)
        stats[expected_name(target.stat)] = expected
    return stats


@dataclass(frozen=True)
class SurveyDistance:
    """ABC distance: the survey-error-scaled Euclidean distance over the fitted shares.

    d(x, x0) = sqrt( sum_k ((x_k - x0_k) / s_k)^2 ),  s_k = sqrt(p_k (1 - p_k) / n_k)

    with p_k the observed share and n_k its wave's sample size (a pattern stated as a range
    adds the range's variance to s_k^2, ``PatternTarget.sampling_sd``). Because the simulated
    x_k already carry multinomial sampling error, d is about sqrt(2K) for K shares when the
    model is right, and a distance well above that means a misfit beyond sampling error.
    """

    sds: Mapping[str, float]

    def __call__(self, x: Mapping[str, float], x0: Mapping[str, float]) -> float:
        """Return the distance between simulated ``x`` and observed ``x0``."""
        return float(np.sqrt(sum(((x[k] - x0[k]) / s) ** 2 for k, s in self.sds.items())))
