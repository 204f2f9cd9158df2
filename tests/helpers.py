"""Hand-made citizens, month records and parameters for testing the rules one by one."""

from __future__ import annotations

import numpy as np

from model.core.mechanisms.grievance import blame_table
from model.core.mechanisms.travel import NO_TRIP_WEST
from model.core.month import Month
from model.core.network import Network
from model.core.population import Population
from model.core.state import CitizenState
from model.inputs.parameters import Parameters

#: Every (diet, regime) pair of the blame table.
BLAME_PAIRS = blame_table(Parameters().record())[0]


def citizens(n: int, **values) -> tuple[CitizenState, Population]:
    """Return n identical citizens (state and traits), with some arrays or values replaced.

    Defaults: attitudes and anchors 0, no grievance or contact, no visa, ties or trip west
    on record, resident;
    neutral, urban, aged 30-44, middle income, state-media diet, no car, not on the border.
    """
    def column(name, default, dtype):
        value = values.pop(name, default)
        return np.array(np.broadcast_to(value, n), dtype=dtype)

    state = CitizenState(
        r=column("r", 0.0, float), e=column("e", 0.0, float),
        r_anchor=column("r_anchor", 0.0, float), e_anchor=column("e_anchor", 0.0, float),
        grievance=column("grievance", 0.0, float), contact=column("contact", 0.0, float),
        has_visa=column("has_visa", False, bool),
        eu_ties=column("eu_ties", 0, np.int16), russia_ties=column("russia_ties", 0, np.int16),
        present=column("present", True, bool),
        last_trip_west=column("last_trip_west", NO_TRIP_WEST, np.int16))
    population = Population(
        urban=column("urban", True, bool), minsk=column("minsk", False, bool),
        age_band=column("age_band", 1, np.int8),
        higher_education=column("higher_education", False, bool),
        internet=column("internet", True, bool), income=column("income", 1, np.int8),
        loyalty=column("loyalty", 0.0, np.float32),
        camp_at_start=column("camp_at_start", 1, np.int8), diet=column("diet", 0, np.int8),
        car_owner=column("car_owner", False, bool),
        border_region=column("border_region", False, bool),
        eu_ties=column("initial_eu_ties", 0, np.int16),
        russia_ties=column("initial_russia_ties", 0, np.int16))
    if values:
        raise TypeError(f"unknown citizen values {sorted(values)}")
    return state, population


def month(t: int = 1, **values) -> Month:
    """Return a month record with every scalar 0 (nothing happens) except those given."""
    terms = dict.fromkeys(Month._fields, 0.0)
    terms.update(t=t, key_0=12345, key_1=6789, blame_west=np.zeros(len(BLAME_PAIRS)),
                 blame_regime=np.zeros(len(BLAME_PAIRS)))
    terms.update(values)
    return Month(**terms)


def parameters(**values):
    """Return the parameter record with some values replaced (checked against the registry)."""
    return Parameters(values).record()


def ring(n: int) -> Network:
    """Return a network in which each citizen listens only to the next one."""
    return Network(np.arange(n + 1, dtype=np.int64), ((np.arange(n) + 1) % n).astype(np.int32))



#: ``run`` options for the plain seed ensemble of the default variant: one parameter set
#: (the registry defaults with --no-posterior), no sampled assumptions or futures, so that
#: ``--seeds N`` gives N runs per scenario, seeds 0..N-1.
SEED_ENSEMBLE = ("--variant", "grievance", "--draws", "1", "--assumptions", "fixed",
                 "--futures", "flat")
