"""Calibration to the Chatham House waves and out-of-sample validation.

* ``targets``: the survey shares the model is fitted to, and the model's simulated
  counterpart with sampling error at each wave's sample size.
* ``abc``: ABC-SMC with pyabc (priors from the registry, a seeded sampler that gives the
  same posterior serially, in a process pool or on Dask, resumable SQLite history).
* ``validation``: leave-one-wave-out and temporal-split fits, naive forecasts, mechanism
  ablations and scores.
* ``report``: tables and figures of a fit.
"""
