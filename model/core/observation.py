"""Observation: from latent attitudes (r, e) to the four survey answers.

Two measures are reported every month:

* ``population``: what all resident adults think. Each citizen favours an alliance with
  Russia with probability P(R) = Phi((r - tau_R) / sigma) and with the EU with probability
  P(E) = Phi((e - tau_E) / sigma) (a two-axis probit: thresholds with response noise), so
  russia = P(R)(1 - P(E)), both = P(R)P(E), eu = (1 - P(R))P(E), neither = the rest. Shares
  are the expected values of these draws, which integrates the response noise out exactly.
  Each answer is linear in P(R), P(E) and P(R)P(E), so the model sums those three per
  citizen and forms the four answers from the sums (``answers_from_favour``).
* ``survey``: what the Chatham House instrument would measure, without sampling error: only
  urban internet users (the frame), joining an online panel with a propensity that falls
  with fear and regime loyalty, some fearful EU-only answers given as a regime-congruent
  answer, "Russia" or "both" (preference falsification), and raking weights to the urban
  population's age, education and settlement-size margins.

Fear and panel propensity are constant within a cell of (age band, education, Minsk,
regime alignment), so selection and raking work on 48 cell totals rather than per citizen.
The totals are summed chunk by chunk of citizens in index order and the chunks in order
(``core.threads``), so they are the same numbers whatever the number of threads.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import njit

from .mechanisms.camps import camp
from .population import LOYAL, NEUTRAL, OPPOSED, Population
from .threads import CHUNK, chunk_count, for_chunks, uses_threads

CATEGORIES = ("russia", "both", "eu", "neither")
RUSSIA, BOTH, EU, NEITHER = range(4)
MEASURES = ("population", "survey")
#: Favour totals: favouring an alliance with Russia, with the EU, with both.
FAVOUR_ROWS = ("russia", "eu", "both")
FAVOUR_RUSSIA, FAVOUR_EU, FAVOUR_BOTH = range(3)
#: Columns of the per-cell totals: respondents in the frame, in the raking target, then
#: the frame's favour totals (``FAVOUR_ROWS``).
FRAME, TARGET = 3, 4

#: Raking stops when a whole round changes no group's weight by more than this factor: a
#: few times the rounding of a double, so more rounds could not change a reported share.
RAKING_TOLERANCE = 1e-14
#: Rounds of raking at most (it converges in about 10 when every margin can be met).
RAKING_MAX_ITERATIONS = 25
#: Survey cells as an array: (age band, higher education, Minsk, regime alignment).
CELL_SHAPE = (4, 2, 2, 3)
N_CELLS = 48
#: Fear of regime loyalists at repression index 1: they have little to hide. Assumption.
LOYALIST_FEAR = 0.05
#: Panel propensity: log-odds bonus of adults under 45 (younger people join online panels
#: more). Assumption.
YOUNG_PANEL_BONUS = 0.5
_SQRT_HALF = math.sqrt(0.5)


#: The standard normal CDF is read from a table of its values and slopes on a grid of x
#: with step 1/512, by cubic Hermite interpolation: largest error about 2e-14 against
#: ``math.erfc`` (``tests/test_observation.py``), at a quarter of its cost (the survey
#: computes two per citizen every month). Beyond |x| = 8.5, Phi is 0 or 1 to within 1e-17.
_CDF_LIMIT = 8.5
_CDF_STEPS_PER_UNIT = 512
_CDF_X = np.arange(-_CDF_LIMIT * _CDF_STEPS_PER_UNIT,
                   _CDF_LIMIT * _CDF_STEPS_PER_UNIT + 1) / _CDF_STEPS_PER_UNIT
_CDF_VALUES = np.array([0.5 * math.erfc(-x * _SQRT_HALF) for x in _CDF_X])
_CDF_SLOPES = np.exp(-0.5 * _CDF_X**2) / math.sqrt(2.0 * math.pi) / _CDF_STEPS_PER_UNIT
_CDF_LAST = _CDF_VALUES.size - 1


@njit(cache=True, inline="always")
def normal_cdf(x):
    """Return Phi(x), the standard normal CDF, from the table (``_CDF_VALUES``).

    Phi(x) = H(u) on the grid interval [x_k, x_k+1], u = (x - x_k) / step, with H the cubic
    Hermite polynomial through the values and slopes at both ends.
    """
    t = (x + _CDF_LIMIT) * _CDF_STEPS_PER_UNIT
    # The polynomial on a grid interval kept inside the table, then picks rather than
    # branches for beyond its ends and for NaN: the survey's loop has no branch to guess.
    inside = min(max(t, 0.0), _CDF_LAST - 0.5)
    k = int(inside)
    u = inside - k
    u2 = u * u
    u3 = u2 * u
    value = ((2.0 * u3 - 3.0 * u2 + 1.0) * _CDF_VALUES[k] + (u3 - 2.0 * u2 + u) * _CDF_SLOPES[k]
             + (3.0 * u2 - 2.0 * u3) * _CDF_VALUES[k + 1] + (u3 - u2) * _CDF_SLOPES[k + 1])
    value = 0.0 if t <= 0.0 else value
    value = 1.0 if t >= _CDF_LAST else value
    return t if t != t else value


@njit(cache=True, inline="always")
def favour(r, e, p):
    """Return a citizen's chances of favouring an alliance with Russia and with the EU.

    P(R) = Phi((r - tau_R) / sigma),  P(E) = Phi((e - tau_E) / sigma)
    """
    return (normal_cdf((r - p.threshold_russia) / p.response_noise),
            normal_cdf((e - p.threshold_eu) / p.response_noise))


@njit(cache=True)
def answer_chances(r, e, p):
    """Return each citizen's chance of each answer, shape (4, N), ordered as CATEGORIES."""
    out = np.empty((4, r.size))
    for i in range(r.size):
        p_russia, p_eu = favour(r[i], e[i], p)
        both = p_russia * p_eu
        out[RUSSIA, i] = p_russia - both
        out[BOTH, i] = both
        out[EU, i] = p_eu - both
        out[NEITHER, i] = 1.0 - p_russia - p_eu + both
    return out


