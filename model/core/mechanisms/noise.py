"""Small idiosyncratic noise in attitudes."""

from __future__ import annotations

from numba import njit

from ..draws import standard_normal
from .attitude_change import clip


@njit(cache=True, inline="always")
def noise_normals(r_u, e_u):
    """Return the two standard normals of a citizen's noise, the quantiles of two uniforms."""
    return standard_normal(r_u), standard_normal(e_u)


@njit(cache=True, inline="always")
def drift(r, e, z_r, z_e, p):
    """Return a resident's attitudes with small independent noise added.

    r_i += sigma z_i1,  e_i += sigma z_i2,  z ~ N(0, 1) (``noise_normals``)
    """
    return clip(r + p.attitude_noise * z_r), clip(e + p.attitude_noise * z_e)
