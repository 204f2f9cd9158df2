"""Small idiosyncratic noise in attitudes."""

from __future__ import annotations

import numpy as np

from .attitude_change import clip_attitudes


def idiosyncratic_noise(r: np.ndarray, e: np.ndarray, normal: np.ndarray,
                        sigma: float) -> None:
    """Add small independent noise to attitudes (in place).

    r_i += sigma z_i1,  e_i += sigma z_i2,  z ~ N(0, 1)
    """
    r += sigma * normal[0]
    e += sigma * normal[1]
    clip_attitudes(r, e)