@njit(cache=True, nogil=True, _nrt=False)
def _chunk_totals(first, last, worker, r, e, present, group, loyalty, in_frame, in_target,
                  month, p, population, cells):
    """Add the citizens of chunks first..last-1 to their chunks' totals, in citizen order."""
    for chunk in range(first, last):
        begin, end = chunk * CHUNK, min(r.size, (chunk + 1) * CHUNK)
        _add_to_totals(r[begin:end], e[begin:end], present[begin:end], group[begin:end],
                       loyalty[begin:end], in_frame[begin:end], in_target[begin:end], month,
                       p, population[chunk], cells[chunk])


@njit(cache=True, nogil=True, _nrt=False, inline="always")
def _add_to_totals(r, e, present, group, loyalty, in_frame, in_target, month, p, population,
                   cells):
    """Add one chunk's citizens to its totals, in citizen order.

    Over the chunk's slices: indices that cannot be negative spare every read the check
    for a negative index.
    """
    # The population's sums in local variables (in registers), added to its totals once.
    residents = sum_russia = sum_eu = sum_both = 0.0
    for i in range(r.size):
        if not present[i]:
            continue
        p_russia, p_eu = favour(r[i], e[i], p)
        both = p_russia * p_eu
        residents += 1.0
        sum_russia += p_russia
        sum_eu += p_eu
        sum_both += both
        c = group[i] * CELL_SHAPE[3] + camp(loyalty[i], month)
        # Added as 0 or 1 times, not behind a branch: who is in the frame is hard to
        # guess, and adding 0.0 to a sum of non-negative numbers leaves it as it was.
        target, frame = (1.0 if in_target[i] else 0.0), (1.0 if in_frame[i] else 0.0)
        cells[c, TARGET] += target
        cells[c, FRAME] += frame
        cells[c, FAVOUR_RUSSIA] += frame * p_russia
        cells[c, FAVOUR_EU] += frame * p_eu
        cells[c, FAVOUR_BOTH] += frame * both
    population[0] += residents
    population[1] += sum_russia
    population[2] += sum_eu
    population[3] += sum_both


def observation_totals(r, e, present, group, loyalty, in_frame, in_target, month,
                       p) -> tuple[np.ndarray, np.ndarray]:
    """Return the month's totals over residents, summed in a thread-independent order.

    Returns:
        population: (residents, sum P(R), sum P(E), sum P(R)P(E));
        cells: shape (N_CELLS, 5): per survey cell, the frame's sums of P(R), P(E) and
        P(R)P(E), then the residents in the frame and in the raking target. A citizen's
        cell is their (age, education, Minsk) ``group`` and their camp this month.
    """
    if not uses_threads(r.size):
        return _totals_on_this_thread(r, e, present, group, loyalty, in_frame, in_target,
                                      month, p)
    chunks = chunk_count(r.size)
    population = np.zeros((chunks, 4))
    cells = np.zeros((chunks, N_CELLS, 5))
    for_chunks(_chunk_totals, r.size, r, e, present, group, loyalty, in_frame, in_target,
               month, p, population, cells)
    return _sum_chunks(population, cells)


