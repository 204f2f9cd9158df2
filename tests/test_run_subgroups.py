"""``run --subgroups``: subgroups.csv per scenario and horizon, averaged over the members."""

import numpy as np
import pandas as pd
import pytest

from model import cli, simulate
from model.core.subgroups import FRAME_COLUMNS, ROWS, SUBGROUPS, subgroup_frame
from model.inputs.scenario import baseline
from model.inputs.scenario_files import write_scenario
from model.inputs.timeline import TimelinePoint
from model.runs.subgroups import SUBGROUPS_DIR, weighted_mean
from tests.helpers import SEED_ENSEMBLE

END, CITIZENS, SEEDS = "2021-06", 1_500, 2


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    folder = tmp_path_factory.mktemp("subgroups")
    base = baseline().with_changes(name="reference", end=END, citizens=CITIZENS)
    files = [write_scenario(base, folder / "reference.toml"),
             write_scenario(base.with_changes(name="dearer_visas",
                                              levers={"visa_fee_eur": (
                                                  TimelinePoint("2020-10", 80),)}),
                            folder / "dearer_visas.toml")]
    out = folder / "out"
    status = cli.main(["run", *map(str, files), *SEED_ENSEMBLE, "--seeds", str(SEEDS),
                       "--no-plots", "--workers", "1", "--no-posterior", "--no-progress",
                       "--horizons", "2020-12,2021-06", "--subgroups", "900",
                       "--out", str(out)])
    assert status == 0
    return out, base


def test_subgroups_csv_has_every_scenario_horizon_and_row(finished):
    out, _ = finished
    table = pd.read_csv(out / "subgroups.csv")
    assert list(table.columns) == ["scenario", "variant", "n_runs", *FRAME_COLUMNS]
    assert set(table.scenario) == {"reference", "dearer_visas"}
    assert set(table.variant) == {"averaged"} and set(table.n_runs) == {SEEDS}
    assert set(table.month) == {"2020-12", "2021-06"}
    assert len(table) == 2 * 2 * len(ROWS) * 4
    one = table[(table.scenario == "reference") & (table.month == "2021-06")]
    assert set(one.subgroup) == set(SUBGROUPS)
    assert one.drop_duplicates(["subgroup", "level"]).groupby("subgroup").n_expected.sum(
    ).round(3).eq(900).all()


def test_the_table_is_the_mean_of_the_members_runs(finished):
    out, base = finished
    runs = [simulate(base, seed=seed, n_citizens=CITIZENS, subgroups=True)
            for seed in range(SEEDS)]
    month = runs[0].months.index("2021-06")
    mean = weighted_mean(np.stack([run.subgroup_array[month] for run in runs]),
                         np.ones(SEEDS))
    expected = subgroup_frame(mean, "2021-06", 900)
    table = pd.read_csv(out / "subgroups.csv")
    written = table[(table.scenario == "reference") & (table.month == "2021-06")]
    assert np.allclose(written.share, expected.share, equal_nan=True, rtol=1e-5)
    assert np.allclose(written.low, expected.low, equal_nan=True, rtol=1e-5)


def test_the_subgroup_runs_are_kept_apart_and_named_in_the_manifest(finished):
    out, _ = finished
    assert len(list((out / SUBGROUPS_DIR / "runs").glob("*.npz"))) == 2 * SEEDS
    assert len(list((out / "runs").glob("*.npz"))) == 2 * SEEDS
    manifest = (out / "manifest.json").read_text()
    assert "--subgroups 900" in manifest and "subgroups.csv" in manifest


def test_weighted_mean_skips_missing_values():
    stack = np.array([[1.0, np.nan], [3.0, np.nan]])
    assert np.allclose(weighted_mean(stack, np.array([1.0, 3.0]))[:1], [2.5])
    assert np.isnan(weighted_mean(stack, np.array([1.0, 3.0]))[1])
