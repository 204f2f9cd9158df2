"""Small idiosyncratic noise in attitudes."""

from __future__ import annotations

from numba import njit

from ..draws import standard_normal
from .attitude_change import clip


@njit(cache=True, inline="always")
def drift(r, e, r_u, e_u, p):
    """Return a resident's attitudes with small independent noise added.

    r_i += sigma z_i1,  e_i += sigma z_i2,  z ~ N(0, 1), the normal quantiles of two uniforms
    """
    return (clip(r + p.attitude_noise * standard_normal(r_u)),
            clip(e + p.attitude_noise * standard_normal(e_u)))