@njit(cache=True, nogil=True)
def _totals_on_this_thread(r, e, present, group, loyalty, in_frame, in_target, month, p):
    """Return ``observation_totals`` computed on the calling thread, in one compiled call."""
    chunks = chunk_count(r.size)
    population = np.zeros((chunks, 4))
    cells = np.zeros((chunks, N_CELLS, 5))
    _chunk_totals(0, chunks, 0, r, e, present, group, loyalty, in_frame, in_target, month, p,
                  population, cells)
    return _sum_chunks(population, cells)


@njit(cache=True, nogil=True)
def _sum_chunks(population, cells):
    """Return the chunks' totals added chunk by chunk, in order."""
    total_population = np.zeros(population.shape[1:])
    total_cells = np.zeros(cells.shape[1:])
    for chunk in range(population.shape[0]):
        total_population += population[chunk]
        total_cells += cells[chunk]
    return total_population, total_cells


def answers_from_favour(favour_totals: np.ndarray, count: float | np.ndarray = 1.0) -> np.ndarray:
    """Return the four answers from totals of P(R), P(E), P(R)P(E) over ``count`` citizens.

    russia = P(R) - P(R)P(E), both = P(R)P(E), eu = P(E) - P(R)P(E),
    neither = count - P(R) - P(E) + P(R)P(E), along the first axis. A difference of totals
    can fall a rounding error below zero; it is clipped to 0.
    """
    russia, eu, both = (favour_totals[FAVOUR_RUSSIA], favour_totals[FAVOUR_EU],
                        favour_totals[FAVOUR_BOTH])
    answers = np.stack([russia - both, both, eu - both, count - russia - eu + both])
    return np.maximum(answers, 0.0, out=answers)


def population_shares(population_totals: np.ndarray) -> np.ndarray:
    """Return the mean answer chances over residents from ``observation_totals`` (sums to 1)."""
    count = population_totals[0]
    return answers_from_favour(population_totals[1:] / count)


def base_fear(regime: np.ndarray, fear_opposed: float, fear_neutral: float) -> np.ndarray:
    """Return fear at repression index 1 by regime alignment (opposed, neutral, loyal)."""
    table = np.empty(3)
    table[OPPOSED], table[NEUTRAL], table[LOYAL] = fear_opposed, fear_neutral, LOYALIST_FEAR
    return table[regime]


@dataclass(frozen=True)
class SurveyDesign:
    """How the virtual instrument samples and reports.

    Attributes:
        frame: ``"chatham_house"`` (urban internet users, the real instrument) or
            ``"everyone"`` (all resident adults: a perfect frame, for testing).
        rake_to: margins the weights are raked to: the urban population (``"urban"``,
            as Chatham House does) or all residents (``"everyone"``).
    """

    frame: str = "chatham_house"
    rake_to: str = "urban"

    def __post_init__(self):
        if self.frame not in ("chatham_house", "everyone"):
            raise ValueError(f"unknown survey frame {self.frame!r}")
        if self.rake_to not in ("urban", "everyone"):
            raise ValueError(f"unknown raking target {self.rake_to!r}")


