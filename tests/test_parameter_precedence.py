"""One precedence rule for parameters: a scenario's own ``[parameters]`` win over values
given with the run (``simulate(..., parameters=...)``, a posterior draw in ``run``)."""

import numpy as np
import pandas as pd

from model import cli
from model.commands._executor import Setup
from model.core.simulate import simulate
from model.inputs import registry, variants
from model.inputs.scenario import baseline
from model.inputs.scenario_files import write_scenario
from model.runs.execution import simulate_task
from tests.helpers import SEED_ENSEMBLE

OWN, GIVEN = 0.05, 0.2  # peer_rate: the scenario's, and the one given with the run
CITIZENS = 300


def own_scenario():
    return baseline().with_changes(name="own", end="2021-12", citizens=CITIZENS,
                                   parameters={"peer_rate": OWN})


def test_simulate_keeps_the_scenarios_own_parameters():
    scenario = own_scenario()
    given = simulate(scenario, seed=1, n_citizens=CITIZENS, parameters={"peer_rate": GIVEN})
    own = simulate(scenario, seed=1, n_citizens=CITIZENS)
    np.testing.assert_array_equal(given.array, own.array)
    changed = simulate(scenario.with_changes(parameters={"peer_rate": GIVEN}), seed=1,
                       n_citizens=CITIZENS)
    assert not np.array_equal(changed.array, own.array)  # the given value would matter


def test_simulate_still_fills_the_parameters_the_scenario_does_not_set():
    plain = baseline().with_changes(end="2021-12")
    given = simulate(plain, seed=1, n_citizens=CITIZENS, parameters={"peer_rate": GIVEN})
    written = simulate(plain.with_changes(parameters={"peer_rate": GIVEN}), seed=1,
                       n_citizens=CITIZENS)
    np.testing.assert_array_equal(given.array, written.array)


def one_particle_posterior(folder):
    """A committed posterior of one particle: every draw is it, peer_rate GIVEN."""
    names = variants.variant(variants.DEFAULT_VARIANT).free(
        q.name for q in registry.PARAMETERS if q.calibrated)
    row = {"weight": 1.0, **{name: registry.get(name).default for name in names},
           "peer_rate": GIVEN}
    folder.mkdir()
    pd.DataFrame([row]).to_csv(folder / f"{variants.DEFAULT_VARIANT}.csv", index=False)
    return {name: float(value) for name, value in row.items() if name != "weight"}


def test_run_posterior_keeps_the_scenarios_own_parameters(tmp_path):
    particle = one_particle_posterior(tmp_path / "posteriors")
    path = write_scenario(own_scenario(), tmp_path / "own.toml")
    arrays = []

    def recording(task):
        arrays.append(simulate_task(task))
        return arrays[-1]

    setup = Setup(worker=recording, posteriors=tmp_path / "posteriors")
    assert cli.main(["run", str(path), *SEED_ENSEMBLE, "--seeds", "1", "--citizens",
                     str(CITIZENS), "--posterior", "--no-plots", "--workers", "1", "--out",
                     str(tmp_path / "out")], setup=setup) == 0
    scenario = own_scenario()
    expected = simulate(scenario.with_changes(parameters={**particle, "peer_rate": OWN}),
                        seed=0, n_citizens=CITIZENS)
    np.testing.assert_array_equal(arrays[0], expected.array)
    drawn = simulate(scenario.with_changes(parameters=particle), seed=0, n_citizens=CITIZENS)
    assert not np.array_equal(arrays[0], drawn.array)  # the draw's peer_rate lost
