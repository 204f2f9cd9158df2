"""Initial attitudes: covariate-conditional anchors, conditioned on the September 2020 wave.

Each citizen's starting attitudes combine an East-West orientation o_i and a general openness
to alliances a_i (Chatham House's "both" and "neither" answers are far more common than two
independent yes/no choices would give, so the two axes share a factor):

    o_i = o_diet d(diet_i)/2 + o_reg g(regime_i)/2 + o_age (age_i - 1.5) + sigma0 z_i1
    r_i = c_r + o_i + lambda z_i2,    e_i = c_e - o_i + lambda z_i2

The three constants (c_r, c_e, lambda) are solved so that the virtual survey in September
2020 reads the wave-1 shares: the initial condition is conditioned on the first wave, and the
dynamics are judged on the later waves.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.optimize import least_squares, root

from .population import AGE_BANDS, Population

#: East-West direction of each media diet (state only, both, independent only, rarely).
DIET_DIRECTION = np.array([1.0, 0.0, -1.0, 0.3])
#: East-West direction of each regime alignment (opposed, neutral, loyal).
REGIME_DIRECTION = np.array([-1.0, 0.0, 1.0])

#: Wave 1 (Sep 2020) alliance shares, Chatham House, in the order russia, both, eu, neither.
#: 27.2 / "over 41" / 9.1 / "over 23" (https://www.rp.pl/Bialorus/310229936), normalised.
WAVE_ONE_SHARES = np.array([27.2, 41.0, 9.1, 23.0]) / 100.3

#: The initial solve uses at most this many citizens (they are independent draws, so a large
#: subsample pins the constants as well as the whole population would).
SOLVE_SUBSAMPLE = 200_000

#: Where the solve starts (near the solution under the default parameters), and the bounds
#: of (c_r, c_e, lambda): offsets within the attitude scale's reach, a loading of at most 2.
INITIAL_GUESS = np.array([0.29, 0.1, 0.66])
CONSTANT_BOUNDS = (np.array([-1.5, -1.5, 0.0]), np.array([1.5, 1.5, 2.0]))


def orientation(population: Population, diet_gap: float, regime_gap: float,
                age_gap: float, spread: float, normal: np.ndarray) -> np.ndarray:
    """Return each citizen's East-West orientation o_i (positive leans Russia)."""
    middle_age = (len(AGE_BANDS) - 1) / 2
    return (0.5 * diet_gap * DIET_DIRECTION[population.diet]
            + 0.5 * regime_gap * REGIME_DIRECTION[population.camp_at_start]
            + age_gap * (population.age_band - middle_age)
            + spread * normal)


def place_attitudes(east_west: np.ndarray, openness: np.ndarray,
                    constants: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (r, e) = (c_r + o + lambda z, c_e - o + lambda z), clipped to [-1, 1]."""
    russia_offset, eu_offset, loading = constants
    r = np.clip(russia_offset + east_west + loading * openness, -1.0, 1.0)
    e = np.clip(eu_offset - east_west + loading * openness, -1.0, 1.0)
    return r, e


def solve_initial_constants(east_west: np.ndarray, openness: np.ndarray,
                            survey_shares: Callable[[np.ndarray, np.ndarray, np.ndarray],
                                                    np.ndarray],
                            target: np.ndarray = WAVE_ONE_SHARES) -> np.ndarray:
    """Return (c_r, c_e, lambda) such that the initial survey reads ``target``.

    ``survey_shares(r, e, rows)`` must return the survey's four shares for attitudes of the
    citizens ``rows``. Solved on the russia, both and eu shares (neither follows);
    deterministic given the draws.
    """
    rows = np.arange(min(east_west.size, SOLVE_SUBSAMPLE))

    def residual(constants):
        r, e = place_attitudes(east_west[rows], openness[rows], constants)
        return (survey_shares(r, e, rows) - target)[:3]

    # Three shares, three constants: a square system, solved by MINPACK's hybrid Powell
    # method, which estimates the Jacobian once and then updates it (Broyden): 14 survey
    # reads against the 20 of a least-squares fit that differences it every iteration,
    # and a closer fit (largest residual about 1e-14 against 1e-12). Started near the usual
    # solution under the default parameters. Least squares within the bounds if it fails.
    solution = root(residual, INITIAL_GUESS, method="hybr", options={"xtol": 1e-10})
    low, high = CONSTANT_BOUNDS
    if solution.success and np.all((low <= solution.x) & (solution.x <= high)):
        return solution.x
    fit = least_squares(residual, x0=INITIAL_GUESS, bounds=CONSTANT_BOUNDS, xtol=1e-10,
                        ftol=1e-10)
    return fit.x