class VirtualSurvey:
    """The Chatham House instrument run inside the model (see the module docstring)."""

    N_CELLS = N_CELLS

    def __init__(self, population: Population, design: SurveyDesign = SurveyDesign()):
        self.design = design
        pop = population
        # The (age, education, Minsk) group; the cell adds the camp, which changes.
        self.group = ((pop.age_band.astype(np.int8) * 2 + pop.higher_education) * 2
                      + pop.minsk).astype(np.int8)
        self.loyalty = pop.loyalty
        cells = np.arange(N_CELLS)
        self.cell_regime = cells % 3
        self.cell_minsk = (cells // 3) % 2
        self.cell_education = (cells // 6) % 2
        self.cell_age = cells // 12
        if design.frame == "chatham_house":
            self.in_frame = pop.in_survey_frame()
        else:
            self.in_frame = np.ones(pop.size, dtype=bool)
        self.in_target = pop.urban if design.rake_to == "urban" else np.ones(pop.size, bool)

    def totals(self, r: np.ndarray, e: np.ndarray, present: np.ndarray, month,
               p) -> tuple[np.ndarray, np.ndarray]:
        """Return ``observation_totals`` of these attitudes over this survey's citizens.

        ``month`` is the month's record (it holds the camps' bounds).
        """
        return observation_totals(r, e, present, self.group, self.loyalty, self.in_frame,
                                  self.in_target, month, p)

    def cell_weights(self, frame_count: np.ndarray, target_count: np.ndarray,
                     cell_fear: np.ndarray, p) -> np.ndarray:
        """Return the survey weight of one respondent in each cell (``cell_weights``)."""
        return cell_weights(frame_count, target_count, cell_fear, p)

    def shares(self, cell_totals: np.ndarray, repression: float, p) -> np.ndarray:
        """Return the weighted answer shares the instrument would report (``survey_shares``)."""
        return survey_shares(cell_totals, repression, p)

    def read(self, r: np.ndarray, e: np.ndarray, present: np.ndarray, month,
             p) -> tuple[np.ndarray, np.ndarray]:
        """Return this month's (population shares, survey shares) for these attitudes."""
        if uses_threads(r.size):
            population, cells = self.totals(r, e, present, month, p)
            survey = self.shares(cells, month.repression, p)
        else:  # the same two steps in one compiled call: a call costs tens of microseconds
            population, survey = _read_on_this_thread(
                r, e, present, self.group, self.loyalty, self.in_frame, self.in_target, month, p)
        return population_shares(population), survey


@njit(cache=True, nogil=True)
def _read_on_this_thread(r, e, present, group, loyalty, in_frame, in_target, month, p):
    """Return the population totals and the survey shares, on the calling thread."""
    population, cells = _totals_on_this_thread(r, e, present, group, loyalty, in_frame,
                                               in_target, month, p)
    return population, survey_shares(cells, month.repression, p)


@njit(cache=True, inline="always")
def _cell_fear(cell, repression, p):
    """Return fear in a survey cell: f0 by regime alignment times the repression index."""
    regime = cell % CELL_SHAPE[3]
    if regime == OPPOSED:
        return p.fear_opposed * repression
    if regime == NEUTRAL:
        return p.fear_neutral * repression
    return LOYALIST_FEAR * repression


@njit(cache=True)
def cell_fears(repression, p):
    """Return the fear of each survey cell this month (``_cell_fear``), shape (N_CELLS,)."""
    fear = np.empty(N_CELLS)
    for c in range(N_CELLS):
        fear[c] = _cell_fear(c, repression, p)
    return fear


@njit(cache=True)
def panel_propensity(cell_fear, p):
    """Return each cell's chance that a citizen in the frame joins the online panel.

    logit p = 0.5 [age < 45] - psi_3 f - psi_4 [loyal]
    """
    propensity = np.empty(N_CELLS)
    for c in range(N_CELLS):
        logit = (YOUNG_PANEL_BONUS * (c // 12 <= 1) - p.panel_fear_aversion * cell_fear[c]
                 - p.panel_loyalist_aversion * (c % CELL_SHAPE[3] == LOYAL))
        propensity[c] = 1.0 / (1.0 + math.exp(-logit))
    return propensity


@njit(cache=True)
def cell_weights(frame_count, target_count, cell_fear, p):
    """Return the survey weight of one respondent in each cell.

    Panel propensity p (``panel_propensity``); expected respondents per cell = frame count
    * p. Raking (iterative proportional fitting) then
    scales them to the target population's age, education and Minsk margins, until no
    round changes a weight by more than ``RAKING_TOLERANCE``. A raking weight is a product
    of one factor per margin, so it is the same for the three regime cells of an (age,
    education, Minsk) group: the 16 groups are raked.
    """
    propensity = panel_propensity(cell_fear, p)
    groups = np.zeros(CELL_SHAPE[:3])
    wanted = np.zeros(CELL_SHAPE[:3])
    flat_groups = groups.reshape(-1)
    flat_wanted = wanted.reshape(-1)
    for c in range(N_CELLS):
        flat_groups[c // CELL_SHAPE[3]] += frame_count[c] * propensity[c]
        flat_wanted[c // CELL_SHAPE[3]] += target_count[c]
    weight = rake_groups(groups, wanted, RAKING_MAX_ITERATIONS, RAKING_TOLERANCE).reshape(-1)
    out = np.zeros(N_CELLS)
    for c in range(N_CELLS):
        if frame_count[c] * propensity[c] > 0.0:
            out[c] = propensity[c] * weight[c // CELL_SHAPE[3]]
    return out


@njit(cache=True)
def survey_shares(cell_totals, repression, p):
    """Return the weighted answer shares the instrument would report (sums to 1).

    ``cell_totals`` are the cells of ``observation_totals``. Falsification: a share
    psi_f * f of EU-only answers in a cell is given as a regime-congruent answer instead,
    "union with Russia" (a share rho_R of them) or "both" (the rest).
    """
    cell_fear = cell_fears(repression, p)
    weight = cell_weights(cell_totals[:, FRAME], cell_totals[:, TARGET], cell_fear, p)
    shares = np.zeros(4)
    for c in range(N_CELLS):
        count = cell_totals[c, FRAME]
        russia, eu, both = (cell_totals[c, FAVOUR_RUSSIA], cell_totals[c, FAVOUR_EU],
                            cell_totals[c, FAVOUR_BOTH])
        reported = falsify(max(russia - both, 0.0), max(both, 0.0), max(eu - both, 0.0),
                           max(count - russia - eu + both, 0.0), cell_fear[c], p)
        for answer in range(4):
            shares[answer] += reported[answer] * weight[c]
    return shares / shares.sum()


@njit(cache=True, inline="always")
def falsify(russia, both, eu, neither, fear, p):
    """Return the four answers as given: some fearful EU-only answers turn regime-congruent.

    A share psi_f * f of the EU-only answers is given as "union with Russia" (a share
    rho_R of them) or "both" (the rest). Works on numbers or on arrays of them.
    """
    hidden = eu * p.falsification_rate * fear
    return (russia + p.falsified_as_russia * hidden, both + (1.0 - p.falsified_as_russia) * hidden,
            eu - hidden, neither)


@njit(cache=True)
def rake_groups(groups, wanted, max_iterations, tolerance):
    """Rake a three-way table to its one-way margins (iterative proportional fitting).

    ``groups`` holds the expected respondents of each (age, education, Minsk) group and
    ``wanted`` the target population of each. Each round scales the groups so that each
    margin in turn matches the target's; rounds stop when one changes no group by more
    than the factor ``tolerance``, or after ``max_iterations``. A margin category with no
    respondents cannot be scaled: its factor stays 1. Compiled: in numpy each round is a
    dozen calls on arrays of 16 numbers, which cost more in overhead than in arithmetic.

    Returns:
        The weight of each group (its raked size over ``groups``; 0 where it is empty).
    """
    shape = groups.shape
    longest = max(shape[0], max(shape[1], shape[2]))
    weighted = groups.copy()
    # Every buffer is allocated once, outside the rounds: each allocation costs more than
    # a round's arithmetic on 16 numbers.
    targets = np.zeros((3, longest))
    reachable = np.zeros((3, longest), dtype=np.bool_)
    achieved = np.empty(longest)
    factor = np.empty(longest)
    change = np.empty(shape)
    for a in range(shape[0]):
        for b in range(shape[1]):
            for c in range(shape[2]):
                index = (a, b, c)
                for axis in range(3):
                    targets[axis, index[axis]] += wanted[a, b, c]
                    if groups[a, b, c] > 0.0:
                        reachable[axis, index[axis]] = True
    for _ in range(max_iterations):
        change[:] = 1.0
        for axis in range(3):
            achieved[:] = 0.0
            for a in range(shape[0]):
                for b in range(shape[1]):
                    for c in range(shape[2]):
                        achieved[(a, b, c)[axis]] += weighted[a, b, c]
            for k in range(shape[axis]):
                factor[k] = targets[axis, k] / achieved[k] if reachable[axis, k] else 1.0
            for a in range(shape[0]):
                for b in range(shape[1]):
                    for c in range(shape[2]):
                        f = factor[(a, b, c)[axis]]
                        weighted[a, b, c] *= f
                        change[a, b, c] *= f
        if _largest_deviation_from_one(change) <= tolerance:
            break
    weight = np.zeros(shape)
    for a in range(shape[0]):
        for b in range(shape[1]):
            for c in range(shape[2]):
                if groups[a, b, c] > 0.0:
                    weight[a, b, c] = weighted[a, b, c] / groups[a, b, c]
    return weight


@njit(cache=True, inline="always")
def _largest_deviation_from_one(values):
    """Return max |v - 1| over a three-way table (NaN if any value is NaN), allocating nothing."""
    largest = 0.0
    for a in range(values.shape[0]):
        for b in range(values.shape[1]):
            for c in range(values.shape[2]):
                deviation = abs(values[a, b, c] - 1.0)
                if deviation > largest or deviation != deviation:
                    largest = deviation
    return largest
