"""Attribution of a change to factors: Shapley values over a factorial design.

A *coalition* S of the k factors is a world in which the factors in S follow their actual
history and the others are held (``docs/attribution.md``); it is written as a bit mask, bit
i set when factor i is actual. ``v(S)`` is the outcome in that world, any array (one
number, or draws x answers x months): every function here works elementwise on it, so one
call attributes every draw, answer and month at once.

* Shapley value of factor i: the mean over all orders of switching the factors on of what
  switching i on adds, phi_i = sum over S without i of |S|! (k - |S| - 1)! / k! *
  (v(S + i) - v(S)). Exact from the full factorial (2^k coalitions), or estimated from
  sampled orders with its sampling error (``sampled_orders``).
* held: v(F) - v(F - i), what holding i alone takes away from the actual world;
  alone: v({i}) - v(empty), what i alone does in the frozen world. Their difference,
  ``interaction`` = held - alone, is how much i's effect depends on the others changing
  (zero for every factor when v is additive).
* The Shapley values sum to v(F) - v(empty) exactly (efficiency), so with the residual
  v(empty) - start they sum to the total shift v(F) - start.

Nothing here runs the model: the values come from anywhere (tests use known functions).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from math import factorial

import numpy as np

#: Above this many factors the full factorial is refused unless orders are sampled: its
#: runs double with every factor (2^8 = 256 per draw), sampled orders' grow linearly.
MAX_EXACT_FACTORS = 8


def full(k: int) -> int:
    """Return the coalition of every factor (all actual)."""
    return (1 << k) - 1


def members(mask: int, k: int) -> tuple[int, ...]:
    """Return the factors (indices) in coalition ``mask``."""
    return tuple(i for i in range(k) if mask >> i & 1)


def all_coalitions(k: int) -> tuple[int, ...]:
    """Return every coalition of ``k`` factors, the empty one first."""
    return tuple(range(1 << k))


def sampled_orders(k: int, n: int, rng: np.random.Generator) -> np.ndarray:
    """Return ``n`` orders of switching ``k`` factors on, shape (n, k).

    They come in antithetic pairs (an order, then its reverse): a factor early in one is late
    in the other, which cancels much of the error from where each factor happens to fall.
    """
    orders = np.empty((n, k), dtype=int)
    for row in range(0, n, 2):
        orders[row] = rng.permutation(k)
        if row + 1 < n:
            orders[row + 1] = orders[row][::-1]
    return orders


def needed_coalitions(k: int, orders: np.ndarray | None = None) -> tuple[int, ...]:
    """Return the coalitions whose values the attribution needs, in increasing order.

    Without ``orders``: all 2^k (exact). With them: every prefix of every order, plus what
    ``held`` and ``alone`` need (the empty and full coalitions, each factor alone and each
    factor held alone).
    """
    if orders is None:
        return all_coalitions(k)
    everyone = full(k)
    needed = {0, everyone}
    needed |= {1 << i for i in range(k)} | {everyone & ~(1 << i) for i in range(k)}
    for order in orders:
        mask = 0
        for factor in order:
            mask |= 1 << int(factor)
            needed.add(mask)
    return tuple(sorted(needed))


@dataclass(frozen=True)
class Attribution:
    """The attribution of ``v(F) - start`` to k factors; every array has v's shape.

    Attributes:
        shapley: (k, ...) Shapley value of each factor.
        held: (k, ...) v(F) - v(F without i).
        alone: (k, ...) v({i}) - v(empty).
        residual: v(empty) - start: what the frozen world does on its own.
        total: v(F) - start: the shift to explain.
        shapley_se: (k, ...) sampling error of sampled Shapley values (zeros when exact).
        orders: how many orders were sampled (0: exact, from the full factorial).
    """

    shapley: np.ndarray
    held: np.ndarray
    alone: np.ndarray
    residual: np.ndarray
    total: np.ndarray
    shapley_se: np.ndarray
    orders: int = 0

    @property
    def interaction(self) -> np.ndarray:
        """Return held - alone: how much each factor's effect depends on the others."""
        return self.held - self.alone

    @property
    def exact(self) -> bool:
        """True when the Shapley values come from the full factorial."""
        return self.orders == 0


def _check(values: Mapping[int, np.ndarray], needed: tuple[int, ...]) -> None:
    missing = [mask for mask in needed if mask not in values]
    if missing:
        raise ValueError(f"values of coalitions {missing[:5]} are missing")


def _held_and_alone(values: Mapping[int, np.ndarray], k: int) -> tuple[np.ndarray, ...]:
    everyone = full(k)
    held = np.stack([values[everyone] - values[everyone & ~(1 << i)] for i in range(k)])
    alone = np.stack([values[1 << i] - values[0] for i in range(k)])
    return held, alone


def attribute(values: Mapping[int, np.ndarray], k: int, start: np.ndarray | float,
              orders: np.ndarray | None = None) -> Attribution:
    """Attribute v(F) - start to the k factors.

    Args:
        values: v(S) by coalition mask, each an array of one shape (or a number).
        k: the number of factors (at least 1).
        start: the value the shift is measured from (the share at the start).
        orders: sampled orders (``sampled_orders``) for sampled Shapley values; None for
            exact ones from the full factorial.

    Raises:
        ValueError: when a needed coalition's value is missing.
    """
    if k < 1:
        raise ValueError("attribution needs at least one factor")
    _check(values, needed_coalitions(k, orders))
    values = {mask: np.asarray(value, dtype=float) for mask, value in values.items()}
    if orders is None:
        shapley, se = _exact_shapley(values, k), None
    else:
        shapley, se = _sampled_shapley(values, k, orders)
    held, alone = _held_and_alone(values, k)
    start = np.asarray(start, dtype=float)
    return Attribution(shapley, held, alone, values[0] - start, values[full(k)] - start,
                       np.zeros_like(shapley) if se is None else se,
                       0 if orders is None else len(orders))


def _exact_shapley(values: Mapping[int, np.ndarray], k: int) -> np.ndarray:
    weight = [factorial(s) * factorial(k - s - 1) / factorial(k) for s in range(k)]
    shapley = []
    for i in range(k):
        bit = 1 << i
        shapley.append(sum(weight[mask.bit_count()] * (values[mask | bit] - values[mask])
                           for mask in all_coalitions(k) if not mask & bit))
    return np.stack(shapley)


def _sampled_shapley(values: Mapping[int, np.ndarray], k: int,
                     orders: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the mean marginal contributions over ``orders`` and their standard errors.

    The error of each antithetic pair's mean is what varies independently, so the error is
    computed over pairs (over single orders when there is an odd one out or only one).
    """
    shape = np.shape(values[0])
    contributions = np.empty((len(orders), k, *shape))
    for row, order in enumerate(orders):
        mask = 0
        for factor in order:
            after = mask | 1 << int(factor)
            contributions[row, int(factor)] = values[after] - values[mask]
            mask = after
    shapley = contributions.mean(axis=0)
    units = contributions
    if len(orders) >= 4 and len(orders) % 2 == 0:
        units = 0.5 * (contributions[0::2] + contributions[1::2])
    if len(units) < 2:
        return shapley, np.full_like(shapley, np.nan)
    return shapley, units.std(axis=0, ddof=1) / np.sqrt(len(units))
