"""The benchmark code runs on tiny sizes and reports what it measured (no timing is asserted).

The side-by-side comparison is exercised with the current tree standing in for the older
version: materialising and compiling an old commit would take minutes.
"""

import copy
import csv
import io
import json
import subprocess

import matplotlib.image
import numpy as np
import pytest

from benchmarks import measure, probe, report, run_benchmarks, versions
from model.analysis.calibration.targets import check_waves, months_seen, target_waves
from model.core.draws import BLOCKS
from model.core.observation import SurveyDesign
from model.core.opinion_model import OpinionModel
from model.core.state import CitizenState
from model.core.threads import CHUNK, PARALLEL_MIN_CHUNKS, thread_count
from model.inputs.calendar import month_range
from model.inputs.scenario import MAX_CITIZENS, baseline

TINY = 400
TINY_END = "2020-11"  # two monthly steps


def tiny_model(**options) -> OpinionModel:
    return OpinionModel(baseline().with_changes(end=TINY_END), seed=0, n_citizens=TINY,
                        create_agents=False, **options)


@pytest.fixture(scope="module")
def stand_ins():
    """The current tree twice: once as "old", once as "new"."""
    new = versions.current_source()
    return versions.Source("old", new.root, new.commit), new


@pytest.fixture(scope="module")
def comparison(stand_ins):
    old, new = stand_ins
    calibration = versions.compare_calibration(
        [versions.Variant(old), versions.Variant(new)], rounds=2, seeds_per_round=1,
        citizens=TINY, end=TINY_END, say=lambda _: None)
    large = versions.compare_large(
        [versions.Variant(old), versions.Variant(new), versions.Variant(new, 1)], rounds=1,
        citizens=TINY, end=TINY_END, say=lambda _: None)
    return calibration, large


@pytest.fixture(scope="module")
def results(comparison):
    calibration, large = comparison
    return {
        "command": "python benchmarks/run_benchmarks.py --test",
        "against": {"commit": "abc1234", "date": "2026-11-28", "subject": "stand-in"},
        "machine": {"cpu": "test"},
        "calibration": calibration, "large": large,
        "sizes": [measure.measure_size(TINY, TINY_END, threads) for threads in (1, 2)],
        "breakdown": measure.measure_breakdown(TINY, TINY_END, [0, 1]),
        "reference": measure.measure_reference(60, TINY_END, repeats=1),
        "network": measure.measure_network([1_000, 4_000], [14, 7], repeats=1),
        "ensemble": [measure.measure_ensemble(2, 2, n_citizens=TINY, end=TINY_END)],
    }


# --- the side-by-side comparison ---------------------------------------------------------
def test_rotations_give_each_version_each_place():
    assert list(versions.rotations(["a", "b"], 3)) == [(0, "a"), (0, "b"), (1, "b"), (1, "a"),
                                                        (2, "a"), (2, "b")]
    orders = [[item for number, item in versions.rotations("xyz", 3) if number == n]
              for n in range(3)]
    assert orders == [list("xyz"), list("yzx"), list("zxy")]


def test_comparison_runs_both_versions_by_turns_from_the_named_tree(comparison, stand_ins):
    calibration, large = comparison
    new = stand_ins[1]
    assert [r["variant"] for r in calibration] == ["old", "new", "new", "old"]
    assert {r["model_package"] for r in calibration + large} == {str(new.root / "model")}
    assert [[run["seed"] for run in r["runs"]] for r in calibration] == [[0], [0], [1], [1]]
    # The stand-in is the same code, so each seed gives the same numbers in both "versions".
    by_seed = {}
    for record in calibration:
        for run in record["runs"]:
            by_seed.setdefault(run["seed"], set()).add(run["shares_digest"])
    assert all(len(digests) == 1 for digests in by_seed.values())

    summary = versions.calibration_summary(calibration)
    assert summary["old"]["wall"]["n"] == summary["new"]["wall"]["n"] == 2
    fits = versions.calibration_summary(calibration, "fit_runs")
    assert fits["old"]["wall"]["n"] == fits["new"]["wall"]["n"] == 2
    # The months a fit reads at this end: the waves up to 2020-11 see none but the start's.
    assert {r["fit_months_read"] for r in calibration} == {len(fit_months_to(TINY_END))}
    ratio = versions.ratio(summary["old"]["wall"], summary["new"]["wall"])
    assert all(np.isfinite(value) and value > 0 for value in ratio.values())


def fit_months_to(end):
    return months_seen(target_waves() + check_waves(), month_range("2020-09", end))


