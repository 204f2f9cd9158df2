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
  with fear and regime loyalty, some fearful EU-only answers given as "both" or "neither"
  (preference falsification), and raking weights to the urban population's age, education
  and settlement-size margins.

Fear and panel propensity are constant within a cell of (age band, education, Minsk,
regime alignment), so selection and raking work on 48 cell totals rather than per citizen.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit, ndtr

from .kernels import rake_groups, survey_cell_totals
from .population import LOYAL, NEUTRAL, OPPOSED, Population

CATEGORIES = ("russia", "both", "eu", "neither")
RUSSIA, BOTH, EU, NEITHER = range(4)
MEASURES = ("population", "survey")
#: Rows of ``favour_chances``: favouring an alliance with Russia, with the EU, with both.
FAVOUR_ROWS = ("russia", "eu", "both")
FAVOUR_RUSSIA, FAVOUR_EU, FAVOUR_BOTH = range(3)

#: Raking stops when a whole round changes no group's weight by more than this factor: a
#: few times the rounding of a double, so more rounds could not change a reported share.
RAKING_TOLERANCE = 1e-14
#: Rounds of raking at most (it converges in about 10 when every margin can be met).
RAKING_MAX_ITERATIONS = 25
#: Survey cells as an array: (age band, higher education, Minsk, regime alignment).
_RAKING_SHAPE = (4, 2, 2, 3)


def favour_chances(r: np.ndarray, e: np.ndarray, threshold_russia: float,
                   threshold_eu: float, response_noise: float,
                   out: np.ndarray | None = None) -> np.ndarray:
    """Return each citizen's chance of favouring each alliance, shape (3, N).

    Rows (``FAVOUR_ROWS``): P(R) = Phi((r - tau_R) / sigma), P(E) = Phi((e - tau_E) / sigma)
    and P(R)P(E), the chance of favouring both (the two are independent given attitudes).
    Every answer's chance is linear in these three (``answers_from_favour``), so totals over
    citizens need only their totals. Pass ``out``, shape (3, N), to fill it instead of a
    new array (at millions of citizens, a fresh array costs page faults every month).
    """
    chances = np.empty((len(FAVOUR_ROWS), *np.shape(r))) if out is None else out
    for row, attitude, threshold in ((FAVOUR_RUSSIA, r, threshold_russia),
                                     (FAVOUR_EU, e, threshold_eu)):
        np.subtract(attitude, threshold, out=chances[row])
        chances[row] /= response_noise
        ndtr(chances[row], out=chances[row])
    np.multiply(chances[FAVOUR_RUSSIA], chances[FAVOUR_EU], out=chances[FAVOUR_BOTH])
    return chances


def answers_from_favour(favour: np.ndarray, count: float | np.ndarray = 1.0) -> np.ndarray:
    """Return the four answers' chances from ``favour_chances``, along the first axis.

    russia = P(R) - P(R)P(E), both = P(R)P(E), eu = P(E) - P(R)P(E),
    neither = 1 - P(R) - P(E) + P(R)P(E).

    Also turns totals of the three chances over ``count`` citizens into answer totals. A
    difference of totals can fall a rounding error below zero; it is clipped to 0.
    """
    russia, eu, both = favour[FAVOUR_RUSSIA], favour[FAVOUR_EU], favour[FAVOUR_BOTH]
    answers = np.stack([russia - both, both, eu - both, count - russia - eu + both])
    return np.maximum(answers, 0.0, out=answers)


def alliance_probabilities(r: np.ndarray, e: np.ndarray, threshold_russia: float,
                           threshold_eu: float, response_noise: float) -> np.ndarray:
    """Return each citizen's chance of each answer, shape (4, N) (see ``favour_chances``)."""
    return answers_from_favour(favour_chances(r, e, threshold_russia, threshold_eu,
                                              response_noise))


def population_shares(favour: np.ndarray, present: np.ndarray) -> np.ndarray:
    """Return the mean answer chances over resident citizens (sums to 1).

    Args:
        favour: each citizen's ``favour_chances``, shape (3, N).
        present: who still lives in Belarus.
    """
    # A masked mean reads the rows in place (no copy of the residents' columns) and sums
    # them pairwise, which is also more accurate than summing the copied columns one by one.
    return answers_from_favour(favour.mean(axis=1, where=present))


