"""Small idiosyncratic noise in attitudes."""

from __future__ import annotations

from numba import njit

from .attitude_change import clip


@njit(cache=True, inline="always")
def drift(r, e, z_r, z_e, p):
    """Return a resident's attitudes with small independent noise added.

    r_i += sigma z_i1,  e_i += sigma z_i2,  z ~ N(0, 1): the standard normal quantiles of
    the citizen's two noise uniforms this month (``draws.standard_normals``)
    """
    return clip(r + p.attitude_noise * z_r), clip(e + p.attitude_noise * z_e)