def test_large_runs_record_threads_memory_and_results(comparison):
    _, large = comparison
    by_variant = {r["variant"]: r for r in large}
    assert list(by_variant) == ["old", "new", "new, 1 thread"]
    assert by_variant["new, 1 thread"]["threads_env"] == "1"
    assert by_variant["new, 1 thread"]["thread_count"] == 1
    assert by_variant["new"]["threads_env"] is None
    assert all(r["steps"] == 2 and len(r["step_walls"]) == 2 for r in large)
    assert len({r["shares_digest"] for r in large}) == 1
    metrics = versions.large_metrics(by_variant["new"])
    assert metrics["total_wall"] == pytest.approx(metrics["build_wall"] + metrics["run_wall"])
    assert by_variant["new"]["peak_rss_mb"] >= by_variant["new"]["peak_rss_after_build_mb"] > 0
    assert np.isfinite(metrics["rss_growth_trimmed_b"])
    summary = versions.large_summary(large)
    assert set(report.large_speedups(summary)) == {"new", "new, 1 thread"}


def test_probe_refuses_a_model_from_another_tree(tmp_path):
    elsewhere = versions.Variant(versions.Source("elsewhere", tmp_path, "none"))
    with pytest.raises(versions.ProbeError, match="not from"):
        versions.run_probe(elsewhere, "prime", citizens=TINY)
    with pytest.raises(probe.SourceMismatchError):
        probe.check_source(str(versions.ROOT / "model" / "__init__.py"), tmp_path)
    assert probe.check_source(str(versions.ROOT / "model" / "__init__.py"),
                              versions.ROOT) == versions.ROOT / "model"


def test_materialised_source_is_removed_even_after_a_failure():
    try:
        head = versions.git("rev-parse", "--short", "HEAD")
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git work tree")
    with versions.materialised("HEAD") as source:
        folder = source.root
        assert (folder / "model" / "__init__.py").is_file()
        assert source.commit == head[:7] and folder != versions.ROOT
    assert not folder.exists()
    with pytest.raises(RuntimeError, match="on purpose"), versions.materialised("HEAD") as source:
        folder = source.root
        raise RuntimeError("on purpose")
    assert not folder.exists()


# --- current-code details ----------------------------------------------------------------
def test_inventory_counts_each_state_array_once():
    model = tiny_model()
    inventory = measure.array_inventory(model)
    names = [name for name, _, _ in inventory["rows"]]
    assert len(names) == len(set(names))
    assert [n for n in names if n.startswith("state.")] == [f"state.{field}"
                                                            for field in CitizenState._fields]
    assert {"network.indices", "network.indptr", "world.scratch", "survey.group"} <= set(names)
    # The survey's raking target is the population's urban flag, and its loyalty the
    # population's: each counted once, in the population.
    assert ("survey.in_target", "population.urban") in inventory["shared"]
    assert ("survey.loyalty", "population.loyalty") in inventory["shared"]
    state = sum(size for name, _, size in inventory["rows"] if name.startswith("state."))
    arrays = [getattr(model.world.state, field) for field in CitizenState._fields]
    assert state == sum(array.nbytes for array in arrays) / model.world.population.size
    assert inventory["bytes_per_citizen"] == sum(size for _, _, size in inventory["rows"])
    # One buffer of 32-bit words per thread: (blocks of the month's draws, 4, CHUNK).
    assert inventory["fixed_bytes"] == thread_count() * len(BLOCKS) * 4 * CHUNK * 4


def test_inventory_counts_an_array_of_its_own():
    model = tiny_model(survey_design=SurveyDesign(rake_to="everyone"))
    inventory = measure.array_inventory(model)
    assert "survey.in_target" in [name for name, _, _ in inventory["rows"]]
    assert inventory["shared"] == [("survey.loyalty", "population.loyalty")]


def test_determinism_check_compares_thread_counts():
    n = PARALLEL_MIN_CHUNKS * CHUNK + 1  # the smallest population that uses the threads
    runs = [measure.measure_size(n, "2020-10", threads) for threads in (1, 2)]
    [row] = measure.determinism(runs)
    assert row["uses_threads"] and row["threads"] == [1, 2]
    assert row["max_share_difference"] == 0.0 and row["same_state"]
    altered = copy.deepcopy(runs[1])
    altered["shares"][-1][0][0] += 1e-9
    altered["state_digest"] = "different"
    [row] = measure.determinism([runs[0], altered])
    assert row["max_share_difference"] == pytest.approx(1e-9) and not row["same_state"]


