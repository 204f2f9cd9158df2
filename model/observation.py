"""Observation: from latent attitudes (r, e) to the four survey answers.

Two measures are reported every month:

* ``population``: what all resident adults think. Each citizen favours an alliance with
  Russia with probability P(R) = Phi((r - tau_R) / sigma) and with the EU with probability
  P(E) = Phi((e - tau_E) / sigma) (a two-axis probit: thresholds with response noise), so
  russia = P(R)(1 - P(E)), both = P(R)P(E), eu = (1 - P(R))P(E), neither = the rest. Shares
  are the expected values of these draws, which integrates the response noise out exactly.
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

from .population import LOYAL, NEUTRAL, OPPOSED, Population

CATEGORIES = ("russia", "both", "eu", "neither")
RUSSIA, BOTH, EU, NEITHER = range(4)
MEASURES = ("population", "survey")


def alliance_probabilities(r: np.ndarray, e: np.ndarray, threshold_russia: float,
                           threshold_eu: float, response_noise: float) -> np.ndarray:
    """Return each citizen's chance of each answer, shape (4, N).

    P(R) = Phi((r - tau_R) / sigma), P(E) = Phi((e - tau_E) / sigma);
    russia = P(R)(1 - P(E)), both = P(R) P(E), eu = (1 - P(R)) P(E),
    neither = (1 - P(R))(1 - P(E)).
    """
    p_russia = ndtr((r - threshold_russia) / response_noise)
    p_eu = ndtr((e - threshold_eu) / response_noise)
    no_russia, no_eu = 1 - p_russia, 1 - p_eu
    probabilities = np.empty((4, *np.shape(r)))
    np.multiply(p_russia, no_eu, out=probabilities[RUSSIA])
    np.multiply(p_russia, p_eu, out=probabilities[BOTH])
    np.multiply(no_russia, p_eu, out=probabilities[EU])
    np.multiply(no_russia, no_eu, out=probabilities[NEITHER])
    return probabilities


def population_shares(probabilities: np.ndarray, present: np.ndarray) -> np.ndarray:
    """Return the mean answer probabilities over resident citizens (sums to 1)."""
    # A masked mean reads the rows in place (no copy of the residents' columns) and sums
    # them pairwise, which is also more accurate than summing the copied columns one by one.
    return probabilities.mean(axis=1, where=present)


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
        self._margins = [(margin, margin.max() + 1)
                         for margin in (self.cell_age, self.cell_education, self.cell_minsk)]

    def _cell_totals(self, mask: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        # Zero weights outside the mask instead of selecting rows: adding 0.0 leaves a sum
        # unchanged, so the totals are the same, without copying the selected rows.
        masked = mask if weights is None else weights * mask
        return np.bincount(self.cell, weights=masked, minlength=self.N_CELLS)

    def cell_weights(self, present: np.ndarray, cell_fear: np.ndarray,
                     fear_aversion: float, loyalist_aversion: float,
                     iterations: int = 25) -> np.ndarray:
        """Return the survey weight of one respondent in each cell.

        Panel propensity: logit p = 0.5 [age < 45] - psi_3 f - psi_4 [loyal]. Expected
        respondents per cell = frame count * p. Raking (iterative proportional fitting) then
        scales them to the target population's age, education and Minsk margins.
        """
        frame_count = self._cell_totals(present & self.in_frame)
        target_count = self._cell_totals(present & self.in_target)
        propensity = expit(0.5 * (self.cell_age <= 1) - fear_aversion * cell_fear
                           - loyalist_aversion * (self.cell_regime == LOYAL))
        respondents = frame_count * propensity
        weight = np.where(respondents > 0, 1.0, 0.0)
        wanted = [np.bincount(margin, target_count, minlength=size)
                  for margin, size in self._margins]
        for _ in range(iterations):
            for (margin, size), wanted_total in zip(self._margins, wanted, strict=True):
                achieved = np.bincount(margin, respondents * weight, minlength=size)
                factor = np.divide(wanted_total, achieved, out=np.ones_like(wanted_total),
                                   where=achieved > 0)
                weight = weight * factor[margin]
        return propensity * weight

    def shares(self, probabilities: np.ndarray, present: np.ndarray, repression: float,
               fear_opposed: float, fear_neutral: float, falsification_rate: float,
               fear_aversion: float, loyalist_aversion: float) -> np.ndarray:
        """Return the weighted answer shares the instrument would report (sums to 1).

        Falsification: a share psi_f * f of EU-only answers in a cell is given as "both" or
        "neither" instead, half each.
        """
        cell_fear = base_fear(self.cell_regime, fear_opposed, fear_neutral) * repression
        sampled = present & self.in_frame
        totals = np.stack([self._cell_totals(sampled, probabilities[k]) for k in range(4)])
        hidden = totals[EU] * falsification_rate * cell_fear
        totals[EU] -= hidden
        totals[BOTH] += hidden / 2
        totals[NEITHER] += hidden / 2
        weighted = totals @ self.cell_weights(present, cell_fear, fear_aversion,
                                              loyalist_aversion)
        return weighted / weighted.sum()