def base_fear(regime: np.ndarray, fear_opposed: float, fear_neutral: float) -> np.ndarray:
    """Return each citizen's fear at repression index 1: f0 by regime alignment.

    Loyalists fear little (0.05): they have little to hide.
    """
    table = np.empty(3)
    table[OPPOSED], table[NEUTRAL], table[LOYAL] = fear_opposed, fear_neutral, 0.05
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

    N_CELLS = 4 * 2 * 2 * 3

    def __init__(self, population: Population, design: SurveyDesign = SurveyDesign()):
        self.design = design
        pop = population
        self.cell = (((pop.age_band.astype(np.int64) * 2 + pop.higher_education) * 2
                      + pop.minsk) * 3 + pop.regime)
        cells = np.arange(self.N_CELLS)
        self.cell_regime = cells % 3
        self.cell_minsk = (cells // 3) % 2
        self.cell_education = (cells // 6) % 2
        self.cell_age = cells // 12
        if design.frame == "chatham_house":
            self.in_frame = pop.in_survey_frame()
        else:
            self.in_frame = np.ones(pop.size, dtype=bool)
        self.in_target = pop.urban if design.rake_to == "urban" else np.ones(pop.size, bool)

    def _cell_totals(self, mask: np.ndarray) -> np.ndarray:
        """Return how many citizens in ``mask`` each cell holds."""
        return np.bincount(self.cell[mask], minlength=self.N_CELLS)

    def cell_weights(self, present: np.ndarray, cell_fear: np.ndarray,
                     fear_aversion: float, loyalist_aversion: float) -> np.ndarray:
        """Return the survey weight of one respondent in each cell (see ``_rake``)."""
        return self._rake(self._cell_totals(present & self.in_frame),
                          self._cell_totals(present & self.in_target), cell_fear,
                          fear_aversion, loyalist_aversion)

    def _rake(self, frame_count: np.ndarray, target_count: np.ndarray, cell_fear: np.ndarray,
              fear_aversion: float, loyalist_aversion: float,
              max_iterations: int = RAKING_MAX_ITERATIONS,
              tolerance: float = RAKING_TOLERANCE) -> np.ndarray:
        """Return the survey weight of one respondent in each cell, from the cell counts.

        Panel propensity: logit p = 0.5 [age < 45] - psi_3 f - psi_4 [loyal]. Expected
        respondents per cell = frame count * p. Raking (iterative proportional fitting) then
        scales them to the target population's age, education and Minsk margins, until no
        round changes a weight by more than ``tolerance`` (or ``max_iterations`` rounds).
        """
        propensity = expit(0.5 * (self.cell_age <= 1) - fear_aversion * cell_fear
                           - loyalist_aversion * (self.cell_regime == LOYAL))
        respondents = frame_count * propensity
        # A raking weight is a product of one factor per margin, so it is the same for the
        # three regime cells of an (age, education, Minsk) group: rake the 16 groups, not the
        # 48 cells. The rounds run compiled: in numpy, each is a dozen calls on arrays of 16
        # numbers, and raking was the largest fixed cost of a month.
        groups = np.add.reduce(respondents.reshape(_RAKING_SHAPE), axis=3)
        wanted = np.add.reduce(target_count.reshape(_RAKING_SHAPE), axis=3).astype(np.float64)
        weight = rake_groups(groups, wanted, max_iterations, tolerance)
        cell_weight = np.repeat(weight.ravel(), _RAKING_SHAPE[3])
        return np.where(respondents > 0, propensity * cell_weight, 0.0)

    def shares(self, favour: np.ndarray, present: np.ndarray, repression: float,
               fear_opposed: float, fear_neutral: float, falsification_rate: float,
               fear_aversion: float, loyalist_aversion: float) -> np.ndarray:
        """Return the weighted answer shares the instrument would report (sums to 1).

        ``favour`` holds each citizen's ``favour_chances``, shape (3, N). Falsification: a
        share psi_f * f of EU-only answers in a cell is given as "both" or "neither"
        instead, half each.
        """
        cell_fear = base_fear(self.cell_regime, fear_opposed, fear_neutral) * repression
        frame_count, target_count, favour_totals = survey_cell_totals(
            self.cell, present, self.in_frame, self.in_target, favour, self.N_CELLS)
        totals = answers_from_favour(favour_totals, frame_count)
        hidden = totals[EU] * falsification_rate * cell_fear
        totals[EU] -= hidden
        totals[BOTH] += hidden / 2
        totals[NEITHER] += hidden / 2
        weighted = totals @ self._rake(frame_count, target_count, cell_fear, fear_aversion,
                                       loyalist_aversion)
        return weighted / weighted.sum()
