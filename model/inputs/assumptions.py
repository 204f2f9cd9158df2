"""Fixed assumptions, sampled: the uncalibrated parameters drawn from their priors.

The survey waves inform few parameters; the others are assumptions the fit held at their
defaults. ``run --assumptions sampled`` draws each of them uniformly from its registry
prior (its documented range), so projections carry that uncertainty too. Held at the
default instead: the parameters a variant fits or switches off (they belong to the variant),
and the named assumptions (``held`` in the registry), which are varied between variants,
not within one.
"""

from __future__ import annotations

import numpy as np

from . import registry
from .variants import Variant


def sampled_names(variant: Variant, fitted: tuple[str, ...]) -> tuple[str, ...]:
    """Return the parameters a draw of ``variant`` samples, in registry order.

    Args:
        variant: the variant drawn.
        fitted: the parameters the variant's posterior gives.
    """
    kept = set(fitted) | set(variant.off) | set(variant.freed)
    return tuple(q.name for q in registry.PARAMETERS
                 if not q.calibrated and not q.held and q.name not in kept)


def sample_assumptions(names: tuple[str, ...], rng: np.random.Generator) -> dict[str, float]:
    """Return a uniform draw from each named parameter's prior (whole numbers rounded)."""
    drawn = {}
    for name in names:
        quantity = registry.get(name)
        value = float(rng.uniform(*quantity.prior))
        drawn[name] = float(round(value)) if quantity.dtype == "int" else value
    return drawn
