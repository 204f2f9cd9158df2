"""Drive the model from EMA Workbench (README, "Which levers matter"; docs/sensitivity.md).

Run from the repository root: ``python docs/examples/ema_workbench_example.py`` (needs
``pip install "ema-workbench>=3.0"``, part of the ``test`` extra). Twelve experiments
(4 sampled futures x 3 sampled policies), each a policy run and its status quo run of 2,000
citizens: about ten seconds.
"""

from ema_workbench import (
    ArrayOutcome,
    Constant,
    IntegerParameter,
    Model,
    RealParameter,
    ScalarOutcome,
    perform_experiments,
)

from model.analysis.exploration import evaluate

belarus = Model("belarus", function=evaluate)
# Names as in model/registry.py (`python run.py levers`); ranges within the registry bounds.
belarus.uncertainties = [RealParameter("propaganda_state", 1.0, 2.5),
                         RealParameter("peer_rate", 0.0, 0.25)]
belarus.levers = [RealParameter("visa_fee_eur", 0, 90),
                  IntegerParameter("open_crossings_poland", 0, 5)]
belarus.constants = [Constant("n_citizens", 2_000), Constant("seed", 0)]
belarus.outcomes = [ScalarOutcome("russia_2030"), ScalarOutcome("eu_2030"),
                    ScalarOutcome("russia_2030_change"), ScalarOutcome("eu_2030_change"),
                    ArrayOutcome("russia")]  # the monthly series, 2020-09 to 2030-12

if __name__ == "__main__":
    experiments, outcomes = perform_experiments(
        belarus, scenarios=4, policies=3,
        uncertainty_sampling_kwargs={"rng": 1}, lever_sampling_kwargs={"rng": 2})
    table = experiments[["propaganda_state", "peer_rate", "visa_fee_eur",
                         "open_crossings_poland"]].assign(
        russia_change_pp=100 * outcomes["russia_2030_change"],
        eu_change_pp=100 * outcomes["eu_2030_change"])
    print(table.round(2).to_string())
    print("monthly Russia series:", outcomes["russia"].shape)