def test_detail_measurements(results):
    one, two = results["sizes"]
    assert one["steps"] == two["steps"] == 2
    assert one["build"] >= one["build_network"] > 0
    assert one["peak_rss_mb"] >= one["peak_rss_after_build_mb"] > 0
    breakdown = results["breakdown"]
    assert breakdown["calls"]["advance_month"] == 2 and breakdown["calls"]["observe"] == 3
    assert sum(breakdown["parts_ms"].values()) == pytest.approx(breakdown["total_ms"])
    assert results["reference"]["max_share_difference"] < 1e-12
    ties = [(row["citizens"], row["mean_degree"], row["ties"]) for row in results["network"]]
    assert [t[:2] for t in ties] == [(1_000, 14), (4_000, 14), (4_000, 7)]
    assert ties[1][2] > 3 * ties[0][2] and ties[2][2] < 0.6 * ties[1][2]
    [ensemble] = results["ensemble"]
    assert ensemble["runs"] == 2 and ensemble["citizens"] == TINY
    assert ensemble["runs_per_minute"] > 0


# --- the report --------------------------------------------------------------------------
def test_report_renders_csv_markdown_and_png(results, tmp_path):
    rows = report.tidy_rows(results)
    report.write_atomic(tmp_path / "b.csv", report.csv_text(rows))
    with open(tmp_path / "b.csv") as handle:
        read = list(csv.DictReader(handle))
    assert len(read) == len(rows)
    assert {row["benchmark"] for row in read} >= {
        "calibration_run", "calibration_speedup", "fit_evaluation_run",
        "fit_evaluation_speedup", "large_run", "large_run_speedup", "size",
        "determinism", "inventory", "oracle", "oracle_speedup", "calibration_breakdown",
        "network_k14", "network_k7", "ensemble"}
    assert all(np.isfinite(float(row["value"])) for row in read)
    assert not list(tmp_path.glob("*.tmp"))
    assert (tmp_path / "b.csv").stat().st_mode & 0o044  # readable by others, as files are

    text = report.markdown(results)
    for heading in ("## Targets", "### Calibration size", "### Large run", "### Throughput",
                    "### Determinism", "### Memory kept per citizen", "per-agent oracle",
                    "### Where a calibration-size run goes", "### Ensemble throughput",
                    "As a fit's evaluation runs it"):
        assert heading in text
    assert "`state.r`" in text and results["command"] in text
    # Tiny sizes are not the targets' sizes: the speed targets say so rather than judge.
    assert text.count("not measured") >= 3

    image = matplotlib.image.imread(io.BytesIO(report.scaling_plot(results)), format="png")
    assert image.ndim == 3 and image.shape[0] > 300 and image.shape[1] > 300


def with_calibration_walls(results, old_wall, new_wall):
    """Return a copy of ``results`` whose calibration runs took these times, at target size."""
    changed = copy.deepcopy(results)
    for record in changed["calibration"]:
        record["citizens"], record["end"] = report.CALIBRATION_SIZE
        for run in record["runs"]:
            run["wall"] = old_wall if record["version"] == "old" else new_wall
    return changed


def test_targets_report_a_miss_plainly(results):
    slow = with_calibration_walls(results, 0.15, 0.10)
    _, measured, met = report.targets(slow)[0]
    assert met is False and "150 → 100 ms" in measured and "1.50x median" in measured
    assert "**not met**" in report.markdown(slow)
    assert report.targets(with_calibration_walls(results, 0.15, 0.05))[0][2] is True


def test_command_line_options_and_rendering_from_json(results, tmp_path):
    quick = run_benchmarks.parse_args(["--quick", "--full-population"])
    assert quick.sizes[-1] == MAX_CITIZENS and quick.large_citizens < 1_000_000
    assert run_benchmarks.parse_args([]).against == "521770a"
    saved = tmp_path / "saved.json"
    saved.write_text(json.dumps(results))
    assert run_benchmarks.main(["--from-json", str(saved), "--output", str(tmp_path)]) == 0
    assert {p.name for p in tmp_path.iterdir()} >= {"benchmarks.csv", "benchmarks.md",
                                                    "scaling.png", "benchmarks.json"}
    assert (tmp_path / "benchmarks.md").read_text() == report.markdown(results)


def test_each_pass_of_a_month_is_timed_on_the_threaded_path():
    with measure.every_path_on_small_populations():
        timing = measure.measure_passes(TINY, 2, warm_up=1)
    parts = timing["ms_per_month"]
    assert {"peer_chunks", "live_chunks", "chunk_totals", "month_record", "step"} <= set(parts)
    assert parts["step"] >= parts["peer_chunks"] + parts["live_chunks"] + parts["chunk_totals"]
    assert min(parts.values()) > 0
